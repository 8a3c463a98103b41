"""The watchdog's progress during ingest is counted per message, not per batch: a batch of slow messages keeps
the worker's liveness fed however many it holds, while one message stuck longer than the stall time still
starves it. A real Maildir and SQLite store, the real `Liveness`, forms read in process with a delay."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from flow.pipeline import PollReport, poll_once
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.watchdog import Liveness
from parsers import parse_bytes
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.result import ParseResult
from tests.flow.test_batches import CONFIG, MUNICIPALITIES, at, report_mail
from tests.support.maildir_box import MaildirBox

STALL = 1.0  # seconds a step may take


def slow(seconds: float) -> Callable[[bytes, str, FormSpec, Limits], ParseResult]:
    """Read a form in process after `seconds` (a slow form: a big sheet, a busy machine)."""
    def parse(data: bytes, filename: str, form: FormSpec, limits: Limits) -> ParseResult:
        time.sleep(seconds)
        return parse_bytes(data, filename, form, limits)
    return parse


@contextmanager
def stalls_seen(liveness: Liveness) -> Iterator[list[str]]:
    """What `liveness.stalled()` said while the block ran, sampled as the watchdog thread does (often)."""
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            if (stalled := liveness.stalled()) is not None:
                seen.append(stalled)
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield seen
    finally:
        done.set()
        watcher.join()


def ingest(tmp_path: Path, forms: int, seconds: float, per_message: bool) -> tuple[PollReport, list[str]]:
    """One cycle over `forms` mails in one batch, each form taking `seconds`, as the worker runs it:
    marking progress per message (`alive`) or, as before, only as each handled message is counted."""
    box = MaildirBox(tmp_path, replace(CONFIG, signals=()))
    assert box.config.mailbox.batch_size >= forms  # all in one batch
    for i, name in enumerate(MUNICIPALITIES[:forms]):
        box.deliver(report_mail(name), at(f"2026-10-28T09:{i:02d}"))
    source = MaildirSource(box.maildir, configured_folders(box.config.mailbox))
    liveness = Liveness(STALL)
    with stalls_seen(liveness) as seen, liveness.turn("ingest") as step:
        if per_message:
            report = poll_once(source, box.engine, box.config, at("2026-10-29T10:00"), parse=slow(seconds),
                               alive=step)
        else:
            report = poll_once(source, box.engine, box.config, at("2026-10-29T10:00"), parse=slow(seconds),
                               progress=lambda done, total: step())
    return report, seen


def test_a_batch_of_slow_messages_keeps_the_watchdog_fed(tmp_path: Path) -> None:
    """Eight forms of 0.4 s each: 3.2 s for the batch, each message well within the 1 s stall time."""
    report, seen = ingest(tmp_path, 8, 0.4, per_message=True)

    assert dict(report.outcomes) == {"stored": 8}
    assert seen == []


def test_counted_once_a_batch_the_same_messages_would_starve_it(tmp_path: Path) -> None:
    """The same batch with progress marked only as handled messages are counted (after the whole batch):
    the liveness sees no progress for longer than the stall time. This is what per-message marks prevent."""
    report, seen = ingest(tmp_path, 8, 0.4, per_message=False)

    assert dict(report.outcomes) == {"stored": 8}
    assert seen and "ingest has made no progress" in seen[0]


def test_one_message_stuck_longer_than_the_stall_time_is_still_caught(tmp_path: Path) -> None:
    report, seen = ingest(tmp_path, 2, 1.6, per_message=True)

    assert dict(report.outcomes) == {"stored": 2}
    assert seen and "ingest has made no progress" in seen[0]
