"""The monthly digest to county leadership: one HTML mail with a plain-text twin.

`build_digest` turns a `CountyPicture` (and, for the months before January,
last year's picture) into a `Digest`: subject, HTML, plain text and one small
PNG chart per question. `digest_message` wraps it as a mail
(multipart/alternative: text, and multipart/related with the HTML and its
inline images by Content-ID); `digest_file_html` gives the same HTML with
the images inlined as data: URIs, to look at in a browser.

What leadership sees, in Swedish and in this order: how many municipalities
reported and how many on time, who is late or missing; a colour table
municipality × question for the month, with group roll-ups and the county
mean; what changed since last month and against the three-month average;
every answer at the top two levels (Allvarligt, Kritiskt) with the start of
its comment; the positive measures; and twelve months per question as charts.

Everything a municipality wrote reaches the templates as data only: the
HTML template autoescapes it, and it is never compiled as template code.
Answers held for a confidentiality review are shown as "Granskas" and are
otherwise left out, even if a picture were to carry their content.

Numbers: a mean is computed exactly (fractions) and shown with one decimal,
rounded half up, with a decimal comma ("1,8"). "Högre/lägre/oförändrat"
compares those shown values, so the words never contradict the numbers.
The three-month average is the mean of the three previous months' county
means (each month weighs the same, however many municipalities reported);
a month with no answers is left out of it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from fractions import Fraction
from typing import Any

from outputs.blank_forms import SWEDISH_MONTHS
from outputs.charts import HEIGHT_PX, WIDTH_PX, level_chart
from outputs.mail import AUTO_GENERATED, new_message, set_body
from outputs.picture import CountyPicture, MonthReport, MonthState
from outputs.replies import excerpt, month_text, render
from parsers.form import FormSpec, Question
from parsers.result import Answer, Period

# A comment is quoted this long at most: enough to see what happened.
COMMENT_CHARS = 200
HISTORY_MONTHS = 12
AVERAGE_MONTHS = 3

_SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_TEXT = "#1F1F1F"
_NO_REPORT_BG = "#EDEDED"
_BLANK_BG = "#FFFFFF"
_WITHHELD_BG = "#D9D2E9"  # lilac: not a level colour, so it cannot be mistaken for one
_WITHHELD = "Granskas"
_NO_REPORT = "–"
_NO_IMPACT = "ej angivet"
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
class Digest:
    """The rendered digest: subject, HTML (images by cid:), plain text, and the images."""

    subject: str
    html: str
    text: str
    images: tuple[DigestImage, ...]


# --- what the templates show (plain data, computed here) -------------------------------------


@dataclass(frozen=True)
class Cell:
    """One cell of the colour table: the words, the background and whether it is a level."""

    text: str
    background: str
    colour: str = _TEXT
    muted: bool = False


@dataclass(frozen=True)
class TableRow:
    """A municipality, a group roll-up or the county row of the colour table."""

    name: str
    note: str
    kind: str  # "kommun", "grupp", "län"
    cells: tuple[Cell, ...]


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


@dataclass(frozen=True)
class Note:
    """A comment-only answer (the positive measures), shortened."""

    municipality: str
    comment: str


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


@dataclass(frozen=True)
class LegendItem:
    text: str
    background: str


# --- numbers --------------------------------------------------------------------------------


def _tenths(value: Fraction) -> int:
    """`value` in tenths, rounded half up (exact: no float in between)."""
    return int((value * 10 + Fraction(1, 2)) // 1)


def decimal_text(value: Fraction) -> str:
    """A non-negative mean with one decimal and a decimal comma: Fraction(9, 5) -> "1,8"."""
    tenths = _tenths(value)
    return f"{tenths // 10},{tenths % 10}"


def _mean(values: Sequence[int | Fraction]) -> Fraction | None:
    return Fraction(sum(values, Fraction(0))) / len(values) if values else None


def _verdict(now: Fraction, before: Fraction) -> str:
    a, b = _tenths(now), _tenths(before)
    return "högre" if a > b else "lägre" if a < b else "oförändrat"


def months_ending(period: Period, count: int) -> list[Period]:
    """The `count` months up to and including `period`, oldest first."""
    months = [period]
    while len(months) < count:
        months.append(months[-1].previous())
    return months[::-1]


def _span_text(first: Period, last: Period) -> str:
    """ "juli–september 2026", or "november 2025–januari 2026" across a year."""
    if first == last:
        return month_text(first)
    if first.year == last.year:
        return f"{SWEDISH_MONTHS[first.month - 1]}–{month_text(last)}"
    return f"{month_text(first)}–{month_text(last)}"


# --- reading the pictures -------------------------------------------------------------------


class _History:
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
        return _mean(self.impacts(period, question))


def _impact_questions(form: FormSpec) -> list[Question]:
    return [q for q in form.questions if q.impact]


def _level_cell(form: FormSpec, value: int) -> Cell:
    return Cell(form.scale.name_of(value), "#" + form.scale.colour_of(value))


def _reporting(history: _History, period: Period) -> Reporting:
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
    )


def _municipality_row(history: _History, name: str, period: Period) -> TableRow:
    form = history.picture.form
    report = history.report(name, period)
    state = report.state if report is not None else MonthState.NOT_DUE
    note = {MonthState.LATE: "sen", MonthState.MISSING: "saknas"}.get(state, "")
    if state not in (MonthState.ON_TIME, MonthState.LATE):
        note = note or "ej inkommen"
        cells = tuple(Cell(_NO_REPORT, _NO_REPORT_BG, muted=True) for _ in _impact_questions(form))
        return TableRow(name, note, "kommun", cells)
    assert report is not None
    out: list[Cell] = []
    for q in _impact_questions(form):
        value = history.impact(name, period, q.number)
        if q.number in report.withheld:
            out.append(Cell(_WITHHELD, _WITHHELD_BG))
        elif value is None:
            out.append(Cell(_NO_IMPACT, _BLANK_BG, muted=True))
        else:
            out.append(_level_cell(form, value))
    return TableRow(name, note, "kommun", tuple(out))


def _group_rows(history: _History, period: Period) -> list[TableRow]:
    """A row per group: the highest level any member reported, per question."""
    picture = history.picture
    rows = []
    for group in picture.groups:
        members = [m for m in group.members if m in picture.municipalities]
        reported = sum(1 for m in members if (r := history.report(m, period)) is not None and r.reported)
        cells = []
        for q in _impact_questions(picture.form):
            values = [v for m in members if (v := history.impact(m, period, q.number)) is not None]
            cells.append(_level_cell(picture.form, max(values)) if values
                         else Cell(_NO_REPORT, _NO_REPORT_BG, muted=True))
        rows.append(TableRow(group.name, f"högsta nivå, {reported} av {len(members)} rapporterat", "grupp",
                             tuple(cells)))
    return rows


def _county_row(history: _History, period: Period) -> TableRow:
    """The county mean per question, coloured like the level it rounds to."""
    form = history.picture.form
    cells = []
    for q in _impact_questions(form):
        mean = history.county_mean(period, q.number)
        if mean is None:
            cells.append(Cell(_NO_REPORT, _NO_REPORT_BG, muted=True))
        else:
            nearest = min(max((_tenths(mean) + 5) // 10, form.scale.min), form.scale.max)
            cells.append(Cell(decimal_text(mean), "#" + form.scale.colour_of(nearest)))
    return TableRow(f"{history.picture.county_name}", "medelvärde", "län", tuple(cells))


def _changes(history: _History, period: Period) -> list[Change] | None:
    """Every level that moved since last month (None when last month is not available)."""
    last = period.previous()
    if not history.covers(last):
        return None
    form = history.picture.form
    out = []
    for name in history.picture.municipalities:
        for q in _impact_questions(form):
            before = history.impact(name, last, q.number)
            after = history.impact(name, period, q.number)
            if before is None or after is None or before == after:
                continue
            out.append(Change(name, q.number, q.short, form.scale.name_of(before), form.scale.name_of(after),
                              after > before, abs(after - before)))
    return out


def _trends(history: _History, period: Period) -> list[Trend]:
    earlier = months_ending(period.previous(), AVERAGE_MONTHS)
    out = []
    for q in _impact_questions(history.picture.form):
        now = history.county_mean(period, q.number)
        monthly = [m for p in earlier if (m := history.county_mean(p, q.number)) is not None]
        average = _mean(monthly)
        verdict = _verdict(now, average) if now is not None and average is not None else ""
        out.append(Trend(q.number, q.short, decimal_text(now) if now is not None else None,
                         decimal_text(average) if average is not None else None, verdict))
    return out


def _severe(history: _History, period: Period) -> list[SevereAnswer]:
    """Answers at the top two levels of the scale (Allvarligt, Kritiskt), the worst first."""
    form = history.picture.form
    threshold = form.scale.max - 1
    found = []
    for order, name in enumerate(history.picture.municipalities):
        answers = history.answers(name, period)
        for q in _impact_questions(form):
            value = history.impact(name, period, q.number)
            if value is None or value < threshold:
                continue
            comment = excerpt(answers[q.number].comment, COMMENT_CHARS) or "(ingen kommentar)"
            found.append((-value, order, q.number, SevereAnswer(
                name, q.number, q.short, value, form.scale.name_of(value), "#" + form.scale.colour_of(value),
                comment)))
    return [entry[-1] for entry in sorted(found, key=lambda e: e[:3])]


def _notes(history: _History, period: Period) -> list[NoteSection]:
    """The comment-only questions (question 7, positive measures): each municipality's note."""
    sections = []
    for q in history.picture.form.questions:
        if q.impact:
            continue
        notes = []
        for name in history.picture.municipalities:
            answer = history.answers(name, period).get(q.number)
            if answer is not None and answer.comment.strip():
                notes.append(Note(name, excerpt(answer.comment, COMMENT_CHARS)))
        sections.append(NoteSection(q.number, q.short, tuple(notes)))
    return sections


def _chart_alt(history: _History, q: Question, months: list[Period]) -> str:
    """The chart in words: how the county mean moved over the months, and this month's spread."""
    scale = history.picture.form.scale
    head = f"Fråga {q.number} {q.short}, {_span_text(months[0], months[-1])}"
    means = [(p, m) for p in months if (m := history.county_mean(p, q.number)) is not None]
    if not means:
        return f"{head}: inga svar under perioden."
    parts = []
    (first, a), (last, b) = means[0], means[-1]
    if len(means) == 1:
        parts.append(f"medelnivån var {decimal_text(a)} i {month_text(first)}, den enda månaden med svar")
    else:
        verb = {"högre": "steg", "lägre": "sjönk"}.get(_verdict(b, a))
        if verb:
            parts.append(f"medelnivån {verb} från {decimal_text(a)} i {month_text(first)} "
                         f"till {decimal_text(b)} i {month_text(last)}")
        else:
            parts.append(f"medelnivån var densamma, {decimal_text(b)}, i {month_text(first)} "
                         f"och {month_text(last)}")
        peak_period, peak = max(means, key=lambda pm: (_tenths(pm[1]), pm[0]))
        if _tenths(peak) > max(_tenths(a), _tenths(b)):
            parts.append(f"högst i {month_text(peak_period)} ({decimal_text(peak)})")
    now = months[-1]
    values = history.impacts(now, q.number)
    if values:
        spread = ", ".join(f"{values.count(lv.value)} {lv.name}" for lv in scale.levels if lv.value in values)
        parts.append(f"i {month_text(now)}: {spread}")
    else:
        parts.append(f"inga svar i {month_text(now)}")
    return f"{head}: " + "; ".join(parts) + "."


