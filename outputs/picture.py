"""The county's regional picture as plain data: what the workbook and the digest render.

Built from the database by `flow.picture.build_picture`; the renderers in
outputs/ take it as it is and never query anything. Answers held for a
confidentiality review are already withheld here (impact and comment
removed, `withheld` says which questions), so no renderer can leak them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from parsers.form import FormSpec
from parsers.result import Answer, Cadence, Period, periods_of_year


class MonthState(enum.StrEnum):
    """A municipality's reporting state for one month."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # the deadline has passed and nothing came
    PENDING = "pending"  # not in yet, the deadline has not passed
    NOT_DUE = "not_due"  # a month still to come


@dataclass(frozen=True, slots=True)
class MonthReport:
    """One municipality's report for one month (the latest version), or its absence."""

    municipality: str
    period: Period
    state: MonthState
    answers: dict[int, Answer] = field(default_factory=dict)  # empty when nothing came
    received_at: datetime | None = None  # first arrival (decides on time)
    latest_at: datetime | None = None  # when the latest version arrived
    version: int | None = None
    flags: tuple[str, ...] = ()
    withheld: frozenset[int] = frozenset()  # questions held for confidentiality review
    area: str | None = None  # the part of the municipality the report is about, when its form gave one

    @property
    def reported(self) -> bool:
        return self.version is not None


@dataclass(frozen=True, slots=True)
class Group:
    """Municipalities shown together as a roll-up (cooperating municipalities, a police area)."""

    name: str
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CountyPicture:
    """Every municipality × period of one year for one county: months, or ISO weeks when
    the form is weekly (`form.cadence`); a period's `number` (month 1–12, week 1–53) keys it."""

    county_name: str
    county_code: str
    year: int
    form: FormSpec
    municipalities: tuple[str, ...]  # in the county's order
    groups: tuple[Group, ...]
    reports: dict[tuple[str, int], MonthReport]  # (municipality, month 1..12 or week 1..53)

    @property
    def weekly(self) -> bool:
        return self.form.cadence is Cadence.WEEK

    @property
    def periods(self) -> tuple[Period, ...]:
        """The year's columns: 12 months, or the ISO year's 52 or 53 weeks."""
        return periods_of_year(self.year, self.form.cadence)

    def period_at(self, number: int) -> Period:
        """The period of column `number` (a month, or a week when the form is weekly)."""
        return Period.iso_week(self.year, number) if self.weekly else Period(self.year, number)

    def report(self, municipality: str, month: int) -> MonthReport:
        """The report for a cell (`month` is the period's number: a week's for a weekly form);
        a NOT_DUE placeholder when the picture holds none."""
        return self.reports.get((municipality, month)) or MonthReport(
            municipality, self.period_at(month), MonthState.NOT_DUE)

    def impact(self, municipality: str, month: int, question: int) -> int | None:
        answer = self.report(municipality, month).answers.get(question)
        return answer.impact if answer else None
