"""Long, table-heavy PDFs are decided within the per-file time cap.

A PDF of up to `max_pdf_pages` (50) pages must be read, or refused with a
clear issue, inside `seconds_per_file` in the capped reader process. The
files are real: the county form as a Word table followed by pages of
appendix tables, exported by LibreOffice (16 and 50 pages), and a
reportlab file of 50 pages each ruled into a 60 x 12 grid drawn one cell
border at a time (the old pdfplumber reader needed over 30 s for it). The tests assert the outcome (read, with the right
answers and grids); the timings are in bench/parse.py.
"""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from flow.sandbox import parse_isolated
from parsers import parse_bytes
from parsers.document import Grid
from parsers.form import default_form
from parsers.limits import Limits
from parsers.pdf import read_pdf
from tests.parsers.large_pdfs import IMPACTS, table_heavy_pdf
from tests.support import libreoffice

LIMITS = Limits()


def ruled_pages(pages: int, rows: int = 60, cols: int = 12) -> bytes:
    """`pages` A4 pages, each a `rows` x `cols` ruled grid whose every border is its own stroke.

    An Excel sheet printed with gridlines looks like this; pdfplumber's table
    finder took 0.7 s a page on it (11 s for 16 pages, over 30 s for 50).
    """
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    left, top, cell_w, cell_h = 30.0, height - 40.0, (width - 60.0) / cols, 12.5
    for page in range(pages):
        pdf.setFont("Helvetica", 6)
        pdf.drawString(left, top + 12, f"Bilaga sida {page + 1}")
        for r in range(rows):
            for c in range(cols):
                x, y = left + c * cell_w, top - (r + 1) * cell_h
                # Four separate strokes per cell, as Word and LibreOffice draw borders.
                pdf.line(x, y, x + cell_w, y)
                pdf.line(x, y + cell_h, x + cell_w, y + cell_h)
                pdf.line(x, y, x, y + cell_h)
                pdf.line(x + cell_w, y, x + cell_w, y + cell_h)
                pdf.drawString(x + 2, y + 3, f"{page + 1}.{r + 1}.{c + 1}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


# What these tests check is the structure read, not the time it takes (the capped
# reader's test below is about time): a loaded machine must not fail them.
UNHURRIED = Limits(seconds_per_file=600.0)


def grids(data: bytes) -> list[Grid]:
    return [b for s in read_pdf(data, UNHURRIED).sections for b in s.blocks if isinstance(b, Grid)]


def test_fifty_ruled_pages_become_one_grid_that_goes_on_from_page_to_page() -> None:
    [found] = grids(ruled_pages(50))
    assert len(found.rows) == 50 * 60 and found.width == 12
    assert found.rows[0] == tuple(f"1.1.{c}" for c in range(1, 13))
    assert found.rows[-1][11] == "50.60.12"


def test_fifty_ruled_pages_are_decided_in_the_capped_reader() -> None:
    result = parse_isolated(ruled_pages(50), "Bilaga.pdf", default_form(), LIMITS)
    messages = [i.message for i in result.issues if i.field == "file"]
    # Not the form, so refused as such; never stopped by the time cap.
    assert messages and not any("för lång tid" in m for m in messages)


@pytest.mark.libreoffice
@pytest.mark.parametrize("pages", [16, 50])
def test_table_heavy_form_is_read_in_the_capped_reader(pages: int) -> None:
    if not libreoffice.available():
        pytest.skip("LibreOffice is not installed")
    data = table_heavy_pdf(pages)
    result = parse_isolated(data, "Lägesbild Ludvika oktober 2026.pdf", default_form(), LIMITS)
    assert not [i for i in result.issues if i.field == "file"], result.issues
    assert result.municipality == "Ludvika"
    assert [result.answers[q].impact for q in range(1, 7)] == list(IMPACTS)


@pytest.mark.libreoffice
def test_table_heavy_form_reads_every_appendix_table() -> None:
    if not libreoffice.available():
        pytest.skip("LibreOffice is not installed")
    data = table_heavy_pdf(16)
    found = grids(data)
    # The answer table, then the appendix tables (one may break across a page: two grids).
    assert found[0].rows[0] == ("Fråga", "Påverkan (1-5)", "Kommentar")
    appendix = [g for g in found[1:] if g.rows[0][0] in ("Vecka", "v. 31")]
    assert len(appendix) >= 38
    assert parse_bytes(data, "Lägesbild Ludvika oktober 2026.pdf").municipality == "Ludvika"
