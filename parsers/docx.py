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

Here: the package's parts and the page headers. The walk over the body is
`parsers.docx_body`; content controls and form fields `parsers.docx_fields`;
symbols, placeholders and flattening `parsers.docx_text`; list numbers
`parsers.docx_numbering`; the XML names `parsers.docx_xml`.
"""

from __future__ import annotations

import posixpath
import re
import zipfile

from parsers.document import Block, Document, Paragraph, Section
from parsers.docx_body import Reader
from parsers.docx_numbering import Numbering, StyleNumbering, read_styles
from parsers.docx_xml import BODY, REL, W_STRICT_URI, W_URI, Element, W
from parsers.limits import Limits, Refused
from parsers.safe_zip import open_zip, read_member
from parsers.safety import check_xml_parts, safe_xml

_NOT_WORD = (
    "Filen är inte ett giltigt Word-dokument (.docx) och kunde inte läsas. "
    "Öppna den i Word, spara den som Word-dokument (.docx) och skicka igen."
)
_NO_BODY = (
    "Word-dokumentet saknar innehåll (word/document.xml) och kunde inte läsas. "
    "Öppna det i Word, spara det på nytt och skicka igen."
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
        body = None if root is None else root.find(BODY)
        if body is None:
            raise Refused(_NO_BODY)
        rels = package.relationships(main)
        styles = rels.get("styles", "word/styles.xml")
        numbering = Numbering(
            package.xml(rels.get("numbering", "word/numbering.xml"), needle=b"num"),
            # styles.xml is large and matters only for list styles (w:numPr).
            lambda: package.style_numbering(styles),
        )
        reader = Reader(numbering, limits)
        blocks = [*package.page_headers(reader), *reader.blocks(body)]
        comments = package.xml(rels.get("comments", "word/comments.xml"), needle=b"comment")
        margin = 0 if comments is None else sum(1 for _ in comments.iter(W + "comment"))
    return Document(
        sections=[Section(tuple(blocks))],
        fields=[f for f in reader.fields if f is not None],
        notes=reader.notes,
        margin_comments=margin,
    )


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

    def style_numbering(self, part: str) -> StyleNumbering:
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
            known = read_styles(_parse_part(raw))  # broken XML or a DTD refuses the file, as ever
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
        for rel in root.iter(REL + "Relationship"):
            kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
            target = rel.get("Target") or ""
            if not kind or not target or rel.get("TargetMode") == "External":
                continue
            # Targets are relative to the part's folder, or absolute from the package root.
            absolute = target.startswith("/")
            path = target.lstrip("/") if absolute else posixpath.join(folder, target)
            out.setdefault(kind, posixpath.normpath(path))
        return out

    def page_headers(self, reader: Reader) -> list[Block]:
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


# The list numbering of styles parts already read, by their exact bytes (never
# changed once made). Bounded: a few templates are in use at a time.
_STYLE_NUMBERING: dict[bytes, StyleNumbering] = {}
_MAX_REMEMBERED_STYLES = 8
_MAX_REMEMBERED_STYLES_BYTES = 2 * 1024 * 1024


def _parse_part(raw: bytes) -> Element:
    """Parse a part's bytes (Strict Open XML read as transitional); broken XML or a DTD refuses the file."""
    if W_STRICT_URI in raw:
        raw = raw.replace(W_STRICT_URI, W_URI.encode())
    return safe_xml(raw)
