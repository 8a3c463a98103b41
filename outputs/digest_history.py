"""Reading the county pictures for the digest: reports and county means by month, and exact means as text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from outputs.blank_forms import SWEDISH_MONTHS
from outputs.picture import CountyPicture, MonthReport
from outputs.replies import excerpt, month_text
from parsers.form import FormSpec, Question
from parsers.result import Answer, Period

HISTORY_MONTHS = 12
AVERAGE_MONTHS = 3
# An area is shown this long at most: a district's or housing area's name fits.
AREA_CHARS = 60

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
    """The `count` periods (months, or weeks) up to and including `period`, oldest first."""
    months = [period]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


def short_label(period: Period) -> str:
    """A chart's axis label: "okt", or a week's "v43"."""
    return f"v{period.week}" if period.is_week else SHORT_MONTHS[period.month - 1]


def span_text(first: Period, last: Period) -> str:
    """ "juli–september 2026", or "november 2025–januari 2026" across a year; weeks:
    "vecka 40–43 2026", "vecka 50 2025–vecka 3 2026"."""
    if first == last:
        return month_text(first)
    if first.is_week:
        if first.year == last.year:
            return f"vecka {first.week}–{last.week} {last.year}"
        return f"{month_text(first)}–{month_text(last)}"
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
        return source.reports.get((municipality, period.number)) if source is not None else None

    def covers(self, period: Period) -> bool:
        """Whether any picture holds `period` (a year we were not given is unknown, not empty)."""
        return period.year == self.picture.year or (self.previous is not None and period.year == self.previous.year)

    def area(self, municipality: str, period: Period) -> str:
        """The area a municipality's report for `period` is about, as the digest names it after the
        municipality ("område Vivalla"); "" when the report gave none or the form asks for none.

        On one line and shortened (the area is typed text: a sentence after the label must not
        push the digest's table apart); the templates print it under the text rule like all data.
        """
        labels = self.picture.form.labels.area
        report = self.report(municipality, period)
        if not labels or report is None or not report.reported or not report.area:
            return ""
        shown = excerpt(report.area, AREA_CHARS)
        return f"{labels[0].lower()} {shown}" if shown else ""

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


@dataclass(frozen=True, slots=True)
class MonthSummaryRow:
    """A weekly digest's month so far, for one question: answers, highest level and mean."""

    number: int
    question: str
    answers: int
    top: str | None  # the highest level's name, None when nobody gave one
    colour: str  # the highest level's colour ("#RRGGBB"), "" when none
    mean: str | None


def weeks_of_month(history: History, period: Period) -> list[Period]:
    """The weeks of `period`'s month (a week is its Thursday's month) up to and including `period`."""
    return [p for p in history.picture.periods if p.month == period.month and p <= period]


def month_summary(history: History, period: Period) -> list[MonthSummaryRow]:
    """For a weekly digest: each question over the month's weeks so far."""
    scale = history.picture.form.scale
    weeks = weeks_of_month(history, period)
    rows = []
    for q in impact_questions(history.picture.form):
        values = [v for w in weeks for v in history.impacts(w, q.number)]
        mean = mean_of(values)
        top = max(values) if values else None
        rows.append(MonthSummaryRow(q.number, q.short, len(values), scale.name_of(top) if top else None,
                                    "#" + scale.colour_of(top) if top else "",
                                    decimal_text(mean) if mean is not None else None))
    return rows
