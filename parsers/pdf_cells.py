"""The text of a ruled table's cells: characters given to cells, lines joined within a cell, overprinting."""

from __future__ import annotations

import statistics
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.pdf_glue import BREAK_AFTER, SPACE_SLACK, cell_text, one_word, reach_of
from parsers.pdf_line import Line
from parsers.pdf_lines import text_lines
from parsers.pdf_page import Char
from parsers.pdf_tables import FoundTable


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

    Lines wrapped inside a cell are joined as in running text (see `pdf_glue._glue`
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
        held: dict[int, list[Char]] = defaultdict(list)  # column -> its glyphs, in page order
        for char, column in zip(row_chars, _owners(row_chars, bounds), strict=True):
            held[column].append(char)
        cells: list[_Cell | None] = []
        for i, box in enumerate(row):
            if box is None:
                cells.append(None)
                continue
            inside = held.get(i, [])
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
            column = -1
            for i, b in enumerate(bounds):
                if b is not None and b[0] <= centre <= b[1]:
                    column = i
                    break
            owner.append(column)
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
    return "?" if full and one_word(text) and text[-1:].isalnum() else "\n"


def _overprinted(chars: Sequence[Char]) -> bool:
    """Glyphs of one line drawn over each other by more than half the narrower one's width."""
    if len(chars) < 2:
        return False
    ordered = sorted((c for c in chars if not c.text.isspace() and c.x1 > c.x0), key=lambda c: (round(c.top), c.x0))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if abs(a.top - b.top) < 1.0 and a.x1 - b.x0 > 0.5 * min(a.x1 - a.x0, b.x1 - b.x0):
            return True
    return False
