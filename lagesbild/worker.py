"""`lagesbild run`: the scheduled worker.

APScheduler (in the configured time zone) runs the jobs; each job takes a
database lock first, so two workers on one database never run the same job
at once, and a job never overlaps itself (max_instances=1). When the mailbox
supports IMAP IDLE, a watcher thread wakes the ingest job as soon as mail
arrives; otherwise ingest runs every `poll_interval_seconds`. SIGTERM and
SIGINT stop the worker cleanly: running jobs finish, nothing is cut off.

Every job asks the worker's `Clock` for the time instead of the system clock,
so `lagesbild run --now …` replays a given moment (the clock starts there and
runs on in real time): the worker can be tested and demonstrated on any date.

Each ingest cycle is written down (flow.heartbeat) for `lagesbild status` and
the web page; the worker's metrics (flow.metrics) are served on `[metrics]
listen` and/or written to `[metrics] textfile`; under systemd it says READY,
pings the watchdog while its jobs move on, and says STOPPING (watchdog.py).
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine

from flow.metrics import WorkerMetrics
from flow.settings import Config
from ground.errors import LagesbildError
from lagesbild.runtime import settle_heap
from lagesbild.watchdog import Liveness, Watchdog, sd_notify

_log = logging.getLogger(__name__)

OUTBOX_INTERVAL_SECONDS = 30


@dataclass(frozen=True, slots=True)
class Clock:
    """The worker's time: the system clock, or a given start that runs on in real time."""

    timezone: ZoneInfo
    start: datetime | None = None
    _started: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        """The current moment, aware, in the worker's time zone."""
        if self.start is None:
            return datetime.now(self.timezone)
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        return (self.start + elapsed).astimezone(self.timezone)


class IngestTurns:
    """Whether an ingest cycle runs, and whether mail arrived while it did.

    A wake-up from IDLE while a cycle runs cannot start the job (max_instances=1:
    APScheduler skips it), and the mail may have come after the cycle listed the
    mailbox: the running turn then takes one more cycle at once instead of
    leaving that mail to the next interval.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = False
        self._again = False

    def wake(self) -> bool:
        """Mail arrived: True when the job must be started (none runs); else the running turn repeats."""
        with self._lock:
            if self._running:
                self._again = True
                return False
            return True

    def begin(self) -> None:
        with self._lock:
            self._running, self._again = True, False

    def another(self) -> bool:
        """At a cycle's end: True when mail arrived during it (one more cycle); else the turn ends."""
        with self._lock:
            if self._again:
                self._again = False
                return True
            self._running = False
            return False

    def end(self) -> None:
        with self._lock:
            self._running = self._again = False


@dataclass(slots=True)
class Worker:
    """What the jobs share: the configuration, the clock, the metrics and the liveness the watchdog reads."""

    config: Config
    clock: Clock
    metrics: WorkerMetrics = field(default_factory=WorkerMetrics)
    liveness: Liveness | None = None
    host: str = field(default_factory=socket.gethostname)
    turns: IngestTurns = field(default_factory=IngestTurns)
    locked_out: bool = False  # the last cycle found the mailbox's lease held by another worker
    _engine: Engine | None = None
    _engine_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.liveness is None:
            self.liveness = Liveness(self.config.operations.stall_seconds)

    def store(self) -> Engine:
        """The store, opened (and migrated) once for the worker's life: one connection pool shared by
        its jobs, not one per job run (21 county workers on one PostgreSQL would exhaust its
        connections). Raises StoreUnavailable while it cannot be opened; the next job tries again."""
        from lagesbild.runtime import open_store

        with self._engine_lock:
            if self._engine is None:
                self._engine = open_store(self.config)
            return self._engine

    @property
    def live(self) -> Liveness:
        assert self.liveness is not None
        return self.liveness


def _ingest(worker: Worker) -> None:
    """One turn of the ingest job: a cycle, and another at once for each wake-up that came during one."""
    worker.turns.begin()
    try:
        _cycle(worker)
        while worker.turns.another():
            _cycle(worker)
    finally:
        worker.turns.end()


