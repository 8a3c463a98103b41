"""Joining the lines of a PDF table cell: a wrap at a space, a word cut in a narrow column, a break
after a dash, a row split by a page break; and the doubts a cell's reading can leave.

Pure text geometry on `Line`s; `pdf_tables` finds the cells, `pdf_layout` re-joins split rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.pdf_line import Line, continues
from parsers.pdf_words import CUT, SPACED

BROKEN_WORDS = ("texten i en smal tabellkolumn i PDF-filen bryts mitt i ord, så orden kan ha "
                "delats eller slagits ihop")
OVERPRINTED = "text i en tabellcell i PDF-filen är tryckt över annan text och kan inte läsas säkert"
CLIPPED = "texten i en tabellcell i PDF-filen går ut över cellens nederkant och kan vara avklippt"


def cell_text(lines: Sequence[Line], edge: float, space: float) -> tuple[str, bool]:
    """A cell's text from its lines, and whether a word in it may have been cut or run together."""
    parts: list[str] = []
    doubt = False
    reach = reach_of(lines, edge)
    for upper, lower in zip([None, *lines], lines, strict=False):
        if upper is None:
            parts.append(lower.text)
        elif continues(upper, lower, edge) or _cut_short(upper, lower.text, reach, space, lower.first_word):
            glue, unsure = _glue(upper, lower.text, reach, space)
            parts.append(glue + lower.text)
            doubt = doubt or unsure
        else:
            parts.append("\n" + lower.text)
    return "".join(parts).strip(), doubt


def reach_of(lines: Sequence[Line], edge: float) -> float:
    """Where a cell's text surely stops: no line of it, with its kept space, goes past it.

    Nearer than the cell's `edge` in a text box or an indented paragraph, so
    room before it is room for sure.
    """
    return min(edge, max(ln.x1 + (ln.space_width if ln.trailing_space else 0.0) for ln in lines))


def _cut_short(upper: Line, below: str, reach: float, space: float, next_word: float) -> bool:
    """A line of one word without its space, full to the glyph, then what cannot begin a line
    of its own (lower case, closing punctuation): one word cut in two, even where the piece
    below looks like a new item ("cannabinoide" / "r) har")."""
    if not space or upper.trailing_space or not one_word(upper.text) or not upper.text[-1:].isalnum():
        return False
    if not (below[:1].islower() or below[:1] in _CLOSING):
        return False
    glyph = next_word / max(1, len(below.split(" ", 1)[0]))
    return reach - upper.x1 < max(space, 1.5 * glyph) + SPACE_SLACK


# A list item's marker (a bullet, "1.", "a)") before its first word.
_MARKER_RE = re.compile(r"^(?:[•·▪◦‣⁃∙○■□●◆◇➢►\-–—*\uf0b7\uf0a7\uf0d8\uf076\uf0fc]|\d{1,3}[.)]|[a-zA-Z][.)])\s+")


def one_word(text: str) -> bool:
    """A line of one word, a list item's marker before it not counted: only such a line can
    end in a word cut in two (a writer cuts only a word too wide for a line of its own)."""
    return " " not in _MARKER_RE.sub("", text, count=1)


_SENTENCE_END = frozenset(".,;:!?)]}”’\"'»›…")
_CLOSING = frozenset(".,;:!?)]}”’»›…")
BREAK_AFTER = frozenset("-‐‑–—/")


def _glue(upper: Line, below: str, edge: float, space: float) -> tuple[str, bool]:
    """What stood between a line and the line that continues it: a space, nothing, or a line break.

    And whether that is a guess. A writer wraps a line at a space, after a
    hyphen, dash or slash, or, where a word is wider than the column, cuts
    the word anywhere. Where the writer keeps the space at the end of a line
    it wrapped (some line of the table ends in a space glyph `space` wide), the
    missing space says the line was not wrapped at a space, provided one
    would have fitted: a word cut in two ("otrygg" / "het"), a break after a
    dash ("40–" / "42"), or a line break the writer made. Only when the line
    is full to within a space's width is the missing space no evidence, and
    then the case of the letters and the punctuation decide, or the join
    stays a doubt. A writer that keeps no spaces gives no such evidence:
    lines are joined as in running text, and a one-word line that fills the
    cell is a doubt (`_may_be_cut`). `edge` is where the line's text stops.
    A doubt between a cut and a space is returned as a mark, `CUT` or
    `SPACED` for the likelier, which `parsers.pdf_words` settles once the
    whole document is read.
    """
    text = upper.text
    after_break = len(text) >= 2 and text[-1] in BREAK_AFTER and text[-2].isalnum()
    if upper.trailing_space:
        return " ", False
    if not space:
        if after_break and text[-1] == "-":
            return "", False
        # A doubt is left open (`SPACED`) for `parsers.pdf_words` to settle.
        return (SPACED, True) if _may_be_cut(upper, below, edge) else (" ", False)
    single = one_word(text)
    if single and text[-1:].isalnum() and below[:1] in _CLOSING:
        return "", False  # "vårdnadshavare" / ". Oktober": nothing begins a line with a full stop
    room = edge - upper.x1 >= space + SPACE_SLACK
    word_goes_on = text[-1:].isalnum() and (below[:1].islower() or below[:1].isdigit())
    if room:
        if after_break and below[:1].isalnum():
            return "", False
        # A cut word starts its line, so only a line of one word can end in one.
        return ("", False) if word_goes_on and single else ("\n", False)
    if text[-1:] in _SENTENCE_END or (below[:1].isupper() and text[-1:].islower()):
        return " ", False
    if after_break and below[:1].isalnum():
        return "", True  # "13–" / "17": a break after the dash, or a space lost at the edge
    if not single:
        return " ", False  # a cut word starts its line: the last word of a longer line was whole
    if word_goes_on:
        # One word filling the line, then lower case: cut, or a space lost at the edge. With a
        # space's width of room left (short of the slack the edge's estimate needs) the space
        # would have fitted: a cut, more likely than the document's words can say otherwise.
        return ("" if edge - upper.x1 >= space else CUT), True
    return " ", False


def split_glue(upper: str, below: str) -> tuple[str, bool]:
    """Joining the two parts of a cell split by a page break where the first ends in a full line
    without its space ("?" in `TableText.goes_on`): a cut word, a break after a dash, or a space
    lost at the edge. The glue, and whether it is a guess."""
    if upper[-1:] in BREAK_AFTER and below[:1].isalnum():
        return "", True
    return (CUT, True) if upper[-1:].isalnum() and (below[:1].islower() or below[:1] in _CLOSING) else (" ", False)


# A space needs this much more room (points) than its width past a line's end to
# have fitted for sure: the text area's edge is estimated from the cell's padding.
SPACE_SLACK = 1.0


def _may_be_cut(upper: Line, below: str, edge: float) -> bool:
    """A line of one word that fills the cell, followed by lower-case text: perhaps one word cut in two.

    A writer cuts a word, without a hyphen, only when it is wider than the
    column; a word that merely fills the line looks the same, so this is a
    doubt to report, not a reason to join.
    """
    return one_word(upper.text) and upper.x1 >= edge - upper.height and below[:1].islower()
