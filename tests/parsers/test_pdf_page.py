"""The pdfium page reader and the table finder on real PDFs drawn with reportlab.

These pin down what `parsers.pdf_page`, `parsers.pdf_lines` and
`parsers.pdf_tables` do beyond the Word-shaped files of test_pdf_reader.py:
turned text, rules drawn inside a form XObject, filled hairline rectangles
as rules, a glyph drawn twice, and a lone framed box.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pypdfium2
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from parsers.document import Grid, Paragraph
from parsers.limits import Limits
from parsers.pdf import read_pdf
from parsers.pdf_lines import dedupe, text_lines
from parsers.pdf_page import Char, read_page
from parsers.pdf_tables import find_tables

LIMITS = Limits()
_, HEIGHT = A4


def draw(paint: Callable[[canvas.Canvas], None]) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    pdf.setFont("Helvetica", 10)
    paint(pdf)
    pdf.save()
    return buf.getvalue()


def blocks(data: bytes) -> list[Paragraph | Grid]:
    return [b for s in read_pdf(data, LIMITS).sections for b in s.blocks]


def grid_2x2(pdf: canvas.Canvas, x: float, y: float) -> None:
    """A 2 x 2 ruled table with its top-left corner at (x, y), cells 150 x 30 points."""
    for r in range(3):
        pdf.line(x, y - 30 * r, x + 300, y - 30 * r)
    for c in range(3):
        pdf.line(x + 150 * c, y, x + 150 * c, y - 60)
    for r, row in enumerate((("Kommun", "Ludvika"), ("Påverkan", "3"))):
        for c, text in enumerate(row):
            pdf.drawString(x + 150 * c + 4, y - 30 * r - 20, text)


def test_glyph_geometry_is_measured_from_the_top_of_the_page() -> None:
    data = draw(lambda pdf: pdf.drawString(72, HEIGHT - 100, "Påverkan: 3"))
    document = pypdfium2.PdfDocument(data)
    try:
        content = read_page(document, 0, max_chars=1000, max_edges=100)
    finally:
        document.close()
    first = content.chars[0]
    assert (first.text, first.turn, round(first.size)) == ("P", 0, 10)
    assert abs(first.x0 - 72) < 0.01 and abs(first.bottom - 100) < 0.01 and abs(first.top - 90) < 0.01
    assert first.x1 > first.x0
    assert "".join(c.text for c in content.chars) == "Påverkan: 3"  # the space glyph is kept
    assert content.unmapped == 0 and not content.horizontal and not content.vertical


def test_turned_text_is_its_own_line_and_does_not_break_the_others() -> None:
    def paint(pdf: canvas.Canvas) -> None:
        pdf.drawString(72, 700, "Kommentar: Lugnt i centrum.")
        pdf.drawString(72, 686, "Påverkan: 2")
        pdf.saveState()
        pdf.translate(40, 600)
        pdf.rotate(90)
        pdf.drawString(0, 0, "Dnr 2026-123")
        pdf.restoreState()

    texts = [b.text for b in blocks(draw(paint)) if isinstance(b, Paragraph) and b.text]
    assert "Kommentar: Lugnt i centrum." in texts and "Påverkan: 2" in texts
    assert any("Dnr" in t and "2026-123" in t for t in texts)


def test_rules_inside_a_form_xobject_make_a_table() -> None:
    def paint(pdf: canvas.Canvas) -> None:
        pdf.beginForm("answers")
        grid_2x2(pdf, 0, 0)
        pdf.endForm()
        pdf.saveState()
        pdf.translate(72, 700)
        pdf.doForm("answers")
        pdf.restoreState()

    grids = [b for b in blocks(draw(paint)) if isinstance(b, Grid)]
    assert grids == [Grid((("Kommun", "Ludvika"), ("Påverkan", "3")))]


def test_hairline_filled_rectangles_count_as_rules() -> None:
    """Some generators draw a border as a filled rectangle half a point thick."""

    def paint(pdf: canvas.Canvas) -> None:
        x, y = 72, 700
        for r in range(3):
            pdf.rect(x, y - 30 * r, 300, 0.5, stroke=0, fill=1)
        for c in range(3):
            pdf.rect(x + 150 * c, y - 60, 0.5, 60.5, stroke=0, fill=1)
        for r, row in enumerate((("Kommun", "Ludvika"), ("Påverkan", "3"))):
            for c, text in enumerate(row):
                pdf.drawString(x + 150 * c + 4, y - 30 * r - 20, text)

    grids = [b for b in blocks(draw(paint)) if isinstance(b, Grid)]
    assert grids == [Grid((("Kommun", "Ludvika"), ("Påverkan", "3")))]


def test_a_lone_framed_box_is_no_table() -> None:
    def paint(pdf: canvas.Canvas) -> None:
        pdf.rect(72, 640, 400, 60)
        pdf.drawString(80, 680, "Kommentar: Inget att rapportera.")

    assert blocks(draw(paint)) == [Paragraph("Kommentar: Inget att rapportera.")]


def test_a_glyph_drawn_twice_in_place_counts_once() -> None:
    chars = [
        Char("3", 100.0, 105.0, 90.0, 100.0, 10.0),
        Char("3", 100.4, 105.4, 90.3, 100.3, 10.0),  # the same glyph again, fake bold
        Char("3", 105.2, 110.2, 90.0, 100.0, 10.0),  # a second "3" right after it
    ]
    kept = dedupe(chars)
    assert kept == [chars[0], chars[2]]
    assert [line.text for line in text_lines(kept)] == ["33"]


def test_two_tables_side_by_side_and_one_below_are_found_in_reading_order() -> None:
    def paint(pdf: canvas.Canvas) -> None:
        grid_2x2(pdf, 40, 760)
        grid_2x2(pdf, 40, 600)

    data = draw(paint)
    document = pypdfium2.PdfDocument(data)
    try:
        content = read_page(document, 0, max_chars=1000, max_edges=100)
    finally:
        document.close()
    tables = find_tables(content.horizontal, content.vertical)
    assert [len(t.cells) for t in tables] == [4, 4]
    assert tables[0].bbox[1] < tables[1].bbox[1]
