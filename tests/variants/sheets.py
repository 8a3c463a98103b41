"""The layouts as spreadsheet cells, written with openpyxl (LibreOffice turns them into .xls/.ods).

A spreadsheet holds a label and its value in neighbouring cells, so the
layouts read: inline = label cell and value cell on one row; next_line = the
value in the cell below its label; table1 = one cell per question with every
line in it (Alt+Enter); table2 = label | value rows; table3 = "Fråga |
Påverkan (1-5) | Kommentar"; cell_lines = the question in A and "Påverkan: 2"
and "Kommentar: …" as lines of one cell in B; transposed = questions across
the columns. Digits are number cells; a "legacy_dropdown" is a cell with a
list validation (typed values that break it are kept, as Excel does when the
validation's error alert is off).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break

from tests.builders import INSTRUCTION, INTRO, LEGEND, TITLE
from tests.variants.content import LEVEL_NAMES, STALE_MONTH, FormContent, Item
from tests.variants.model import SHEET_ITEMS, box_row, ticks, typed_text

Value = str | int | None


@dataclass
class SheetSpec:
    """The cells of one sheet, with the validated cells and the page setup."""

    rows: list[list[Value]] = field(default_factory=list)
    validated: list[tuple[int, int]] = field(default_factory=list)  # (row, col), 1-based
    breaks: list[int] = field(default_factory=list)

    def add(self, *cells: Value, validate: int = 0) -> None:
        """Append a row; `validate` is the 1-based column holding a dropdown value."""
        self.rows.append(list(cells))
        if validate:
            self.validated.append((len(self.rows), validate))


def value(c: FormContent, it: Item) -> Value:
    """The impact cell of an item."""
    style = c.v.impact
    if style == "legacy_dropdown":
        assert it.level is not None
        if it.anomaly == "none":
            return SHEET_ITEMS[it.level - 1]
        return typed_text(it, "digit") or None
    if style in ("checkbox", "checkbox_sym"):
        return box_row(it)
    text = typed_text(it, style)
    if style == "digit" and text.isdigit():
        return int(text)
    return text or None


def comment(it: Item) -> str | None:
    """The comment cell: paragraphs as lines of one cell."""
    return "\n".join(p.shown for p in it.comment) or None


def _line(label: str, v: Value) -> str:
    return f"{label}: {v}" if v not in (None, "") else f"{label}:"


def build(c: FormContent) -> SheetSpec:
    """The cells of the form in the variant's layout."""
    s = SheetSpec()
    s.add(TITLE)
    if c.stale_month:
        s.add(STALE_MONTH)
    if c.intro:
        for t in INTRO:
            s.add(t)
    for st in (c.municipality, c.period):
        if st is not None:
            s.add(f"{st.label}:", st.value) if st.label else s.add(st.value)
    if c.legend:
        s.add(LEGEND)
    s.add()
    s.add(INSTRUCTION)
    lay, dd = c.v.layout, c.v.impact == "legacy_dropdown"
    if lay == "table3":
        if c.v.impact == "matrix_x":
            s.add("Fråga", 1, 2, 3, 4, 5, c.comment_label)
            for it in c.items:
                on = ticks(it) if it.level is not None else ()
                s.add(it.cell_heading, *("X" if n in on else None for n in range(1, 6)), comment(it))
        else:
            s.add("Fråga", c.grid_impact_label, c.comment_label)
            for it in c.items:
                s.add(it.cell_heading, value(c, it) if it.level else None, comment(it),
                      validate=2 if dd and it.level else 0)
    elif lay == "transposed":
        s.add("Fråga", *(it.cell_heading for it in c.items))
        if c.v.impact == "matrix_x":
            for n in range(1, 6):
                s.add(f"{c.impact_label} {n} – {LEVEL_NAMES[n]}",
                      *("X" if it.level is not None and n in ticks(it) else None for it in c.items))
        else:
            s.add(c.impact_label, *(value(c, it) if it.level else None for it in c.items))
            if dd:
                s.validated += [(len(s.rows), i + 2) for i, it in enumerate(c.items) if it.level]
        s.add(c.comment_label, *(comment(it) for it in c.items))
    else:
        for n, it in enumerate(c.items):
            _question(s, c, it, dd)
            if c.v.document == "page_breaks" and n in (1, 3):
                s.breaks.append(len(s.rows))
    if c.signature:
        year, month = (c.year + 1, 1) if c.month == 12 else (c.year, c.month + 1)
        s.add()
        s.add("Datum:", f"{year:04d}-{month:02d}-02")
        s.add("Ifylld av:", "trygghetssamordnaren")
    return s


