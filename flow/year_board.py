"""The year at a glance for the staff web page, like the workbook: municipality × period
(12 months, or the ISO year's 52–53 weeks) with each report's state and highest level.

It is `build_picture`'s year (the workbook's and the digest's reading), so a cell here
says what the workbook's cell says; held answers are withheld there and never count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from flow.picture import build_picture
from flow.settings import Config
from outputs.picture import MonthState
from parsers.result import Period


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
    picture = build_picture(engine, config, year, now)
    scale = range(form.scale.min, form.scale.max + 1)
    rows = []
    for name in picture.municipalities:
        cells = []
        for period in picture.periods:
            report = picture.report(name, period.number)
            shown = {n: a.impact for n, a in report.answers.items()
                     if n not in report.withheld and a.impact is not None and a.impact in scale
                     and (question is None or n == question)}
            level = max(shown.values()) if shown else None
            cells.append(YearCell(period, report.state, level, bool(report.withheld)))
        rows.append(YearRow(name, tuple(cells)))
    return YearBoard(year, picture.weekly, picture.periods, questions, question, tuple(rows))
