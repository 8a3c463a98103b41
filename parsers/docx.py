"""Word reader (.docx, .docm): the body of the main document part as blocks.

The body of ``word/document.xml`` becomes one `Section` of `Paragraph` and
`Grid` blocks in document order, read with a single lxml parse and a walk
over the tree (no python-docx objects: a two-page form reads in a few ms).
Questions and answers are not interpreted here; `parsers.text` does that.

What the text holds, and why:

- Text is what Word displays with all tracked changes accepted: insertions
  and moved-to text are kept, deletions and moved-from text are dropped.
  Hidden text (direct ``w:vanish``) is dropped, because the coordinator never
  saw it either; so is struck-through text (``w:strike``), which is how people
  withdraw last month's answer.
- Tabs become " ", line breaks "\\n", non-breaking hyphens "-". Field
  instructions never appear; a field shows its result.
- Checkboxes of every kind (content controls, legacy FORMCHECKBOX fields,
  Wingdings symbols) become "☒" or "☐", and a legacy dropdown its selected
  entry, so one text-level reader sees all of them alike.
- Content controls still showing their placeholder ("Klicka eller tryck här
  för att ange text.") count as empty, and Word's placeholder phrases are
  removed wherever else they are left (converters keep them as plain text or
  as a FILLIN field result), so an unfilled answer reads as "".
- Every body paragraph is a `Paragraph`, empty ones included ("").
- Text boxes are read once (the ``mc:Choice`` of an ``mc:AlternateContent``,
  never its VML fallback) and follow the paragraph that anchors them.
- Numbered list items get the number Word shows ("1. ", "a) ", "Fråga 2: ")
  computed from numbering.xml; bullets get no prefix. An empty numbered
  paragraph gets no prefix, so a lone "1." cannot pass for an answer.
- A table cell is its paragraphs joined with "\\n". A table nested in a cell
  is flattened into that text: its non-empty cells joined with " | ", its
  rows with "\\n". A horizontally merged cell keeps its text in the first
  column and "" in the spanned ones; a vertically merged continuation is "".
  Rows are padded with "" to the widest row, so columns line up.
- Content controls with a tag or title and named legacy form fields are also
  collected as `NamedField`s, in document order.

The page headers are read before the body (people type the municipality and
month there); footers, footnotes, endnotes and comments live in other parts
and are not read. Macros in a .docm are never run (vbaProject.bin is not read).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from parsers.document import Block, Document, Grid, NamedField, Paragraph, Section
from parsers.limits import Limits, Refused
from parsers.safety import check_xml_parts, open_zip, read_member, safe_xml

Element = Any  # lxml.etree._Element; lxml ships no type information

_W_URI = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Word's "Strict Open XML" flavour uses another namespace for the same vocabulary.
_W_STRICT_URI = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
_W = "{" + _W_URI + "}"
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# Block level
_BODY = _W + "body"
_P = _W + "p"
_TBL = _W + "tbl"
_TR = _W + "tr"
_TC = _W + "tc"
_SDT = _W + "sdt"
_SDTPR = _W + "sdtPr"
_SDTCONTENT = _W + "sdtContent"
_ALTCHUNK = _W + "altChunk"
_TXBXCONTENT = _W + "txbxContent"
# Wrappers whose content is shown, and tracked-change wrappers whose content is not.
_INS = _W + "ins"
_DEL = _W + "del"
_MOVETO = _W + "moveTo"
_MOVEFROM = _W + "moveFrom"
_CUSTOMXML = _W + "customXml"
_SMARTTAG = _W + "smartTag"
_HYPERLINK = _W + "hyperlink"
_FLDSIMPLE = _W + "fldSimple"
_BDO = _W + "bdo"
_DIR = _W + "dir"
_MC_ALT = _MC + "AlternateContent"
_MC_CHOICE = _MC + "Choice"
_MC_FALLBACK = _MC + "Fallback"
# Run level
_R = _W + "r"
_RPR = _W + "rPr"
_T = _W + "t"
_TAB = _W + "tab"
_PTAB = _W + "ptab"
_BR = _W + "br"
_CR = _W + "cr"
_NOBREAKHYPHEN = _W + "noBreakHyphen"
_SYM = _W + "sym"
_FLDCHAR = _W + "fldChar"
_DRAWING = _W + "drawing"
_PICT = _W + "pict"
_OBJECT = _W + "object"
_RUBY = _W + "ruby"
_RUBYBASE = _W + "rubyBase"
_VANISH = _W + "vanish"
_STRIKE = _W + "strike"
_DSTRIKE = _W + "dstrike"
_RFONTS = _W + "rFonts"
_OMATH = _M + "oMath"
_OMATHPARA = _M + "oMathPara"
_MT = _M + "t"
# Properties
_VAL = _W + "val"
_PPR = _W + "pPr"
_PSTYLE = _W + "pStyle"
_NUMPR = _W + "numPr"
_NUMID = _W + "numId"
_ILVL = _W + "ilvl"
_TCPR = _W + "tcPr"
_TRPR = _W + "trPr"
_GRIDSPAN = _W + "gridSpan"
_GRIDBEFORE = _W + "gridBefore"
_VMERGE = _W + "vMerge"
_HMERGE = _W + "hMerge"
_TAG = _W + "tag"
_ALIAS = _W + "alias"
_SHOWINGPLCHDR = _W + "showingPlcHdr"
_W14_CHECKBOX = _W14 + "checkbox"
_W14_CHECKED = _W14 + "checked"
_W14_VAL = _W14 + "val"
_FFDATA = _W + "ffData"
_NAME = _W + "name"
_CHECKBOX = _W + "checkBox"
_CHECKED_EL = _W + "checked"
_DEFAULT = _W + "default"
_DDLIST = _W + "ddList"
_RESULT = _W + "result"
_LISTENTRY = _W + "listEntry"

CHECKED = "☒"
UNCHECKED = "☐"

# Word's own placeholder texts. Converters keep them as plain text or as a
# field result once the content control is gone (LibreOffice turns one into a
# FILLIN field), and nobody types them as an answer, so they are removed
# wherever they appear: an unfilled comment reads as "", not as this text.
_PLACEHOLDER_TEXTS = (
    "Klicka eller tryck här för att ange text.",
    "Klicka här för att ange text.",
    "Välj ett objekt.",
    "Klicka eller tryck för att ange ett datum.",
    "Klicka här för att ange ett datum.",
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Choose an item.",
    "Click or tap to enter a date.",
    "Click here to enter a date.",
)
_PLACEHOLDERS = frozenset(s.casefold() for s in _PLACEHOLDER_TEXTS)
# Names LibreOffice gives form fields that had none; they name nothing.
_AUTO_FIELD_NAME = "__Fieldmark__"

# Symbol fonts map their code points to pictures, not letters. Only the glyphs
# people use as checkboxes or ticks are kept; any other symbol is dropped,
# since its letter ("þ", "o") would be misread as text.
_SYMBOL_GLYPHS: dict[str, dict[int, str]] = {
    "wingdings": {
        0xFE: CHECKED,  # box with tick
        0xFD: CHECKED,  # box with cross
        0x78: CHECKED,  # box with x
        0x6E: "■",  # filled square
        0x6F: UNCHECKED,
        0x71: UNCHECKED,
        0x72: UNCHECKED,
        0xA8: UNCHECKED,
        0xFC: "✓",
    },
    "wingdings 2": {
        0x50: "✓",
        0x52: "☑",
        0x53: CHECKED,
        0x54: CHECKED,
        0xA3: UNCHECKED,
        0x2A: UNCHECKED,
    },
    "wingdings 3": {},
    "webdings": {},
    "symbol": {},
}

_MAX_SPAN = 63  # Word's own column limit; caps a hostile gridSpan

_NOT_WORD = (
    "Filen är inte ett giltigt Word-dokument (.docx) och kunde inte läsas. "
    "Öppna den i Word, spara den som Word-dokument (.docx) och skicka igen."
)
_NO_BODY = (
    "Word-dokumentet saknar innehåll (word/document.xml) och kunde inte läsas. "
    "Öppna det i Word, spara det på nytt och skicka igen."
)
_TOO_BIG = "Word-dokumentet innehåller för stora tabeller för att kunna läsas. Skicka lägesbilden i den vanliga mallen."
_ALTCHUNK_NOTE = (
    "Dokumentet innehåller inbäddat innehåll från en annan fil som inte lästes. "
    "Klistra in texten direkt i dokumentet om den hör till lägesbilden."
)


def read_docx(data: bytes, limits: Limits) -> Document:
    """Read a .docx or .docm into one `Section` of paragraphs and grids.

    Raises `Refused` (with a Swedish message) when the bytes are not a Word
    document, break a limit, or the main document part is unreadable.
    """
    with open_zip(data, limits) as zf:
        whole: dict[str, bytes] = {}
        check_xml_parts(zf, limits, whole)
        package = _Package(zf, limits, whole)
        main = package.main_part()
        root = package.xml(main)
        body = None if root is None else root.find(_BODY)
        if body is None:
            raise Refused(_NO_BODY)
        rels = package.relationships(main)
        styles = rels.get("styles", "word/styles.xml")
        numbering = _Numbering(
            package.xml(rels.get("numbering", "word/numbering.xml"), needle=b"num"),
            # styles.xml is large and matters only for list styles (w:numPr).
            lambda: package.style_numbering(styles),
        )
        reader = _Reader(numbering, limits)
        blocks = [*package.page_headers(reader), *reader.blocks(body)]
        comments = package.xml(rels.get("comments", "word/comments.xml"), needle=b"comment")
        margin = 0 if comments is None else sum(1 for _ in comments.iter(_W + "comment"))
    return Document(
        sections=[Section(tuple(blocks))],
        fields=[f for f in reader.fields if f is not None],
        notes=reader.notes,
        margin_comments=margin,
    )


# ---------------------------------------------------------------- package parts

_HEADER_PART_RE = re.compile(r"word/header\d*\.xml")


class _Package:
    """The parts of an opened (and already checked) Word package."""

    def __init__(self, zf: zipfile.ZipFile, limits: Limits, whole: dict[str, bytes]) -> None:
        self._zf = zf
        self._limits = limits
        self._whole = whole  # parts the safety check already read to their end, by member name
        # Part names are case-insensitive in OPC; zip names are not.
        self._names = {n.lower(): n for n in zf.namelist()}

    def xml(self, part: str, needle: bytes = b"") -> Element | None:
        """Parse one part; None when it is absent or lacks `needle` (a cheap pre-check).

        Broken XML or a DTD refuses the file.
        """
        raw = self._raw(part)
        if raw is None or needle not in raw:
            return None
        return _parse_part(raw)

    def style_numbering(self, part: str) -> _StyleNumbering:
        """Paragraph style id -> its list numbering, from the styles part ({} without any).

        Word's styles part is by far the largest (~350 KB from Word's own
        template, 5 ms to parse) and arrives byte for byte the same in file
        after file, so what it says is remembered by its exact content.
        """
        raw = self._raw(part)
        if raw is None or b"numPr" not in raw:
            return {}
        known = _STYLE_NUMBERING.get(raw)
        if known is None:
            known = _read_styles(_parse_part(raw))  # broken XML or a DTD refuses the file, as ever
            if len(raw) <= _MAX_REMEMBERED_STYLES_BYTES:
                if len(_STYLE_NUMBERING) >= _MAX_REMEMBERED_STYLES:
                    _STYLE_NUMBERING.clear()
                _STYLE_NUMBERING[raw] = known
        return known

    def _raw(self, part: str) -> bytes | None:
        """A part's bytes by its (case-insensitive) name; None when it is absent."""
        name = self._names.get(part.lower())
        return None if name is None else self._bytes(name)

    def _bytes(self, name: str) -> bytes:
        """A member's bytes; small parts come from the safety check's read, not a second inflate."""
        kept = self._whole.get(name)
        if kept is not None and len(kept) <= self._limits.max_unzipped_bytes:
            return kept
        return read_member(self._zf, name, self._limits.max_unzipped_bytes)

    def relationships(self, part: str) -> dict[str, str]:
        """Relationship type (last path segment, e.g. "styles") -> target part name."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        out: dict[str, str] = {}
        if root is None:
            return out
        for rel in root.iter(_REL + "Relationship"):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            if not kind or not target or rel.get("TargetMode") == "External":
                continue
            # Targets are relative to the part's folder, or absolute from the package root.
            absolute = target.startswith("/")
            path = target.lstrip("/") if absolute else posixpath.join(folder, target)
            out.setdefault(kind, posixpath.normpath(path))
        return out

    def page_headers(self, reader: _Reader) -> list[Block]:
        """The blocks of the page headers, which people use for the municipality and the month.

        They stand before the body, where a reader sees them. Footers are not
        read: text after the body would run into the last question's comment.
        """
        out: list[Block] = []
        for name in sorted(n for n in self._names if _HEADER_PART_RE.fullmatch(n)):
            root = self.xml(self._names[name], needle=b"<w:t")
            if root is not None:
                out.extend(b for b in reader.blocks(root) if not isinstance(b, Paragraph) or b.text.strip())
        return out

    def main_part(self) -> str:
        """The main document part named by the package, else word/document.xml."""
        main = self.relationships("").get("officeDocument", "word/document.xml")
        if main.lower() in self._names:
            return main
        if "word/document.xml" in self._names:
            return "word/document.xml"
        if any(name.startswith("word/") for name in self._names):
            raise Refused(_NO_BODY)
        raise Refused(_NOT_WORD)


# ---------------------------------------------------------------- small helpers


def _val(el: Element | None, attr: str = _VAL) -> str | None:
    return None if el is None else el.get(attr)


def _on(el: Element | None, attr: str = _VAL) -> bool:
    """An OOXML on/off property: present without a value means on."""
    if el is None:
        return False
    return (el.get(attr) or "true").lower() not in ("0", "false", "off")


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _mc_choice(alt: Element) -> Element | None:
    """The branch of an mc:AlternateContent to read: its (first) mc:Choice."""
    choice = alt.find(_MC_CHOICE)
    return choice if choice is not None else alt.find(_MC_FALLBACK)


def _text_boxes(el: Element, out: list[Element]) -> None:
    """Outermost w:txbxContent under a drawing or VML shape, one branch of each mc."""
    for child in el:
        tag = child.tag
        if tag == _TXBXCONTENT:
            out.append(child)
        elif tag == _MC_ALT:
            choice = _mc_choice(child)
            if choice is not None:
                _text_boxes(choice, out)
        elif isinstance(tag, str):
            _text_boxes(child, out)


def _symbol(font: str | None, code: int) -> str:
    """Text for one character of a symbol font ("" when it is no checkbox or tick)."""
    private = code >= 0xF000  # symbol fonts sit at U+F020-U+F0FF in Unicode text
    if private:
        code -= 0xF000
    glyphs = _SYMBOL_GLYPHS.get((font or "").strip().lower())
    if glyphs is not None:
        return glyphs.get(code, "")
    # An ordinary font: the code point is the character, unless it lies in
    # the private area that only symbol fonts use.
    return "" if private else chr(code)


_SymbolFonts = tuple[str | None, str | None]  # (for ASCII, for other characters)


def _run_symbol_fonts(r: Element) -> _SymbolFonts | None:
    """The run's directly set symbol fonts (Wingdings etc.), None when it has none.

    Word draws ASCII characters in the w:ascii font and the rest in w:hAnsi.
    """
    rpr = r.find(_RPR)
    fonts = None if rpr is None else rpr.find(_RFONTS)
    if fonts is None:
        return None
    ascii_font = (fonts.get(_W + "ascii") or "").strip().lower()
    other_font = (fonts.get(_W + "hAnsi") or "").strip().lower()
    pair = (
        ascii_font if ascii_font in _SYMBOL_GLYPHS else None,
        other_font if other_font in _SYMBOL_GLYPHS else None,
    )
    return pair if pair != (None, None) else None


def _symbol_text(text: str, fonts: _SymbolFonts) -> str:
    out = []
    for c in text:
        font = fonts[0] if c < "\x80" else fonts[1]
        out.append(c if font is None else _symbol(font, ord(c)))
    return "".join(out)


def _flatten(blocks: list[Block]) -> str:
    """Blocks as one text: paragraphs and table rows as lines, cells joined " | "."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        else:
            for row in block.rows:
                cells = [c.strip() for c in row if c.strip()]
                if cells:
                    lines.append(" | ".join(cells))
    return _trim_lines("\n".join(lines))


