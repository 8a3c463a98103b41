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
together with nothing across, the end is closed (`_close_open_ends`).

A table's rows are the distinct cell tops, its columns the distinct cell
lefts; a cell merged over others leaves them empty ("").
"""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.pdf_glue import BREAK_AFTER, SPACE_SLACK, cell_text, reach_of
from parsers.pdf_line import Line
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
    if not h or len(v) < 2:
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
            if len(members) < 2:
                continue
            y = sum(end(e) for e in members) / len(members)
            x0, x1 = min(e.x0 for e in members), max(e.x0 for e in members)
            closed = any(abs(r.top - y) <= _SNAP and r.x0 <= x0 + _JOIN and r.x1 >= x1 - _JOIN for r in h)
            if not closed:
                added.append(Edge(x0, y, x1, y))
    return added


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


# --- cell text ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TableText:
    """A table's cell texts, and the texts of the cells whose reading is in doubt, by reason."""

    rows: tuple[tuple[str, ...], ...]
    cut: frozenset[str] = frozenset()  # a word may be cut over two lines (`BROKEN_WORDS`)
    overprinted: frozenset[str] = frozenset()  # glyphs drawn over other glyphs (`OVERPRINTED`)
    #: The last row goes on below the table (on the next page), or the first row came from
    #: above: the table was drawn open there, or a cell's last line ends in a kept space.
    goes_on: tuple[str, ...] = ()  # if so, per cell how its text ends (`_end_of`)
    came_from_above: bool = False
    taken: frozenset[int] = frozenset()  # indexes of the glyphs read as the table's
    clipped: frozenset[str] = frozenset()  # text runs over the table's bottom rule (`CLIPPED`)


@dataclass(slots=True)
class _Cell:
    x0: float
    x1: float
    chars: list[Char]
    lines: list[Line]
    over_edge: bool = False  # a glyph stands across the cell's bottom rule


def table_text(table: FoundTable, chars: Sequence[Char]) -> TableText:
    """The cell texts of a table, and those of them whose reading is in doubt.

    Lines wrapped inside a cell are joined as in running text (see `_glue`
    for a line that ends at the cell's edge). Each glyph belongs to the cell
    holding the start of its run (`_owners`); a merged-over cell is "".
    """
    # Glyphs by the height of their centre, so each row takes its own by
    # bisection instead of a pass over the page (a page may hold 60 rows).
    by_centre = sorted(((c.top + c.bottom) / 2, i) for i, c in enumerate(chars))
    centres = [centre for centre, _ in by_centre]
    grid: list[list[_Cell | None]] = []
    taken: set[int] = set()
    tallest = max((c.bottom - c.top for c in chars), default=0.0)
    for r, row in enumerate(table.rows):
        present = [c for c in row if c is not None]
        top = min(c[1] for c in present)
        bottom = max(c[3] for c in present)
        # The last line of a full cell may stand across the table's bottom rule (a writer
        # lets it overflow at a page's end): a glyph that starts above the rule is the row's.
        below = bottom + tallest / 2 if r == len(table.rows) - 1 else bottom
        span = by_centre[bisect_left(centres, top):bisect_right(centres, below)]
        indexes = sorted(i for _, i in span if chars[i].top < bottom - _ACROSS * (chars[i].bottom - chars[i].top))
        taken.update(indexes)
        row_chars = [chars[i] for i in indexes]  # in page order, as before
        last = max((i for i, box in enumerate(row) if box is not None), default=-1)
        # Text that runs past the table's right border (a text box wider than
        # its cell) still belongs to the row's last cell.
        bounds = [(box[0], box[2] if i < last else float("inf")) if box is not None else None
                  for i, box in enumerate(row)]
        owner = _owners(row_chars, bounds)
        cells: list[_Cell | None] = []
        for i, box in enumerate(row):
            if box is None:
                cells.append(None)
                continue
            inside = [c for c, o in zip(row_chars, owner, strict=True) if o == i]
            cells.append(_Cell(box[0], box[2], inside, text_lines(inside) if inside else [],
                               over_edge=any(c.bottom > box[3] + 1.0 for c in inside)))
        grid.append(cells)
    found = [c for row in grid for c in row if c is not None and c.lines]
    # The writer's cell padding, the same on both sides of every cell: the
    # usual indent of a cell's text (a cell of list items is indented further).
    pad = statistics.median_low([min(ln.x0 for ln in c.lines) - c.x0 for c in found]) if found else 0.0
    # A writer that keeps the space at the end of a wrapped line, and how wide it draws one.
    kept = [ln.space_width for c in found for ln in c.lines if ln.trailing_space]
    space = max(kept, default=0.0)
    cut_cells: set[str] = set()
    over_cells: set[str] = set()
    clipped: set[str] = set()
    out: list[tuple[str, ...]] = []
    for cells in grid:
        texts: list[str] = []
        for cell in cells:
            if cell is None or not cell.lines:
                texts.append("")
                continue
            text, cut = cell_text(cell.lines, cell.x1 - max(pad, 0.0), space)
            texts.append(text)
            if cut:
                cut_cells.add(text)
            if _overprinted(cell.chars):
                over_cells.add(text)
            if cell.over_edge:
                clipped.add(text)
        out.append(tuple(texts))
    # A line that wrapped keeps its space in some writers: a row whose text stops on one so
    # was cut short by the end of the page.
    glue = tuple(_end_of(c, pad, space) for c in grid[-1]) if grid else ()
    goes_on = table.open_bottom or " " in glue
    return TableText(tuple(out), frozenset(cut_cells), frozenset(over_cells),
                     goes_on=glue if goes_on else (), came_from_above=table.open_top, taken=frozenset(taken),
                     clipped=frozenset(clipped))


# A glyph this share of its height above a table's bottom rule stands across it (a glyph box
# is one font size tall, so the line just below a table may reach a little above its rule).
_ACROSS = 0.25

# Glyphs drawn one after the other this close (points) belong to one run of text.
_RUN_GAP = 0.5


def _owners(chars: Sequence[Char], bounds: Sequence[tuple[float, float] | None]) -> list[int]:
    """For each glyph (in drawing order), the column whose cell holds it; -1 for none.

    A glyph belongs to the cell that holds the start of its run: the glyphs
    drawn one after the other on one line, each where the one before ended.
    A long word a writer did not wrap runs on over the next cell's text and
    its glyphs overlap that text; by their centres alone the two would be
    shuffled together ("etMerarknadsdag"), by their runs each stays whole.
    """
    owner: list[int] = []
    previous: Char | None = None
    for char in chars:
        if (previous is not None and owner[-1] >= 0 and abs(char.top - previous.top) < 1.0
                and abs(char.x0 - previous.x1) <= _RUN_GAP):
            owner.append(owner[-1])
        else:
            centre = (char.x0 + char.x1) / 2
            owner.append(next((i for i, b in enumerate(bounds) if b is not None and b[0] <= centre <= b[1]), -1))
        previous = char
    return owner


def _end_of(cell: _Cell | None, pad: float, space: float) -> str:
    """How a cell's last line ends, for a row the page break may have split: " " (wrapped at a
    space), "?" (full, without a space: perhaps cut) or "\n" (an end, as far as one can tell)."""
    if cell is None or not cell.lines:
        return "\n"
    last = cell.lines[-1]
    if last.trailing_space:
        return " "
    if not space:
        return "\n"
    text = last.text
    full = reach_of(cell.lines, cell.x1 - max(pad, 0.0)) - last.x1 < space + SPACE_SLACK
    if len(text) >= 2 and text[-1] in BREAK_AFTER and text[-2].isalnum():
        return "?" if full else ""  # "13-15-" / "årsåldern": a break after the dash
    return "?" if full and " " not in text and text[-1:].isalnum() else "\n"


def _overprinted(chars: Sequence[Char]) -> bool:
    """Glyphs of one line drawn over each other by more than half the narrower one's width."""
    ordered = sorted((c for c in chars if not c.text.isspace() and c.x1 > c.x0), key=lambda c: (round(c.top), c.x0))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if abs(a.top - b.top) < 1.0 and a.x1 - b.x0 > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0):
            return True
    return False