def _charts(history: _History, period: Period) -> tuple[list[ChartView], list[DigestImage]]:
    months = months_ending(period, HISTORY_MONTHS)
    scale = history.picture.form.scale
    labels = [_SHORT_MONTHS[p.month - 1] for p in months]
    colours = [lv.colour for lv in scale.levels]
    views, images = [], []
    for q in _impact_questions(history.picture.form):
        counts = []
        for p in months:
            values = history.impacts(p, q.number)
            counts.append([values.count(lv.value) for lv in scale.levels])
        png = level_chart(counts, labels, colours, ymax=len(history.picture.municipalities))
        cid = f"diagram-fraga-{q.number}-{period}@lagesbild"
        alt = _chart_alt(history, q, months)
        images.append(DigestImage(cid, png, alt))
        views.append(ChartView(q.number, q.short, cid, alt, WIDTH_PX, HEIGHT_PX))
    return views, images


def _text_table(form: FormSpec, rows: list[TableRow]) -> list[str]:
    """The colour table as fixed-width lines for the plain-text part."""
    questions = _impact_questions(form)
    suffix = {"grupp": " (högsta)", "län": " (medel)"}
    names = [r.name + (f" ({r.note})" if r.kind == "kommun" and r.note else suffix.get(r.kind, "")) for r in rows]
    width = max([len(n) for n in names] + [len("Kommun")]) + 2
    cell = max([len(c.text) for r in rows for c in r.cells] + [len(_NO_IMPACT)]) + 2
    lines = [("Kommun".ljust(width) + "".join(f"F{q.number}".ljust(cell) for q in questions)).rstrip()]
    for name, row in zip(names, rows, strict=True):
        lines.append((name.ljust(width) + "".join(c.text.ljust(cell) for c in row.cells)).rstrip())
    return lines


