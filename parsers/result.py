"""The typed result of reading one form file.

Only dataclasses live here, so `store/` and `outputs/` can import the types
without importing any parsing code. `ParseResult.to_json()` is shaped exactly
like the contract of `lagesbild parse --json` (see shared/contracts.md).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


class Format(enum.StrEnum):
    """File formats a municipality may send, detected from the bytes."""

    DOCX = "docx"
    DOCM = "docm"
    XLSX = "xlsx"
    XLSM = "xlsm"
    PDF = "pdf"
    ODT = "odt"
    ODS = "ods"
    XLS = "xls"
    DOC = "doc"
    RTF = "rtf"
    TEXT = "text"
    UNKNOWN = "unknown"


class Severity(enum.StrEnum):
    """How much an issue matters: an error means the value is missing or refused."""

    ERROR = "error"
    WARNING = "warning"


_FIELD_RE = re.compile(r"^(file|municipality|period|area|q[1-9][0-9]*\.(impact|comment))$")


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in a file, worded for the municipal coordinator (Swedish).

    `field` is one of `file`, `municipality`, `period`, `area` (a form that
    asks for the area only), `q<N>.impact`, `q<N>.comment`.
    """

    field: str
    severity: Severity
    message: str

    def __post_init__(self) -> None:
        if not _FIELD_RE.match(self.field):
            raise ValueError(f"invalid issue field {self.field!r}")

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "severity": self.severity.value, "message": self.message}

    @staticmethod
    def error(field: str, message: str) -> Issue:
        return Issue(field, Severity.ERROR, message)

    @staticmethod
    def warning(field: str, message: str) -> Issue:
        return Issue(field, Severity.WARNING, message)


class Cadence(enum.StrEnum):
    """How often a form is filled in: a period is a month or an ISO 8601 week."""

    MONTH = "month"
    WEEK = "week"


_PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")
_WEEK_RE = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A reporting period: a month (`2026-10`) or an ISO 8601 week (`2026-W43`).

    `Period(2026, 10)` is a month; `Period.iso_week(2026, 43)` a week. A week
    belongs to the ISO year and to the month of its Thursday (ISO's own rule
    for the year), so `year` and `month` are meaningful for both kinds: a
    week is shown under that month's header and counted in that month's
    summary. `week` is 0 for a month. Periods of one kind order in time.
    """

    year: int
    month: int
    week: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"year out of range: {self.year}")
        if self.week:
            if not 1 <= self.week <= weeks_in_year(self.year):
                raise ValueError(f"week out of range: {self.year}-W{self.week:02d}")
            if self.month != _thursday(self.year, self.week).month:
                raise ValueError(f"week {self.week} of {self.year} is not in month {self.month}")

    @staticmethod
    def iso_week(year: int, week: int) -> Period:
        """The ISO week `week` of ISO year `year`; raises ValueError when the year has no such week."""
        if not 1900 <= year <= 2999 or not 1 <= week <= weeks_in_year(year):
            raise ValueError(f"no week {week} in {year}")
        return Period(year, _thursday(year, week).month, week)

    @staticmethod
    def containing(day: date, cadence: Cadence = Cadence.MONTH) -> Period:
        """The month, or the ISO week, that `day` falls in."""
        if cadence is Cadence.WEEK:
            year, week, _ = day.isocalendar()
            return Period.iso_week(year, week)
        return Period(day.year, day.month)

    @property
    def cadence(self) -> Cadence:
        return Cadence.WEEK if self.week else Cadence.MONTH

    @property
    def is_week(self) -> bool:
        return self.week != 0

    @property
    def number(self) -> int:
        """The month (1–12) or the week (1–53) within its year: the period's column in a year."""
        return self.week or self.month

    @property
    def first_day(self) -> date:
        """Monday of the week, or the 1st of the month."""
        if self.week:
            return date.fromisocalendar(self.year, self.week, 1)
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """Sunday of the week, or the last day of the month."""
        if self.week:
            return date.fromisocalendar(self.year, self.week, 7)
        return self.next().first_day - timedelta(days=1)

    def __str__(self) -> str:
        if self.week:
            return f"{self.year:04d}-W{self.week:02d}"
        return f"{self.year:04d}-{self.month:02d}"

    @staticmethod
    def parse(text: str) -> Period:
        """Parse the canonical `YYYY-MM` or `YYYY-Www` form; raises ValueError otherwise."""
        t = text.strip()
        if m := _PERIOD_RE.fullmatch(t):
            return Period(int(m.group(1)), int(m.group(2)))
        if m := _WEEK_RE.fullmatch(t):
            return Period.iso_week(int(m.group(1)), int(m.group(2)))
        raise ValueError(f"not a period (YYYY-MM or YYYY-Www): {text!r}")

    def previous(self) -> Period:
        if self.week:
            return Period.containing(self.first_day - timedelta(days=7), Cadence.WEEK)
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        if self.week:
            return Period.containing(self.first_day + timedelta(days=7), Cadence.WEEK)
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)


