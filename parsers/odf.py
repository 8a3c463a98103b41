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

The walk over the content (paragraphs, tables, cell values) is
`parsers.odf_body`; here are the package, the sheets and the named ranges.
"""

from __future__ import annotations

import contextlib
import re

from lxml import etree

from parsers.document import Document, NamedField, Section
from parsers.limits import Limits, Refused
from parsers.odf_body import CELLS, CONFIG, OFFICE, TABLE, Budget, Reader, positive_int, table_rows
from parsers.safe_zip import CORRUPT_MESSAGE, open_zip, read_member
from parsers.safety import check_xml_parts, safe_xml
from parsers.xlsx import active_first

# content.xml of a filled-in form is a few hundred KB; an lxml tree costs a
# few times the XML size, so a larger part is refused rather than parsed.
MAX_CONTENT_XML_BYTES = 32 * 1024 * 1024


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
    body = root.find(f"{OFFICE}body/{OFFICE}text")
    if body is None:
        raise Refused(CORRUPT_MESSAGE)
    reader = Reader(Budget(limits.max_sheet_cells))
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
    body = root.find(f"{OFFICE}body/{OFFICE}spreadsheet")
    if body is None:
        raise Refused(CORRUPT_MESSAGE)
    reader = Reader(Budget(limits.max_sheet_cells))
    sections: list[Section] = []
    tables = list(body.iterchildren(TABLE + "table"))
    for table in tables:
        name = table.get(TABLE + "name", "")
        grid = reader.grid(table, spreadsheet=True, name=name)
        sections.append(Section(blocks=(grid,) if grid else (), name=name))
    names = [s.name for s in sections]
    active = _active_table(settings)
    active_index = names.index(active) if active in names else None
    named = body.find(TABLE + "named-expressions")
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
    for item in settings.iter(CONFIG + "config-item"):
        if item.get(CONFIG + "name") == "ActiveTable":
            return item.text or None
    return None


_ADDRESS_RE = re.compile(
    r"^\$?(?:'(?P<quoted>(?:[^']|'')+)'|(?P<plain>[^.]+))\.\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>\d+)$"
)


def _named_fields(named: etree._Element, tables: dict[str, etree._Element], reader: Reader) -> list[NamedField]:
    """Named ranges that point at one cell, with that cell's text."""
    fields: list[NamedField] = []
    for item in named.iterchildren(TABLE + "named-range"):
        m = _ADDRESS_RE.match(item.get(TABLE + "cell-range-address", "").strip())
        if not m:
            continue  # a range, or something else than a cell
        sheet = m.group("quoted").replace("''", "'") if m.group("quoted") else m.group("plain")
        if sheet not in tables:
            continue
        cell = _cell_at(tables[sheet], int(m.group("row")) - 1, _column_index(m.group("col")))
        value = reader.cell_text(cell, spreadsheet=True) if cell is not None else ""
        fields.append(NamedField(name=item.get(TABLE + "name", ""), value=value))
    return fields


def _cell_at(table: etree._Element, row_index: int, col_index: int) -> etree._Element | None:
    """The cell element at a position, counting repeated rows and columns."""
    row_start = 0
    for row, repeat in table_rows(table):
        if row_start <= row_index < row_start + repeat:
            col_start = 0
            for cell in row:
                if cell.tag not in CELLS:
                    continue
                span = positive_int(cell.get(TABLE + "number-columns-repeated"), 1)
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
