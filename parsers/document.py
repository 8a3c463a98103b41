"""The format-neutral document every reader produces.

A .docx, .odt, .pdf or mail body becomes a sequence of blocks: paragraphs of
text and grids (tables, spreadsheet sheets). Form fields that carry a name
(Word content controls with a tag or title, legacy form fields, PDF AcroForm
fields, named Excel cells) are also collected as `fields`, so a filled-in
template can be read by name as well as by position. One text-level reader
(`parsers.text`) interprets this structure, so the formats cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of running text (may hold several lines)."""

    text: str
    #: The page it starts on (PDF, 1-based); 0 where a format has no pages.
    #: Not part of equality: an empty paragraph is the same on any page.
    page: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Grid:
    """A table or spreadsheet: rows of cells, each cell's text ("" when empty).

    `name` is the sheet name for spreadsheets. Merged cells keep their text in
    the top-left cell only; the others are "".
    """

    rows: tuple[tuple[str, ...], ...]
    name: str = ""
    #: Why the text of the cells in `doubtful` may not be exactly as written
    #: (Swedish), e.g. a word a PDF cut over lines in a narrow column.
    doubt: str = ""
    doubtful: frozenset[str] = frozenset()
    page: int = field(default=0, compare=False)  # the page it starts on (PDF), as for `Paragraph`
    #: For a spreadsheet, the sheet's own number (1-based) of each row and column of the grid (hidden
    #: ones are left out of the grid, so they differ from the position): "cell C12" in a value's source.
    #: Empty for other tables. Not part of equality, as `page`.
    row_numbers: tuple[int, ...] = field(default=(), compare=False)
    column_numbers: tuple[int, ...] = field(default=(), compare=False)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


Block = Paragraph | Grid


@dataclass(frozen=True, slots=True)
class NamedField:
    """A form field with a name: a content control tag/title, an AcroForm field.

    `value` is the displayed text ("" when the field still shows its
    placeholder). `checked` is set for checkboxes.
    """

    name: str
    value: str
    checked: bool | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One part of a document: a sheet of a workbook, or the whole body of a text."""

    blocks: tuple[Block, ...]
    name: str = ""


@dataclass(slots=True)
class Document:
    """What a format reader hands to the text-level reader.

    `sections` are read separately and the best one wins (a workbook with an
    instruction sheet and an answer sheet). `notes` are issues the reader
    found on its own (e.g. unreadable content in one part), as Swedish text.
    `margin_comments` counts Word review comments, which are never read as
    answers but may be where someone wrote one.
    """

    sections: list[Section] = field(default_factory=list)
    fields: list[NamedField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    margin_comments: int = 0  # review comments in the margin (not read as answers)
    #: The text holds a table without ruling whose columns ran together (a PDF):
    #: every answer read from the document is in doubt.
    flattened_columns: bool = False

    def text_lines(self) -> list[str]:
        """All text, one line per paragraph line or grid cell line (for tests and sniffing)."""
        out: list[str] = []
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    out.extend(block.text.split("\n"))
                else:
                    for row in block.rows:
                        for cell in row:
                            out.extend(cell.split("\n"))
        return out
