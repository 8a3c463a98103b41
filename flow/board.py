"""The month at a glance (Läget) for the staff web page, and whether the store answers.

The board is the digest's heat table for one period: every configured
municipality's state and its level per question, by the same rules as
`build_picture` that the workbook and the digest use (the state from the
first arrival against the deadline, held answers withheld), with
the counts of mail waiting in quarantine and reports waiting in review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline_end, report_state
from flow.heartbeat import WorkerHealth, worker_health
from flow.settings import Config
from ground.errors import StoreUnavailable
from outputs.digest_history import History
from outputs.digest_table import TableRow, county_mean_row, group_roll_ups
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
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
    area: str | None = None  # the part of the municipality the latest version is about, when its form gave one


@dataclass(frozen=True, slots=True)
class SummaryCell:
    """A group's or the county's cell: the digest's words and the level it is coloured as."""

    text: str  # the digest's text: a level's name for a group, the mean ("2,3") for the county
    level: int | None  # None: nobody in it answered the question


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """A group's highest level, or the county mean, per question (the digest's rows below the municipalities)."""

    name: str
    note: str  # "högsta nivå, 2 av 3 rapporterat" or "medelvärde"
    kind: str  # "grupp" or "län"
    cells: tuple[SummaryCell, ...]


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
    summary: tuple[SummaryRow, ...] = ()  # each group's highest level, then the county mean


def board_for(engine: Engine, config: Config, period: Period, now: datetime) -> Board:
    """The board of `period` as seen at `now`."""
    # Only this period's reports are read, not the year's picture: for 290 municipalities the
    # year's 3,500 reports took a second to load, the period's 290 a twelfth of that (bench/web_pages.py).
    form = config.county.form
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    questions = tuple((q.number, q.short) for q in form.questions if q.impact)
    with read_transaction(engine) as s:
        latest = {v.municipality: v for v in repo.latest_submissions(s, config.county.code, period)}
        quarantined = repo.count_quarantined(s, config.county.code)
        in_review = repo.count_held(s, config.county.code)  # a count: the held reports themselves are not shown
    due = now >= datetime.combine(period.first_day, time(0, 0), tzinfo=tz) and config.collects(period)
    end = deadline_end(period, tz, grace, form.deadline)
    rows = []
    reports: dict[tuple[str, int], MonthReport] = {}
    for m in config.municipalities:
        view = latest.get(m.name)
        if view is None:
            state = report_state(period, None, now, tz, grace, form.deadline) if due else MonthState.NOT_DUE
            rows.append(BoardRow(m.name, state, {n: None for n, _ in questions}, {}, None, frozenset()))
            continue
        answers = {n: a for n, a in view.answers.items() if n not in view.withheld}
        levels = {n: (answers[n].impact if n in answers else None) for n, _ in questions}
        comments = {n: a.comment for n, a in sorted(answers.items()) if a.comment}
        state = MonthState.ON_TIME if view.first_received_at < end else MonthState.LATE
        rows.append(BoardRow(m.name, state, levels, comments, view.version, view.withheld, view.area))
        reports[(m.name, period.number)] = MonthReport(m.name, period, state, dict(view.answers),
                                                       version=view.version, withheld=view.withheld, area=view.area)
    health = worker_health(engine, config, now)
    late_after = max(300, 3 * config.mailbox.poll_interval_seconds)
    late = health.age_seconds is None or health.age_seconds > late_after
    summary = _summary(config, period, reports)
    return Board(period, questions, tuple(rows), quarantined, in_review, health, late, summary)


def _summary(config: Config, period: Period, reports: dict[tuple[str, int], MonthReport]) -> tuple[SummaryRow, ...]:
    """The digest's group roll-ups and county mean for `period`, computed by the digest's own
    functions over a picture holding only this period (the board reads no other)."""
    form = config.county.form
    picture = CountyPicture(config.county.name, config.county.code, period.year, form,
                            tuple(m.name for m in config.municipalities),
                            tuple(Group(g.name, g.members) for g in config.groups), reports)
    history = History(picture, None)
    # The digest colours a cell with its level's colour; the page colours by class, so the
    # colour is read back as the level it stands for.
    level_of = {"#" + level.colour: level.value for level in form.scale.levels}
    rows: list[TableRow] = [*group_roll_ups(history, period), county_mean_row(history, period)]
    return tuple(SummaryRow(r.name, r.note, r.kind,
                            tuple(SummaryCell(c.text, None if c.muted else level_of.get(c.background))
                                  for c in r.cells))
                 for r in rows)


def store_readable(engine: Engine, config: Config) -> bool:
    """True when the store answers a read (the web page's /health)."""
    try:
        with read_transaction(engine) as s:
            repo.count_quarantined(s, config.county.code)
    except StoreUnavailable:
        return False
    return True
