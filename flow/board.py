"""The month at a glance (Läget) for the staff web page, and whether the store answers.

The board is the digest's heat table for one period: every configured
municipality's state and its level per question, built from the same
`build_picture` the workbook and the digest use (held answers withheld), with
the counts of mail waiting in quarantine and reports waiting in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from flow.heartbeat import WorkerHealth, worker_health
from flow.operations import list_held
from flow.picture import build_picture
from flow.settings import Config
from ground.errors import StoreUnavailable
from outputs.picture import MonthState
from parsers.result import Period
from store import repo
from store.db import read_transaction


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One municipality on the board."""

    municipality: str
    state: MonthState
    levels: dict[int, int | None]  # question number → impact (None: not answered or withheld)
    comments: dict[int, str]  # question number → comment, only those not blank (withheld ones are blank)
    version: int | None
    withheld: frozenset[int]


@dataclass(frozen=True, slots=True)
class Board:
    """Every municipality for one period, and what waits for staff."""

    period: Period
    questions: tuple[tuple[int, str], ...]  # (number, short name) of the questions with a level
    rows: tuple[BoardRow, ...]
    quarantined: int
    in_review: int
    worker: WorkerHealth | None = None  # the worker's last cycle, outbox backlog and parked mail
    worker_late: bool = False  # no cycle for three poll intervals (at least five minutes): is the worker running?


def board_for(engine: Engine, config: Config, period: Period, now: datetime) -> Board:
    """The board of `period` as seen at `now`."""
    picture = build_picture(engine, config, period.year, now)
    questions = tuple((q.number, q.short) for q in picture.form.questions if q.impact)
    rows = []
    for name in picture.municipalities:
        report = picture.report(name, period.month)
        levels = {n: (report.answers[n].impact if n in report.answers else None) for n, _ in questions}
        comments = {n: a.comment for n, a in sorted(report.answers.items()) if a.comment}
        rows.append(BoardRow(name, report.state, levels, comments, report.version, report.withheld))
    with read_transaction(engine) as s:
        quarantined = repo.count_quarantined(s, config.county.code)
    held = list_held(engine, config)
    health = worker_health(engine, config, now)
    late_after = max(300, 3 * config.mailbox.poll_interval_seconds)
    late = health.age_seconds is None or health.age_seconds > late_after
    return Board(period, questions, tuple(rows), quarantined, len(held), health, late)


def store_readable(engine: Engine, config: Config) -> bool:
    """True when the store answers a read (the web page's /health)."""
    try:
        with read_transaction(engine) as s:
            repo.count_quarantined(s, config.county.code)
    except StoreUnavailable:
        return False
    return True
