"""OpenDocument text (.odt) and spreadsheets (.ods) as a `Document`.

Both read `content.xml` with lxml through `parsers.safety` (entities off,
no DTD, no network) after the zip and its XML parts have been checked.
odfpy is not used for reading: it builds a Python object for every node of
every part (styles, settings, pictures included), which is slow and memory
hungry on a large or hostile file; the tests still build files with it.

An ODT body is walked in document order: headings and paragraphs become
`Paragraph`s, list items become paragraphs, tables become `Grid`s, and text
boxes and shapes anchored in the text are read where they stand. Comments
(office:annotation), footnotes, tables of contents and text deleted under
change tracking are left out. An ODS workbook gives one `Section` per sheet
with one `Grid`; the repeated empty rows and columns LibreOffice writes to
the end of every sheet are trimmed without being materialised.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from parsers.document import Block, Document, Grid, NamedField, Paragraph, Section
from parsers.limits import Limits, Refused
from parsers.safety import CORRUPT_MESSAGE, check_xml_parts, open_zip, read_member, safe_xml
from parsers.xlsx import FALSE_TEXT, TRUE_TEXT, active_first, cell_text, make_grid, number_text

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_CALCEXT = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}"
_CONFIG = "{urn:oasis:names:tc:opendocument:xmlns:config:1.0}"
# LibreOffice's form fields (a Word legacy drop-down or check box, converted).
_FIELD = "{urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0}"

# content.xml of a filled-in form is a few hundred KB; an lxml tree costs a
# few times the XML size, so a larger part is refused rather than parsed.
MAX_CONTENT_XML_BYTES = 32 * 1024 * 1024
# text:s c="..." is a count of spaces; a hostile file could ask for billions.
_MAX_SPACES = 1000

_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}
_ROW_CONTAINERS = {
    _TABLE + "table-header-rows",
    _TABLE + "table-rows",
    _TABLE + "table-row-group",
}
_COLUMN_CONTAINERS = {
    _TABLE + "table-columns",
    _TABLE + "table-header-columns",
    _TABLE + "table-column-group",
}
_CELLS = {_TABLE + "table-cell", _TABLE + "covered-table-cell"}
# Never part of the running text: comments, footnotes and endnotes, the
# record of tracked changes (it holds the *deleted* text), declarations, and
# generated indexes that repeat the headings ("Fråga 1 ..." twice would make
# questions appear twice).
_SKIPPED = {
    _OFFICE + "annotation",
    _OFFICE + "annotation-end",
    _OFFICE + "forms",
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
    _TABLE + "named-expressions",
    _TABLE + "database-ranges",
    _TABLE + "table-source",
    _DRAW + "object",
    _DRAW + "object-ole",
    "{http://www.w3.org/2000/svg}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}title",
    "{urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0}desc",
}


def read_odt(data: bytes, limits: Limits) -> Document:
    """Read an OpenDocument text into one `Section` of paragraphs and grids.

    Inline `text:s` gives its count of spaces, `text:tab` a tab and
    `text:line-break` a "\\n" inside the paragraph. A text box anchored in a
    paragraph splits it: the text before, the box's own blocks, the text
    after. Table cells repeated with `number-columns-repeated` /
    `number-rows-repeated` are expanded, with trailing empty ones trimmed;
    covered (merged-away) cells are "". Refused (Swedish message) for a
    hostile or damaged file, or tables with more than `limits.max_sheet_cells`
    cells in all.
    """
    root, _ = _content(data, limits)
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise Refused(CORRUPT_MESSAGE)
    reader = _Reader(_Budget(limits.max_sheet_cells))
    return Document(sections=[Section(blocks=tuple(reader.blocks(body)))])


def read_ods(data: bytes, limits: Limits) -> Document:
    """Read an OpenDocument spreadsheet into one `Section` (with one `Grid`) per sheet.

    Numbers come from `office:value` ("3", not "3.0"), dates from
    `office:date-value` (ISO), booleans as "TRUE"/"FALSE", everything else
    from the cell's displayed text. Hidden sheets are read too, but hidden
    (collapsed or filtered) rows and columns are left out, and the sheet that
    was active when the file was saved comes first, as for .xlsx (see
    `parsers.xlsx.active_first`). Named ranges that point at one cell become
    `NamedField`s. Refused (Swedish message) for a hostile or damaged file,
    or more than `limits.max_sheet_cells` materialised cells in all.
    """
    root, settings = _content(data, limits, with_settings=True)
    body = root.find(f"{_OFFICE}body/{_OFFICE}spreadsheet")
    if body is None:
        raise Refused(CORRUPT_MESSAGE)
    reader = _Reader(_Budget(limits.max_sheet_cells))
    sections: list[Section] = []
    tables = list(body.iterchildren(_TABLE + "table"))
    for table in tables:
        name = table.get(_TABLE + "name", "")
        grid = reader.grid(table, spreadsheet=True, name=name)
        sections.append(Section(blocks=(grid,) if grid else (), name=name))
    names = [s.name for s in sections]
    active = _active_table(settings)
    active_index = names.index(active) if active in names else None
    named = body.find(_TABLE + "named-expressions")
    fields = _named_fields(named, dict(zip(names, tables, strict=True)), reader) if named is not None else []
    return Document(sections=active_first(sections, active_index), fields=fields)


def _content(
    data: bytes, limits: Limits, *, with_settings: bool = False
) -> tuple[etree._Element, etree._Element | None]:
    """content.xml parsed, and settings.xml too when asked for and readable."""
    with open_zip(data, limits) as zf:
        check_xml_parts(zf, limits)
        content = read_member(zf, "content.xml", MAX_CONTENT_XML_BYTES)
        settings = None
        if with_settings and "settings.xml" in zf.namelist():
            settings = read_member(zf, "settings.xml", MAX_CONTENT_XML_BYTES)
    settings_root = None
    if settings is not None:
        # Only view settings: LibreOffice opens a file without them too.
        with contextlib.suppress(Refused):
            settings_root = safe_xml(settings)
    return safe_xml(content), settings_root


def _active_table(settings: etree._Element | None) -> str | None:
    """The sheet shown when the file was saved ("ActiveTable" in the view settings)."""
    if settings is None:
        return None
    for item in settings.iter(_CONFIG + "config-item"):
        if item.get(_CONFIG + "name") == "ActiveTable":
            return item.text or None
    return None


@dataclass(slots=True)
class _Budget:
    """Cells left to materialise across the whole document."""

    left: int

    def take(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise Refused(
                "Filen innehåller för stora tabeller för att kunna läsas. Skicka bara "
                "blanketten, utan stora tabeller eller blad med mycket data."
            )


class _Reader:
    """Walks content.xml; one instance per document so the cell budget is shared."""

    def __init__(self, budget: _Budget) -> None:
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
            elif tag == _TABLE + "table":
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
                    yield " " * min(_int(child.get(_TEXT + "c"), 1), _MAX_SPACES)
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
        width = charged = pending_empty = 0
        for row, repeat in _rows(table):
            if row.get(_TABLE + "visibility", "visible") != "visible":
                continue
            cells = self._row_cells(row, spreadsheet, hidden_cols)
            if not cells:
                pending_empty += repeat
                continue
            # Charge the grid's new area (make_grid pads every row to the
            # widest) before materialising anything.
            width = max(width, len(cells))
            area = (len(rows) + pending_empty + repeat) * width
            self.budget.take(area - charged)
            charged = area
            rows.extend([[] for _ in range(pending_empty)])
            rows.extend([cells] * repeat)
            pending_empty = 0
        return make_grid(rows, name)

    def _row_cells(self, row: etree._Element, spreadsheet: bool, hidden_cols: list[range]) -> list[str]:
        """The row's visible cell texts with trailing empty cells dropped."""
        cells: list[str] = []
        pending_empty = 0
        column = 0
        for cell in row:
            if cell.tag not in _CELLS:
                continue
            repeat = _int(cell.get(_TABLE + "number-columns-repeated"), 1)
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
        if cell.tag == _TABLE + "covered-table-cell":
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
        value_type = cell.get(_OFFICE + "value-type") or cell.get(_CALCEXT + "value-type")
        if value_type in ("float", "percentage", "currency"):
            try:
                return number_text(float(cell.get(_OFFICE + "value", "")))
            except ValueError:
                pass  # no usable office:value: fall back to the displayed text
        elif value_type == "date":
            parsed = _iso_date(cell.get(_OFFICE + "date-value", ""))
            if parsed is not None:
                return cell_text(parsed)
        elif value_type == "boolean":
            flag = cell.get(_OFFICE + "boolean-value", "").strip().lower()
            if flag in ("true", "false"):
                return TRUE_TEXT if flag == "true" else FALSE_TEXT
        return self._cell_blocks_text(cell)


def _rows(table: etree._Element) -> Iterator[tuple[etree._Element, int]]:
    """Each table row with its repeat count, through header rows and row groups."""
    for child in table:
        if child.tag == _TABLE + "table-row":
            yield child, _int(child.get(_TABLE + "number-rows-repeated"), 1)
        elif child.tag in _ROW_CONTAINERS:
            yield from _rows(child)


def _hidden_columns(table: etree._Element) -> list[range]:
    """Column index ranges hidden by `table:visibility` on the column declarations."""
    hidden: list[range] = []
    column = 0
    for element in _columns(table):
        repeat = _int(element.get(_TABLE + "number-columns-repeated"), 1)
        if element.get(_TABLE + "visibility", "visible") != "visible":
            hidden.append(range(column, column + repeat))
        column += repeat
    return hidden


def _columns(container: etree._Element) -> Iterator[etree._Element]:
    """The table's own column declarations, through groups (not nested tables')."""
    for child in container:
        if child.tag == _TABLE + "table-column":
            yield child
        elif child.tag in _COLUMN_CONTAINERS:
            yield from _columns(child)


def _visible_count(span: range, hidden: list[range]) -> int:
    overlap = sum(max(0, min(span.stop, h.stop) - max(span.start, h.start)) for h in hidden)
    return max(0, len(span) - overlap)


def _int(value: str | None, default: int) -> int:
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


_ADDRESS_RE = re.compile(
    r"^\$?(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^.]+))\.\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>\d+)$"
)


def _named_fields(named: etree._Element, tables: dict[str, etree._Element], reader: _Reader) -> list[NamedField]:
    """Named ranges that point at one cell, with that cell's text."""
    fields: list[NamedField] = []
    for item in named.iterchildren(_TABLE + "named-range"):
        m = _ADDRESS_RE.match(item.get(_TABLE + "cell-range-address", "").strip())
        if not m:
            continue  # a range, or something else than a cell
        sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("plain")
        if sheet not in tables:
            continue
        cell = _cell_at(tables[sheet], int(m.group("row")) - 1, _column_index(m.group("col")))
        value = reader.cell_text(cell, spreadsheet=True) if cell is not None else ""
        fields.append(NamedField(name=item.get(_TABLE + "name", ""), value=value))
    return fields


def _cell_at(table: etree._Element, row_index: int, col_index: int) -> etree._Element | None:
    """The cell element at a position, counting repeated rows and columns."""
    row_start = 0
    for row, repeat in _rows(table):
        if row_start <= row_index < row_start + repeat:
            col_start = 0
            for cell in row:
                if cell.tag not in _CELLS:
                    continue
                span = _int(cell.get(_TABLE + "number-columns-repeated"), 1)
                if col_start <= col_index < col_start + span:
                    return cell
                col_start += span
            return None
        row_start += repeat
    return None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


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