def _trim_lines(text: str) -> str:
    """Drop blank lines at the start and end (Word cells end in an empty paragraph)."""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines)


def _is_placeholder_text(text: str) -> bool:
    return text.strip().casefold() in _PLACEHOLDERS


def _drop_placeholders(text: str) -> str:
    """Remove Word placeholder phrases left in running text."""
    if "." not in text:  # every phrase ends in a full stop; most paragraphs are spared
        return text
    for phrase in _PLACEHOLDER_TEXTS:
        if phrase in text:
            text = text.replace(phrase, "")
    return text


@dataclass(frozen=True, slots=True)
class _SdtInfo:
    name: str
    placeholder: bool
    checkbox: bool | None  # None: not a checkbox; else whether it is ticked

    @staticmethod
    def of(sdt: Element) -> _SdtInfo:
        pr = sdt.find(_SDTPR)
        if pr is None:
            return _SdtInfo("", False, None)
        name = (_val(pr.find(_TAG)) or "").strip() or (_val(pr.find(_ALIAS)) or "").strip()
        box = pr.find(_W14_CHECKBOX)
        checked = None if box is None else _on(box.find(_W14_CHECKED), _W14_VAL)
        return _SdtInfo(name, pr.find(_SHOWINGPLCHDR) is not None, checked)


