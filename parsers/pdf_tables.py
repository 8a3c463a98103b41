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

One step is added before 2: a table broken over a page is often drawn open
at the break (its column rules run to the page's edge with no rule across),
so where two or more column rules that cross a rule of the table end
together with nothing across, the end is closed (`_close_open_ends`); the
middle page of a row printed over three pages or more has column rules
only, and three or more that start and end together are closed at both.

A table's rows are the distinct cell tops, its columns the distinct cell
lefts; a cell merged over others leaves them empty ("").

The text of the cells is read in `parsers.pdf_cells`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.pdf_page import Edge

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
    #: Drawn open at the top or bottom (closed by `_close_open_ends`): a row split by a page break.
    open_top: bool = False
    open_bottom: bool = False

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
    if len(v) < 2:
        return []
    added = _close_open_ends(h, v)
    h = h + added
    if len(h) < 2:
        return []
    corners = _corners(h, v)
    cells = _cells(corners)
    out = []
    for group in _groups(cells):
        if len(group) > 1:
            found = FoundTable(tuple(group), _rows(group))
            x0, top, x1, bottom = found.bbox
            opened = [e for e in added if e.x0 <= x0 + _JOIN and e.x1 >= x1 - _JOIN]
            out.append(FoundTable(found.cells, found.rows, open_top=any(abs(e.top - top) <= _SNAP for e in opened),
                                  open_bottom=any(abs(e.top - bottom) <= _SNAP for e in opened)))
    return out


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


def _close_open_ends(h: list[Edge], v: list[Edge]) -> list[Edge]:
    """Rules across the open top or bottom of a table broken over a page.

    A row split by a page break is drawn without a rule at the break by some
    writers: its column rules just stop. Where two or more vertical rules
    that cross a horizontal rule end at the same height, and no horizontal
    rule runs there between them, one is added, so the split row's cells
    close and the row is read as a row, not as loose text.
    """
    crossing = [e for e in v if any(_crosses(e, r) for r in h)]
    added: list[Edge] = []
    for end in (_top, _bottom):
        for members in _clusters(crossing, end).values():
            if len(members) >= 2:
                _close(members, end, h, added)
    # The middle page of a row longer than two pages: its column rules run from the top of the
    # page to the bottom, with no rule across at all. Three or more that start and end together
    # are such a table's columns (two would make one cell, which is never a table).
    free = [e for e in v if not any(_crosses(e, r) for r in h)]
    for same_top in _clusters(free, _top).values():
        for members in _clusters(same_top, _bottom).values():
            if len(members) >= _MIN_FREE_COLUMNS:
                _close(members, _top, h, added)
                _close(members, _bottom, h, added)
    return added


_MIN_FREE_COLUMNS = 3


def _close(members: list[Edge], end: Callable[[Edge], float], h: list[Edge], added: list[Edge]) -> None:
    """Add a rule across the ends (`end`) of `members`, unless one runs there already."""
    y = sum(end(e) for e in members) / len(members)
    x0, x1 = min(e.x0 for e in members), max(e.x0 for e in members)
    closed = any(abs(r.top - y) <= _SNAP and r.x0 <= x0 + _JOIN and r.x1 >= x1 - _JOIN for r in h)
    if not closed:
        added.append(Edge(x0, y, x1, y))


def _crosses(vertical: Edge, horizontal: Edge) -> bool:
    return (vertical.top - _CROSSING <= horizontal.top <= vertical.bottom + _CROSSING
            and horizontal.x0 - _CROSSING <= vertical.x0 <= horizontal.x1 + _CROSSING)


def _bottom(edge: Edge) -> float:
    return edge.bottom


def _clusters(edges: list[Edge], key: Callable[[Edge], float]) -> dict[int, list[Edge]]:
    """Edges grouped by `key`, values within `_SNAP` of the previous one chaining together."""
    out: dict[int, list[Edge]] = defaultdict(list)
    cluster, last = -1, None
    for edge in sorted(edges, key=key):
        if last is None or key(edge) > last + _SNAP:
            cluster += 1
        out[cluster].append(edge)
        last = key(edge)
    return out


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
