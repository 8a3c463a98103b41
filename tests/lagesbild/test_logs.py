"""The worker's log under journald: sd-daemon priority prefixes only when standard error is the journal
stream systemd set up ($JOURNAL_STREAM names its device and inode), and the scheduler kept quiet."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from lagesbild.logs import setup_worker_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.NOTSET)


def _log_to(path: Path, environ: dict[str, str]) -> str:
    with path.open("w", encoding="utf-8") as stream:
        if environ.get("JOURNAL_STREAM") == "this":
            st = os.fstat(stream.fileno())
            environ = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
        setup_worker_logging(environ, stream)
        log = logging.getLogger("flow.pipeline")
        log.info("message id=7 uid=3 municipality=Mora outcome=stored seconds=0.42")
        log.warning("mailbox away\nsecond line")
        logging.getLogger("apscheduler.executors.default").info('Running job "ingest"')
        logging.getLogger("apscheduler.scheduler").warning(
            'Execution of job "_ingest" skipped: maximum number of running instances reached (1)')
        for handler in logging.getLogger().handlers:
            handler.flush()
    return path.read_text(encoding="utf-8")


def test_under_journald_each_line_carries_its_priority(tmp_path: Path, restore_logging: None) -> None:
    text = _log_to(tmp_path / "journal", {"JOURNAL_STREAM": "this"})
    assert text.splitlines() == [
        "<6>flow.pipeline: message id=7 uid=3 municipality=Mora outcome=stored seconds=0.42",
        "<4>flow.pipeline: mailbox away",
        "<4>second line",
    ]


def test_on_a_terminal_or_an_inherited_journal_stream_lines_have_times_and_levels(
        tmp_path: Path, restore_logging: None) -> None:
    text = _log_to(tmp_path / "plain", {"JOURNAL_STREAM": "8:123456"})  # another stream's: a child of a unit
    first = text.splitlines()[0]
    assert not first.startswith("<") and " INFO flow.pipeline: message id=7 " in first
    assert "Running job" not in text and "skipped" not in text