# ---------------------------------------------------------------- list numbering


@dataclass(frozen=True, slots=True)
class _Level:
    fmt: str
    text: str
    start: int
    suffix: str
    legal: bool


def _level(lvl: Element) -> _Level:
    suff = _val(lvl.find(_W + "suff")) or "tab"
    return _Level(
        fmt=_val(lvl.find(_W + "numFmt")) or "decimal",
        text=_val(lvl.find(_W + "lvlText")) or "",
        start=_int(_val(lvl.find(_W + "start"))) or 0,
        suffix="" if suff == "nothing" else " ",
        legal=_on(lvl.find(_W + "isLgl")),
    )


def _roman(n: int) -> str:
    out = []
    for value, numeral in (
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ):  # fmt: skip
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("upperRoman", "lowerRoman") and 0 < n < 4000:
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        # Word repeats the letter: 27 -> "aa", 28 -> "bb".
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "none":
        return ""
    return str(n)


_LEVEL_REF = re.compile(r"%([1-9])")


_StyleNumbering = dict[str, tuple[str | None, int | None]]  # style id -> (numId, ilvl)
# The list numbering of styles parts already read, by their exact bytes (never
# changed once made). Bounded: a few templates are in use at a time.
_STYLE_NUMBERING: dict[bytes, _StyleNumbering] = {}
_MAX_REMEMBERED_STYLES = 8
_MAX_REMEMBERED_STYLES_BYTES = 2 * 1024 * 1024


