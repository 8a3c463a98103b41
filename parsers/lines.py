"""Turning a document's blocks into typed lines: labels, question anchors, text.

Grids (tables, sheets) are read by their structure first: a header row with
"Påverkan" / "Kommentar" columns (or the same as a header column, transposed)
gives typed lines directly; other rows pair a label cell with the value cells
beside it. Paragraph lines are classified by their leading words.

The steps live in modules of their own: `parsers.paragraph_lines` (running
text), `parsers.grid_lines` (tables and sheets), `parsers.anchors` (which
question a line starts), `parsers.labels` (labelled values) and
`parsers.form_plan` (what matching needs from a form, folded once).

Each line is told where it stands (`Line.place`), so an answer can say
where in the file it was read from.
"""

from __future__ import annotations

from parsers.document import Block, Paragraph, Section
from parsers.form import FormSpec
from parsers.grid_lines import grid_lines
from parsers.paragraph_lines import classify
from parsers.typed_line import Line


def section_lines(section: Section, form: FormSpec) -> list[Line]:
    """All typed lines of a section, in document order."""
    out: list[Line] = []
    tables = 0
    for block in section.blocks:
        if isinstance(block, Paragraph):
            lines = classify(block.text, form)
        else:
            tables += 1
            lines = grid_lines(block, form)
        place = block_place(section, block, tables)
        if place:
            for line in lines:
                # A line from a sheet knows its cell or row ("cell C12"): after the sheet's name.
                line.place = f"{place}, {line.place}" if line.place else place
        out.extend(lines)
    return out


def block_place(section: Section, block: Block, table: int) -> str:
    """Where a block stands, in Swedish: a sheet's name, a PDF page, a text's n-th table; "" for running text."""
    if section.name:
        return f"blad \"{section.name}\""
    if block.page:
        return f"sida {block.page}"
    return "" if isinstance(block, Paragraph) else f"tabell {table}"
