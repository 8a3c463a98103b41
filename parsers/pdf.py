"""The PDF reader: PDF bytes in, a format-neutral `Document` out.

Two libraries share the work. pypdf opens the file, deals with encryption,
counts the pages and reads AcroForm fields (a fillable PDF keeps its answers
in fields, not in the page text). pdfplumber reads the page text: ruled
tables become `Grid`s, and the other text lines become `Paragraph`s in the
order they stand on the page. Lines that wrap inside one paragraph are joined
into one `Paragraph`, so a paragraph reads as it does from the .docx; a gap
with room for an empty line becomes an empty `Paragraph("")`.
Running headers, footers and page numbers are dropped: they would otherwise
land in the middle of a comment that continues onto the next page.

Text is passed on raw (only stripped); `parsers.text` cleans it.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfplumber.utils.text import chars_to_textmap
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from parsers.document import Block, Document, Grid, NamedField, Paragraph, Section
from parsers.limits import Limits, Refused

_log = logging.getLogger(__name__)

# --- Messages for the municipal coordinator -------------------------------

DAMAGED = (
    "PDF-filen är skadad eller ofullständig och kunde inte läsas. "
    "Öppna originalet, exportera det till PDF på nytt och skicka igen "
    "(eller skicka Word- eller Excel-filen)."
)
PASSWORD = (
    "Filen är lösenordsskyddad och kan inte öppnas. "
    "Spara den utan lösenord och skicka igen (eller skicka Word- eller Excel-filen)."
)
SCANNED = (
    "Filen är en inskannad bild utan text, så svaren kan inte läsas ut. "
    "Skicka Word- eller Excel-filen, eller en PDF sparad direkt från Word."
)
NO_UNICODE = (
    "Texten i PDF-filen går inte att läsa ut (typsnitten saknar teckenkoder). "
    "Skicka Word- eller Excel-filen, eller en PDF sparad direkt från Word."
)
NO_PAGES = "PDF-filen innehåller inga sidor. Exportera den på nytt och skicka igen."
TOO_SLOW = (
    "PDF-filen tog för lång tid att läsa och avbröts. Skicka Word- eller Excel-filen i stället."
)
XFA = (
    "PDF-filen är ett dynamiskt formulär (XFA) som bara kan visas i Adobe Reader, "
    "så svaren kan inte läsas ut. Skicka Word- eller Excel-filen, eller skriv ut "
    "formuläret till en vanlig PDF och skicka den."
)
FIELDS_UNREADABLE = "Formulärfälten i PDF-filen kunde inte läsas; bara sidornas text har lästs."

# --- Caps ------------------------------------------------------------------

MAX_PAGE_CHARS = 200_000
# Table detection is quadratic-ish in ruling lines; a page drawn with tens of
# thousands of vector strokes (a map, a chart) is read as plain text instead.
_MAX_PAGE_EDGES = 5_000
_MAX_FIELDS = 5_000
_MAX_FIELD_DEPTH = 32

# --- Layout heuristics -----------------------------------------------------

# A header sits in the top 12 % of the page, a footer in the bottom 12 %, and
# only the first/last few lines of a page are considered at all.
_MARGIN_SHARE = 0.12
_MARGIN_LINES = 3
# Lines repeated on every page must also stand at the same height (points).
_SAME_Y = 3.0
# A line pitch this much larger than the document's usual pitch between
# wrapped lines leaves room for an empty line: an empty paragraph. (Word's
# spacing after a paragraph, about 1.5 times the pitch, is not one.)
_BLANK_FACTOR = 1.8
# Wrapped lines stand at the usual pitch; paragraph spacing may be larger.
_WRAP_FACTOR = 1.4

_PAGE_NUMBER_RE = re.compile(
    r"^[\s\-–—]*(?:sida|sid\.?|s\.|page|p\.)?\s*(\d{1,4})\s*"
    r"(?:\(\s*\d{1,4}\s*\)|(?:av|of|/)\s*\d{1,4})?[\s\-–—]*$",
    re.IGNORECASE,
)
_DIGITS_RE = re.compile(r"\d+")
_CID_RE = re.compile(r"\(cid:\d+\)")

# AcroForm field flags (PDF 32000-1, 12.7.4.2).
_FF_RADIO = 1 << 15
_FF_PUSHBUTTON = 1 << 16
_INHERITABLE = ("/FT", "/Ff", "/V", "/DV", "/Opt")


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    top: float
    bottom: float
    x0: float = 0.0
    x1: float = 0.0
    first_word: float = 0.0  # width of the line's first word, to tell a wrap from a break

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True, slots=True)
class _Table:
    grid: Grid
    top: float


@dataclass(slots=True)
class _Page:
    number: int  # 1-based
    height: float
    width: float
    items: list[_Line | _Table]  # in reading order (top to bottom)

    def lines(self) -> list[_Line]:
        return [i for i in self.items if isinstance(i, _Line)]


def read_pdf(
    data: bytes, limits: Limits, *, clock: Callable[[], float] = time.monotonic
) -> Document:
    """Read a PDF into a `Document`: page text as paragraphs and grids, form fields as fields.

    Raises `Refused` (Swedish message) for a damaged, password-protected,
    scanned or over-limit file. `clock` is only read to keep the whole read
    within `limits.seconds_per_file`.
    """
    deadline = clock() + limits.seconds_per_file
    reader = _open(data)
    page_count = _page_count(reader)
    if page_count == 0:
        raise Refused(NO_PAGES)
    if page_count > limits.max_pdf_pages:
        raise Refused(
            f"PDF-filen har {page_count} sidor, fler än de {limits.max_pdf_pages} som kan läsas. "
            "Skicka bara lägesbilden, utan bilagor."
        )
    notes: list[str] = []
    try:
        fields = _read_fields(reader)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken form tree must not hide the page text
        _log.warning("pdf form fields unreadable: %s: %s", type(exc).__name__, exc)
        fields, notes = [], [FIELDS_UNREADABLE]
    # pdfminer (under pdfplumber) cannot decrypt every file that opens without
    # a password: with all permissions cleared (/P 0) its key derivation
    # overflows. pypdf has decrypted it already, so hand over a plain copy.
    source = _decrypted_copy(reader) if reader.is_encrypted else data
    pages = _read_pages(source, limits, deadline, clock)
    _drop_running_lines(pages)
    blocks = _assemble(pages)
    text = "".join(b.text if isinstance(b, Paragraph) else _grid_text(b) for b in blocks)
    if not fields and _is_dynamic_xfa(reader, text):
        raise Refused(XFA)
    if not text.strip() and not fields:
        raise Refused(SCANNED)
    if _mostly_unmapped(text):
        raise Refused(NO_UNICODE)
    return Document(sections=[Section(tuple(blocks))], fields=fields, notes=notes)


# --- Opening ----------------------------------------------------------------


def _open(data: bytes) -> PdfReader:
    """Open with pypdf; an owner-password-only file opens with the empty password."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        encrypted = reader.is_encrypted
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - every pypdf failure here means a broken file
        _log.info("pdf unreadable: %s: %s", type(exc).__name__, exc)
        raise Refused(DAMAGED) from exc
    if encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # noqa: BLE001 - unknown crypt filter and the like
            _log.info("pdf decrypt failed: %s: %s", type(exc).__name__, exc)
            raise Refused(PASSWORD) from exc
        if not opened:
            raise Refused(PASSWORD)
    return reader