def _parse_part(raw: bytes) -> Element:
    """Parse a part's bytes (Strict Open XML read as transitional); broken XML or a DTD refuses the file."""
    if _W_STRICT_URI in raw:
        raw = raw.replace(_W_STRICT_URI, _W_URI.encode())
    return safe_xml(raw)


def _read_styles(styles: Element) -> _StyleNumbering:
    """Paragraph style id -> (numId, ilvl) of its list numbering, inherited along basedOn."""
    raw: dict[str, tuple[str | None, int | None, str | None]] = {}
    for style in styles.iter(_W + "style"):
        if style.get(_W + "type") != "paragraph":
            continue
        numpr = style.find(_PPR + "/" + _NUMPR)
        num_id = _val(numpr.find(_NUMID)) if numpr is not None else None
        ilvl = _int(_val(numpr.find(_ILVL))) if numpr is not None else None
        raw[style.get(_W + "styleId") or ""] = (num_id, ilvl, _val(style.find(_W + "basedOn")))
    out: dict[str, tuple[str | None, int | None]] = {}
    for sid, (num_id, ilvl, parent) in raw.items():
        seen = {sid}
        # Inherit numbering along basedOn; the chain is short but may loop.
        while num_id is None and parent in raw and parent not in seen:
            seen.add(parent)
            num_id, parent_ilvl, parent = raw[parent]
            ilvl = ilvl if ilvl is not None else parent_ilvl
        out[sid] = (num_id, ilvl)
    return out


