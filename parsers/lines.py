"""Turning a document's blocks into typed lines: labels, question anchors, text.

Grids (tables, sheets) are read by their structure first: a header row with
"Påverkan" / "Kommentar" columns (or the same as a header column, transposed)
gives typed lines directly; other rows pair a label cell with the value cells
beside it. Paragraph lines are classified by their leading words.

The steps live in modules of their own: `parsers.paragraph_lines` (running
text), `parsers.grid_lines` (tables and sheets), `parsers.anchors` (which
question a line starts), `parsers.labels` (labelled values) and
`parsers.form_plan` (what matching needs from a form, folded once).
"""

from __future__ import annotations

from parsers.document import Paragraph, Section
from parsers.form import FormSpec
from parsers.grid_lines import grid_lines
from parsers.paragraph_lines import classify
from parsers.typed_line import Line


def section_lines(section: Section, form: FormSpec) -> list[Line]:
    """All typed lines of a section, in document order."""
    out: list[Line] = []
    for block in section.blocks:
        if isinstance(block, Paragraph):
            out.extend(classify(block.text, form))
        else:
            out.extend(grid_lines(block, form))
    return out
