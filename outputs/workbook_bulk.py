"""The body rows of the workbook's long sheets, serialised straight to worksheet XML and spliced in."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from outputs.workbook_layout import FORMULA_START, excel_text


class BulkRows:
    """The body rows of a long sheet, serialised directly to worksheet XML.

    openpyxl spends ~20 µs writing each cell; the comments and data sheets of
    a county of 290 municipalities hold half a million cells, so their body
    rows are written here as plain `<row>` elements (inline strings, numbers,
    Excel date serials) and spliced into the sheet openpyxl writes, after its
    header rows. Style ids come from openpyxl itself (`Cell.style_id` of a
    probe cell), so they point at the same entries of the shared stylesheet.
    """

    def __init__(self, ws: Worksheet, first_row: int, ncols: int) -> None:
        self.ws = ws
        self.first_row = first_row
        self.next_row = first_row
        self.ncols = ncols
        self._letters = [get_column_letter(c) for c in range(1, ncols + 1)]
        self._ids: dict[tuple[str | None, bool], int] = {}
        self._parts: list[str] = []
        self._texts: dict[str, str] = {}  # names, labels and level words repeat on every row

    def _style_id(self, style: str | None, quoted: bool) -> int:
        key = (style, quoted)
        if key not in self._ids:
            probe = Cell(self.ws)  # never added to the sheet
            if style is not None:
                probe.style = style
            if quoted:
                probe.quotePrefix = True
            self._ids[key] = probe.style_id
        return self._ids[key]

    def add(self, cells: Sequence[tuple[Any, str | None]], height: float | None = None) -> None:
        """Append one row of (value, style name) pairs, from column A; `height` in points."""
        r = self.next_row
        out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        for letter, (value, style) in zip(self._letters, cells, strict=False):
            quoted = isinstance(value, str) and value.startswith(FORMULA_START)
            s = self._style_id(style, quoted) if style is not None or quoted else 0
            attr = f' s="{s}"' if s else ""
            if value is None or value == "":
                if s:
                    out.append(f'<c r="{letter}{r}"{attr}/>')
            elif isinstance(value, str):
                text = self._texts.get(value)
                if text is None:
                    text = escape(excel_text(value.replace("\r\n", "\n").replace("\r", "\n")))
                    if len(value) < 200:
                        self._texts[value] = text
                out.append(f'<c r="{letter}{r}"{attr} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            elif isinstance(value, datetime):
                out.append(f'<c r="{letter}{r}"{attr}><v>{to_excel(value):.16g}</v></c>')
            elif isinstance(value, bool):
                out.append(f'<c r="{letter}{r}"{attr} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                out.append(f'<c r="{letter}{r}"{attr}><v>{value:.16g}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
        out.append("</row>")
        self._parts.append("".join(out))
        self.next_row += 1

    @property
    def last_row(self) -> int:
        """The last row written (the row before `first_row` when none was)."""
        return self.next_row - 1

    def splice(self, xml: bytes) -> bytes:
        """Insert the rows into openpyxl's worksheet XML and widen its dimension."""
        body = "".join(self._parts).encode("utf-8")
        if b"</sheetData>" in xml:
            xml = xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
        elif b"<sheetData/>" in xml:
            xml = xml.replace(b"<sheetData/>", b"<sheetData>" + body + b"</sheetData>", 1)
        else:
            raise ValueError("worksheet XML without sheetData")
        last = max(self.last_row, 1)
        ref = f'<dimension ref="A1:{self._letters[-1]}{last}"/>'.encode()
        return re.sub(rb'<dimension ref="[^"]*"/>', ref, xml, count=1)