def _read_numbering(numbering: Element) -> dict[str, tuple[str, dict[int, _Level]]]:
    """numId -> (counter key, levels) from numbering.xml.

    The counter key is the abstract list's id, so instances of one list share
    their counters, unless the instance overrides a level ("num:" + numId).
    """
    nums: dict[str, tuple[str, dict[int, _Level]]] = {}
    abstract: dict[str, dict[int, _Level]] = {}
    for an in numbering.iter(_W + "abstractNum"):
        levels = {}
        for lvl in an.iter(_W + "lvl"):
            ilvl = _int(lvl.get(_ILVL))
            if ilvl is not None and 0 <= ilvl < 9:
                levels[ilvl] = _level(lvl)
        abstract[an.get(_W + "abstractNumId") or ""] = levels
    for num in numbering.iter(_W + "num"):
        num_id = num.get(_W + "numId") or ""
        abstract_id = _val(num.find(_W + "abstractNumId")) or ""
        levels = dict(abstract.get(abstract_id, {}))
        key = abstract_id
        for override in num.iter(_W + "lvlOverride"):
            ilvl = _int(override.get(_ILVL))
            if ilvl is None or not 0 <= ilvl < 9:
                continue
            lvl = override.find(_W + "lvl")
            if lvl is not None:
                levels[ilvl] = _level(lvl)
                key = "num:" + num_id
            start = _int(_val(override.find(_W + "startOverride")))
            if start is not None and ilvl in levels:
                base = levels[ilvl]
                levels[ilvl] = _Level(base.fmt, base.text, start, base.suffix, base.legal)
                key = "num:" + num_id
        nums[num_id] = (key, levels)
    return nums


