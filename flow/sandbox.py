"""Reading files in capped child processes: a pool of long-lived readers.

The parsers are pure and refuse what they can recognise as hostile, but a
library can still spin or allocate on a crafted file. Every file is therefore
read in a reader process whose address space is capped (RLIMIT_AS, set when
the reader starts, so no parser can lift it) and which is killed when a file
takes more than `limits.seconds_per_file` of the reader's CPU time (or, as a
backstop for a reader that is stopped or starved, `WALL_BACKSTOP` times that
in wall time; see flow.cpu_clock for why CPU time). Either way the caller gets a
ParseResult: a file that broke a cap gets an issue on `file`. What runs in a
reader is flow.reader_process; this module starts, feeds and replaces readers.

Readers live for many files. Forking a fresh child for every file, as this
module first did, cost more than reading a typical form (a fork of a 150 MB
interpreter, its page-table copy and teardown: ~25 ms against ~8 ms of
parsing). A reader is replaced when it is killed, dies, has come close to its
memory cap (so the next file starts with the whole allowance) or has read
`RECYCLE_AFTER` files. The isolation is for the caps, not for secrecy between
files: every file belongs to the same county's mailbox.

Readers are forked from a single-threaded process (they start with
everything imported); in the threaded worker they come from a fork server.
`submit` hands a file to an idle reader at once and returns a handle, so the
pipeline can read the next messages' forms on the other cores while it files
the current one (see flow.pipeline.read_ahead).
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from flow.cpu_clock import cpu_seconds
from flow.reader_process import MEMORY_MESSAGE, serve
from ground.errors import LagesbildError
from parsers import blank_result, warm_up
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Format, Issue, ParseResult

_TIMEOUT_MESSAGE = (
    "Filen tog för lång tid att läsa (över {seconds:g} sekunder) och avbröts. "
    "Spara den på nytt som .docx eller .xlsx och skicka igen."
)

RECYCLE_AFTER = 500  # files per reader; bounds heap fragmentation from odd files
# A file's cap counts its reader's CPU time; one that gets little of it (a stopped
# reader, a machine far over its cores) is still ended after this many caps of wall time.
WALL_BACKSTOP = 3.0


class ParserCrashed(LagesbildError):
    """The parser failed for a reason of its own (not the file's); retry after a fix."""


warm_up()
# In the threaded worker readers come from a fork server; give it the readers
# up front so each new reader does not import them again.
multiprocessing.set_forkserver_preload(["flow.sandbox"])


@dataclass(frozen=True, slots=True)
class Pending:
    """A file being read: call it for the ParseResult; `cancel()` when it is no longer wanted."""

    pool: ReaderPool
    ticket: int

    def __call__(self) -> ParseResult:
        return self.pool.result(self.ticket)

    def cancel(self) -> None:
        self.pool.cancel(self.ticket)


@dataclass
class _Reader:
    process: Any
    conn: Connection
    served: int = 0
    forms: set[int] = field(default_factory=set)  # keys of the forms it holds
    ticket: int | None = None  # the file it is reading
    seconds: float = 0.0  # that file's time cap, in the reader's CPU seconds
    started: float = 0.0  # wall clock (monotonic) when the file was handed over
    cpu_at_start: float | None = None  # the reader's CPU seconds then; None where it cannot be read
    deadline: float = 0.0  # the next wall-clock moment the file could be over its cap


class ReaderPool:
    """`workers` reader processes with one memory cap; files are read in submission order of dispatch."""

    def __init__(self, memory_bytes: int, workers: int | None = None) -> None:
        self.memory_bytes = memory_bytes
        self.workers = max(1, workers or cpu_count())
        self._readers: list[_Reader] = []
        self._queue: deque[tuple[int, tuple[bytes, str, FormSpec, Limits]]] = deque()
        self._results: dict[int, object] = {}
        self._forms: dict[int, FormSpec] = {}
        self.started = 0  # readers started so far (replacements included)
        self._form_refs: dict[int, FormSpec] = {}
        self._dropped: set[int] = set()  # in flight, but nobody wants the result any more
        self._tickets = itertools.count(1)
        self._lock = threading.RLock()
        self._pid = os.getpid()

    # -- public ---------------------------------------------------------------

    def submit(self, data: bytes, filename: str, form: FormSpec, limits: Limits) -> Pending:
        """Start reading a file (on an idle reader now, else when one frees up); call the handle for the result."""
        with self._lock:
            ticket = next(self._tickets)
            self._forms[ticket] = form
            self._queue.append((ticket, (data, filename, form, limits)))
            self._collect(patience=0.0)  # a reader done with its last file takes this one now, not later
            self._dispatch()
        return Pending(self, ticket)

    def cancel(self, ticket: int) -> None:
        """Nobody will ask for this file's result: drop it (a reader already on it finishes it unseen)."""
        with self._lock:
            if self._results.pop(ticket, None) is None and ticket in self._forms:
                queued = len(self._queue)
                self._queue = deque(item for item in self._queue if item[0] != ticket)
                if len(self._queue) == queued:
                    self._dropped.add(ticket)
                    return
            self._forms.pop(ticket, None)

    def parse(self, data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
        """Read one file and wait for it."""
        return self.submit(data, filename, form, limits)()

    def result(self, ticket: int) -> ParseResult:
        """Wait for a submitted file; raises ParserCrashed when the parser itself failed on it."""
        with self._lock:
            if ticket not in self._forms:
                raise ValueError(f"file {ticket} was cancelled or its result was taken already")
            while ticket not in self._results:
                self._dispatch()
                self._collect()
            answer = self._results.pop(ticket)
            self._forms.pop(ticket, None)
        if isinstance(answer, tuple):
            raise ParserCrashed(answer[1])
        assert isinstance(answer, ParseResult)
        return answer

    def pump(self) -> None:
        """Take what the readers have finished and give them the next files, without waiting.

        A reader that finished a file waits for the caller to collect it; a
        caller busy with other work (recording a batch) calls this now and then
        so the readers keep reading meanwhile.
        """
        with self._lock:
            self._collect(patience=0.0)
            self._dispatch()

    def close(self) -> None:
        """Stop every reader (those in the middle of a file are killed)."""
        with self._lock:
            for reader in self._readers:
                self._stop(reader, kill=reader.ticket is not None)
            self._readers.clear()

    # -- inside ---------------------------------------------------------------

    def _dispatch(self) -> None:
        while self._queue:
            reader = self._idle_reader()
            if reader is None:
                return
            ticket, task = self._queue.popleft()
            data, filename, form, limits = task
            key = self._form_key(form)
            try:
                # The file's bytes go as they are (send_bytes), not pickled into a copy of themselves.
                reader.conn.send((filename, key, None if key in reader.forms else form, limits))
                reader.conn.send_bytes(data)
                reader.forms.add(key)
            except (OSError, ValueError):
                self._replace(reader)
                self._queue.appendleft((ticket, task))
                continue
            reader.ticket, reader.seconds = ticket, task[3].seconds_per_file
            reader.started = time.monotonic()
            reader.cpu_at_start = cpu_seconds(reader.process.pid)
            reader.deadline = reader.started + reader.seconds
            reader.served += 1

    def _form_key(self, form: FormSpec) -> int:
        # By identity (a configuration's form is one object for the process's life); the form is
        # kept here so its id is never reused for another.
        key = id(form)
        self._form_refs.setdefault(key, form)
        return key

    def _idle_reader(self) -> _Reader | None:
        for reader in self._readers:
            if reader.ticket is None:
                return reader
        if len(self._readers) < self.workers:
            reader = self._start()
            self._readers.append(reader)
            return reader
        return None

    def _collect(self, patience: float | None = None) -> None:
        """Wait for one answer or deadline among the busy readers (at most `patience` seconds)."""
        busy = [r for r in self._readers if r.ticket is not None]
        if not busy:
            return
        timeout = max(0.0, min(r.deadline for r in busy) - time.monotonic())
        if patience is not None:
            timeout = min(timeout, patience)
        ready = wait([r.conn for r in busy], timeout)
        now = time.monotonic()
        for reader in busy:
            ticket = reader.ticket
            assert ticket is not None
            form = self._forms[ticket]
            if reader.conn in ready:
                try:
                    answer, retiring = reader.conn.recv()
                except (EOFError, OSError):
                    # The reader died without answering: out of memory or killed by a signal.
                    self._answer(ticket, blank_result(form, Format.UNKNOWN, [Issue.error("file", MEMORY_MESSAGE)]))
                    self._replace(reader)
                    continue
                self._answer(ticket, answer)
                reader.ticket = None
                if retiring or reader.served >= RECYCLE_AFTER:
                    self._replace(reader)
            elif now >= reader.deadline and self._over_time(reader, now):
                self._answer(
                    ticket,
                    blank_result(
                        form, Format.UNKNOWN, [Issue.error("file", _TIMEOUT_MESSAGE.format(seconds=reader.seconds))]
                    ),
                )
                self._replace(reader, kill=True)

    @staticmethod
    def _over_time(reader: _Reader, now: float) -> bool:
        """Whether `reader`'s file is past its cap; if not, move its deadline to when it next could be."""
        wall = now - reader.started
        backstop = reader.seconds * WALL_BACKSTOP
        cpu_now = cpu_seconds(reader.process.pid) if reader.cpu_at_start is not None else None
        used = wall if cpu_now is None or reader.cpu_at_start is None else cpu_now - reader.cpu_at_start
        if used >= reader.seconds or wall >= backstop:
            return True
        # One thread spends at most one CPU second a second, so it cannot be over before this.
        reader.deadline = min(now + reader.seconds - used, reader.started + backstop)
        return False

    def _answer(self, ticket: int, answer: object) -> None:
        if ticket in self._dropped:
            self._dropped.discard(ticket)
            self._forms.pop(ticket, None)
        else:
            self._results[ticket] = answer

    def _start(self) -> _Reader:
        if os.getpid() != self._pid:
            raise RuntimeError("a ReaderPool is used in the process that made it only")
        ctx = multiprocessing.get_context("fork") if _fork_available() else multiprocessing.get_context("forkserver")
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=serve, args=(child, self.memory_bytes), daemon=True)
        process.start()
        child.close()
        self.started += 1
        return _Reader(process, parent)

    def _replace(self, reader: _Reader, kill: bool = False) -> None:
        """Stop `reader`; a new one starts when there is work for it."""
        self._stop(reader, kill)
        self._readers = [r for r in self._readers if r is not reader]

    @staticmethod
    def _stop(reader: _Reader, kill: bool) -> None:
        if kill:
            reader.process.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                reader.conn.send(None)
        reader.conn.close()
        reader.process.join(timeout=5)
        if reader.process.is_alive():
            reader.process.kill()
            reader.process.join()


def _fork_available() -> bool:
    # Forking a process that runs other threads can deadlock the child on a
    # lock held by another thread; only fork from a single-threaded process.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


class IsolatedReader:
    """`parse_bytes` under the caps, as a Parse function that can also start a file ahead (`submit`).

    It owns its reader pools, one per (memory cap, readers), made on first use and closed at exit.
    A forked copy of a parent's pool is never used: the child makes its own.
    """

    def __init__(self) -> None:
        self._pools: dict[tuple[int, int], ReaderPool] = {}
        self._lock = threading.Lock()
        atexit.register(self.close)

    def pool(self, limits: Limits) -> ReaderPool:
        """The pool for `limits.memory_bytes` and `limits.readers` in this process."""
        key = (limits.memory_bytes, limits.readers)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None or pool._pid != os.getpid():  # a forked copy of the parent's pool is not ours
                pool = self._pools[key] = ReaderPool(limits.memory_bytes, limits.readers or None)
            return pool

    def close(self) -> None:
        """Stop this process's readers."""
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            if pool._pid == os.getpid():
                pool.close()

    def __call__(self, data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
        return self.pool(limits).parse(data, filename, form, limits)

    def submit(self, data: bytes, filename: str, form: FormSpec, limits: Limits) -> Pending:
        """Start reading now on an idle reader; the handle waits for the result."""
        return self.pool(limits).submit(data, filename, form, limits)

    def pump(self) -> None:
        """Keep this process's readers busy while the caller works on something else (see ReaderPool.pump)."""
        with self._lock:
            pools = [pool for pool in self._pools.values() if pool._pid == os.getpid()]
        for pool in pools:
            pool.pump()


# The readers the flow's use cases use unless a caller passes its own Parse (tests pass parse_bytes).
parse_isolated = IsolatedReader()


def cpu_count() -> int:
    """Cores available to this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