def digest_subject(picture: CountyPicture, period: Period) -> str:
    """ "Lägesbild sociala risker – oktober 2026, Dalarnas län" (the topic from the form's title)."""
    title = picture.form.title
    topic = title.rsplit("–", 1)[1].strip().lower() if "–" in title else ""
    head = f"Lägesbild {topic}" if topic else "Lägesbild"
    return f"{head} – {month_text(period)}, {picture.county_name}"


def build_digest(picture: CountyPicture, period: Period, *, previous: CountyPicture | None = None) -> Digest:
    """The leadership digest for `period` (a month of `picture.year`).

    `previous` is last year's picture: the twelve-month charts, last month
    and the three-month average reach into it for January–November. Without
    it those months count as unknown (left out), never as zero.
    """
    if period.year != picture.year:
        raise ValueError(f"period {period} is not in the picture's year {picture.year}")
    if previous is not None and previous.year != picture.year - 1:
        raise ValueError(f"previous picture is for {previous.year}, expected {picture.year - 1}")
    history = _History(picture, previous)
    form = picture.form
    rows = [_municipality_row(history, m, period) for m in picture.municipalities]
    group_rows = _group_rows(history, period)
    county_row = _county_row(history, period)
    last = period.previous()
    earlier = months_ending(last, AVERAGE_MONTHS)
    charts, images = _charts(history, period)
    changes = _changes(history, period)
    subject = digest_subject(picture, period)
    data: dict[str, Any] = {
        "title": subject,
        "county_name": picture.county_name,
        "month": month_text(period),
        "month_name": SWEDISH_MONTHS[period.month - 1],
        "last_month": month_text(last),
        "average_span": _span_text(earlier[0], earlier[-1]),
        "average_short": f"{_SHORT_MONTHS[earlier[0].month - 1]}–{_SHORT_MONTHS[earlier[-1].month - 1]}",
        "history_span": _span_text(months_ending(period, HISTORY_MONTHS)[0], period),
        "questions": _impact_questions(form),
        "reporting": _reporting(history, period),
        "rows": rows,
        "group_rows": group_rows,
        "county_row": county_row,
        "text_table": _text_table(form, [*rows, *group_rows, county_row]),
        "legend": [LegendItem(lv.name, "#" + lv.colour) for lv in form.scale.levels]
        + [LegendItem(_WITHHELD, _WITHHELD_BG), LegendItem("ingen rapport", _NO_REPORT_BG)],
        "changes": changes,
        "changes_up": [c for c in changes or [] if c.up],
        "changes_down": [c for c in changes or [] if not c.up],
        "trends": _trends(history, period),
        "severe": _severe(history, period),
        "severe_levels": " och ".join(lv.name for lv in form.scale.levels if lv.value >= form.scale.max - 1),
        "note_sections": _notes(history, period),
        "charts": charts,
        "chart_rows": [charts[i:i + 2] for i in range(0, len(charts), 2)],
        "withheld_word": _WITHHELD,
    }
    return Digest(subject, render("digest.html.j2", **data), render("digest.txt.j2", **data), tuple(images))


def digest_message(digest: Digest, *, sender_name: str, mailbox_address: str, to: list[str],
                   now: datetime) -> EmailMessage:
    """The digest as a mail: multipart/alternative of the text and a multipart/related HTML part.

    Each chart is an inline image part with its Content-ID and a file name,
    which the HTML references as ``cid:``. Headers as every message we send
    (`outputs.mail.new_message`), marked ``Auto-Submitted: auto-generated``.
    """
    msg = new_message(sender_name=sender_name, sender_address=mailbox_address, to=to, subject=digest.subject,
                      now=now, auto_submitted=AUTO_GENERATED)
    set_body(msg, digest.text, digest.html)
    html_part = msg.get_body(("html",))
    assert html_part is not None
    for image in digest.images:
        html_part.add_related(image.png, maintype="image", subtype="png", cid=f"<{image.cid}>",
                              filename=image.filename, disposition="inline")
    if digest.images:
        # RFC 2387: multipart/related names the type of its root part.
        html_part.set_param("type", "text/html")
    return msg


def digest_file_html(digest: Digest) -> str:
    """The digest's HTML with each ``cid:`` image replaced by a data: URI, to open in a browser.

    Only the exact attribute ``src="cid:…"`` is replaced: a comment quoting
    such a string is escaped (its quote is ``&#34;``), so it cannot match.
    """
    html = digest.html
    for image in digest.images:
        data = base64.b64encode(image.png).decode("ascii")
        html = html.replace(f'src="cid:{image.cid}"', f'src="data:image/png;base64,{data}"')
    return html