class _Numbering:
    """Computes the number Word shows in front of a numbered paragraph.

    Counters belong to the abstract list, so separate w:num instances of one
    list continue each other (as in Word) unless an instance restarts with
    a startOverride. Deeper levels restart when a shallower level advances.
    List numbering that comes from a paragraph style is found through
    styles.xml, which is parsed only when a styled paragraph needs it.
    """

    def __init__(self, numbering: Element | None, styles: Callable[[], _StyleNumbering]) -> None:
        self._numbering = numbering
        self._nums: dict[str, tuple[str, dict[int, _Level]]] | None = None  # see `_instances`
        self._counters: dict[str, list[int | None]] = {}
        self._style_num: _StyleNumbering | None = None
        self._load_styles = styles

    def _instances(self) -> dict[str, tuple[str, dict[int, _Level]]]:
        """numId -> (counter key, levels), read from numbering.xml when a paragraph first needs it.

        Many forms carry numbering definitions that no paragraph uses; the
        part is still parsed up front (a broken one refuses the file), but
        its levels are only read for a document with list paragraphs.
        """
        if self._nums is None:
            self._nums = {} if self._numbering is None else _read_numbering(self._numbering)
        return self._nums

    def _style_numbering(self, style: str) -> tuple[str | None, int | None]:
        if self._style_num is None:
            self._style_num = self._load_styles()
        return self._style_num.get(style, (None, None))

    def prefix(self, p: Element) -> str:
        """Advance the paragraph's list counter and return its shown number ("" if none)."""
        ppr = p.find(_PPR)
        if ppr is None:
            return ""
        numpr = ppr.find(_NUMPR)
        style = _val(ppr.find(_PSTYLE))
        if numpr is None and style is None:
            return ""  # neither a list paragraph nor a style that could make it one
        nums = self._instances()
        if not nums:
            return ""
        num_id: str | None = None
        ilvl: int | None = None
        if numpr is not None:
            num_id = _val(numpr.find(_NUMID))
            ilvl = _int(_val(numpr.find(_ILVL)))
        if style is not None and (num_id is None or ilvl is None):
            style_num, style_ilvl = self._style_numbering(style)
            num_id = num_id if num_id is not None else style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
        if not num_id or num_id == "0" or num_id not in nums:
            return ""
        ilvl = ilvl if ilvl is not None and 0 <= ilvl < 9 else 0
        key, levels = nums[num_id]
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self._counters.setdefault(key, [None] * 9)
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = None
        if level.fmt == "bullet":
            return ""

        def number(match: re.Match[str]) -> str:
            ref = int(match.group(1)) - 1
            ref_level = levels.get(ref)
            if ref_level is None:
                return ""
            value = counters[ref]
            value = ref_level.start if value is None else value
            return _format_number(value, "decimal" if level.legal else ref_level.fmt)

        shown = _LEVEL_REF.sub(number, level.text)
        return shown + level.suffix if shown.strip() else ""


# ---------------------------------------------------------------- the walk


@dataclass(slots=True)
class _Field:
    """A complex field (w:fldChar begin ... separate ... end) open in a paragraph."""

    kind: str  # "text": result shown; "hidden": checkbox/dropdown shown at begin
    name: str = ""
    slot: int | None = None  # index in `_Reader.fields` reserved for a named text field
    result: bool = False  # past w:fldChar separate
    start: int = 0  # index in `_Inline.parts` where the result began


@dataclass(slots=True)
class _Inline:
    """Text gathered for one paragraph, and the text boxes anchored in it."""

    parts: list[str] = field(default_factory=list)
    boxes: list[Block] = field(default_factory=list)
    stack: list[_Field] = field(default_factory=list)
    hidden: int = 0  # open fields whose current part is not shown