def _decrypted_copy(reader: PdfReader) -> bytes:
    """The opened (decrypted) file written out again without encryption."""
    try:
        writer = PdfWriter(clone_from=reader)
        out = io.BytesIO()
        writer.write(out)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken object met while copying
        _log.info("pdf decrypted copy failed: %s: %s", type(exc).__name__, exc)
        raise Refused(DAMAGED) from exc
    return out.getvalue()


def _page_count(reader: PdfReader) -> int:
    try:
        return len(reader.pages)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a broken page tree
        raise Refused(DAMAGED) from exc


# --- AcroForm fields --------------------------------------------------------


def _is_dynamic_xfa(reader: PdfReader, text: str) -> bool:
    """An XFA form without AcroForm fields: its pages only say "Please wait..."."""
    try:
        root = _resolve(reader.trailer.get("/Root"))
        acro = _resolve(root.get("/AcroForm")) if isinstance(root, DictionaryObject) else None
        has_xfa = isinstance(acro, DictionaryObject) and "/XFA" in acro
    except Exception:  # noqa: BLE001 - a broken catalogue is not XFA
        return False
    return has_xfa and (not text.strip() or "please wait" in text.casefold())


def _read_fields(reader: PdfReader) -> list[NamedField]:
    """Every terminal AcroForm field, in the order of the form's field tree."""
    root = _resolve(reader.trailer.get("/Root"))
    acro = _resolve(root.get("/AcroForm")) if isinstance(root, DictionaryObject) else None
    if not isinstance(acro, DictionaryObject):
        return []
    top = _resolve(acro.get("/Fields"))
    if not isinstance(top, ArrayObject):
        return []
    out: list[NamedField] = []
    seen: set[int] = set()

    def walk(ref: PdfObject, parent: str, inherited: dict[str, Any], depth: int) -> None:
        node = _resolve(ref)
        if not isinstance(node, DictionaryObject) or depth > _MAX_FIELD_DEPTH:
            return
        if id(node) in seen or len(out) >= _MAX_FIELDS:
            return
        seen.add(id(node))
        partial = _to_text(node.get("/T"))
        name = f"{parent}.{partial}" if parent and partial else (partial or parent)
        attrs = dict(inherited)
        attrs.update({k: node[k] for k in _INHERITABLE if k in node})
        kids = [_resolve(k) for k in _array(node.get("/Kids"))]
        child_fields = [k for k in kids if isinstance(k, DictionaryObject) and "/T" in k]
        if child_fields:
            for kid in child_fields:
                walk(kid, name, attrs, depth + 1)
            return
        widgets = [k for k in kids if isinstance(k, DictionaryObject)] or [node]
        field = _terminal_field(name, attrs, widgets)
        if field is not None:
            out.append(field)

    for ref in top:
        walk(ref, "", {}, 0)
    return out