def _question(s: SheetSpec, c: FormContent, it: Item, dd: bool) -> None:
    lay, il, cl = c.v.layout, c.impact_label, c.comment_label
    v = value(c, it) if it.level is not None else None
    if lay == "table1":
        lines = [it.heading] + ([_line(il, v)] if it.level is not None else []) + [_line(cl, comment(it))]
        s.add("\n".join(lines))
    elif lay == "cell_lines":
        lines = ([_line(il, v)] if it.level is not None else []) + [_line(cl, comment(it))]
        s.add(it.heading, "\n".join(lines))
    elif lay == "table2":
        fraga = it.heading.startswith("Fråga ")
        s.add(f"Fråga {it.q}" if fraga else "Område", it.heading.split(", ", 1)[1] if fraga else it.heading)
        if it.level is not None:
            s.add(il, v, validate=2 if dd else 0)
        s.add(cl, comment(it))
    elif lay == "inline":
        s.add(it.heading)
        if it.level is not None:
            s.add(f"{il}:", v, validate=2 if dd else 0)
        s.add(f"{cl}:", comment(it))
        s.add()
    else:  # next_line
        s.add(it.heading)
        if it.level is not None:
            s.add(f"{il}:")
            s.add(v, validate=1 if dd else 0)
        s.add(f"{cl}:")
        s.add(comment(it))
        s.add()


_COLS = "ABCDEFGHIJKLMNOP"
_XESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def _escaped(text: str) -> str:
    """Excel's own escape of a literal "_x0041_" (ECMA-376 ST_Xstring), which openpyxl leaves out."""
    return _XESCAPE.sub(r"_x005F_\1", text)


def render(c: FormContent) -> bytes:
    """The form as an .xlsx workbook."""
    spec = build(c)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Lägesbild"
    for r, row in enumerate(spec.rows, start=1):
        for col, v in enumerate(row, start=1):
            if v is None:
                continue
            cell = ws.cell(row=r, column=col, value=_escaped(v) if isinstance(v, str) else v)
            if isinstance(v, str) and v.startswith("="):
                cell.data_type = "s"  # typed text, as Excel keeps it after a leading apostrophe
            if isinstance(v, str) and ("\n" in v or len(v) > 50):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1 or v in ("Fråga", c.grid_impact_label):
                cell.font = Font(bold=True)
    if spec.validated:
        dv = DataValidation(type="list", formula1='"' + ",".join(SHEET_ITEMS) + '"', allow_blank=True,
                            showErrorMessage=False)
        ws.add_data_validation(dv)
        for r, col in spec.validated:
            dv.add(f"{_COLS[col - 1]}{r}")
    widths = (40, 22, 60) if c.v.layout in ("table3", "table2", "inline", "cell_lines") else (30,) * 9
    for i, w in enumerate(widths):
        ws.column_dimensions[_COLS[i]].width = w
    if c.v.document == "header_footer":
        ws.oddHeader.center.text = TITLE
        ws.oddFooter.center.text = "Sida &P av &N"
    for r in spec.breaks:
        ws.row_breaks.append(Break(id=r))
    wb.properties.creator = "Kommunal samordnare"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["SheetSpec", "build", "comment", "render", "value"]
