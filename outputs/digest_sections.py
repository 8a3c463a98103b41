"""The digest's other sections as plain data: who reported, changes, trends, severe answers, notes, charts."""

from __future__ import annotations

from dataclasses import dataclass

from outputs.charts import SHOWN_HEIGHT_PX, SHOWN_WIDTH_PX, level_chart
from outputs.digest_history import (
    AVERAGE_MONTHS,
    HISTORY_MONTHS,
    History,
    decimal_text,
    impact_questions,
    in_tenths,
    mean_of,
    months_ending,
    short_label,
    span_text,
    verdict_of,
)
from outputs.picture import MonthState
from outputs.replies import excerpt, month_text
from parsers.form import Question
from parsers.result import Period

# A comment is quoted this long at most: enough to see what happened.
COMMENT_CHARS = 200

_ARROW_UP = "↑"
_ARROW_DOWN = "↓"


@dataclass(frozen=True)
class DigestImage:
    """One inline chart: its Content-ID (without <>), the PNG bytes, and alt text in words."""

    cid: str
    png: bytes
    alt: str

    @property
    def filename(self) -> str:
        """The file name the image part carries ("diagram-fraga-1-2026-10.png")."""
        return self.cid.split("@", 1)[0] + ".png"


@dataclass(frozen=True)
class Reporting:
    """Who reported for the month."""

    expected: int
    reported: int
    on_time: int
    late: tuple[str, ...]
    missing: tuple[str, ...]
    not_in: tuple[str, ...]  # pending, or no row in the picture: nothing yet, no verdict
    withheld_answers: int
    #: The late ones as the digest names them, each with its report's area ("Kumla (område Vivalla)").
    late_named: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    """One municipality's level for one question, moved since last month."""

    municipality: str
    number: int
    question: str
    before: str
    after: str
    up: bool
    steps: int
    area: str = ""  # this period's report's area as shown ("område Vivalla"), "" for none

    @property
    def arrow(self) -> str:
        return _ARROW_UP if self.up else _ARROW_DOWN

    @property
    def word(self) -> str:
        return "upp" if self.up else "ned"


@dataclass(frozen=True)
class Trend:
    """The county mean for one question this month against the three-month average."""

    number: int
    question: str
    now: str | None  # "2,1", None when no one answered
    average: str | None
    verdict: str  # "högre", "lägre", "oförändrat", "" (no comparison)

    @property
    def arrow(self) -> str:
        return {"högre": _ARROW_UP, "lägre": _ARROW_DOWN, "oförändrat": "→"}.get(self.verdict, "")


@dataclass(frozen=True)
class SevereAnswer:
    """An answer at one of the top two levels, with the start of its comment."""

    municipality: str
    number: int
    question: str
    level: int
    level_name: str
    background: str
    comment: str
    area: str = ""  # the report's area as shown ("område Vivalla"), "" for none


@dataclass(frozen=True)
class Note:
    """A comment-only answer (the positive measures), shortened."""

    municipality: str
    comment: str
    area: str = ""  # the report's area as shown ("område Vivalla"), "" for none


@dataclass(frozen=True)
class NoteSection:
    """All notes for one comment-only question."""

    number: int
    question: str
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class ChartView:
    """One chart as the HTML places it."""

    number: int
    question: str
    cid: str
    alt: str
    width: int
    height: int


def who_reported(history: History, period: Period) -> Reporting:
    """Who reported for `period`: on time, late, missing, not in yet, and answers held for review."""
    on_time: list[str] = []
    late: list[str] = []
    missing: list[str] = []
    not_in: list[str] = []
    withheld = 0
    for name in history.picture.municipalities:
        report = history.report(name, period)
        state = report.state if report is not None else MonthState.NOT_DUE
        if report is not None and report.reported:
            withheld += len(report.withheld)
        if state is MonthState.ON_TIME:
            on_time.append(name)
        elif state is MonthState.LATE:
            late.append(name)
        elif state is MonthState.MISSING:
            missing.append(name)
        else:
            not_in.append(name)
    return Reporting(
        expected=len(history.picture.municipalities),
        reported=len(on_time) + len(late),
        on_time=len(on_time),
        late=tuple(late),
        missing=tuple(missing),
        not_in=tuple(not_in),
        withheld_answers=withheld,
        late_named=tuple(_named(history, name, period) for name in late),
    )


def _named(history: History, name: str, period: Period) -> str:
    area = history.area(name, period)
    return f"{name} ({area})" if area else name


def find_changes(history: History, period: Period) -> list[Change] | None:
    """Every level that moved since last month (None when last month is not available)."""
    last = period.previous()
    if not history.covers(last):
        return None
    form = history.picture.form
    out = []
    for name in history.picture.municipalities:
        for q in impact_questions(form):
            before = history.impact(name, last, q.number)
            after = history.impact(name, period, q.number)
            if before is None or after is None or before == after:
                continue
            out.append(Change(name, q.number, q.short, form.scale.name_of(before), form.scale.name_of(after),
                              after > before, abs(after - before), history.area(name, period)))
    return out


