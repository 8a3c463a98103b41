"""Excel workbooks (.xlsx, .xlsm) as a `Document`: one section per worksheet.

Each worksheet becomes a `Section` named after the sheet holding one `Grid`
of its used range, as text: numbers without a needless ".0", dates as ISO
dates, booleans as "TRUE"/"FALSE", formulas as the value Excel last computed.
Single-cell defined names ("Kommun" -> Blad1!B2) become `NamedField`s.

The value-to-text rules (`cell_text`) and the trimming of empty edges
(`make_grid`) are shared with the .xls and .ods readers so that the same
answer typed into any spreadsheet reads the same.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from lxml import etree
from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from parsers.document import Document, Grid, NamedField, Section
from parsers.limits import Limits, Refused
from parsers.safe_zip import CORRUPT_MESSAGE, open_zip, read_member
from parsers.safety import check_xml_parts, safe_iterparse
from parsers.xml_prolog import without_space_before_declaration

_SPREADSHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # ISO "strict" flavour
)
_COUNTED = ("c", "row", "si", "mergeCell")

_OPENPYXL_ERRORS = (
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    zipfile.BadZipFile,
    SyntaxError,  # xml.etree.ElementTree.ParseError from the defusedxml parser
    OSError,  # openpyxl's InvalidFileException ("no valid workbook part")
)

_MAX_COLUMN = 16_384  # XFD, Excel's last column

TRUE_TEXT = "TRUE"
FALSE_TEXT = "FALSE"


def read_xlsx(data: bytes, limits: Limits) -> Document:
    """Read an .xlsx/.xlsm workbook into one `Section` (with one `Grid`) per worksheet.

    Hidden sheets are read too (a form may keep its answers on one); chart
    sheets are skipped. The active sheet (open when the file was saved) comes
    first, the others follow in workbook order (see `active_first`). Hidden
    rows and columns are left out: the grid holds what the sender sees.
    Merged cells keep their value in the top-left cell only. Trailing empty
    rows and columns are trimmed, leading ones kept, so a cell keeps its
    position. A formula gives its cached value (what Excel
    showed when the file was saved), or "" when it was never calculated;
    `Document.notes` then says how many such cells there were.

    Refused (Swedish message) when the zip is hostile (see
    `parsers.safety`), when the workbook holds more than
    `limits.max_sheet_cells` cells in total (counted in the XML before
    openpyxl materialises them, merged areas included), or when one sheet's
    used range is larger than that.
    """
    padded: set[str] = set()
    with open_zip(data, limits) as zf:
        uncached = _check_cell_counts(zf, check_xml_parts(zf, limits, padded=padded), limits)
        if padded:
            data = _repaired(zf, padded, limits)
    with warnings.catch_warnings():
        # openpyxl warns about every extension it does not support
        # (data validation lists, slicers); none of it matters for reading.
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(io.BytesIO(data), read_only=False, data_only=True, keep_vba=False, keep_links=False)
        except _OPENPYXL_ERRORS as exc:
            # openpyxl reports a missing or malformed part in all these ways.
            raise Refused(CORRUPT_MESSAGE) from exc
    try:
        sections = active_first([_read_sheet(ws, limits) for ws in wb.worksheets], _active_index(wb))
        fields = _named_fields(wb)
    finally:
        wb.close()
    notes: list[str] = []
    if uncached:
        cells = "1 cell med formel" if uncached == 1 else f"{uncached} celler med formler"
        empty = "tom" if uncached == 1 else "tomma"
        notes.append(
            f"{cells} saknar sparat värde (filen har inte räknats om i Excel) och lästes som {empty}. "
            "Öppna filen i Excel, spara den och skicka igen."
        )
    return Document(sections=sections, fields=fields, notes=notes)


def _check_cell_counts(zf: zipfile.ZipFile, parts: list[zipfile.ZipInfo], limits: Limits) -> int:
    """Count cells, rows, shared strings and merged areas in the XML itself.

    openpyxl builds a Python object for every cell, row and shared string,
    and one per cell of every merged range, before any size can be checked;
    a 200 KB file can declare a merged range of 17 billion cells. Counting in
    a streaming pass first keeps memory and time bounded. Every XML part is
    counted (`parts`, from `check_xml_parts`), because openpyxl follows the
    relationships to wherever the sheets are.

    Returns how many formula cells have no cached value (a file written by a
    program that does not calculate); openpyxl reads those as empty.
    """
    cap = limits.max_sheet_cells
    cells = rows = strings = uncached = 0
    for info in parts:
        if info.filename.lower().endswith(".vml"):
            continue  # legacy drawings (comment boxes) are often not well-formed, and hold no cells
        formula = value = False
        with zf.open(info) as fh:
            try:
                for _event, elem in safe_iterparse(fh):
                    namespace, _, local = elem.tag[1:].partition("}") if _is_namespaced(elem.tag) else ("", "", "")
                    if namespace in _SPREADSHEET_NS:
                        if local == "f":
                            # Children end before their cell does; remember them.
                            formula = True
                        elif local == "v":
                            value = bool(elem.text)
                        elif local == "c":
                            cells += 1
                            # An empty <v> is a cached "" only for a text result.
                            if formula and not value and elem.get("t") != "str":
                                uncached += 1
                            formula = value = False
                        elif local == "row":
                            rows += 1
                        elif local == "si":
                            strings += 1
                        elif local == "mergeCell":
                            cells += _merged_area(elem.get("ref", ""))
                        if cells > cap or rows > cap or strings > cap:
                            raise Refused(_too_many_cells(cap))
                    # Keep memory flat: drop what has been counted. The root
                    # has no parent, yet may have siblings: a comment or a
                    # processing instruction before it (SharePoint's
                    # <?mso-contentType?> in customXml), which stay.
                    elem.clear()
                    parent = elem.getparent()
                    if parent is not None:
                        while elem.getprevious() is not None:
                            del parent[0]
            except etree.XMLSyntaxError as exc:
                # Never skip a part: openpyxl's parser has no size or depth
                # limits, so a part this pass cannot count must not reach it.
                raise Refused(CORRUPT_MESSAGE) from exc
    return uncached


def _repaired(zf: zipfile.ZipFile, padded: set[str], limits: Limits) -> bytes:
    """The package again, without the whitespace before the XML declaration of the `padded` parts.

    openpyxl's parser stops on "\\n<?xml ...?>" (the declaration must come
    first), though the part says exactly what it would without it; the
    count above has read these parts already, with the whitespace skipped.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
        for info in zf.infolist():
            raw = read_member(zf, info, limits.max_unzipped_bytes)
            if info.filename in padded:
                raw = without_space_before_declaration(raw)
            copy.writestr(info.filename, raw)
    return out.getvalue()


