"""The worker's log: readable on a terminal, and with priorities in the journal under systemd.

Under systemd the standard error is connected to journald, which says so in
$JOURNAL_STREAM ("device:inode" of that stream). Each line then starts with
the sd-daemon priority prefix (`<3>` error, `<4>` warning, `<6>` info,
`<7>` debug; sd-daemon(3)), which journald turns into the PRIORITY field, so
`journalctl -u lagesbild -p warning` shows only what needs a look; the time
and host are the journal's own. Chosen over the native journal protocol
(structured fields through /run/systemd/journal/socket, or systemd-python):
no dependency and no second path for log lines, and the per-message line is
`key=value` already (`journalctl -u lagesbild -g 'outcome=quarantined'`).

APScheduler's own logger is set to WARNING: it would otherwise say "Running
job" and "executed successfully" for every job every cycle; and its warning
that a run was skipped because the job is still running is dropped: the
running cycle covers it (a wake-up from IDLE meanwhile gets another cycle,
lagesbild.worker.IngestTurns), so it says nothing an operator must act on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from typing import TextIO

_PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


class JournalFormatter(logging.Formatter):
    """`<priority>logger: message`; every line of a multi-line message (a traceback) gets the prefix."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{_priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


class _StillRunning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


def _priority(level: int) -> int:
    for threshold in sorted(_PRIORITY, reverse=True):
        if level >= threshold:
            return _PRIORITY[threshold]
    return 7


def to_journal(environ: Mapping[str, str], stream: TextIO) -> bool:
    """Whether `stream` is the journal stream systemd set up (not merely inherited by a child of it)."""
    value = environ.get("JOURNAL_STREAM", "")
    if not value:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return False
    return value == f"{st.st_dev}:{st.st_ino}"


def setup_worker_logging(environ: Mapping[str, str], stream: TextIO | None = None) -> None:
    """The worker's logging: INFO to standard error, journal-style under systemd; the scheduler quiet."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    if to_journal(environ, stream):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _StillRunning) for f in scheduler_log.filters):
        scheduler_log.addFilter(_StillRunning())
