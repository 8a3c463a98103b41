"""Writing the county workbook's cells and laying out its sheets: safe text, widths, print setup, month headers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture
from outputs.safe_text import xml_safe
from outputs.workbook_styles import S

MONTHS: tuple[str, ...] = ("Januari", "Februari", "Mars", "April", "Maj", "Juni", "Juli",
                           "Augusti", "September", "Oktober", "November", "December")

FIRST_MONTH_COL = 2  # column B; A holds the municipality
MONTH_COLS = range(FIRST_MONTH_COL, FIRST_MONTH_COL + 12)
LAST_MONTH_COL = FIRST_MONTH_COL + 11

_CELL_MAX = 32767
FORMULA_START = ("=", "+", "-", "@")


def excel_text(text: str) -> str:
    """Text Excel accepts: the text rule (outputs.safe_text: no XML-illegal character such as
    U+FFFE, no direction overrides), at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", xml_safe(text))
    if len(text) > _CELL_MAX:
        text = text[:_CELL_MAX - 1] + "…"
    return text


def put(ws: Worksheet, row: int, col: int, value: Any, style: str | None = None) -> Cell:
    """Write one cell; text is always text, never a formula or an error value.

    openpyxl stores a string starting with "=" as a formula and "#N/A" as an
    error; a municipality's comment must never become either (formula
    injection), so such a cell is forced back to a string and gets Excel's
    quote prefix, which also keeps it text if someone edits the cell.
    """
    cell: Cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = excel_text(value)
    cell.value = value
    if style is not None:
        cell.style = style
    if isinstance(value, str) and (cell.data_type != "s" or value.startswith(FORMULA_START)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def set_widths(ws: Worksheet, widths: dict[int, float]) -> None:
    """Set column widths, in characters, by column number."""
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")


def print_setup(ws: Worksheet, picture: CountyPicture, *, rows: str | None, cols: str | None) -> None:
    """A4 landscape, fit to one page wide, titles repeated, county and year in header and footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)
    if rows:
        ws.print_title_rows = rows
    if cols:
        ws.print_title_cols = cols
    county = _header_footer_text(picture.county_name)
    ws.oddHeader.left.text = county
    ws.oddHeader.center.text = "&A"
    ws.oddHeader.right.text = f"Lägesbild {picture.year}"
    ws.oddFooter.left.text = f"{county} – sociala risker {picture.year}"
    ws.oddFooter.right.text = "Sida &P av &N"


def name_width(picture: CountyPicture, extra: Iterable[str] = ()) -> float:
    """A width for the name column that fits the longest municipality or group name (at most 40)."""
    names = [*picture.municipalities, *(g.name for g in picture.groups), *extra]
    return min(max([len(n) for n in names] + [12]) + 3, 40)


def period_columns(picture: CountyPicture) -> list[tuple[int, int]]:
    """(number, column) of each period of the year: months 1-12 in B..M, or a weekly form's
    ISO weeks 1-52 (or 53) from B on."""
    return [(p.number, FIRST_MONTH_COL + i) for i, p in enumerate(picture.periods)]


def last_period_col(picture: CountyPicture) -> int:
    """The column of the year's last period (M for months)."""
    return FIRST_MONTH_COL + len(picture.periods) - 1


def column_label(picture: CountyPicture, number: int) -> str:
    """A period's column heading: the month's name ("Oktober"), or a week's "v43"."""
    return f"v{number}" if picture.weekly else MONTHS[number - 1]


def month_header(ws: Worksheet, row: int, first_label: str, *, extra: Sequence[str] = (),
                 picture: CountyPicture | None = None) -> None:
    """Two header rows: `first_label` and "Kvartal 1..4" merged over months, then month names;
    for a weekly picture the month names merged over their weeks (a week is its Thursday's
    month), then "v1".."v53"."""
    put(ws, row, 1, first_label, S.HEAD_LEFT)
    put(ws, row + 1, 1, None, S.HEAD_LEFT)
    ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=1)
    if picture is not None and picture.weekly:
        _week_header(ws, row, picture, extra)
        return
    for q in range(4):
        start = FIRST_MONTH_COL + 3 * q
        put(ws, row, start, f"Kvartal {q + 1}", S.HEAD)
        ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=start + 2)
    for i, col in enumerate(MONTH_COLS):
        put(ws, row + 1, col, MONTHS[i], S.HEAD)
    for j, label in enumerate(extra):
        col = LAST_MONTH_COL + 1 + j
        put(ws, row, col, label, S.HEAD)
        put(ws, row + 1, col, None, S.HEAD)
        ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)


def put_notes(ws: Worksheet, row: int, lines: Iterable[str]) -> int:
    """Write one note per row from `row` down, in column A; returns the row after the last."""
    for line in lines:
        put(ws, row, 1, line, S.NOTE)
        row += 1
    return row


def _week_header(ws: Worksheet, row: int, picture: CountyPicture, extra: Sequence[str]) -> None:
    columns = dict(period_columns(picture))
    for month in range(1, 13):
        cols = [columns[p.number] for p in picture.periods if p.month == month]
        put(ws, row, cols[0], MONTHS[month - 1], S.HEAD)
        if len(cols) > 1:
            ws.merge_cells(start_row=row, start_column=cols[0], end_row=row, end_column=cols[-1])
    for number, col in columns.items():
        put(ws, row + 1, col, column_label(picture, number), S.HEAD)
    for j, label in enumerate(extra):
        col = last_period_col(picture) + 1 + j
        put(ws, row, col, label, S.HEAD)
        put(ws, row + 1, col, None, S.HEAD)
        ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
