"""A line of text on a PDF page, and when the line below continues it (a wrap, not a new line)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A space this many line heights wide is a gap between columns, not between words.
COLUMN_GAP = 3.0
# A line that starts like a new item or a label of the form never continues the
# line above it, even when that line is full.
_NEW_ITEM_RE = re.compile(
    r"^(?:[•·▪‣◦○●■□☐☒\-–—*]\s|\(?\d{1,2}[.)]\s|[a-zA-Z][.)]\s|(?:Fråga|Punkt)\s*\d|Påverkan\b|Kommentar\b)"
)

# A line that starts with a capitalised word and a colon ("Påverkansgrad:", "Kommentarer:")
# labels what follows; read as running on, a full line above would swallow the label. (A
# wrapped title's last word before its colon is in lower case: "kriminella" / "nätverk: Vilka".)
_LABEL_RE = re.compile(r"^[^\W\d_]+:(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    top: float
    bottom: float
    x0: float = 0.0
    x1: float = 0.0
    first_word: float = 0.0  # width of the line's first word, to tell a wrap from a break
    widest_gap: float = 0.0  # the widest space between two of its words: a column gap in a table row
    column_gaps: int = 0  # how many spaces wider than `COLUMN_GAP` line heights it holds
    #: The line ends in a space glyph the file holds: the writer broke it at a space.
    trailing_space: bool = False
    space_width: float = 0.0  # the width of that space glyph

    @property
    def height(self) -> float:
        return self.bottom - self.top


def continues(upper: Line, lower: Line, edge: float) -> bool:
    """True when `lower` is the wrapped continuation of `upper`."""
    labelled = _LABEL_RE.match(lower.text) is not None and lower.text[0].isupper()
    if _NEW_ITEM_RE.match(lower.text) or labelled or lower.first_word <= 0:
        return False
    if abs(upper.height - lower.height) > 0.2 * max(upper.height, lower.height):
        return False  # a change of font size: a heading and its text
    if max(upper.widest_gap, lower.widest_gap) > COLUMN_GAP * upper.height:
        # A row of a table without ruling: its columns run side by side on one
        # line, and a line below may continue either column. Joined, a heading's
        # last word would end up in the answer beside it.
        return False
    # The word would not have fitted after the line above, give or take
    # rounding: glyph boxes are a little narrower than their advance widths.
    space = 0.25 * upper.height
    slack = 0.3 * upper.height
    return upper.x1 + space + lower.first_word > edge - slack
