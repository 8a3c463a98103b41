"""What runs inside one reader process of flow.sandbox: the cap set, then file after file.

A reader caps its own address space (RLIMIT_AS) before it reads anything, so
no parser can lift the cap, and answers each file with a ParseResult, or with
("crash", text) when the parser itself failed, for the parent to raise. It
says when it came close to its cap, so the parent replaces it and the next
file starts with the whole allowance.
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
from multiprocessing.connection import Connection

from parsers import blank_result, parse_bytes
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import Format, Issue

MEMORY_MESSAGE = (
    "Filen krävde för mycket minne för att läsas och avbröts. "
    "Spara den på nytt som .docx eller .xlsx och skicka igen."
)

_MEMORY_MARGIN = 16 * 1024 * 1024  # within this of the cap, a failed read is the cap's doing
_RETIRE_MARGIN = 64 * 1024 * 1024  # a reader that came this close to its cap is replaced
_PARENT_CHECK_SECONDS = 1.0  # how often an idle reader checks that its parent is alive


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


def _read_one(data: bytes, filename: str, form: FormSpec, limits: Limits, memory_bytes: int) -> object:
    """One file in a reader: a ParseResult, or ("crash", text) for the parent to raise."""
    try:
        result = parse_bytes(data, filename, form, limits)
        if result.unreadable and _peak_address_space() >= memory_bytes - _MEMORY_MARGIN:
            # Libraries report an allocation that failed under the cap as a
            # damaged file (zlib, lxml); the cap is the true reason.
            result = blank_result(form, result.format, [Issue.error("file", MEMORY_MESSAGE)])
        return result
    except MemoryError:
        return blank_result(form, Format.UNKNOWN, [Issue.error("file", MEMORY_MESSAGE)])
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises it there
        return ("crash", f"{type(exc).__name__}: {exc}")


def serve(conn: Connection, memory_bytes: int) -> None:
    """A reader's loop: receive (filename, form key, form or None, limits) and then the file's bytes,
    answer (result, retiring), until told to stop. A form comes once per reader and is kept under its
    key: the parsers cache their per-form tables by the form object, which a fresh unpickled copy per
    file would defeat."""
    # Some containers forbid changing limits; the time cap still holds then.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Everything inherited from the parent (its whole heap: the ORM, the configuration) is moved out
    # of the collector's sight: otherwise every full collection here walks it all again, which made
    # a reader forked from `lagesbild reprocess` twice as slow as the same parse in process.
    gc.freeze()
    forms: dict[int, FormSpec] = {}
    parent = os.getppid()
    while True:
        try:
            # A parent killed outright never closes this pipe for us: a sibling reader forked after
            # this one holds a copy of its end. So an idle reader looks for its parent now and then,
            # and ends when it has gone (reparented), instead of living on beside a dead worker.
            while not conn.poll(_PARENT_CHECK_SECONDS):
                if os.getppid() != parent:
                    return
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        filename, key, sent, limits = task
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if sent is not None:
            forms[key] = sent
        form = forms[key]
        answer = _read_one(data, filename, form, limits, memory_bytes)
        retiring = _peak_address_space() >= memory_bytes - _RETIRE_MARGIN
        try:
            conn.send((answer, retiring))
        except (OSError, ValueError):
            return
        if retiring:
            return
