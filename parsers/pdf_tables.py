"""Ruled tables from a page's ruling segments, and the text of their cells.

The method is pdfplumber's "lines" table finder (after Nurminen's thesis),
with its default settings, so a table is found exactly where it was found
before; only the work is arranged to stay near-linear on a page with
hundreds of cells, where pdfplumber spent over a second:

1. segments shorter than 1 point are dropped; segments within 3 points of
   each other across their direction snap to their mean position; segments
   on one line that touch or nearly touch (3 points) join; what is then
   shorter than 3 points is dropped;
2. every crossing of a horizontal and a vertical segment (3 points of slack)
   is a corner; a cell is the smallest rectangle of four corners joined by
   segments along all four sides;
3. cells sharing a corner form one table; a lone cell is no table (a framed
   comment box stays running text).

A table's rows are the distinct cell tops, its columns the distinct cell
lefts; a cell merged over others leaves them empty ("").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.pdf_layout import Line, continues, join_lines
from parsers.pdf_lines import text_lines
from parsers.pdf_page import Char, Edge

_MIN_LENGTH_BEFORE = 1.0
_MIN_LENGTH = 3.0
_SNAP = 3.0
_JOIN = 3.0
_CROSSING = 3.0

Box = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True, slots=True)
class FoundTable:
    """A ruled table: its cells, and its rows (each cell's box, or None under a merged cell)."""

    cells: tuple[Box, ...]
    rows: tuple[tuple[Box | None, ...], ...]

    @property
    def bbox(self) -> Box:
        return (
            min(c[0] for c in self.cells),
            min(c[1] for c in self.cells),
            max(c[2] for c in self.cells),
            max(c[3] for c in self.cells),
        )


def find_tables(horizontal: Sequence[Edge], vertical: Sequence[Edge]) -> list[FoundTable]:
    """The ruled tables the segments draw, top to bottom (then left to right)."""
    h = _merge([e for e in horizontal if e.x1 - e.x0 >= _MIN_LENGTH_BEFORE], horizontal=True)
    v = _merge([e for e in vertical if e.bottom - e.top >= _MIN_LENGTH_BEFORE], horizontal=False)
    h = [e for e in h if e.x1 - e.x0 >= _MIN_LENGTH]
    v = [e for e in v if e.bottom - e.top >= _MIN_LENGTH]
    if len(h) < 2 or len(v) < 2:
        return []
    corners = _corners(h, v)
    cells = _cells(corners)
    return [FoundTable(tuple(group), _rows(group)) for group in _groups(cells) if len(group) > 1]


# --- 1. snapping and joining -----------------------------------------------------------


def _merge(edges: list[Edge], *, horizontal: bool) -> list[Edge]:
    """Snap segments to shared lines (mean of a chained 3-point cluster), then join touching ones."""
    if not edges:
        return []
    position: Callable[[Edge], float] = _top if horizontal else _left
    values = sorted({position(e) for e in edges})
    cluster_of: dict[float, int] = {}
    cluster = -1
    for i, value in enumerate(values):
        if i == 0 or value > values[i - 1] + _SNAP:
            cluster += 1
        cluster_of[value] = cluster
    members: dict[int, list[Edge]] = defaultdict(list)
    for edge in edges:
        members[cluster_of[position(edge)]].append(edge)
    out: list[Edge] = []
    for group in members.values():
        mean = sum(position(e) for e in group) / len(group)
        spans = sorted((e.x0, e.x1) if horizontal else (e.top, e.bottom) for e in group)
        for start, end in _join(spans):
            out.append(Edge(start, mean, end, mean) if horizontal else Edge(mean, start, mean, end))
    return out


def _top(edge: Edge) -> float:
    return edge.top


def _left(edge: Edge) -> float:
    return edge.x0


def _join(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    joined = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = joined[-1]
        if start <= last_end + _JOIN:
            if end > last_end:
                joined[-1] = (last_start, end)
        else:
            joined.append((start, end))
    return joined


# --- 2. corners and cells ---------------------------------------------------------------

_Point = tuple[float, float]


@dataclass(slots=True)
class _Corner:
    vertical: set[Edge]
    horizontal: set[Edge]


def _corners(h: list[Edge], v: list[Edge]) -> dict[_Point, _Corner]:
    """Every crossing (x of the vertical, y of the horizontal), with the segments through it."""
    corners: dict[_Point, _Corner] = {}
    by_top = sorted(h, key=lambda e: e.top)
    tops = [e.top for e in by_top]
    for vert in v:
        # Only horizontals whose height lies within the vertical's span (with slack).
        lo = bisect_right(tops, vert.top - _CROSSING - 1e-9)
        for hor in by_top[lo:]:
            if hor.top > vert.bottom + _CROSSING:
                break
            if hor.top >= vert.top - _CROSSING and hor.x0 - _CROSSING <= vert.x0 <= hor.x1 + _CROSSING:
                corner = corners.setdefault((vert.x0, hor.top), _Corner(set(), set()))
                corner.vertical.add(vert)
                corner.horizontal.add(hor)
    return corners


def _cells(corners: dict[_Point, _Corner]) -> list[Box]:
    """For each corner, the smallest cell it is the top-left corner of (pdfplumber's order)."""
    below: dict[float, list[float]] = defaultdict(list)  # x -> ys of corners on that vertical
    right: dict[float, list[float]] = defaultdict(list)  # y -> xs of corners on that horizontal
    for x, y in sorted(corners):
        below[x].append(y)
        right[y].append(x)

    def joined(p: _Point, q: _Point) -> bool:
        if p[0] == q[0] and not corners[p].vertical.isdisjoint(corners[q].vertical):
            return True
        return p[1] == q[1] and not corners[p].horizontal.isdisjoint(corners[q].horizontal)

    cells: list[Box] = []
    for point in sorted(corners):
        x, y = point
        ys = below[x]
        xs = right[y]
        found = None
        for y2 in ys[bisect_right(ys, y):]:
            down = (x, y2)
            if not joined(point, down):
                continue
            for x2 in xs[bisect_right(xs, x):]:
                across = (x2, y)
                if not joined(point, across):
                    continue
                corner = (x2, y2)
                if corner in corners and joined(corner, across) and joined(corner, down):
                    found = (x, y, x2, y2)
                    break
            if found:
                break
        if found:
            cells.append(found)
    return cells


# --- 3. tables and rows ---------------------------------------------------------------------


def _groups(cells: list[Box]) -> list[list[Box]]:
    """Cells connected through shared corners, ordered by their top-left-most cell."""
    parent = list(range(len(cells)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_at: dict[_Point, int] = {}
    for index, (x0, top, x1, bottom) in enumerate(cells):
        for corner in ((x0, top), (x0, bottom), (x1, top), (x1, bottom)):
            other = first_at.setdefault(corner, index)
            if other != index:
                parent[find(index)] = find(other)
    groups: dict[int, list[Box]] = defaultdict(list)
    for index, cell in enumerate(cells):
        groups[find(index)].append(cell)
    return sorted(groups.values(), key=lambda group: min((c[1], c[0]) for c in group))


def _rows(cells: list[Box]) -> tuple[tuple[Box | None, ...], ...]:
    xs = sorted({c[0] for c in cells})
    by_top: dict[float, dict[float, Box]] = defaultdict(dict)
    for cell in sorted(cells, key=lambda c: (c[1], c[0])):
        by_top[cell[1]][cell[0]] = cell
    return tuple(tuple(by_top[top].get(x) for x in xs) for top in sorted(by_top))


# --- cell text ------------------------------------------------------------------------------


BROKEN_WORDS = ("texten i en smal tabellkolumn i PDF-filen bryts mitt i ord, så orden kan ha "
                "delats eller slagits ihop")


def table_text(table: FoundTable, chars: Sequence[Char]) -> tuple[tuple[tuple[str, ...], ...], frozenset[str]]:
    """The cell texts of a table, and those of them where a word may have been cut over two lines.

    Lines wrapped inside a cell are joined as in running text. Each glyph
    belongs to the cell holding its centre; a merged-over cell is "".
    """
    cut_cells: set[str] = set()
    # Glyphs by the height of their centre, so each row takes its own by
    # bisection instead of a pass over the page (a page may hold 60 rows).
    by_centre = sorted(((c.top + c.bottom) / 2, i) for i, c in enumerate(chars))
    centres = [centre for centre, _ in by_centre]
    out: list[tuple[str, ...]] = []
    for row in table.rows:
        present = [c for c in row if c is not None]
        top = min(c[1] for c in present)
        bottom = max(c[3] for c in present)
        span = by_centre[bisect_left(centres, top):bisect_right(centres, bottom)]
        row_chars = [chars[i] for i in sorted(i for _, i in span)]  # in page order, as before
        cells: list[str] = []
        last = max((i for i, box in enumerate(row) if box is not None), default=-1)
        for i, box in enumerate(row):
            if box is None:
                cells.append("")
                continue
            # Text that runs past the table's right border (a text box wider than
            # its cell) still belongs to the row's last cell.
            x0, x1 = box[0], (box[2] if i < last else float("inf"))
            inside = [c for c in row_chars if x0 <= (c.x0 + c.x1) / 2 <= x1]
            text, cut = _cell_text(inside, box[0], box[2])
            cells.append(text)
            if cut:
                cut_cells.add(text)
        out.append(tuple(cells))
    return tuple(out), frozenset(cut_cells)


def _cell_text(chars: Sequence[Char], x0: float, x1: float) -> tuple[str, bool]:
    """A cell's text, and whether one of its lines may end in a word cut short (see `_may_be_cut`)."""
    if not chars:
        return "", False
    lines: list[Line] = text_lines(chars)
    if not lines:
        return "", False
    # The cell's text area: its padding taken as equal on both sides.
    edge = x1 - (min(ln.x0 for ln in lines) - x0)
    paragraphs: list[list[str]] = []
    cut = False
    for upper, lower in zip([None, *lines], lines, strict=False):
        if upper is not None and continues(upper, lower, edge):
            paragraphs[-1].append(lower.text)
            cut = cut or _may_be_cut(upper, lower, edge)
        else:
            paragraphs.append([lower.text])
    return "\n".join(join_lines(p) for p in paragraphs).strip(), cut


def _may_be_cut(upper: Line, lower: Line, edge: float) -> bool:
    """A line of one word that fills the cell, followed by lower-case text: perhaps one word cut in two.

    A writer cuts a word, without a hyphen, only when it is wider than the
    column; a word that merely fills the line looks the same, so this is a
    doubt to report, not a reason to join.
    """
    return " " not in upper.text and upper.x1 >= edge - upper.height and lower.text[:1].islower()