def _is_namespaced(tag: object) -> bool:
    # Comments and processing instructions have no string tag; an undeclared
    # prefix ("dc:creator" without xmlns:dc) leaves a tag without "{...}".
    return isinstance(tag, str) and tag.startswith("{")


def _merged_area(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError) as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    if None in (min_col, min_row, max_col, max_row):
        # A whole-row/column reference ("A:C") is unbounded.
        return 1 << 40
    assert min_col is not None and min_row is not None and max_col is not None
    assert max_row is not None
    return int((max_col - min_col + 1) * (max_row - min_row + 1))


def _too_many_cells(cap: int) -> str:
    readable = f"{cap:,}".replace(",", "\u00a0")  # Swedish digit grouping: 200 000
    return (
        f"Filen innehåller för många celler (över {readable}) för att kunna läsas. "
        "Skicka bara blanketten, utan stora tabeller eller andra blad med mycket data."
    )


def _read_sheet(ws: Worksheet, limits: Limits) -> Section:
    hidden_rows, hidden_cols = _hidden_rows_and_columns(ws)
    # ws._cells holds only the cells present in the file; iter_rows() over
    # the dimensions would create every cell in between.
    texts = {
        (row, col): text
        for (row, col), cell in ws._cells.items()
        if row not in hidden_rows
        and col not in hidden_cols
        and not isinstance(cell, MergedCell)
        and (text := xstring(cell_text(cell.value))).strip()
    }
    if not texts:
        return Section(blocks=(), name=ws.title)
    row_numbers = [r for r in range(1, max(r for r, _ in texts) + 1) if r not in hidden_rows]
    col_numbers = [c for c in range(1, max(c for _, c in texts) + 1) if c not in hidden_cols]
    if len(row_numbers) * len(col_numbers) > limits.max_sheet_cells:
        raise Refused(
            f'Bladet "{ws.title}" i filen är för stort ({len(row_numbers)} rader × '
            f"{len(col_numbers)} kolumner) för att kunna läsas. Ta bort data som inte hör till "
            "blanketten och skicka igen."
        )
    rows = [[texts.get((r, c), "") for c in col_numbers] for r in row_numbers]
    grid = numbered(make_grid(rows, ws.title), row_numbers, col_numbers)
    return Section(blocks=(grid,) if grid else (), name=ws.title)


def _hidden_rows_and_columns(ws: Worksheet) -> tuple[set[int], set[int]]:
    """Row and column numbers hidden by hand, by a filter or by a collapsed outline.

    What a hidden row holds is not what the sender sees; typically it is last
    month's answers kept out of sight, so it is left out of the grid.
    """
    rows = {index for index, dim in ws.row_dimensions.items() if dim.hidden}
    cols: set[int] = set()
    for dim in ws.column_dimensions.values():
        if dim.hidden and dim.min and dim.max:
            cols.update(range(dim.min, min(dim.max, _MAX_COLUMN) + 1))
    return rows, cols


