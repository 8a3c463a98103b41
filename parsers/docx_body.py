"""One walk over a Word body: paragraphs, tables, runs, text boxes, content controls and fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from parsers.document import Block, Grid, NamedField, Paragraph
from parsers.docx_fields import ComplexField, SdtInfo, form_field
from parsers.docx_numbering import Numbering
from parsers.docx_text import (
    CHECKED,
    UNCHECKED,
    SymbolFonts,
    drop_placeholders,
    flatten,
    is_placeholder_text,
    run_symbol_fonts,
    symbol,
    symbol_text,
)
from parsers.docx_xml import (
    ALTCHUNK,
    BDO,
    BR,
    CR,
    CUSTOMXML,
    DEL,
    DIR,
    DRAWING,
    DSTRIKE,
    FFDATA,
    FLDCHAR,
    FLDSIMPLE,
    GRIDBEFORE,
    GRIDSPAN,
    HMERGE,
    HYPERLINK,
    INS,
    MC_ALT,
    MOVETO,
    MT,
    NOBREAKHYPHEN,
    OBJECT,
    OMATH,
    OMATHPARA,
    PICT,
    PTAB,
    RPR,
    RUBY,
    RUBYBASE,
    SDT,
    SDTCONTENT,
    SMARTTAG,
    STRIKE,
    SYM,
    TAB,
    TBL,
    TC,
    TCPR,
    TR,
    TRPR,
    VAL,
    VANISH,
    VMERGE,
    Element,
    P,
    R,
    T,
    W,
    hex_int,
    is_on,
    mc_choice,
    text_boxes,
    to_int,
    val,
)
from parsers.limits import Limits, Refused

_MAX_SPAN = 63  # Word's own column limit; caps a hostile gridSpan


_TOO_BIG = "Word-dokumentet innehåller för stora tabeller för att kunna läsas. Skicka lägesbilden i den vanliga mallen."
_ALTCHUNK_NOTE = (
    "Dokumentet innehåller inbäddat innehåll från en annan fil som inte lästes. "
    "Klistra in texten direkt i dokumentet om den hör till lägesbilden."
)


@dataclass(slots=True)
class _Inline:
    """Text gathered for one paragraph, and the text boxes anchored in it."""

    parts: list[str] = field(default_factory=list)
    boxes: list[Block] = field(default_factory=list)
    stack: list[ComplexField] = field(default_factory=list)
    hidden: int = 0  # open fields whose current part is not shown


class Reader:
    """One walk over a document body, collecting blocks, named fields and notes."""

    def __init__(self, numbering: Numbering, limits: Limits) -> None:
        self.fields: list[NamedField | None] = []
        self.notes: list[str] = []
        self._numbering = numbering
        self._max_cells = limits.max_sheet_cells
        self._cells = 0
        self._mute = 0  # > 0 inside placeholder content: structure kept, text not

    # -- block level

    def blocks(self, container: Element) -> list[Block]:
        """The blocks of a body, table cell, text box or content control."""
        out: list[Block] = []
        self._block_children(container, out)
        return out

    def _block_children(self, container: Element, out: list[Block]) -> None:
        for child in container:
            tag = child.tag
            if tag == P:
                self._paragraph(child, out)
            elif tag == TBL:
                out.append(self._table(child))
            elif tag == SDT:
                self._block_sdt(child, out)
            elif tag in (CUSTOMXML, INS, MOVETO, SDTCONTENT):
                self._block_children(child, out)
            elif tag == MC_ALT:
                choice = mc_choice(child)
                if choice is not None:
                    self._block_children(choice, out)
            elif tag == ALTCHUNK and _ALTCHUNK_NOTE not in self.notes:
                self.notes.append(_ALTCHUNK_NOTE)
            # w:del, w:moveFrom, properties, bookmarks and the like show nothing.

    def _paragraph(self, p: Element, out: list[Block]) -> None:
        number = self._numbering.prefix(p)
        st = _Inline()
        self._inline_children(p, st)
        while st.stack:  # a field left open at the paragraph's end
            self._end_field(st.stack.pop(), st)
        text = drop_placeholders("".join(st.parts))
        out.append(Paragraph(number + text if text.strip() else text))
        out.extend(st.boxes)

    def _block_sdt(self, sdt: Element, out: list[Block]) -> None:
        info = SdtInfo.of(sdt)
        slot = self._reserve() if info.name else None
        if info.checkbox is not None:
            mark = CHECKED if info.checkbox else UNCHECKED
            out.append(Paragraph(mark if self._mute == 0 else ""))
            self._fill(slot, info.name, mark, info.checkbox)
            return
        start = len(out)
        content = sdt.find(SDTCONTENT)
        if content is not None:
            self._mute += info.placeholder
            self._block_children(content, out)
            self._mute -= info.placeholder
        # Placeholder phrases left without the flag are already gone from the paragraphs.
        value = "" if info.placeholder else flatten(out[start:])
        self._fill(slot, info.name, value, None)

    # -- tables

    def _table(self, tbl: Element) -> Grid:
        rows: list[list[str]] = []
        self._table_rows(tbl, rows)
        width = max((len(r) for r in rows), default=0)
        self._count(sum(width - len(r) for r in rows))
        return Grid(tuple(tuple(r + [""] * (width - len(r))) for r in rows))

    def _table_rows(self, container: Element, rows: list[list[str]]) -> None:
        for child in container:
            tag = child.tag
            if tag == TR:
                row = self._row(child)
                if row is not None:
                    rows.append(row)
            elif tag == SDT:  # a content control around whole rows
                info = SdtInfo.of(child)
                slot = self._reserve() if info.name else None
                start = len(rows)
                content = child.find(SDTCONTENT)
                if content is not None:
                    self._mute += info.placeholder
                    self._table_rows(content, rows)
                    self._mute -= info.placeholder
                lines = (" | ".join(c for c in r if c.strip()) for r in rows[start:])
                self._fill(slot, info.name, "\n".join(line for line in lines if line), None)
            elif tag in (CUSTOMXML, INS, MOVETO):
                self._table_rows(child, rows)

    def _row(self, tr: Element) -> list[str] | None:
        cells: list[str] = []
        trpr = tr.find(TRPR)
        if trpr is not None:
            if trpr.find(DEL) is not None:  # a deleted row (tracked change)
                return None
            before = min(to_int(val(trpr.find(GRIDBEFORE))) or 0, _MAX_SPAN)
            cells.extend([""] * max(before, 0))
            self._count(len(cells))
        self._row_cells(tr, cells)
        return cells

    def _row_cells(self, container: Element, cells: list[str]) -> None:
        for child in container:
            tag = child.tag
            if tag == TC:
                cells.extend(self._cell(child))
            elif tag == SDT:  # a content control around whole cells
                info = SdtInfo.of(child)
                slot = self._reserve() if info.name else None
                start = len(cells)
                content = child.find(SDTCONTENT)
                if content is not None:
                    muted = info.placeholder or info.checkbox is not None
                    self._mute += muted
                    self._row_cells(content, cells)
                    self._mute -= muted
                if info.checkbox is not None:
                    mark = CHECKED if info.checkbox else UNCHECKED
                    if len(cells) > start and self._mute == 0:
                        cells[start] = mark
                    self._fill(slot, info.name, mark, info.checkbox)
                else:
                    value = " | ".join(c for c in cells[start:] if c.strip())
                    self._fill(slot, info.name, value, None)
            elif tag in (CUSTOMXML, INS, MOVETO):
                self._row_cells(child, cells)

    def _cell(self, tc: Element) -> list[str]:
        span = 1
        continued = False
        tcpr = tc.find(TCPR)
        if tcpr is not None:
            span = max(1, min(to_int(val(tcpr.find(GRIDSPAN))) or 1, _MAX_SPAN))
            vmerge = tcpr.find(VMERGE)
            hmerge = tcpr.find(HMERGE)
            continued = (vmerge is not None and vmerge.get(VAL) != "restart") or (
                hmerge is not None and hmerge.get(VAL) != "restart"
            )
        self._count(span)
        # A continued merged cell is still walked, for its named fields and
        # list counters, but shows nothing: its text belongs to the first cell.
        text = flatten(self.blocks(tc))
        return ["" if continued else text] + [""] * (span - 1)

    def _count(self, cells: int) -> None:
        self._cells += cells
        if self._cells > self._max_cells:
            raise Refused(_TOO_BIG)

    # -- inline level

    def _inline_children(self, container: Element, st: _Inline) -> None:
        for child in container:
            tag = child.tag
            if tag == R:
                self._run(child, child, st, run_symbol_fonts(child))
            elif tag in (INS, MOVETO, HYPERLINK, SMARTTAG, CUSTOMXML, FLDSIMPLE, BDO, DIR):
                self._inline_children(child, st)
            elif tag == SDT:
                self._inline_sdt(child, st)
            elif tag == MC_ALT:
                choice = mc_choice(child)
                if choice is not None:
                    self._inline_children(choice, st)
            elif tag in (OMATHPARA, OMATH) and self._visible(st):
                st.parts.append("".join(t.text or "" for t in child.iter(MT)))
            # w:del, w:moveFrom, w:pPr, bookmarks, comment marks: nothing shown.

    def _visible(self, st: _Inline) -> bool:
        return self._mute == 0 and st.hidden == 0

    def _run(self, r: Element, container: Element, st: _Inline, fonts: SymbolFonts | None) -> None:
        if container is r:
            rpr = r.find(RPR)
            if rpr is not None and (is_on(rpr.find(VANISH)) or is_on(rpr.find(STRIKE)) or is_on(rpr.find(DSTRIKE))):
                # Hidden text is not shown, and struck-through text is withdrawn (people
                # strike out last month's answer); a field's structure may pass through it.
                for fld in r.iter(FLDCHAR):
                    self._fld_char(fld, st)
                return
        parts = st.parts
        for child in container:
            tag = child.tag
            if tag == T:
                if self._visible(st):
                    text = child.text or ""
                    if fonts is not None:
                        text = symbol_text(text, fonts)
                    parts.append(text)
            elif tag in (TAB, PTAB):
                if self._visible(st):
                    parts.append(" ")
            elif tag in (BR, CR):
                if self._visible(st):
                    parts.append("\n")
            elif tag == NOBREAKHYPHEN:
                if self._visible(st):
                    parts.append("-")
            elif tag == SYM:
                if self._visible(st):
                    code = hex_int(child.get(W + "char"))
                    if code is not None:
                        parts.append(symbol(child.get(W + "font"), code))
            elif tag == FLDCHAR:
                self._fld_char(child, st)
            elif tag in (DRAWING, PICT, OBJECT):
                if self._visible(st):
                    boxes: list[Element] = []
                    text_boxes(child, boxes)
                    for box in boxes:
                        st.boxes.extend(self.blocks(box))
            elif tag == MC_ALT:
                choice = mc_choice(child)
                if choice is not None:
                    self._run(r, choice, st, fonts)
            elif tag == RUBY:
                base = child.find(RUBYBASE)
                if base is not None:
                    self._inline_children(base, st)
            # w:delText, w:instrText, w:softHyphen, note and comment references: nothing.

    def _inline_sdt(self, sdt: Element, st: _Inline) -> None:
        info = SdtInfo.of(sdt)
        slot = self._reserve() if info.name else None
        if info.checkbox is not None:
            mark = CHECKED if info.checkbox else UNCHECKED
            if self._visible(st):
                st.parts.append(mark)
            self._fill(slot, info.name, mark, info.checkbox)
            return
        start = len(st.parts)
        content = sdt.find(SDTCONTENT)
        if content is not None:
            self._mute += info.placeholder
            self._inline_children(content, st)
            self._mute -= info.placeholder
        value = "" if info.placeholder else "".join(st.parts[start:])
        if value and is_placeholder_text(value):
            del st.parts[start:]
            value = ""
        self._fill(slot, info.name, value, None)

    # -- complex fields (legacy form fields among them)

    def _fld_char(self, el: Element, st: _Inline) -> None:
        kind = el.get(W + "fldCharType")
        if kind == "begin":
            st.stack.append(self._begin_field(el.find(FFDATA), st))
        elif kind == "separate" and st.stack:
            top = st.stack[-1]
            top.result = True
            top.start = len(st.parts)
        elif kind == "end" and st.stack:
            self._end_field(st.stack.pop(), st)
        st.hidden = sum(1 for f in st.stack if not f.result or f.kind == "hidden")

    def _begin_field(self, ff: Element | None, st: _Inline) -> ComplexField:
        if ff is None:
            return ComplexField("text")
        form = form_field(ff)
        if form.shown is None:
            return ComplexField("text", name=form.name, slot=self._reserve() if form.name else None)
        # A checkbox or dropdown shows its state at w:fldChar begin; its result part shows nothing.
        if self._visible(st):
            st.parts.append(form.shown)
        if form.name:
            self._fill(self._reserve(), form.name, form.shown, form.checked)
        return ComplexField("hidden")

    def _end_field(self, f: ComplexField, st: _Inline) -> None:
        if f.kind != "text" or not f.result:
            self._fill(f.slot, f.name, "", None)
            return
        value = "".join(st.parts[f.start :])
        if is_placeholder_text(value):
            del st.parts[f.start :]
            value = ""
        self._fill(f.slot, f.name, value, None)

    # -- named fields, kept in document order

    def _reserve(self) -> int:
        self.fields.append(None)
        return len(self.fields) - 1

    def _fill(self, slot: int | None, name: str, value: str, checked: bool | None) -> None:
        if slot is not None:
            self.fields[slot] = NamedField(name, value.strip(), checked)