class _Reader:
    """One walk over a document body, collecting blocks, named fields and notes."""

    def __init__(self, numbering: _Numbering, limits: Limits) -> None:
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
            if tag == _P:
                self._paragraph(child, out)
            elif tag == _TBL:
                out.append(self._table(child))
            elif tag == _SDT:
                self._block_sdt(child, out)
            elif tag in (_CUSTOMXML, _INS, _MOVETO, _SDTCONTENT):
                self._block_children(child, out)
            elif tag == _MC_ALT:
                choice = _mc_choice(child)
                if choice is not None:
                    self._block_children(choice, out)
            elif tag == _ALTCHUNK and _ALTCHUNK_NOTE not in self.notes:
                self.notes.append(_ALTCHUNK_NOTE)
            # w:del, w:moveFrom, properties, bookmarks and the like show nothing.

    def _paragraph(self, p: Element, out: list[Block]) -> None:
        number = self._numbering.prefix(p)
        st = _Inline()
        self._inline_children(p, st)
        while st.stack:  # a field left open at the paragraph's end
            self._end_field(st.stack.pop(), st)
        text = _drop_placeholders("".join(st.parts))
        out.append(Paragraph(number + text if text.strip() else text))
        out.extend(st.boxes)

    def _block_sdt(self, sdt: Element, out: list[Block]) -> None:
        info = _SdtInfo.of(sdt)
        slot = self._reserve() if info.name else None
        if info.checkbox is not None:
            mark = CHECKED if info.checkbox else UNCHECKED
            out.append(Paragraph(mark if self._mute == 0 else ""))
            self._fill(slot, info.name, mark, info.checkbox)
            return
        start = len(out)
        content = sdt.find(_SDTCONTENT)
        if content is not None:
            self._mute += info.placeholder
            self._block_children(content, out)
            self._mute -= info.placeholder
        # Placeholder phrases left without the flag are already gone from the paragraphs.
        value = "" if info.placeholder else _flatten(out[start:])
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
            if tag == _TR:
                row = self._row(child)
                if row is not None:
                    rows.append(row)
            elif tag == _SDT:  # a content control around whole rows
                info = _SdtInfo.of(child)
                slot = self._reserve() if info.name else None
                start = len(rows)
                content = child.find(_SDTCONTENT)
                if content is not None:
                    self._mute += info.placeholder
                    self._table_rows(content, rows)
                    self._mute -= info.placeholder
                lines = (" | ".join(c for c in r if c.strip()) for r in rows[start:])
                self._fill(slot, info.name, "\n".join(line for line in lines if line), None)
            elif tag in (_CUSTOMXML, _INS, _MOVETO):
                self._table_rows(child, rows)

    def _row(self, tr: Element) -> list[str] | None:
        cells: list[str] = []
        trpr = tr.find(_TRPR)
        if trpr is not None:
            if trpr.find(_DEL) is not None:  # a deleted row (tracked change)
                return None
            before = min(_int(_val(trpr.find(_GRIDBEFORE))) or 0, _MAX_SPAN)
            cells.extend([""] * max(before, 0))
            self._count(len(cells))
        self._row_cells(tr, cells)
        return cells

    def _row_cells(self, container: Element, cells: list[str]) -> None:
        for child in container:
            tag = child.tag
            if tag == _TC:
                cells.extend(self._cell(child))
            elif tag == _SDT:  # a content control around whole cells
                info = _SdtInfo.of(child)
                slot = self._reserve() if info.name else None
                start = len(cells)
                content = child.find(_SDTCONTENT)
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
            elif tag in (_CUSTOMXML, _INS, _MOVETO):
                self._row_cells(child, cells)

    def _cell(self, tc: Element) -> list[str]:
        span = 1
        continued = False
        tcpr = tc.find(_TCPR)
        if tcpr is not None:
            span = max(1, min(_int(_val(tcpr.find(_GRIDSPAN))) or 1, _MAX_SPAN))
            vmerge = tcpr.find(_VMERGE)
            hmerge = tcpr.find(_HMERGE)
            continued = (vmerge is not None and vmerge.get(_VAL) != "restart") or (
                hmerge is not None and hmerge.get(_VAL) != "restart"
            )
        self._count(span)
        # A continued merged cell is still walked, for its named fields and
        # list counters, but shows nothing: its text belongs to the first cell.
        text = _flatten(self.blocks(tc))
        return ["" if continued else text] + [""] * (span - 1)

    def _count(self, cells: int) -> None:
        self._cells += cells
        if self._cells > self._max_cells:
            raise Refused(_TOO_BIG)

    # -- inline level

    def _inline_children(self, container: Element, st: _Inline) -> None:
        for child in container:
            tag = child.tag
            if tag == _R:
                self._run(child, child, st, _run_symbol_fonts(child))
            elif tag in (_INS, _MOVETO, _HYPERLINK, _SMARTTAG, _CUSTOMXML, _FLDSIMPLE, _BDO, _DIR):
                self._inline_children(child, st)
            elif tag == _SDT:
                self._inline_sdt(child, st)
            elif tag == _MC_ALT:
                choice = _mc_choice(child)
                if choice is not None:
                    self._inline_children(choice, st)
            elif tag in (_OMATHPARA, _OMATH) and self._visible(st):
                st.parts.append("".join(t.text or "" for t in child.iter(_MT)))
            # w:del, w:moveFrom, w:pPr, bookmarks, comment marks: nothing shown.

    def _visible(self, st: _Inline) -> bool:
        return self._mute == 0 and st.hidden == 0

    def _run(self, r: Element, container: Element, st: _Inline, fonts: _SymbolFonts | None) -> None:
        if container is r:
            rpr = r.find(_RPR)
            if rpr is not None and (_on(rpr.find(_VANISH)) or _on(rpr.find(_STRIKE)) or _on(rpr.find(_DSTRIKE))):
                # Hidden text is not shown, and struck-through text is withdrawn (people
                # strike out last month's answer); a field's structure may pass through it.
                for fld in r.iter(_FLDCHAR):
                    self._fld_char(fld, st)
                return
        parts = st.parts
        for child in container:
            tag = child.tag
            if tag == _T:
                if self._visible(st):
                    text = child.text or ""
                    if fonts is not None:
                        text = _symbol_text(text, fonts)
                    parts.append(text)
            elif tag in (_TAB, _PTAB):
                if self._visible(st):
                    parts.append(" ")
            elif tag in (_BR, _CR):
                if self._visible(st):
                    parts.append("\n")
            elif tag == _NOBREAKHYPHEN:
                if self._visible(st):
                    parts.append("-")
            elif tag == _SYM:
                if self._visible(st):
                    code = _int_hex(child.get(_W + "char"))
                    if code is not None:
                        parts.append(_symbol(child.get(_W + "font"), code))
            elif tag == _FLDCHAR:
                self._fld_char(child, st)
            elif tag in (_DRAWING, _PICT, _OBJECT):
                if self._visible(st):
                    boxes: list[Element] = []
                    _text_boxes(child, boxes)
                    for box in boxes:
                        st.boxes.extend(self.blocks(box))
            elif tag == _MC_ALT:
                choice = _mc_choice(child)
                if choice is not None:
                    self._run(r, choice, st, fonts)
            elif tag == _RUBY:
                base = child.find(_RUBYBASE)
                if base is not None:
                    self._inline_children(base, st)
            # w:delText, w:instrText, w:softHyphen, note and comment references: nothing.

    def _inline_sdt(self, sdt: Element, st: _Inline) -> None:
        info = _SdtInfo.of(sdt)
        slot = self._reserve() if info.name else None
        if info.checkbox is not None:
            mark = CHECKED if info.checkbox else UNCHECKED
            if self._visible(st):
                st.parts.append(mark)
            self._fill(slot, info.name, mark, info.checkbox)
            return
        start = len(st.parts)
        content = sdt.find(_SDTCONTENT)
        if content is not None:
            self._mute += info.placeholder
            self._inline_children(content, st)
            self._mute -= info.placeholder
        value = "" if info.placeholder else "".join(st.parts[start:])
        if value and _is_placeholder_text(value):
            del st.parts[start:]
            value = ""
        self._fill(slot, info.name, value, None)

    # -- complex fields (legacy form fields among them)

    def _fld_char(self, el: Element, st: _Inline) -> None:
        kind = el.get(_W + "fldCharType")
        if kind == "begin":
            st.stack.append(self._begin_field(el.find(_FFDATA), st))
        elif kind == "separate" and st.stack:
            top = st.stack[-1]
            top.result = True
            top.start = len(st.parts)
        elif kind == "end" and st.stack:
            self._end_field(st.stack.pop(), st)
        st.hidden = sum(1 for f in st.stack if not f.result or f.kind == "hidden")

    def _begin_field(self, ff: Element | None, st: _Inline) -> _Field:
        if ff is None:
            return _Field("text")
        name = (_val(ff.find(_NAME)) or "").strip()
        if name.startswith(_AUTO_FIELD_NAME):
            name = ""
        box = ff.find(_CHECKBOX)
        if box is not None:
            checked_el = box.find(_CHECKED_EL)
            checked = _on(checked_el) if checked_el is not None else _on(box.find(_DEFAULT))
            mark = CHECKED if checked else UNCHECKED
            if self._visible(st):
                st.parts.append(mark)
            if name:
                self._fill(self._reserve(), name, mark, checked)
            return _Field("hidden")
        dd = ff.find(_DDLIST)
        if dd is not None:
            entries = [e.get(_VAL) or "" for e in dd.findall(_LISTENTRY)]
            index = _int(_val(dd.find(_RESULT)))
            if index is None:
                index = _int(_val(dd.find(_DEFAULT))) or 0
            chosen = entries[index] if 0 <= index < len(entries) else ""
            if self._visible(st):
                st.parts.append(chosen)
            if name:
                self._fill(self._reserve(), name, chosen.strip(), None)
            return _Field("hidden")
        return _Field("text", name=name, slot=self._reserve() if name else None)

    def _end_field(self, f: _Field, st: _Inline) -> None:
        if f.kind != "text" or not f.result:
            self._fill(f.slot, f.name, "", None)
            return
        value = "".join(st.parts[f.start :])
        if _is_placeholder_text(value):
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


def _int_hex(text: str | None) -> int | None:
    try:
        return int(text, 16) if text else None
    except ValueError:
        return None
