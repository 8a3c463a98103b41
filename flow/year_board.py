"""The year at a glance for the staff web page, like the workbook: municipality × period
(12 months, or the ISO year's 52–53 weeks) with each report's state and highest level.

It follows `build_picture`'s rules (the workbook's and the digest's reading), so a cell here
says what the workbook's cell says; held answers are withheld there and never count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline_end
from flow.settings import Config
from outputs.picture import MonthState
from parsers.result import Cadence, Period, periods_of_year
from store import repo
from store.db import read_transaction


@dataclass(frozen=True, slots=True)
class YearCell:
    """One municipality's report for one period."""

    period: Period
    state: MonthState
    level: int | None  # the highest level reported (or the chosen question's); None when none
    withheld: bool  # some answer is held for confidentiality review


@dataclass(frozen=True, slots=True)
class YearRow:
    municipality: str
    cells: tuple[YearCell, ...]


@dataclass(frozen=True, slots=True)
class YearBoard:
    """Every municipality × period of `year`; `question` None means the highest level of any question."""

    year: int
    weekly: bool
    periods: tuple[Period, ...]
    questions: tuple[tuple[int, str], ...]  # (number, short name) of the questions with a level
    question: int | None
    rows: tuple[YearRow, ...]


def year_board(engine: Engine, config: Config, year: int, now: datetime, question: int | None = None) -> YearBoard:
    """The year view of `year` as seen at `now`; `question` picks one question's level
    (raises ValueError when the form has no such question with a level)."""
    form = config.county.form
    questions = tuple((q.number, q.short) for q in form.questions if q.impact)
    if question is not None and question not in dict(questions):
        raise ValueError(f"no question {question} with a level")
    # `build_picture`'s rules over each report's level as the store works it out: the picture itself
    # reads every answer and comment of the year, which took a second for 290 municipalities.
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    with read_transaction(engine) as s:
        levels = repo.year_levels(s, config.county.code, year, form.scale.min, form.scale.max, question)
    latest = {(r.municipality, r.period.number): r for r in levels if r.period.cadence is form.cadence}
    periods = periods_of_year(year, form.cadence)
    # Each period's deadline once, not once a cell; a period is due once it has begun and the county
    # collects it. An absent report of a due period is pending or missing by the deadline, as in
    # `report_state`; of a period not due, the picture's placeholder.
    ends = {p.number: deadline_end(p, tz, grace, form.deadline) for p in periods}
    absent = {p.number: (MonthState.PENDING if now < ends[p.number] else MonthState.MISSING)
              if now >= datetime.combine(p.first_day, time(0, 0), tzinfo=tz) and config.collects(p)
              else MonthState.NOT_DUE for p in periods}
    # Equal cells are one shared (frozen) object: a year has some 3,500 cells but a few hundred distinct
    # ones, and fewer live objects a request means fewer full garbage collections (~150 ms each in
    # bench/web_pages.py's process, the year view's p95).
    shared: dict[tuple[int, MonthState, int | None, bool], YearCell] = {}
    for period in periods:
        shared[period.number, absent[period.number], None, False] = YearCell(period, absent[period.number], None, False)
    rows = []
    for m in config.municipalities:
        cells = []
        for period in periods:
            report = latest.get((m.name, period.number))
            key: tuple[int, MonthState, int | None, bool]
            if report is None:
                key = (period.number, absent[period.number], None, False)
            else:
                state = MonthState.ON_TIME if report.first_received_at < ends[period.number] else MonthState.LATE
                key = (period.number, state, report.level, report.withheld)
            cell = shared.get(key)
            if cell is None:
                cell = shared[key] = YearCell(period, *key[1:])
            cells.append(cell)
        rows.append(YearRow(m.name, tuple(cells)))
    return YearBoard(year, form.cadence is Cadence.WEEK, periods, questions, question, tuple(rows))
