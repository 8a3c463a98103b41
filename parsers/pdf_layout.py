"""Page lines and tables into document blocks: running lines dropped, wrapped lines joined.

The page reader (`parsers.pdf_page`) gives each page as `Line`s and `Table`s
in reading order. Here lines that wrap inside one paragraph are joined into
one `Paragraph`, so a paragraph reads as it does from the .docx; a gap with
room for an empty line becomes an empty `Paragraph("")`. Running headers,
footers and page numbers are dropped: they would otherwise land in the
middle of a comment that continues onto the next page.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.document import Block, Grid, Paragraph
from parsers.pdf_glue import BROKEN_WORDS, split_glue
from parsers.pdf_line import Line, continues

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


@dataclass(frozen=True, slots=True)
class Table:
    grid: Grid
    top: float
    #: Its last row goes on at the top of the next page; its first row came from the page before.
    goes_on: tuple[str, ...] = ()  # then per cell, what joins its text to the rest
    came_from_above: bool = False


@dataclass(slots=True)
class Page:
    number: int  # 1-based
    height: float
    width: float
    items: list[Line | Table]  # in reading order (top to bottom)

    def lines(self) -> list[Line]:
        return [i for i in self.items if isinstance(i, Line)]




# Lines of three or more columns side by side, this many of them: a table without ruling.
_FLAT_TABLE_LINES = 3


def flat_table(pages: Sequence[Page]) -> bool:
    """Does the text hold a table without ruling of three or more columns?

    Its columns cannot be told apart from its lines alone, so what is read
    from it is flagged (`Document.flattened_columns`).
    """
    return sum(1 for p in pages for ln in p.lines() if ln.column_gaps >= 2) >= _FLAT_TABLE_LINES


def drop_running_lines(pages: list[Page]) -> None:
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


def _margin_lines(page: Page, *, top: bool) -> list[Line]:
    lines = page.lines()
    if top:
        limit = page.height * _MARGIN_SHARE
        return [ln for ln in lines[:_MARGIN_LINES] if ln.bottom <= limit]
    limit = page.height * (1 - _MARGIN_SHARE)
    return [ln for ln in lines[-_MARGIN_LINES:] if ln.top >= limit]


def _repeated(pages: Sequence[Page], top: bool) -> set[int]:
    """ids of margin lines that recur on every page (digits may differ only as the page number)."""
    candidates = [_margin_lines(p, top=top) for p in pages]
    optional_first = len(pages) >= 3
    found: set[int] = set()
    for line in candidates[-1]:
        hits: list[Line] = []
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


def _same_running_line(model: Line, line: Line, page_number: int) -> bool:
    if line.text == model.text:
        return True
    # "Sida 1 av 3" / "Sida 2 av 3": equal once digits are masked, and the
    # line carries its own page number.
    return _DIGITS_RE.sub("#", line.text) == _DIGITS_RE.sub("#", model.text) and bool(
        re.search(rf"(?<!\d){page_number}(?!\d)", line.text)
    )


# --- Assembly ---------------------------------------------------------------


def assemble(pages: Sequence[Page]) -> list[Block]:
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
    current: list[Line] = []  # the lines of the paragraph being built
    # A writer that keeps the space at the end of a wrapped line: where it kept none, there was none.
    keeps = any(ln.trailing_space for p in pages for ln in p.lines())
    last: Line | None = None  # its last line, while it may still continue

    page_of_first = 0  # the page the paragraph being built starts on

    def flush() -> None:
        if current:
            blocks.append(Paragraph(_join_body(current, keeps), page_of_first))
            current.clear()

    last_table: Table | None = None  # the table that ended the page before, if nothing followed it
    floor = _text_floor(pages)
    for page in pages:
        previous: Line | Table | None = None
        if last is not None and last.bottom < floor - _EARLY_END * last.height:
            last = None  # the page before ended early (a page break): its paragraph ended there
        for item in page.items:
            if isinstance(item, Table):
                flush()
                before = blocks[-1] if blocks else None
                if previous is None and isinstance(before, Grid) and _continues_table(before, item.grid):
                    glue = last_table.goes_on if last_table is not None else ()
                    blocks[-1] = _continued(before, item.grid, glue or (("\n",) if item.came_from_above else ()))
                else:
                    blocks.append(item.grid)
                last = None
                previous = last_table = item
                continue
            last_table = None
            ratio = _pitch_ratio(previous, item) if isinstance(previous, Line) else None
            spaced = ratio is not None and usual is not None and ratio > usual * _WRAP_FACTOR
            blank = ratio is not None and usual is not None and ratio > usual * _BLANK_FACTOR
            same_flow = ratio is not None or (previous is None and last is not None)
            if last is not None and same_flow and not spaced and continues(last, item, edge):
                current.append(item)
            else:
                flush()
                if blank and blocks and blocks[-1] != Paragraph(""):
                    blocks.append(Paragraph("", page.number))
                page_of_first = page.number
                current.append(item)
            last = item
            previous = item
    flush()
    while blocks and blocks[-1] == Paragraph(""):
        blocks.pop()
    return blocks


# A page whose last line stands this many line heights above the lowest text of any page
# ended before it was full: a page break, not a paragraph running on.
_EARLY_END = 2.5


def _text_floor(pages: Sequence[Page]) -> float:
    """Where the text of a full page ends: the lowest line bottom of any page but the last."""
    return max((ln.bottom for p in pages[:-1] for ln in p.lines()), default=0.0)


def _continued(upper: Grid, lower: Grid, glue: tuple[str, ...]) -> Grid:
    """A table and its continuation on the next page as one grid.

    When a row was split by the page break (`glue` given: per cell, what
    joins its two parts; the last one serves for any cell after), its two
    parts are one row again.
    """

    rows = upper.rows + lower.rows
    doubtful = upper.doubtful | lower.doubtful
    doubt = upper.doubt or lower.doubt
    if glue:
        joined: list[str] = []
        for i, (a, b) in enumerate(zip(upper.rows[-1], lower.rows[0], strict=False)):
            end = glue[min(i, len(glue) - 1)]
            unsure = False
            if a and b and end == "?":
                end, unsure = split_glue(a, b)
            text = a + end + b if a and b else a or b
            joined.append(text)
            if unsure:
                doubtful |= {text}
                doubt = doubt if BROKEN_WORDS in doubt else "; ".join(d for d in (doubt, BROKEN_WORDS) if d)
        rows = (*upper.rows[:-1], tuple(joined), *lower.rows[1:])
    return Grid(rows, upper.name, doubt, doubtful, upper.page)


def _continues_table(upper: Grid, lower: Grid) -> bool:
    """A table at the top of a page that goes on from the one that ended the page before.

    Same columns, and not its header row repeated (that case is read as a
    continuation by the text-level reader already).
    """
    return upper.width == lower.width and bool(upper.rows) and bool(lower.rows) and upper.rows[0] != lower.rows[0]


def _right_edge(pages: Sequence[Page]) -> float:
    """Where full lines end: the furthest line end, at least the left margin mirrored.

    Overestimating only joins fewer lines, so the mirrored margin is a safe floor
    for a document whose lines are all short.
    """
    lines = [ln for p in pages for ln in p.lines()]
    if not lines:
        return 0.0
    mirrored = max(p.width for p in pages) - min(ln.x0 for ln in lines)
    return max(max(ln.x1 for ln in lines), mirrored)


def _join_body(lines: Sequence[Line], keeps: bool) -> str:
    """Wrapped lines joined with a space; a line ending in a hyphen after a letter or digit was
    split at it ("7-" / "9"), and a writer that keeps the space at the end of a wrapped line
    (`keeps`) broke one without it after a dash or slash inside a word ("40–" / "42")."""
    text = lines[0].text
    for upper, lower in zip(lines, lines[1:], strict=False):
        glue = " "
        if not upper.trailing_space and len(text) >= 2 and text[-2].isalnum() and lower.text[:1].isalnum() \
                and (text[-1] == "-" or (keeps and text[-1] in "‐‑–—/")):
            glue = ""
        text = f"{text}{glue}{lower.text}"
    return text


def _pitch_ratio(upper: Line, lower: Line) -> float:
    """Distance between two line tops, in units of the upper line's height."""
    height = upper.bottom - upper.top
    return (lower.top - upper.top) / height if height > 0 else 0.0


def _usual_pitch_ratio(pages: Sequence[Page]) -> float | None:
    """The pitch between wrapped lines of one paragraph: a low quantile of all pitches.

    Most documents have many wrapped lines (long questions and comments), so
    the lower fifth of the pitches is the line spacing without paragraph
    spacing. Never below one line height, so overlapping lines cannot drag it down.
    """
    ratios: list[float] = []
    for page in pages:
        for upper, lower in zip(page.items, page.items[1:], strict=False):
            if isinstance(upper, Line) and isinstance(lower, Line):
                ratio = _pitch_ratio(upper, lower)
                if ratio > 0:
                    ratios.append(ratio)
    if len(ratios) < 2:
        return None
    low = statistics.quantiles(ratios, n=5, method="inclusive")[0]
    return max(low, 1.0)


def grid_text(grid: Grid) -> str:
    return "".join("".join(row) for row in grid.rows)