def _terminal_field(
    name: str, attrs: dict[str, Any], widgets: Sequence[DictionaryObject]
) -> NamedField | None:
    """One NamedField for a terminal field; None for buttons, signatures and nameless fields."""
    if not name:
        return None
    kind = str(_resolve(attrs.get("/FT")) or "")
    flags = _int(attrs.get("/Ff"))
    value = _resolve(attrs.get("/V"))
    if kind == "/Tx":
        return NamedField(name, _field_text(value))
    if kind == "/Ch":
        return NamedField(name, _choice_text(value, _resolve(attrs.get("/Opt"))))
    if kind != "/Btn" or flags & _FF_PUSHBUTTON:
        return None
    opt = _resolve(attrs.get("/Opt"))
    state = _state_name(value) or _active_appearance(widgets)
    checked = state not in ("", "Off")
    if flags & _FF_RADIO:
        return NamedField(name, _export_value(state, opt) if checked else "", checked=checked)
    # A checkbox reports its export value whether ticked or not: `checked` says which.
    export = state if checked else _on_state(widgets)
    return NamedField(name, _export_value(export, opt), checked=checked)


def _field_text(value: Any) -> str:
    # Long or rich text may be stored as a stream.
    text = value.get_data().decode("utf-8", errors="replace") if isinstance(value, StreamObject) else _to_text(value)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _choice_text(value: Any, opt: Any) -> str:
    """The display text of the chosen option(s); the export value when no option matches."""
    chosen = [_to_text(v) for v in _array(value)] if isinstance(value, ArrayObject) else []
    if not isinstance(value, ArrayObject) and value is not None:
        chosen = [_to_text(value)]
    display: dict[str, str] = {}
    for entry in _array(opt):
        entry = _resolve(entry)
        if isinstance(entry, ArrayObject) and len(entry) >= 2:
            display.setdefault(_to_text(entry[0]), _to_text(entry[1]))
        else:
            display.setdefault(_to_text(entry), _to_text(entry))
    return ", ".join(display.get(c, c) for c in chosen if c).strip()


def _export_value(state: str, opt: Any) -> str:
    """A button state name, mapped through /Opt when the states are option indexes."""
    options = _array(opt)
    if state.isdigit() and options and int(state) < len(options):
        return _to_text(_resolve(options[int(state)]))
    return state


def _state_name(value: Any) -> str:
    # The state should be a name (/3), but some tools store the text "/3" or "3".
    text = _to_text(value)
    return text[1:] if text.startswith("/") else text


def _appearance_states(widget: DictionaryObject) -> list[str]:
    ap = _resolve(widget.get("/AP"))
    normal = _resolve(ap.get("/N")) if isinstance(ap, DictionaryObject) else None
    if not isinstance(normal, DictionaryObject):
        return []
    return [str(k)[1:] for k in normal if str(k) != "/Off"]


def _active_appearance(widgets: Iterable[DictionaryObject]) -> str:
    """The state shown by the widgets when the field itself has no /V (some tools only set /AS)."""
    for widget in widgets:
        state = _state_name(_resolve(widget.get("/AS")))
        if state and state != "Off":
            return state
    return ""