def find_trends(history: History, period: Period) -> list[Trend]:
    """Each question's county mean this month against the mean of the three months before."""
    earlier = months_ending(period.previous(), AVERAGE_MONTHS)
    out = []
    for q in impact_questions(history.picture.form):
        now = history.county_mean(period, q.number)
        monthly = [m for p in earlier if (m := history.county_mean(p, q.number)) is not None]
        average = mean_of(monthly)
        verdict = verdict_of(now, average) if now is not None and average is not None else ""
        out.append(Trend(q.number, q.short, decimal_text(now) if now is not None else None,
                         decimal_text(average) if average is not None else None, verdict))
    return out


def find_severe(history: History, period: Period) -> list[SevereAnswer]:
    """Answers at the top two levels of the scale (Allvarligt, Kritiskt), the worst first."""
    form = history.picture.form
    threshold = form.scale.max - 1
    found = []
    for order, name in enumerate(history.picture.municipalities):
        answers = history.answers(name, period)
        for q in impact_questions(form):
            value = history.impact(name, period, q.number)
            if value is None or value < threshold:
                continue
            comment = excerpt(answers[q.number].comment, COMMENT_CHARS) or "(ingen kommentar)"
            found.append((-value, order, q.number, SevereAnswer(
                name, q.number, q.short, value, form.scale.name_of(value), "#" + form.scale.colour_of(value),
                comment, history.area(name, period))))
    return [entry[-1] for entry in sorted(found, key=lambda e: e[:3])]


def note_sections(history: History, period: Period) -> list[NoteSection]:
    """The comment-only questions (question 7, positive measures): each municipality's note."""
    sections = []
    for q in history.picture.form.questions:
        if q.impact:
            continue
        notes = []
        for name in history.picture.municipalities:
            answer = history.answers(name, period).get(q.number)
            if answer is not None and answer.comment.strip():
                notes.append(Note(name, excerpt(answer.comment, COMMENT_CHARS), history.area(name, period)))
        sections.append(NoteSection(q.number, q.short, tuple(notes)))
    return sections


def _chart_alt(history: History, q: Question, months: list[Period]) -> str:
    """The chart in words: how the county mean moved over the months, and this month's spread."""
    scale = history.picture.form.scale
    head = f"Fråga {q.number} {q.short}, {span_text(months[0], months[-1])}"
    means = [(p, m) for p in months if (m := history.county_mean(p, q.number)) is not None]
    if not means:
        return f"{head}: inga svar under perioden."
    parts = []
    (first, a), (last, b) = means[0], means[-1]
    if len(means) == 1:
        only = "den enda veckan" if first.is_week else "den enda månaden"
        parts.append(f"medelnivån var {decimal_text(a)} i {month_text(first)}, {only} med svar")
    else:
        verb = {"högre": "steg", "lägre": "sjönk"}.get(verdict_of(b, a))
        if verb:
            parts.append(f"medelnivån {verb} från {decimal_text(a)} i {month_text(first)} "
                         f"till {decimal_text(b)} i {month_text(last)}")
        else:
            parts.append(f"medelnivån var densamma, {decimal_text(b)}, i {month_text(first)} "
                         f"och {month_text(last)}")
        peak_period, peak = max(means, key=lambda pm: (in_tenths(pm[1]), pm[0]))
        if in_tenths(peak) > max(in_tenths(a), in_tenths(b)):
            parts.append(f"högst i {month_text(peak_period)} ({decimal_text(peak)})")
    now = months[-1]
    values = history.impacts(now, q.number)
    if values:
        spread = ", ".join(f"{values.count(lv.value)} {lv.name}" for lv in scale.levels if lv.value in values)
        parts.append(f"i {month_text(now)}: {spread}")
    else:
        parts.append(f"inga svar i {month_text(now)}")
    return f"{head}: " + "; ".join(parts) + "."


def build_charts(history: History, period: Period) -> tuple[list[ChartView], list[DigestImage]]:
    """A twelve-month level chart per question: where the HTML places each, and the PNG images."""
    months = months_ending(period, HISTORY_MONTHS)
    scale = history.picture.form.scale
    labels = [short_label(p) for p in months]
    colours = [lv.colour for lv in scale.levels]
    views, images = [], []
    for q in impact_questions(history.picture.form):
        counts = []
        for p in months:
            values = history.impacts(p, q.number)
            counts.append([values.count(lv.value) for lv in scale.levels])
        png = level_chart(counts, labels, colours, ymax=len(history.picture.municipalities))
        cid = f"diagram-fraga-{q.number}-{period}@lagesbild"
        alt = _chart_alt(history, q, months)
        images.append(DigestImage(cid, png, alt))
        views.append(ChartView(q.number, q.short, cid, alt, SHOWN_WIDTH_PX, SHOWN_HEIGHT_PX))
    return views, images
