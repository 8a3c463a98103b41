"""Telling systemd how the worker is: READY=1 once started, WATCHDOG=1 while its jobs move on, STOPPING=1.

`sd_notify` is a datagram of `KEY=value` lines to the unix socket named by
$NOTIFY_SOCKET (sd_notify(3)); a few lines here instead of a dependency.
Outside systemd (no $NOTIFY_SOCKET) nothing is sent.

The pings come from a thread of their own, but only while `Liveness` says
the jobs progress: every job marks its start, each step and its end. For
ingest a step is one message moving on (fetched, its forms read, recorded),
never a whole batch: fifty slow messages in one batch are fifty steps, while
one message stuck longer than `stall_seconds` is still a stall. A job stuck
in one step longer than `stall_seconds`, or an interval job that has not
started again within its interval plus `stall_seconds` (the scheduler itself
hung), stops the pings; systemd then kills and restarts the worker after
`WatchdogSec`. A worker whose mailbox
or database is away is *not* hung: its jobs end quickly with an error and
start again, and a restart would not help.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

_log = logging.getLogger(__name__)


def sd_notify(state: str, environ: Mapping[str, str]) -> bool:
    """Send `state` (e.g. "READY=1") to systemd's notify socket; False when not under systemd or it failed."""
    address = environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
        return True
    except OSError as exc:
        _log.warning("could not tell systemd %s: %s", state, exc)
        return False


def watchdog_interval(environ: Mapping[str, str]) -> float | None:
    """Seconds between pings (half of WatchdogSec, as sd_watchdog_enabled(3) advises); None when off."""
    usec = environ.get("WATCHDOG_USEC", "")
    pid = environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid.isdigit() and int(pid) != os.getpid():
        return None  # meant for another process (the one that started us)
    return int(usec) / 2_000_000


@dataclass(slots=True)
class _Job:
    interval: float | None  # seconds between starts for an interval job; None: no expectation
    running: bool = False
    last_mark: float = 0.0  # the job's last start, step or end (monotonic)


class Liveness:
    """Whether the worker's jobs move on (see the module docstring)."""

    def __init__(self, stall_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.stall_seconds = stall_seconds
        self._clock = clock
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def expect(self, job: str, interval: float | None) -> None:
        """`job` will run every `interval` seconds (from now on)."""
        with self._lock:
            self._jobs[job] = _Job(interval, last_mark=self._clock())

    @contextmanager
    def turn(self, job: str) -> Iterator[Callable[[], None]]:
        """One run of `job`; call the handed-out function after each step of it."""
        with self._lock:
            state = self._jobs.setdefault(job, _Job(None))
            state.running, state.last_mark = True, self._clock()
        try:
            yield lambda: self._mark(job)
        finally:
            with self._lock:
                state.running, state.last_mark = False, self._clock()

    def _mark(self, job: str) -> None:
        with self._lock:
            self._jobs[job].last_mark = self._clock()

    def stalled(self) -> str | None:
        """The first job that does not move on, said in words; None when all do."""
        now = self._clock()
        with self._lock:
            for name, state in self._jobs.items():
                quiet = now - state.last_mark
                if state.running and quiet > self.stall_seconds:
                    return f"{name} has made no progress for {quiet:.0f} s"
                if not state.running and state.interval is not None and quiet > state.interval + self.stall_seconds:
                    return f"{name} has not run for {quiet:.0f} s"
        return None


class Watchdog:
    """The thread that pings systemd's watchdog while `liveness` says the worker moves on."""

    def __init__(self, liveness: Liveness, environ: Mapping[str, str]) -> None:
        self.liveness = liveness
        self.environ = environ
        self.interval = watchdog_interval(environ)
        self._stop = threading.Event()
        self._told_stalled = False

    def start(self) -> None:
        """Ping from now on (nothing when systemd asked for no watchdog)."""
        if self.interval is None:
            return
        threading.Thread(target=self._run, name="watchdog", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        assert self.interval is not None
        while not self._stop.wait(self.interval):
            stalled = self.liveness.stalled()
            if stalled is None:
                sd_notify("WATCHDOG=1", self.environ)
                self._told_stalled = False
            elif not self._told_stalled:
                self._told_stalled = True
                # No ping: systemd restarts the worker after WatchdogSec unless the job moves on.
                _log.error("watchdog: %s; no longer telling systemd the worker is alive", stalled)
                sd_notify(f"STATUS=stalled: {stalled}", self.environ)