def weeks_in_year(year: int) -> int:
    """52 or 53: the number of ISO weeks in ISO year `year` (28 December is always in the last)."""
    return date(year, 12, 28).isocalendar()[1]


def periods_of_year(year: int, cadence: Cadence) -> tuple[Period, ...]:
    """Every month (12) or ISO week (52 or 53) of `year`, in order."""
    if cadence is Cadence.WEEK:
        return tuple(Period.iso_week(year, w) for w in range(1, weeks_in_year(year) + 1))
    return tuple(Period(year, m) for m in range(1, 13))


def _thursday(year: int, week: int) -> date:
    return date.fromisocalendar(year, week, 4)


#: The longest source text kept: enough to recognise the line, not a second copy of the comment.
SOURCE_TEXT_MAX = 120
#: `Source.place` of a value county staff set by correcting it (flow.correction).
CORRECTION = "rättelse"


@dataclass(frozen=True, slots=True)
class Source:
    """Where in its file a value was read from, in Swedish, for a clerk checking it.

    `place` is the part of the file: 'blad "Svar"' (a sheet), "sida 2" (a PDF
    page), "tabell 1" (a table in a text document), 'formulärfält "Paverkan2"'
    (a named form field), 'kryssruta "Paverkan2_3"' (ticked check boxes), ""
    for the running text of a document or mail. `text` is what stood there
    ("Påverkan: 3 (Oroande)", a table's row, a field's value), on one line and
    at most `SOURCE_TEXT_MAX` characters. A value
    county staff corrected has the place `CORRECTION` and who and why as text.
    """

    place: str
    text: str

    @staticmethod
    def of(place: str, text: str) -> Source:
        """A source with its text on one line and cut to `SOURCE_TEXT_MAX` characters."""
        one_line = " / ".join(part for part in (" ".join(line.split()) for line in text.splitlines()) if part)
        if len(one_line) > SOURCE_TEXT_MAX:
            one_line = one_line[:SOURCE_TEXT_MAX - 1].rstrip() + "…"
        return Source(place, one_line)

    @staticmethod
    def correction(actor: str, reason: str) -> Source:
        """The source of a value county staff set: who, and why."""
        return Source.of(CORRECTION, f"{actor}: {reason}")

    @property
    def is_correction(self) -> bool:
        return self.place == CORRECTION


@dataclass(frozen=True, slots=True)
class Answer:
    """One question's answer: impact 1..5 or None, and the comment ("" when blank).

    `impact_source` and `comment_source` say where each was read from (None
    when nothing was, or for a version stored before sources were kept). They
    are not part of the answer's equality nor of `to_json`: the same answer
    read from another place is the same answer.
    """

    impact: int | None = None
    comment: str = ""
    impact_source: Source | None = field(default=None, compare=False)
    comment_source: Source | None = field(default=None, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"impact": self.impact, "comment": self.comment}


@dataclass(frozen=True, slots=True)
class ParseResult:
    """What was read from one file. Never raised: a problem is an `Issue`."""

    format: Format
    municipality: str | None
    period: Period | None
    answers: dict[int, Answer]
    issues: tuple[Issue, ...] = field(default=())
    form_id: str = ""
    #: The month the form names when it gives no year ("Juli månad"): not a
    #: period on its own, but ingest combines it with the received date.
    month_hint: int | None = None
    #: The part of the municipality the report is about ("Område: Vivalla" on the EST
    #: checklist), as typed with its whitespace runs collapsed; None when not given or
    #: when the form has no such field.
    area: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(i.severity is Severity.ERROR for i in self.issues)

    @property
    def unreadable(self) -> bool:
        """True when the file itself could not be read (an error on `file`)."""
        return any(i.field == "file" and i.severity is Severity.ERROR for i in self.issues)

    def issues_for(self, field_name: str) -> list[Issue]:
        return [i for i in self.issues if i.field == field_name]

    def to_json(self, file: str) -> dict[str, Any]:
        """The contract shape of `lagesbild parse --json` for one file."""
        return {
            "file": file,
            "format": self.format.value,
            "municipality": self.municipality,
            "period": str(self.period) if self.period else None,
            "area": self.area,
            "answers": {str(n): a.to_json() for n, a in sorted(self.answers.items())},
            "issues": [i.to_json() for i in self.issues],
        }
