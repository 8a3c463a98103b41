"""The digest's colour table: municipality × question, group roll-ups, the county mean, and its text twin."""

from __future__ import annotations

from dataclasses import dataclass

from outputs.digest_history import History, decimal_text, impact_questions, in_tenths
from outputs.picture import MonthState
from parsers.form import FormSpec
from parsers.result import Period

_TEXT = "#1F1F1F"
NO_REPORT_BG = "#EDEDED"
_BLANK_BG = "#FFFFFF"
WITHHELD_BG = "#D9D2E9"  # lilac: not a level colour, so it cannot be mistaken for one
WITHHELD_WORD = "Granskas"
_NO_REPORT = "–"
NO_IMPACT = "ej angivet"


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
    area: str = ""  # a municipality's report's area as shown ("område Vivalla"), "" for none


@dataclass(frozen=True)
class LegendItem:
    text: str
    background: str


def _level_cell(form: FormSpec, value: int) -> Cell:
    return Cell(form.scale.name_of(value), "#" + form.scale.colour_of(value))


def municipality_row(history: History, name: str, period: Period) -> TableRow:
    """One municipality's row: a level per question, or why there is none."""
    form = history.picture.form
    report = history.report(name, period)
    state = report.state if report is not None else MonthState.NOT_DUE
    note = {MonthState.LATE: "sen", MonthState.MISSING: "saknas"}.get(state, "")
    if state not in (MonthState.ON_TIME, MonthState.LATE):
        note = note or "ej inkommen"
        cells = tuple(Cell(_NO_REPORT, NO_REPORT_BG, muted=True) for _ in impact_questions(form))
        return TableRow(name, note, "kommun", cells)
    assert report is not None
    area = history.area(name, period)
    out: list[Cell] = []
    for q in impact_questions(form):
        value = history.impact(name, period, q.number)
        if q.number in report.withheld:
            out.append(Cell(WITHHELD_WORD, WITHHELD_BG))
        elif value is None:
            out.append(Cell(NO_IMPACT, _BLANK_BG, muted=True))
        else:
            out.append(_level_cell(form, value))
    return TableRow(name, note, "kommun", tuple(out), area)


def group_roll_ups(history: History, period: Period) -> list[TableRow]:
    """A row per group: the highest level any member reported, per question."""
    picture = history.picture
    rows = []
    for group in picture.groups:
        members = [m for m in group.members if m in picture.municipalities]
        reported = sum(1 for m in members if (r := history.report(m, period)) is not None and r.reported)
        cells = []
        for q in impact_questions(picture.form):
            values = [v for m in members if (v := history.impact(m, period, q.number)) is not None]
            cells.append(_level_cell(picture.form, max(values)) if values
                         else Cell(_NO_REPORT, NO_REPORT_BG, muted=True))
        rows.append(TableRow(group.name, f"högsta nivå, {reported} av {len(members)} rapporterat", "grupp",
                             tuple(cells)))
    return rows


def county_mean_row(history: History, period: Period) -> TableRow:
    """The county mean per question, coloured like the level it rounds to."""
    form = history.picture.form
    cells = []
    for q in impact_questions(form):
        mean = history.county_mean(period, q.number)
        if mean is None:
            cells.append(Cell(_NO_REPORT, NO_REPORT_BG, muted=True))
        else:
            nearest = min(max((in_tenths(mean) + 5) // 10, form.scale.min), form.scale.max)
            cells.append(Cell(decimal_text(mean), "#" + form.scale.colour_of(nearest)))
    return TableRow(f"{history.picture.county_name}", "medelvärde", "län", tuple(cells))


def text_table(form: FormSpec, rows: list[TableRow]) -> list[str]:
    """The colour table as fixed-width lines for the plain-text part."""
    questions = impact_questions(form)
    suffix = {"grupp": " (högsta)", "län": " (medel)"}
    names = [r.name + (f", {r.area}" if r.area else "")
             + (f" ({r.note})" if r.kind == "kommun" and r.note else suffix.get(r.kind, "")) for r in rows]
    width = max([len(n) for n in names] + [len("Kommun")]) + 2
    cell = max([len(c.text) for r in rows for c in r.cells] + [len(NO_IMPACT)]) + 2
    lines = [("Kommun".ljust(width) + "".join(f"F{q.number}".ljust(cell) for q in questions)).rstrip()]
    for name, row in zip(names, rows, strict=True):
        lines.append((name.ljust(width) + "".join(c.text.ljust(cell) for c in row.cells)).rstrip())
    return lines