def _cycle(worker: Worker) -> None:
    """One cycle: the mailbox, then the outbox; written down as the heartbeat, counted in the metrics."""
    from flow.heartbeat import Cycle, record_cycle, worker_health
    from lagesbild.commands import PollResult, poll_and_send

    config, metrics = worker.config, worker.metrics
    with worker.live.turn("ingest") as step:
        started = worker.clock.now()
        result, error = PollResult(), None
        try:
            result = poll_and_send(config, started, engine=worker.store(), alive=step)  # a mark per message
            if result.outcomes or result.moved_only or result.sent or result.failed:
                _log.info("ingest: %s", result.summary())  # a quiet cycle says nothing: no chatter per cycle
            if result.locked_out != worker.locked_out:  # said once when it starts and once when it ends
                worker.locked_out = result.locked_out
                _log.warning("ingest: %s", "another worker holds the mailbox's job lock; waiting until it is "
                             "released or expires" if result.locked_out else "the mailbox's job lock is free again")
        except LagesbildError as exc:
            # The mailbox or the database is away: the next run tries again.
            _log.warning("ingest could not run: %s", exc)
            error = str(exc)
            metrics.error("ingest")
        finished = worker.clock.now()
        metrics.handled(result.outcomes, result.parse_seconds)
        metrics.sent(result.sent_by_kind)
        metrics.cycle_finished(time.time())
        cycle = Cycle(started, finished, sum(result.outcomes.values()), result.failed, result.sent, error)
        try:
            engine = worker.store()
            record_cycle(engine, config, worker.host, cycle)
            metrics.health(worker_health(engine, config, finished))
        except LagesbildError as exc:
            _log.warning("the heartbeat could not be written: %s", exc)
    _write_textfile(worker)


def _write_textfile(worker: Worker) -> None:
    path = worker.config.operations.metrics_textfile
    if not path:
        return
    from prometheus_client import write_to_textfile

    try:
        write_to_textfile(path, worker.metrics.registry)  # written beside it and renamed: never half a file
    except OSError as exc:
        _log.warning("metrics textfile %s could not be written: %s", path, exc)


def _outbox(worker: Worker) -> None:
    from flow.sending import send_due
    from lagesbild.runtime import HANDOVERS, job_lock, open_outbox

    config = worker.config
    with worker.live.turn("outbox"):
        now = worker.clock.now()
        try:
            engine = worker.store()
            with job_lock(engine, "outbox", now) as held:
                if held:
                    report = send_due(engine, open_outbox(config), config, now, HANDOVERS)
                    worker.metrics.sent(report.by_kind)
                    if report.sent or report.deferred or report.failed:
                        _log.info("outbox: %s sent, %s deferred, %s failed", report.sent, report.deferred,
                                  report.failed)
        except LagesbildError as exc:
            _log.warning("outbox could not run: %s", exc)
            worker.metrics.error("outbox")


def _outputs(worker: Worker) -> None:
    from flow.jobs import run_output_jobs
    from lagesbild.runtime import job_lock

    config = worker.config
    with worker.live.turn("outputs"):
        now = worker.clock.now()
        try:
            engine = worker.store()
            with job_lock(engine, f"outputs:{config.county.code}", now) as held:
                if held:
                    done = run_output_jobs(engine, config, now)
                    if any(done.values()):
                        _log.info("outputs queued: %s", done)
        except LagesbildError as exc:
            _log.warning("outputs could not run: %s", exc)
            worker.metrics.error("outputs")


def _retention(worker: Worker) -> None:
    from flow.jobs import purge_old_messages
    from lagesbild.runtime import job_lock

    config = worker.config
    with worker.live.turn("retention"):
        now = worker.clock.now()
        try:
            engine = worker.store()
            with job_lock(engine, f"retention:{config.county.code}", now) as held:
                if held and (purged := purge_old_messages(engine, config, now)):
                    _log.info("retention: %s raw messages purged", purged)
        except LagesbildError as exc:
            _log.warning("retention could not run: %s", exc)
            worker.metrics.error("retention")


