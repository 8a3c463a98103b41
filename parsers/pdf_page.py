"""One PDF page's glyphs and ruling lines, read with pdfium.

pdfium (through pypdfium2's raw bindings) parses a page's content stream in
C, so reading the text layer with positions costs about a millisecond a
page, where pdfminer took tens. Only what the layout code needs is taken:

- every glyph as a `Char`: its text, its box in points from the top-left
  corner of the page (the way pdfplumber measured it: from the glyph's
  origin and advance, one font size tall, standing on the baseline), its
  font size and how far it is turned (0, 90, 180 or 270 degrees clockwise,
  to the nearest quarter, as pdfium measures). Spaces the file really holds
  are kept (they separate words); the spaces and line breaks pdfium makes
  up are not.
- every axis-parallel straight segment of a stroked or filled path (table
  rules, cell borders, boxes) as an `Edge`, in the same coordinates. Paths
  inside form XObjects are included, mapped through their matrices.

Nothing here interprets the page; `parsers.pdf_lines` and
`parsers.pdf_tables` do.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import pypdfium2.raw as pdfium_c

# Glyphs pdfium reports when a font has no Unicode mapping for them, or that
# no text holds: C0 controls (other than whitespace), the replacement
# character and the non-characters U+FFFE/U+FFFF and U+FDD0-U+FDEF (which the
# reader uses as marks of its own, `parsers.pdf_words`).
_UNMAPPED = frozenset({*(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"), "\ufffd", "\ufffe", "\uffff",
                       *(chr(c) for c in range(0xFDD0, 0xFDF0))})
# A glyph turned by less than this (radians) still counts as upright.
_UPRIGHT_SLACK = 0.01
_UPRIGHT_LIMIT = 2 * math.pi - _UPRIGHT_SLACK
# A segment this close to horizontal or vertical (points) is a rule.
_AXIS_SLACK = 0.01
# Form XObjects nest; a file nesting them deeper is not a form.
_MAX_FORM_DEPTH = 8


class Char(NamedTuple):
    """One glyph; coordinates in points, `top`/`bottom` measured down from the top of the page.

    An upright glyph's box is its advance, one font size tall, standing on
    the baseline; a turned glyph's is its tight outline (`turn` degrees).
    """

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    turn: int = 0

    @property
    def upright(self) -> bool:
        return self.turn == 0


class Edge(NamedTuple):
    """A horizontal (`top == bottom`) or vertical (`x0 == x1`) ruling segment."""

    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(slots=True)
class PageContent:
    """What `read_page` found on one page."""

    width: float
    height: float
    chars: list[Char]
    horizontal: list[Edge]
    vertical: list[Edge]
    unmapped: int  # glyphs without a Unicode mapping (left out of `chars`)
    too_many_edges: bool  # more ruling segments than `max_edges`: not collected


class TooManyChars(Exception):
    """The page holds more glyphs than the caller allows."""


def read_page(document: Any, index: int, *, max_chars: int, max_edges: int) -> PageContent:
    """Read page `index` (0-based) of an open `pypdfium2.PdfDocument`.

    Raises `TooManyChars` before reading any glyph when the page holds more
    than `max_chars`. Ruling segments beyond `max_edges` are not collected
    (`too_many_edges` is set): a page drawn with tens of thousands of
    strokes is a map or a chart, not a form table.
    """
    page = pdfium_c.FPDF_LoadPage(document.raw, index)
    if not page:
        raise ValueError(f"pdfium could not load page {index + 1}")
    try:
        left, bottom, right, top = _media_box(page)
        origin = (left, top)
        text_page = pdfium_c.FPDFText_LoadPage(page)
        if not text_page:
            raise ValueError(f"pdfium could not load the text of page {index + 1}")
        try:
            count = pdfium_c.FPDFText_CountChars(text_page)
            if count > max_chars:
                raise TooManyChars(count)
            chars, unmapped = _chars(text_page, count, origin)
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
        horizontal: list[Edge] = []
        vertical: list[Edge] = []
        complete = _collect_edges(page, origin, horizontal, vertical, max_edges)
        return PageContent(
            width=right - left,
            height=top - bottom,
            chars=chars,
            horizontal=horizontal if complete else [],
            vertical=vertical if complete else [],
            unmapped=unmapped,
            too_many_edges=not complete,
        )
    finally:
        pdfium_c.FPDF_ClosePage(page)


def _media_box(page: Any) -> tuple[float, float, float, float]:
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPage_GetMediaBox(page, left, bottom, right, top):
        # No /MediaBox of its own: pdfium's page size (A4 or the inherited box).
        return 0.0, 0.0, pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
    x0, x1 = sorted((left.value, right.value))
    y0, y1 = sorted((bottom.value, top.value))
    return x0, y0, x1, y1


# --- Glyphs ------------------------------------------------------------------


def _chars(text_page: Any, count: int, origin: tuple[float, float]) -> tuple[list[Char], int]:
    """Every glyph of the page in content-stream order, and how many had no Unicode mapping."""
    if count <= 0:
        return [], 0
    text = _page_text(text_page, count)
    left, top = origin
    ox, oy = ctypes.c_double(), ctypes.c_double()
    box = pdfium_c.FS_RECTF()
    origin_ref, oy_ref, box_ref = ctypes.byref(ox), ctypes.byref(oy), ctypes.byref(box)
    get_origin = pdfium_c.FPDFText_GetCharOrigin
    get_loose_box = pdfium_c.FPDFText_GetLooseCharBox
    get_size = pdfium_c.FPDFText_GetFontSize
    get_angle = pdfium_c.FPDFText_GetCharAngle
    is_generated = pdfium_c.FPDFText_IsGenerated
    is_hyphen = pdfium_c.FPDFText_IsHyphen
    new = tuple.__new__
    chars: list[Char] = []
    append = chars.append
    unmapped = 0
    previous = -2  # index of the glyph last added
    last: Char | None = None  # the glyph last added
    for i in range(count):
        char = text[i]
        if char.isspace():
            # pdfium adds spaces between words and CR LF between lines that
            # are not in the file; only a space glyph the file holds counts.
            if is_generated(text_page, i):
                continue
            char = " "
        elif char in _UNMAPPED:
            if not is_hyphen(text_page, i):
                unmapped += 1
                continue
            # pdfium marks a hyphen that ends a line (U+0002 / U+FFFE); the
            # file holds "-" there, and the layout code decides the join.
            char = "-"
        size = get_size(text_page, i)
        angle = get_angle(text_page, i)
        if angle < _UPRIGHT_SLACK or angle > _UPRIGHT_LIMIT or angle < 0:
            get_origin(text_page, i, origin_ref, oy_ref)
            get_loose_box(text_page, i, box_ref)
            x0 = ox.value - left
            x1 = box.right - left
            if x1 < x0:
                x1 = x0
            baseline = top - oy.value
            if previous == i - 1 and last is not None and last[1] == x0 and last[3] == baseline - size:
                # One glyph spelling several letters ("ﬀ" mapped to "ff"):
                # pdfium gives each letter the glyph's place; it is one glyph.
                last = chars[-1] = new(Char, (last[0] + char, last[1], max(last[2], x1), *last[3:]))
            else:
                last = new(Char, (char, x0, x1, baseline - size, baseline, size, 0))
                append(last)
            previous = i
            continue
        last = _turned_char(text_page, i, char, size, origin, angle)
        append(last)
        previous = i
    return chars, unmapped


def _page_text(text_page: Any, count: int) -> str:
    """The page's text, one character per glyph index.

    One call for the whole page; a glyph outside the Basic Multilingual
    Plane takes two UTF-16 units, and then each glyph is asked for alone.
    """
    buffer = (ctypes.c_ushort * (count + 1))()
    written = pdfium_c.FPDFText_GetText(text_page, 0, count, buffer)
    raw = bytes(buffer)[: max(written - 1, 0) * 2]
    text = raw.decode("utf-16-le", errors="replace")
    if len(text) == count:
        return text
    return "".join(chr(pdfium_c.FPDFText_GetUnicode(text_page, i) or 0xFFFD) for i in range(count))


def _turned_char(text_page: Any, i: int, char: str, size: float, origin: tuple[float, float], angle: float) -> Char:
    """A rotated glyph: its tight box (pdfium's loose box assumes upright text)."""
    left, top = origin
    x0, x1, y0, y1 = (ctypes.c_double() for _ in range(4))
    pdfium_c.FPDFText_GetCharBox(text_page, i, x0, x1, y0, y1)
    turn = round(math.degrees(angle) / 90) % 4 * 90
    return Char(char, x0.value - left, x1.value - left, top - y1.value, top - y0.value, size, turn or 90)


# --- Ruling lines ----------------------------------------------------------------

_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _collect_edges(
    page: Any, origin: tuple[float, float], horizontal: list[Edge], vertical: list[Edge], cap: int
) -> bool:
    """Add every axis-parallel segment of the page's painted paths; False when over `cap`."""
    get_object = pdfium_c.FPDFPage_GetObject
    objects = [get_object(page, k) for k in range(pdfium_c.FPDFPage_CountObjects(page))]
    return _Rules(origin, horizontal, vertical, cap).walk(objects, _IDENTITY, 0)


class _Rules:
    """The ruling segments of one page, collected into `horizontal` and `vertical`.

    Holds the buffers pdfium writes a path's points, draw mode and matrix
    into, made once per page rather than once per path.
    """

    def __init__(self, origin: tuple[float, float], horizontal: list[Edge], vertical: list[Edge], cap: int) -> None:
        self.left, self.top = origin
        self.horizontal, self.vertical, self.cap = horizontal, vertical, cap
        self.fill, self.stroke = ctypes.c_int(), ctypes.c_int()
        self.fill_ref, self.stroke_ref = ctypes.byref(self.fill), ctypes.byref(self.stroke)
        self.m = pdfium_c.FS_MATRIX()
        self.m_ref = ctypes.byref(self.m)
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self.x_ref, self.y_ref = ctypes.byref(self.x), ctypes.byref(self.y)

    def walk(self, objects: list[Any], parent: _Matrix, depth: int) -> bool:
        """Add the segments of `objects` (drawn through `parent`); False when over the cap."""
        get_type = pdfium_c.FPDFPageObj_GetType
        for obj in objects:
            kind = get_type(obj)
            if kind == _PATH:
                if self.painted(obj):
                    self.path_edges(obj, _compose(self.matrix(obj), parent))
                    if len(self.horizontal) + len(self.vertical) > self.cap:
                        return False
            elif kind == _FORM and depth < _MAX_FORM_DEPTH:
                inner = [pdfium_c.FPDFFormObj_GetObject(obj, k) for k in range(pdfium_c.FPDFFormObj_CountObjects(obj))]
                if not self.walk(inner, _compose(self.matrix(obj), parent), depth + 1):
                    return False
        return True

    def painted(self, path: Any) -> bool:
        if not pdfium_c.FPDFPath_GetDrawMode(path, self.fill_ref, self.stroke_ref):
            return False
        return self.fill.value != pdfium_c.FPDF_FILLMODE_NONE or bool(self.stroke.value)

    def matrix(self, obj: Any) -> _Matrix:
        m = self.m
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, self.m_ref):
            return _IDENTITY
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def path_edges(self, path: Any, m: _Matrix) -> None:
        """The straight, axis-parallel pieces of one path, closing segments included.

        A curve (Bézier segment) is no rule; it only ends the straight run.
        """
        left, top = self.left, self.top
        a, b, c, d, e, f = m
        x, y, x_ref, y_ref = self.x, self.y, self.x_ref, self.y_ref
        get_segment = pdfium_c.FPDFPath_GetPathSegment
        get_point = pdfium_c.FPDFPathSegment_GetPoint
        get_kind = pdfium_c.FPDFPathSegment_GetType
        get_close = pdfium_c.FPDFPathSegment_GetClose
        horizontal, vertical = self.horizontal, self.vertical
        started = placed = False  # a subpath has begun; a current point is set
        sx = sy = cx = cy = 0.0
        for j in range(pdfium_c.FPDFPath_CountSegments(path)):
            segment = get_segment(path, j)
            if not get_point(segment, x_ref, y_ref):
                continue
            xv, yv = x.value, y.value
            px, py = a * xv + c * yv + e - left, top - (b * xv + d * yv + f)
            kind = get_kind(segment)
            if kind == _MOVETO:
                sx, sy = cx, cy = px, py
                started = placed = True
                continue
            if kind == _LINETO and placed:
                _add(cx, cy, px, py, horizontal, vertical)
            cx, cy = px, py
            placed = True
            if get_close(segment) and started:
                _add(px, py, sx, sy, horizontal, vertical)
                cx, cy = sx, sy


def _add(px: float, py: float, qx: float, qy: float, horizontal: list[Edge], vertical: list[Edge]) -> None:
    """The segment from p to q, if it is a rule."""
    if abs(py - qy) <= _AXIS_SLACK and abs(px - qx) > _AXIS_SLACK:
        horizontal.append(_new(Edge, (min(px, qx), py, max(px, qx), py)))
    elif abs(px - qx) <= _AXIS_SLACK and abs(py - qy) > _AXIS_SLACK:
        vertical.append(_new(Edge, (px, min(py, qy), px, max(py, qy))))


def _compose(inner: _Matrix, outer: _Matrix) -> _Matrix:
    """The matrix applying `inner`, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


_new = tuple.__new__
_PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
_MOVETO, _LINETO = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO
