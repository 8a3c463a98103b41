"""The typed result of reading one form file.

Only dataclasses live here, so `store/` and `outputs/` can import the types
without importing any parsing code. `ParseResult.to_json()` is shaped exactly
like the contract of `lagesbild parse --json` (see shared/contracts.md).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
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


_FIELD_RE = re.compile(r"^(file|municipality|period|q[1-9][0-9]*\.(impact|comment))$")


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in a file, worded for the municipal coordinator (Swedish).

    `field` is one of `file`, `municipality`, `period`, `q<N>.impact`,
    `q<N>.comment`.
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


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A reporting month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")
        if not 1900 <= self.year <= 2999:
            raise ValueError(f"year out of range: {self.year}")

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @staticmethod
    def parse(text: str) -> Period:
        """Parse the canonical `YYYY-MM` form; raises ValueError otherwise."""
        m = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
        if not m:
            raise ValueError(f"not a period (YYYY-MM): {text!r}")
        return Period(int(m.group(1)), int(m.group(2)))

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)


@dataclass(frozen=True, slots=True)
class Answer:
    """One question's answer: impact 1..5 or None, and the comment ("" when blank)."""

    impact: int | None = None
    comment: str = ""

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
            "answers": {str(n): a.to_json() for n, a in sorted(self.answers.items())},
            "issues": [i.to_json() for i in self.issues],
        }
