"""One walk over OpenDocument content: paragraphs, text boxes, tables and cell values, within one cell budget."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from parsers.document import Block, Grid, Paragraph
from parsers.limits import Refused
from parsers.xlsx import FALSE_TEXT, TRUE_TEXT, cell_text, make_grid, number_text, numbered

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
CONFIG = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
# LibreOffice's form fields (a Word legacy drop-down or check box, converted).
_FIELD = "{urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0}"


# text:s c="..." is a count of spaces; a hostile file could ask for billions.
_MAX_SPACES = 1000

_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}
_ROW_CONTAINERS = {
    TABLE + "table-header-rows",
    TABLE + "table-rows",
    TABLE + "table-row-group",
}
_COLUMN_CONTAINERS = {
    TABLE + "table-columns",
    TABLE + "table-header-columns",
    TABLE + "table-column-group",
}
CELLS = {TABLE + "table-cell", TABLE + "covered-table-cell"}
# Never part of the running text: comments, footnotes and endnotes, the
# record of tracked changes (it holds the *deleted* text), declarations, and
# generated indexes that repeat the headings ("Fråga 1 ..." twice would make
# questions appear twice).
_SKIPPED = {
    OFFICE + "annotation",
    OFFICE + "annotation-end",
    OFFICE + "forms",
    _TEXT + "note",
    _TEXT + "tracked-changes",
    _TEXT + "sequence-decls",
    _TEXT + "variable-decls",
    _TEXT + "user-field-decls",
    _TEXT + "dde-connection-decls",
    _TEXT + "table-of-content",
    _TEXT + "alphabetical-index",
    _TEXT + "illustration-index",
    _TEXT + "table-index",
    _TEXT + "object-index",
    _TEXT + "user-index",
    _TEXT + "bibliography",
    TABLE + "named-expressions",
    TABLE + "database-ranges",
    TABLE + "table-source",
    _DRAW + "object",
    _DRAW + "object-ole",
    "{http://www.w3.org/2000/svg}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}desc",
}


@dataclass(slots=True)
class Budget:
    """Cells left to materialise across the whole document."""

    left: int

    def take(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise Refused(
                "Filen innehåller för stora tabeller för att kunna läsas. Skicka bara "
                "blanketten, utan stora tabeller eller blad med mycket data."
            )


class Reader:
    """Walks content.xml; one instance per document so the cell budget is shared."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget

    # -- block level -------------------------------------------------------

    def blocks(self, container: etree._Element) -> Iterator[Block]:
        """The paragraphs and grids inside `container`, in document order."""
        for child in container:
            tag = child.tag
            if not isinstance(tag, str) or tag in _SKIPPED:
                continue
            if tag in _PARAGRAPHS:
                yield from self.paragraph(child)
            elif tag == TABLE + "table":
                grid = self.grid(child, spreadsheet=False)
                if grid is not None:
                    yield grid
            else:
                # text:list, list items, text:section, draw:frame,
                # draw:text-box, shapes: their paragraphs, in order.
                yield from self.blocks(child)

    def paragraph(self, element: etree._Element) -> Iterator[Block]:
        """One paragraph, split around any text box or shape anchored in it."""
        parts: list[str] = []
        emitted = False
        for item in self._inline(element):
            if isinstance(item, str):
                parts.append(item)
                continue
            text = "".join(parts)
            if text.strip():
                yield Paragraph(text)
            parts = []
            yield item
            emitted = True
        text = "".join(parts)
        if text.strip() or not emitted:
            # An empty paragraph is a blank line, which can end a comment.
            yield Paragraph(text if text.strip() else "")

    def _inline(self, element: etree._Element) -> Iterator[str | Block]:
        if element.text:
            yield element.text
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag not in _SKIPPED:
                if tag == _TEXT + "s":
                    yield " " * min(positive_int(child.get(_TEXT + "c"), 1), _MAX_SPACES)
                elif tag == _TEXT + "tab":
                    yield "\t"
                elif tag == _TEXT + "line-break":
                    yield "\n"
                elif tag == _TEXT + "number":
                    # Outline numbering written out ("1."): keep it apart from the text.
                    number = "".join(child.itertext()).strip()
                    yield f"{number} " if number else ""
                elif tag.startswith(_DRAW):
                    yield from self.blocks(child)
                elif tag == _FIELD + "fieldmark":
                    yield _fieldmark_text(child)
                else:
                    # text:span, text:a, fields (dates, drop-downs): their text.
                    yield from self._inline(child)
            if child.tail:
                yield child.tail

    # -- tables --------------------------------------------------------------

    def grid(self, table: etree._Element, *, spreadsheet: bool, name: str = "") -> Grid | None:
        """A table as a `Grid`, repeats expanded but trailing empties never materialised.

        Hidden rows and columns (`table:visibility` "collapse" or "filter")
        are left out: they usually hold last month's answers.
        """
        hidden_cols = _hidden_columns(table)
        rows: list[list[str]] = []
        numbers: list[int] = []  # the sheet's number of each row in `rows`
        empty: list[range] = []  # the sheet's numbers of the empty rows waiting (not materialised)
        width = charged = pending_empty = 0
        sheet_row = 1
        for row, repeat in table_rows(table):
            first, sheet_row = sheet_row, sheet_row + repeat
            if row.get(TABLE + "visibility", "visible") != "visible":
                continue
            cells = self._row_cells(row, spreadsheet, hidden_cols)
            if not cells:
                pending_empty += repeat
                empty.append(range(first, first + repeat))
                continue
            # Charge the grid's new area (make_grid pads every row to the
            # widest) before materialising anything.
            width = max(width, len(cells))
            area = (len(rows) + pending_empty + repeat) * width
            self.budget.take(area - charged)
            charged = area
            rows.extend([[] for _ in range(pending_empty)])
            rows.extend([cells] * repeat)
            numbers.extend(n for span in empty for n in span)
            numbers.extend(range(first, first + repeat))
            pending_empty = 0
            empty.clear()
        grid = make_grid(rows, name)
        return numbered(grid, numbers, _visible_columns(hidden_cols, width)) if spreadsheet else grid

    def _row_cells(self, row: etree._Element, spreadsheet: bool, hidden_cols: list[range]) -> list[str]:
        """The row's visible cell texts with trailing empty cells dropped."""
        cells: list[str] = []
        pending_empty = 0
        column = 0
        for cell in row:
            if cell.tag not in CELLS:
                continue
            repeat = positive_int(cell.get(TABLE + "number-columns-repeated"), 1)
            visible = _visible_count(range(column, column + repeat), hidden_cols)
            column += repeat
            text = self.cell_text(cell, spreadsheet) if visible else ""
            if not text.strip():
                pending_empty += visible
                continue
            if len(cells) + pending_empty + visible > self.budget.left:
                # Wider than everything the document may still hold.
                self.budget.take(len(cells) + pending_empty + visible)
            cells.extend([""] * pending_empty)
            cells.extend([text] * visible)
            pending_empty = 0
        return cells

    def cell_text(self, cell: etree._Element, spreadsheet: bool) -> str:
        """One cell's text; "" for a cell covered by a merge."""
        if cell.tag == TABLE + "covered-table-cell":
            return ""
        return self._sheet_cell_text(cell) if spreadsheet else self._cell_blocks_text(cell)

    def _cell_blocks_text(self, cell: etree._Element) -> str:
        lines: list[str] = []
        for block in self.blocks(cell):
            if isinstance(block, Paragraph):
                lines.append(block.text)
            else:
                # A table nested in a cell: its cells, one per line.
                lines.extend(text for row in block.rows for text in row if text)
        return "\n".join(lines).strip("\n")

    def _sheet_cell_text(self, cell: etree._Element) -> str:
        value_type = cell.get(OFFICE + "value-type") or cell.get(_CALCEXT + "value-type")
        if value_type in ("float", "percentage", "currency"):
            try:
                return number_text(float(cell.get(OFFICE + "value", "")))
            except ValueError:
                pass  # no usable office:value: fall back to the displayed text
        elif value_type == "date":
            parsed = _iso_date(cell.get(OFFICE + "date-value", ""))
            if parsed is not None:
                return cell_text(parsed)
        elif value_type == "boolean":
            flag = cell.get(OFFICE + "boolean-value", "").strip().lower()
            if flag in ("true", "false"):
                return TRUE_TEXT if flag == "true" else FALSE_TEXT
        return self._cell_blocks_text(cell)


def table_rows(table: etree._Element) -> Iterator[tuple[etree._Element, int]]:
    """Each table row with its repeat count, through header rows and row groups."""
    for child in table:
        if child.tag == TABLE + "table-row":
            yield child, positive_int(child.get(TABLE + "number-rows-repeated"), 1)
        elif child.tag in _ROW_CONTAINERS:
            yield from table_rows(child)


def _hidden_columns(table: etree._Element) -> list[range]:
    """Column index ranges hidden by `table:visibility` on the column declarations."""
    hidden: list[range] = []
    column = 0
    for element in _columns(table):
        repeat = positive_int(element.get(TABLE + "number-columns-repeated"), 1)
        if element.get(TABLE + "visibility", "visible") != "visible":
            hidden.append(range(column, column + repeat))
        column += repeat
    return hidden


def _columns(container: etree._Element) -> Iterator[etree._Element]:
    """The table's own column declarations, through groups (not nested tables')."""
    for child in container:
        if child.tag == TABLE + "table-column":
            yield child
        elif child.tag in _COLUMN_CONTAINERS:
            yield from _columns(child)


def _visible_columns(hidden: list[range], width: int) -> list[int]:
    """The sheet's numbers (1-based) of the first `width` columns not hidden."""
    out: list[int] = []
    spans = sorted(hidden, key=lambda span: span.start)
    column = i = 0
    while len(out) < width:
        while i < len(spans) and spans[i].stop <= column:
            i += 1
        if i < len(spans) and spans[i].start <= column:
            column = spans[i].stop  # a hidden run may be long: step over it at once
            continue
        out.append(column + 1)
        column += 1
    return out


def _visible_count(span: range, hidden: list[range]) -> int:
    overlap = sum(max(0, min(span.stop, h.stop) - max(span.start, h.start)) for h in hidden)
    return max(0, len(span) - overlap)


def positive_int(value: str | None, default: int) -> int:
    """A count attribute (repeats, spaces): `default` when absent or not a number, at least 1."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return max(number, 1)


_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?")


def _iso_date(value: str) -> dt.date | dt.datetime | None:
    m = _DATE_RE.match(value.strip())
    if not m:
        return None
    try:
        if m.group(4) is None:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return dt.datetime(
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6) or 0),
        )
    except ValueError:
        return None


def _fieldmark_text(mark: etree._Element) -> str:
    """What a form field shows: a drop-down's chosen entry ("" while none is); other fields their text.

    A Word legacy drop-down converted by LibreOffice keeps its entries as
    parameters and the chosen one as an index (Dropdown_Selected).
    """
    if mark.get(_FIELD + "type", "").endswith("FORMDROPDOWN"):
        entries: list[str] = []
        selected: int | None = None
        for param in mark.iter(_FIELD + "param"):
            name, value = param.get(_FIELD + "name"), param.get(_FIELD + "value", "")
            if name == "Dropdown_ListEntry":
                entries.append(value)
            elif name == "Dropdown_Selected":
                selected = int(value) if value.isdigit() else None
        return entries[selected] if selected is not None and 0 <= selected < len(entries) else ""
    return "".join(mark.itertext())
