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
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler

from flow.settings import Config
from ground.errors import LagesbildError
from lagesbild.runtime import settle_heap

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


def _ingest(config: Config, clock: Clock) -> None:
    from lagesbild.commands import poll_and_send

    try:
        result = poll_and_send(config, clock.now())
        _log.info("ingest: %s", result.summary())
    except LagesbildError as exc:
        # The mailbox or the database is away: the next run tries again.
        _log.warning("ingest could not run: %s", exc)


def _outbox(config: Config, clock: Clock) -> None:
    from flow.sending import send_due
    from lagesbild.runtime import HANDOVERS, job_lock, open_outbox, open_store

    now = clock.now()
    try:
        engine = open_store(config)
        with job_lock(engine, "outbox", now) as held:
            if held:
                report = send_due(engine, open_outbox(config), config, now, HANDOVERS)
                if report.sent or report.deferred or report.failed:
                    _log.info("outbox: %s sent, %s deferred, %s failed", report.sent, report.deferred, report.failed)
    except LagesbildError as exc:
        _log.warning("outbox could not run: %s", exc)


def _outputs(config: Config, clock: Clock) -> None:
    from flow.jobs import run_output_jobs
    from lagesbild.runtime import job_lock, open_store

    now = clock.now()
    try:
        engine = open_store(config)
        with job_lock(engine, f"outputs:{config.county.code}", now) as held:
            if held:
                done = run_output_jobs(engine, config, now)
                if any(done.values()):
                    _log.info("outputs queued: %s", done)
    except LagesbildError as exc:
        _log.warning("outputs could not run: %s", exc)


def _retention(config: Config, clock: Clock) -> None:
    from flow.jobs import purge_old_messages
    from lagesbild.runtime import job_lock, open_store

    now = clock.now()
    try:
        engine = open_store(config)
        with job_lock(engine, f"retention:{config.county.code}", now) as held:
            if held and (purged := purge_old_messages(engine, config, now)):
                _log.info("retention: %s raw messages purged", purged)
    except LagesbildError as exc:
        _log.warning("retention could not run: %s", exc)


def _watch_mailbox(config: Config, scheduler: BlockingScheduler, stop: threading.Event) -> None:
    """Wake the ingest job when mail arrives (IMAP IDLE); quiet between arrivals."""
    from lagesbild.runtime import open_mailbox

    while not stop.is_set():
        try:
            source = open_mailbox(config)
            try:
                while not stop.is_set():
                    if source.wait_for_new(min(config.mailbox.poll_interval_seconds, 300)):
                        scheduler.modify_job("ingest", next_run_time=datetime.now(scheduler.timezone))
            finally:
                source.close()
        except LagesbildError as exc:
            _log.warning("mailbox watcher: %s; retrying", exc)
            stop.wait(30)


def build_scheduler(config: Config, clock: Clock | None = None) -> BlockingScheduler:
    """The worker's jobs, not yet started; they read the time from `clock` (default: the system's)."""
    tz = ZoneInfo(config.deadline.timezone)
    clock = clock or Clock(tz)
    scheduler = BlockingScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                             "misfire_grace_time": 300})
    scheduler.add_job(_ingest, "interval", seconds=config.mailbox.poll_interval_seconds, args=[config, clock],
                      id="ingest", next_run_time=datetime.now(tz))
    scheduler.add_job(_outbox, "interval", seconds=OUTBOX_INTERVAL_SECONDS, args=[config, clock], id="outbox")
    # Reminders, compilations and digests: every quarter of an hour on the clock
    # (reminder stages fall due at whole hours); each is queued once however often this runs.
    scheduler.add_job(_outputs, "cron", minute="*/15", args=[config, clock], id="outputs")
    scheduler.add_job(_retention, "cron", hour=3, minute=30, args=[config, clock], id="retention")
    return scheduler


def run_worker(config: Config, start: datetime | None = None) -> None:
    """Run until SIGTERM or SIGINT; `start` replays that moment instead of the system clock."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    scheduler = build_scheduler(config, Clock(ZoneInfo(config.deadline.timezone), start))
    stop = threading.Event()

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        _log.info("signal %s: stopping after the running jobs", signum)
        stop.set()
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    settle_heap()
    if config.mailbox.idle and config.mailbox.source.startswith("imap"):
        threading.Thread(target=_watch_mailbox, args=(config, scheduler, stop), name="mailbox-watcher",
                         daemon=True).start()
    _log.info("worker started for %s", config.county.name)
    scheduler.start()
