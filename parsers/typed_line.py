"""One typed line of a document: what kind of line it is (`Kind`) and what it holds (`Line`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    """What a typed line is: text, a question anchor, a labelled value, or a break."""

    TEXT = "text"
    ANCHOR = "anchor"
    IMPACT = "impact"
    COMMENT = "comment"
    MUNICIPALITY = "municipality"
    PERIOD = "period"
    AREA = "area"  # the part of the municipality a report is about ("Område: Vivalla")
    BREAK = "break"  # ends the current question's text (e.g. the end of a table)


@dataclass(slots=True)
class Line:
    """One typed line. For labelled kinds `text` is the value after the label.

    `open_value` means the label had nothing after it, so the value may stand
    on the next line or cell. For anchors, `question` and `strength` say which
    question and how sure (3 strong .. 1 weak); `text` is what follows the
    question wording on the same line (an answer typed straight after it).
    """

    kind: Kind
    text: str
    question: int | None = None
    strength: int = 0
    open_value: bool = False
    from_grid: bool = False
    raw: str = ""
    doubt: str = ""  # why a clear-looking value is still unsure (becomes a warning)
    #: Where the line stands (`parsers.lines`: 'blad "Svar"', "sida 2", "tabell 1"; "" in running text)
    #: and, for a line typed from a table's row, that row's cells: what a value is shown to be read from.
    place: str = ""
    row: str = ""

    @property
    def source_text(self) -> str:
        """The text this line was read from: the line as written, or its table row."""
        return self.raw or self.row or self.text

    def copy(self) -> Line:
        """A line of its own (lines are mutable; remembered ones are handed out as copies)."""
        return Line(self.kind, self.text, self.question, self.strength, self.open_value, self.from_grid,
                    self.raw, self.doubt, self.place, self.row)