def active_first(sections: list[Section], active: int | None) -> list[Section]:
    """The sheet that was open when the file was saved first, the others in order.

    The text reader picks the section that reads best and, on a tie, the
    first; when a workbook keeps last month's sheet beside this month's, the
    one the sender was working in is the better guess.
    """
    if active is None or not 0 <= active < len(sections):
        return sections
    return [sections[active], *sections[:active], *sections[active + 1 :]]


def _active_index(wb: Workbook) -> int | None:
    """Position among the worksheets of the sheet shown on opening (None for a chart sheet)."""
    try:
        active = wb.active
    except (IndexError, AttributeError):
        return None
    worksheets = wb.worksheets
    for index, ws in enumerate(worksheets):
        if ws is active:
            return index
    return None


def _named_fields(wb: Workbook) -> list[NamedField]:
    """Defined names that point at exactly one cell, with that cell's text."""
    names = list(wb.defined_names.values())
    for ws in wb.worksheets:
        names.extend(ws.defined_names.values())
    fields: list[NamedField] = []
    for defined in names:
        if defined.is_reserved or defined.name.startswith("_xlnm."):
            continue  # print areas, filter ranges
        try:
            destinations = list(defined.destinations)
        except (AttributeError, TypeError, ValueError):
            continue  # a formula or constant, not a reference
        if len(destinations) != 1:
            continue
        sheet_name, ref = destinations[0]
        ref = ref.replace("$", "")
        if ":" in ref or sheet_name not in wb.sheetnames:
            continue
        ws = wb[sheet_name]
        if not isinstance(ws, Worksheet):
            continue
        try:
            value = ws[ref].value
        except (ValueError, KeyError, IndexError):
            continue
        fields.append(NamedField(name=defined.name, value=xstring(cell_text(value))))
    return fields


def cell_text(value: object) -> str:
    """A spreadsheet value as the text a person would read.

    None -> ""; 3 and 3.0 -> "3"; 2.5 -> "2.5" (a dot, no thousands
    separator, at most 15 significant digits as Excel shows); dates ->
    "2026-10-01"; a date and time -> "2026-10-01 13:45"; True -> "TRUE";
    text as is, with CR LF line breaks made "\\n".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    text = str(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def xstring(text: str) -> str:
    """An .xlsx string with its "_xHHHH_" escapes decoded (see `_XSTRING_ESCAPE_RE`)."""
    return _XSTRING_ESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


# OOXML writes characters XML cannot carry as "_xHHHH_", and a typed "_x" as
# "_x005F_x…" (ECMA-376, ST_Xstring); openpyxl hands them on undecoded.
_XSTRING_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def number_text(value: int | float | Decimal) -> str:
    """3 / 3.0 -> "3", 2.5 -> "2.5", 0.1 + 0.2 -> "0.3"; no exponent for ordinary sizes."""
    if isinstance(value, int):
        return str(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    text = f"{number:.15g}"
    if "e" in text and 1e-6 <= abs(number) < 1e15:
        text = f"{number:.15f}".rstrip("0").rstrip(".")
    return text


def make_grid(rows: Sequence[Sequence[str]], name: str = "") -> Grid | None:
    """A rectangular `Grid` with trailing empty rows and columns trimmed.

    A cell holding only whitespace counts as empty (and becomes ""). Leading
    empty rows and columns are kept so positions stay as in the sheet.
    Returns None when nothing is left.
    """
    cleaned = [[cell if cell.strip() else "" for cell in row] for row in rows]
    while cleaned and not any(cleaned[-1]):
        cleaned.pop()
    width = max((_used_width(row) for row in cleaned), default=0)
    if width == 0:
        return None
    return Grid(rows=tuple(_pad(row, width) for row in cleaned), name=name)


def numbered(grid: Grid | None, rows: Sequence[int], columns: Sequence[int]) -> Grid | None:
    """`grid` knowing the sheet's number of each of its rows and columns (`rows`, `columns`: of the rows
    and columns it was made from, in order; `make_grid` only trims at the end)."""
    if grid is None:
        return None
    return replace(grid, row_numbers=tuple(rows[:len(grid.rows)]), column_numbers=tuple(columns[:grid.width]))


def _used_width(row: Sequence[str]) -> int:
    for index in range(len(row), 0, -1):
        if row[index - 1]:
            return index
    return 0


def _pad(row: Iterable[str], width: int) -> tuple[str, ...]:
    cells = list(row)[:width]
    return tuple(cells + [""] * (width - len(cells)))
