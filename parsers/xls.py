"""Old Excel workbooks (.xls, Excel 97-2003) as a `Document`, via xlrd.

Same shape as `parsers.xlsx`: one `Section` per worksheet with one `Grid`,
values turned into text by the same `cell_text` rules, merged cells kept in
their top-left cell only, trailing empty rows and columns trimmed.
"""

from __future__ import annotations

import datetime as dt
import struct

import xlrd
from xlrd.biffh import XLRDError, error_text_from_code
from xlrd.book import Book
from xlrd.compdoc import CompDocError
from xlrd.sheet import Cell, Sheet

from parsers.document import Document, NamedField, Section
from parsers.limits import Limits, Refused
from parsers.safe_zip import CORRUPT_MESSAGE, PASSWORD_MESSAGE
from parsers.xlsx import active_first, cell_text, make_grid, numbered

# xlrd signals a damaged file with its own error and with whatever its
# struct unpacking hits on the way.
_XLRD_ERRORS = (
    XLRDError,
    CompDocError,
    struct.error,
    IndexError,
    KeyError,
    ValueError,
    AssertionError,
    EOFError,
)


def read_xls(data: bytes, limits: Limits) -> Document:
    """Read an .xls workbook into one `Section` (with one `Grid`) per worksheet.

    Dates become ISO dates, 3.0 becomes "3", booleans "TRUE"/"FALSE", error
    cells their Excel text ("#DIV/0!"). As for .xlsx, the active sheet comes
    first and hidden rows and columns are left out. Refused (Swedish message) for an
    encrypted workbook, a damaged one, or a sheet with more than
    `limits.max_sheet_cells` cells. Single-cell defined names become
    `NamedField`s.
    """
    book = _open(data)
    try:
        read = [_read_sheet(book, index, limits) for index in range(book.nsheets)]
        active = next((i for i, (_, is_active) in enumerate(read) if is_active), None)
        sections = active_first([section for section, _ in read], active)
        fields = _named_fields(book)
    except _XLRD_ERRORS as exc:
        # Sheets load on demand, so a damaged sheet shows up only here.
        raise Refused(CORRUPT_MESSAGE) from exc
    finally:
        book.release_resources()
    return Document(sections=sections, fields=fields)


def _open(data: bytes) -> Book:
    # formatting_info is needed for merged cells; a few non-Excel writers
    # produce formatting records xlrd rejects, so fall back to plain values.
    for formatting_info in (True, False):
        try:
            return xlrd.open_workbook(
                file_contents=data,
                formatting_info=formatting_info,
                on_demand=True,
                ragged_rows=True,  # do not pad every row to the widest one
                logfile=_NullLog(),
            )
        except XLRDError as exc:
            if "encrypted" in str(exc).lower():
                raise Refused(PASSWORD_MESSAGE) from exc
            last: Exception = exc
        except _XLRD_ERRORS as exc:
            last = exc
    raise Refused(CORRUPT_MESSAGE) from last


class _NullLog:
    """xlrd writes warnings to a log file; nobody reads them here."""

    def write(self, _text: str) -> int:
        return 0


def _read_sheet(book: Book, index: int, limits: Limits) -> tuple[Section, bool]:
    """The sheet as a section, and whether it is the one shown on opening."""
    sheet: Sheet = book.sheet_by_index(index)
    try:
        size = sum(sheet.row_len(r) for r in range(sheet.nrows))
        if size > limits.max_sheet_cells:
            raise Refused(
                f'Bladet "{sheet.name}" i filen är för stort (över {limits.max_sheet_cells} '
                "celler) för att kunna läsas. Ta bort data som inte hör till blanketten "
                "och skicka igen."
            )
        covered = _covered_cells(sheet)
        # Row/column info is only there with formatting_info; hidden ones
        # usually hold last month's answers (see parsers.xlsx).
        hidden_cols = {c for c, info in sheet.colinfo_map.items() if info.hidden}
        row_indexes = [r for r in range(sheet.nrows) if not getattr(sheet.rowinfo_map.get(r), "hidden", False)]
        rows = [
            [
                "" if (r, c) in covered else _cell_text(sheet.cell(r, c), book.datemode)
                for c in range(sheet.row_len(r))
                if c not in hidden_cols
            ]
            for r in row_indexes
        ]
        widest = max((sheet.row_len(r) for r in row_indexes), default=0)
        numbers = ([r + 1 for r in row_indexes], [c + 1 for c in range(widest) if c not in hidden_cols])
        active = bool(sheet.sheet_visible)  # xlrd's name for "active" (WINDOW2)
    finally:
        book.unload_sheet(index)
    grid = numbered(make_grid(rows, sheet.name), *numbers)
    return Section(blocks=(grid,) if grid else (), name=sheet.name), active


def _covered_cells(sheet: Sheet) -> set[tuple[int, int]]:
    """Cells inside a merged range other than its top-left one."""
    covered: set[tuple[int, int]] = set()
    for rlo, rhi, clo, chi in sheet.merged_cells:
        # Only cells that exist matter; a merge over empty space adds nothing.
        for r in range(rlo, min(rhi, sheet.nrows)):
            for c in range(clo, min(chi, sheet.row_len(r))):
                if (r, c) != (rlo, clo):
                    covered.add((r, c))
    return covered


def _cell_text(cell: Cell, datemode: int) -> str:
    ctype = cell.ctype
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return ""
    if ctype == xlrd.XL_CELL_DATE:
        try:
            value: object = xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return cell_text(cell.value)
        if isinstance(value, dt.datetime) and cell.value < 1:
            value = value.time()  # a pure time of day, not 1899-12-31
        return cell_text(value)
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return cell_text(bool(cell.value))
    if ctype == xlrd.XL_CELL_ERROR:
        return str(error_text_from_code.get(cell.value, "#FEL"))
    return cell_text(cell.value)


def _named_fields(book: Book) -> list[NamedField]:
    fields: list[NamedField] = []
    for name in book.name_obj_list:
        if name.builtin or name.hidden:
            continue
        try:
            cell = name.cell()
        except (XLRDError, *_XLRD_ERRORS):
            continue  # not a single-cell reference
        fields.append(NamedField(name=str(name.name), value=_cell_text(cell, book.datemode)))
    return fields
