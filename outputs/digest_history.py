"""Reading the county pictures for the digest: reports and county means by month, and exact means as text."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from outputs.blank_forms import SWEDISH_MONTHS
from outputs.picture import CountyPicture, MonthReport
from outputs.replies import month_text
from parsers.form import FormSpec, Question
from parsers.result import Answer, Period

HISTORY_MONTHS = 12
AVERAGE_MONTHS = 3

SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def in_tenths(value: Fraction) -> int:
    """`value` in tenths, rounded half up (exact: no float in between)."""
    return int((value * 10 + Fraction(1, 2)) // 1)


def decimal_text(value: Fraction) -> str:
    """A non-negative mean with one decimal and a decimal comma: Fraction(9, 5) -> "1,8"."""
    tenths = in_tenths(value)
    return f"{tenths // 10},{tenths % 10}"


def mean_of(values: Sequence[int | Fraction]) -> Fraction | None:
    """The exact mean of `values`, or None when there are none."""
    return Fraction(sum(values, Fraction(0))) / len(values) if values else None


def verdict_of(now: Fraction, before: Fraction) -> str:
    """"högre", "lägre" or "oförändrat": `now` against `before` as shown, to one decimal."""
    a, b = in_tenths(now), in_tenths(before)
    return "högre" if a > b else "lägre" if a < b else "oförändrat"


def months_ending(period: Period, count: int) -> list[Period]:
    """The `count` months up to and including `period`, oldest first."""
    months = [period]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


def span_text(first: Period, last: Period) -> str:
    """ "juli–september 2026", or "november 2025–januari 2026" across a year."""
    if first == last:
        return month_text(first)
    if first.year == last.year:
        return f"{SWEDISH_MONTHS[first.month - 1]}–{month_text(last)}"
    return f"{month_text(first)}–{month_text(last)}"


# --- reading the pictures -------------------------------------------------------------------


class History:
    """Reports by (municipality, period) over this year's picture and, optionally, last year's."""

    def __init__(self, picture: CountyPicture, previous: CountyPicture | None) -> None:
        self.picture = picture
        self.previous = previous
        self.scale = picture.form.scale

    def report(self, municipality: str, period: Period) -> MonthReport | None:
        if period.year == self.picture.year:
            source: CountyPicture | None = self.picture
        elif self.previous is not None and period.year == self.previous.year:
            source = self.previous
        else:
            source = None
        return source.reports.get((municipality, period.month)) if source is not None else None

    def covers(self, period: Period) -> bool:
        """Whether any picture holds `period` (a year we were not given is unknown, not empty)."""
        return period.year == self.picture.year or (self.previous is not None and period.year == self.previous.year)

    def answers(self, municipality: str, period: Period) -> dict[int, Answer]:
        """The answers that may be shown: never those held for review."""
        report = self.report(municipality, period)
        if report is None:
            return {}
        return {q: a for q, a in report.answers.items() if q not in report.withheld}

    def impact(self, municipality: str, period: Period, question: int) -> int | None:
        answer = self.answers(municipality, period).get(question)
        if answer is None or answer.impact is None:
            return None
        # A value outside the scale cannot be named or coloured; the parser
        # never stores one, and if it did, showing nothing beats a crash.
        return answer.impact if self.scale.min <= answer.impact <= self.scale.max else None

    def impacts(self, period: Period, question: int) -> list[int]:
        values = (self.impact(m, period, question) for m in self.picture.municipalities)
        return [v for v in values if v is not None]

    def county_mean(self, period: Period, question: int) -> Fraction | None:
        return mean_of(self.impacts(period, question))


def impact_questions(form: FormSpec) -> list[Question]:
    """The form's questions that ask for a level, in form order."""
    return [q for q in form.questions if q.impact]