def _watch_mailbox(worker: Worker, scheduler: BlockingScheduler, stop: threading.Event) -> None:
    """Wake the ingest job when mail arrives (IMAP IDLE); quiet between arrivals."""
    from lagesbild.runtime import open_mailbox

    config = worker.config
    while not stop.is_set():
        try:
            source = open_mailbox(config)
            try:
                while not stop.is_set():
                    if source.wait_for_new(min(config.mailbox.poll_interval_seconds, 300)) and worker.turns.wake():
                        scheduler.modify_job("ingest", next_run_time=datetime.now(scheduler.timezone))
            finally:
                source.close()
        except LagesbildError as exc:
            _log.warning("mailbox watcher: %s; retrying", exc)
            stop.wait(30)


def build_scheduler(worker: Worker) -> BlockingScheduler:
    """The worker's jobs, not yet started; they read the time from the worker's clock."""
    config = worker.config
    tz = ZoneInfo(config.deadline.timezone)
    scheduler = BlockingScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 300})
    interval = config.mailbox.poll_interval_seconds
    scheduler.add_job(_ingest, "interval", seconds=interval, args=[worker], id="ingest", next_run_time=datetime.now(tz))
    scheduler.add_job(_outbox, "interval", seconds=OUTBOX_INTERVAL_SECONDS, args=[worker], id="outbox")
    # Reminders, compilations and digests: every quarter of an hour on the clock
    # (reminder stages fall due at whole hours); each is queued once however often this runs.
    scheduler.add_job(_outputs, "cron", minute="*/15", args=[worker], id="outputs")
    scheduler.add_job(_retention, "cron", hour=3, minute=30, args=[worker], id="retention")
    # The watchdog expects the interval jobs to come round (a hung scheduler stops the pings too).
    worker.live.expect("ingest", interval)
    worker.live.expect("outbox", OUTBOX_INTERVAL_SECONDS)
    return scheduler


def _serve_metrics(worker: Worker) -> Any:
    """Serve the metrics on `[metrics] listen`; the server (to shut down), or None when off."""
    listen = worker.config.operations.metrics_listen
    if not listen:
        return None
    from prometheus_client import start_http_server

    host, _, port = listen.rpartition(":")
    try:
        server, _thread = start_http_server(int(port), host.strip("[]"), registry=worker.metrics.registry)
    except OSError as exc:
        raise LagesbildError(f"[metrics] listen {listen}: {exc.strerror or exc}") from exc
    _log.info("metrics on http://%s/metrics", listen)
    return server


def run_worker(config: Config, start: datetime | None = None, environ: Mapping[str, str] | None = None) -> None:
    """Run until SIGTERM or SIGINT; `start` replays that moment instead of the system clock.
    `environ` (default: this process's) says whether systemd watches (NOTIFY_SOCKET, WATCHDOG_USEC) and
    whether standard error is the journal (JOURNAL_STREAM)."""
    from lagesbild.logs import setup_worker_logging

    env = os.environ if environ is None else environ
    setup_worker_logging(env)
    # systemd's watchdog kills a hung worker with SIGABRT: every thread's stack goes to the journal first,
    # to say where it hung.
    faulthandler.enable(all_threads=True)
    worker = Worker(config, Clock(ZoneInfo(config.deadline.timezone), start))
    scheduler = build_scheduler(worker)
    stop = threading.Event()
    watchdog = Watchdog(worker.live, env)
    server = _serve_metrics(worker)

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        _log.info("signal %s: stopping after the running jobs", signum)
        sd_notify("STOPPING=1", env)
        stop.set()
        scheduler.shutdown(wait=True)

    def started(_event: SchedulerEvent) -> None:
        sd_notify(f"READY=1\nSTATUS=worker started for {config.county.name}", env)
        watchdog.start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    settle_heap()
    if config.mailbox.idle and config.mailbox.source.startswith("imap"):
        threading.Thread(target=_watch_mailbox, args=(worker, scheduler, stop), name="mailbox-watcher",
                         daemon=True).start()
    scheduler.add_listener(started, EVENT_SCHEDULER_STARTED)
    _log.info("worker started for %s", config.county.name)
    try:
        scheduler.start()
    finally:
        watchdog.stop()
        if server is not None:
            server.shutdown()