def _on_state(widgets: Iterable[DictionaryObject]) -> str:
    for widget in widgets:
        states = _appearance_states(widget)
        if states:
            return states[0]
    return ""


def _resolve(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def _array(obj: Any) -> list[Any]:
    obj = _resolve(obj)
    return list(obj) if isinstance(obj, ArrayObject) else []


def _int(obj: Any) -> int:
    obj = _resolve(obj)
    return int(obj) if isinstance(obj, (NumberObject, int)) else 0


def _to_text(obj: Any) -> str:
    obj = _resolve(obj)
    if obj is None:
        return ""
    if isinstance(obj, NameObject):
        return str(obj)[1:]
    if isinstance(obj, bytes):
        return obj.decode("latin-1")
    return str(obj)


# --- Page text --------------------------------------------------------------


def _read_pages(
    data: bytes, limits: Limits, deadline: float, clock: Callable[[], float]
) -> list[_Page]:
    pages: list[_Page] = []
    try:
        with pdfplumber.open(io.BytesIO(data), password="") as pdf:
            for index, page in enumerate(pdf.pages, start=1):
                if index > limits.max_pdf_pages:
                    raise Refused(DAMAGED)  # pypdf counted fewer: the page tree is inconsistent
                if clock() > deadline:
                    raise Refused(TOO_SLOW)
                pages.append(_read_page(page, index))
                page.close()  # drop pdfplumber's per-page caches as we go
    except (Refused, RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many types on broken streams
        _log.warning("pdf page text unreadable: %s: %s", type(exc).__name__, exc)
        raise Refused(DAMAGED) from exc
    if clock() > deadline:
        raise Refused(TOO_SLOW)
    return pages


def _read_page(page: Any, number: int) -> _Page:
    if len(page.chars) > MAX_PAGE_CHARS:
        raise Refused(
            f"Sida {number} i PDF-filen innehåller för mycket text för att kunna läsas. "
            "Skicka Word- eller Excel-filen i stället."
        )
    # Some generators draw bold text twice, slightly offset; keep one copy.
    page = page.dedupe_chars()
    tables: list[_Table] = []
    boxes: list[tuple[float, float, float, float]] = []
    if len(page.edges) <= _MAX_PAGE_EDGES:
        for table in page.find_tables():
            rows = _table_rows(table, page.chars)
            # pdfplumber never reports a single-cell table, so a framed comment
            # box stays running text; an empty ruled grid is just decoration.
            if not any(cell for row in rows for cell in row):
                continue
            tables.append(_Table(Grid(rows), float(table.bbox[1])))
            boxes.append(tuple(float(v) for v in table.bbox))  # type: ignore[arg-type]
    text_page = page.filter(_outside(boxes)) if boxes else page
    lines = _lines(text_page.extract_text_lines(layout=False, return_chars=True))
    items: list[_Line | _Table] = [*lines, *tables]
    items.sort(key=lambda item: item.top)
    return _Page(number, float(page.height), float(page.width), items)


def _lines(raw: Iterable[dict[str, Any]]) -> list[_Line]:
    """pdfplumber's text lines as `_Line`s, blank ones dropped."""
    return [
        _Line(
            text=str(line["text"]).strip(),
            top=float(line["top"]),
            bottom=float(line["bottom"]),
            x0=float(line["x0"]),
            x1=float(line["x1"]),
            first_word=_first_word_width(line["chars"]),
        )
        for line in raw
        if str(line["text"]).strip()
    ]


def _table_rows(table: Any, chars: Sequence[dict[str, Any]]) -> tuple[tuple[str, ...], ...]:
    """The cell texts of a table, lines wrapped inside a cell joined as in running text.

    Each character belongs to the cell holding its centre (as in pdfplumber's
    own `extract`); a merged-over cell (None) is "".
    """
    by_row: list[tuple[str, ...]] = []
    for row in table.rows:
        top, bottom = float(row.bbox[1]), float(row.bbox[3])
        row_chars = [c for c in chars if top <= (c["top"] + c["bottom"]) / 2 <= bottom]
        cells: list[str] = []
        for bbox in row.cells:
            if bbox is None:
                cells.append("")
                continue
            x0, x1 = float(bbox[0]), float(bbox[2])
            inside = [c for c in row_chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1]
            cells.append(_cell_text(inside, x0, x1))
        by_row.append(tuple(cells))
    return tuple(by_row)


def _cell_text(chars: Sequence[dict[str, Any]], x0: float, x1: float) -> str:
    if not chars:
        return ""
    textmap = chars_to_textmap(list(chars), layout=False)
    lines = _lines(textmap.extract_text_lines(strip=True, return_chars=True))
    if not lines:
        return ""
    # The cell's text area: its padding taken as equal on both sides.
    edge = x1 - (min(ln.x0 for ln in lines) - x0)
    paragraphs: list[list[str]] = []
    for upper, lower in zip([None, *lines], lines, strict=False):
        if upper is not None and _continues(upper, lower, edge):
            paragraphs[-1].append(lower.text)
        else:
            paragraphs.append([lower.text])
    return "\n".join(_join(p) for p in paragraphs).strip()


def _first_word_width(chars: Sequence[dict[str, Any]]) -> float:
    """Width of the first word: up to a space glyph or a gap wide enough to be a space."""
    glyphs = [c for c in chars if c.get("upright", True)]
    start = end = None
    for char in glyphs:
        if str(char["text"]).isspace():
            if start is not None:
                break
            continue
        if start is None:
            start = float(char["x0"])
        elif end is not None and float(char["x0"]) - end > 0.2 * float(char["size"]):
            break
        end = float(char["x1"])
    return end - start if start is not None and end is not None else 0.0


def _outside(
    boxes: Sequence[tuple[float, float, float, float]],
) -> Callable[[dict[str, Any]], bool]:
    """A pdfplumber filter keeping every object except characters inside a table."""

    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    return keep


# --- Running headers, footers and page numbers --------------------------------


def _drop_running_lines(pages: list[_Page]) -> None:
    """Remove page numbers, and lines repeated at the same place at the top or bottom of every page.

    A header may be missing from the first page ("different first page" in
    Word) when the document has three pages or more.
    """
    drop: set[int] = set()
    for page in pages:
        for line in _margin_lines(page, top=True) + _margin_lines(page, top=False):
            match = _PAGE_NUMBER_RE.match(line.text)
            if match and int(match.group(1)) == page.number:
                drop.add(id(line))
    if len(pages) >= 2:
        for top in (True, False):
            drop.update(_repeated(pages, top))
    for page in pages:
        page.items = [i for i in page.items if id(i) not in drop]


def _margin_lines(page: _Page, *, top: bool) -> list[_Line]:
    lines = page.lines()
    if top:
        limit = page.height * _MARGIN_SHARE
        return [ln for ln in lines[:_MARGIN_LINES] if ln.bottom <= limit]
    limit = page.height * (1 - _MARGIN_SHARE)
    return [ln for ln in lines[-_MARGIN_LINES:] if ln.top >= limit]


def _repeated(pages: Sequence[_Page], top: bool) -> set[int]:
    """ids of margin lines that recur on every page (digits may differ only as the page number)."""
    candidates = [_margin_lines(p, top=top) for p in pages]
    optional_first = len(pages) >= 3
    found: set[int] = set()
    for line in candidates[-1]:
        hits: list[_Line] = []
        for page, lines in zip(pages, candidates, strict=True):
            hit = next((ln for ln in lines if _same_running_line(line, ln, page.number)), None)
            if hit is None and not (optional_first and page.number == 1):
                break
            if hit is not None:
                hits.append(hit)
        else:
            if len(hits) >= 2 and max(h.top for h in hits) - min(h.top for h in hits) <= _SAME_Y:
                found.update(id(h) for h in hits)
    return found


def _same_running_line(model: _Line, line: _Line, page_number: int) -> bool:
    if line.text == model.text:
        return True
    # "Sida 1 av 3" / "Sida 2 av 3": equal once digits are masked, and the
    # line carries its own page number.
    return _DIGITS_RE.sub("#", line.text) == _DIGITS_RE.sub("#", model.text) and bool(
        re.search(rf"(?<!\d){page_number}(?!\d)", line.text)
    )


# --- Assembly ---------------------------------------------------------------

# A line that starts like a new item or a label of the form never continues the
# line above it, even when that line is full.
_NEW_ITEM_RE = re.compile(
    r"^(?:[•·▪‣◦○●■□☐☒\-–—*]\s|\(?\d{1,2}[.)]\s|[a-zA-Z][.)]\s|Fråga\s*\d|Påverkan\b|Kommentar\b)"
)


def _assemble(pages: Sequence[_Page]) -> list[Block]:
    """Blocks in reading order: wrapped lines joined into paragraphs, empty lines kept.

    A line continues the paragraph above when the line above is full, that
    is, the first word of this line would not have fitted after it, and the
    two stand at the usual line pitch (or on either side of a page break).
    A gap with room for an empty line becomes an empty paragraph, as an
    empty paragraph in Word would.
    """
    usual = _usual_pitch_ratio(pages)
    edge = _right_edge(pages)
    blocks: list[Block] = []
    current: list[str] = []  # the lines of the paragraph being built
    last: _Line | None = None  # its last line, while it may still continue

    def flush() -> None:
        if current:
            blocks.append(Paragraph(_join(current)))
            current.clear()

    for page in pages:
        previous: _Line | _Table | None = None
        for item in page.items:
            if isinstance(item, _Table):
                flush()
                blocks.append(item.grid)
                last = None
                previous = item
                continue
            ratio = _pitch_ratio(previous, item) if isinstance(previous, _Line) else None
            spaced = ratio is not None and usual is not None and ratio > usual * _WRAP_FACTOR
            blank = ratio is not None and usual is not None and ratio > usual * _BLANK_FACTOR
            same_flow = ratio is not None or (previous is None and last is not None)
            if last is not None and same_flow and not spaced and _continues(last, item, edge):
                current.append(item.text)
            else:
                flush()
                if blank and blocks and blocks[-1] != Paragraph(""):
                    blocks.append(Paragraph(""))
                current.append(item.text)
            last = item
            previous = item
    flush()
    while blocks and blocks[-1] == Paragraph(""):
        blocks.pop()
    return blocks


def _continues(upper: _Line, lower: _Line, edge: float) -> bool:
    """True when `lower` is the wrapped continuation of `upper`."""
    if _NEW_ITEM_RE.match(lower.text) or lower.first_word <= 0:
        return False
    if abs(upper.height - lower.height) > 0.2 * max(upper.height, lower.height):
        return False  # a change of font size: a heading and its text
    # The word would not have fitted after the line above, give or take
    # rounding: glyph boxes are a little narrower than their advance widths.
    space = 0.25 * upper.height
    slack = 0.3 * upper.height
    return upper.x1 + space + lower.first_word > edge - slack


def _right_edge(pages: Sequence[_Page]) -> float:
    """Where full lines end: the furthest line end, at least the left margin mirrored.

    Overestimating only joins fewer lines, so the mirrored margin is a safe floor
    for a document whose lines are all short.
    """
    lines = [ln for p in pages for ln in p.lines()]
    if not lines:
        return 0.0
    mirrored = max(p.width for p in pages) - min(ln.x0 for ln in lines)
    return max(max(ln.x1 for ln in lines), mirrored)


def _join(lines: Sequence[str]) -> str:
    """Join wrapped lines; a line ending in a hyphen after a letter was split at that hyphen."""
    text = lines[0]
    for line in lines[1:]:
        glue = "" if len(text) >= 2 and text[-1] == "-" and text[-2].isalpha() else " "
        text = f"{text}{glue}{line}"
    return text


def _pitch_ratio(upper: _Line, lower: _Line) -> float:
    """Distance between two line tops, in units of the upper line's height."""
    height = upper.bottom - upper.top
    return (lower.top - upper.top) / height if height > 0 else 0.0


def _usual_pitch_ratio(pages: Sequence[_Page]) -> float | None:
    """The pitch between wrapped lines of one paragraph: a low quantile of all pitches.

    Most documents have many wrapped lines (long questions and comments), so
    the lower fifth of the pitches is the line spacing without paragraph
    spacing. Never below one line height, so overlapping lines cannot drag it down.
    """
    ratios: list[float] = []
    for page in pages:
        for upper, lower in zip(page.items, page.items[1:], strict=False):
            if isinstance(upper, _Line) and isinstance(lower, _Line):
                ratio = _pitch_ratio(upper, lower)
                if ratio > 0:
                    ratios.append(ratio)
    if len(ratios) < 2:
        return None
    low = statistics.quantiles(ratios, n=5, method="inclusive")[0]
    return max(low, 1.0)


def _grid_text(grid: Grid) -> str:
    return "".join("".join(row) for row in grid.rows)


def _mostly_unmapped(text: str) -> bool:
    """True when most text is pdfminer's "(cid:N)" stand-in for glyphs without a Unicode mapping."""
    unmapped = sum(len(m) for m in _CID_RE.findall(text))
    visible = len("".join(text.split()))
    return visible > 0 and unmapped * 2 > visible
