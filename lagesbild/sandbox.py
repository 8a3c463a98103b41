"""Reading one file in a child process with a time and memory cap.

The parsers are pure and refuse what they can recognise as hostile, but a
library can still spin or allocate on a crafted file. The child is forked
(so it starts with everything already imported), limits its own address
space, and is killed when the time is up. Either way the caller gets a
ParseResult: a file that broke a cap gets an issue on `file`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import threading
from multiprocessing.connection import Connection

from lagesbild.errors import LagesbildError
from parsers import blank_result, parse_bytes, warm_up
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Format, Issue, ParseResult

_TIMEOUT_MESSAGE = (
    "Filen tog för lång tid att läsa (över {seconds:g} sekunder) och avbröts. "
    "Spara den på nytt som .docx eller .xlsx och skicka igen."
)
_MEMORY_MESSAGE = (
    "Filen krävde för mycket minne för att läsas och avbröts. "
    "Spara den på nytt som .docx eller .xlsx och skicka igen."
)


class ParserCrashed(LagesbildError):
    """The parser failed for a reason of its own (not the file's); retry after a fix."""


def _child(conn: Connection, data: bytes, filename: str, form: FormSpec, limits: Limits) -> None:
    # Some containers forbid changing limits; the time cap still holds then.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    try:
        result = parse_bytes(data, filename, form, limits)
        if result.unreadable and _peak_address_space() >= limits.memory_bytes - 16 * 1024 * 1024:
            # Libraries report an allocation that failed under the cap as a
            # damaged file (zlib, lxml); the cap is the true reason.
            result = blank_result(form, result.format, [Issue.error("file", _MEMORY_MESSAGE)])
        conn.send(result)
    except MemoryError:
        conn.send(blank_result(form, Format.UNKNOWN, [Issue.error("file", _MEMORY_MESSAGE)]))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises it there
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    conn.close()


warm_up()
# In the threaded worker children come from a fork server; give it the readers
# up front so each child does not import them again.
multiprocessing.set_forkserver_preload(["lagesbild.sandbox"])


def _peak_address_space() -> int:
    """This process's peak virtual size (VmPeak), in bytes; 0 where unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _fork_available() -> bool:
    # Forking a process that runs other threads can deadlock the child on a
    # lock held by another thread; only fork from a single-threaded process.
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def parse_isolated(data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
    """`parse_bytes` in a forked child with `limits.seconds_per_file` and memory caps."""
    method = "fork" if _fork_available() else "forkserver"
    ctx = multiprocessing.get_context(method)
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, data, filename, form, limits), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(limits.seconds_per_file):
            try:
                answer = parent.recv()
            except (EOFError, OSError):
                answer = None
            if isinstance(answer, ParseResult):
                return answer
            if isinstance(answer, tuple):
                raise ParserCrashed(f"reading {filename!r} failed: {answer[1]}")
        else:
            proc.kill()
            return blank_result(form, Format.UNKNOWN,
                                [Issue.error("file", _TIMEOUT_MESSAGE.format(seconds=limits.seconds_per_file))])
    finally:
        parent.close()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    # The child died without answering: out of memory or killed by a signal.
    return blank_result(form, Format.UNKNOWN, [Issue.error("file", _MEMORY_MESSAGE)])


def cpu_count() -> int:
    """Cores available to this process."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
