"""Where a PDF paragraph ends when the line above is full: a page that ended early, a label.

A full line is followed by either a wrapped line or a new paragraph; the
pitch between them usually tells. These are the cases it cannot: the next
line stands at the top of the next page, or at the usual pitch.
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from parsers.document import Paragraph
from parsers.limits import Limits
from parsers.pdf import read_pdf
from parsers.pdf_line import Line, continues

_, HEIGHT = A4
FULL = "Polisen har ökat närvaron kvällstid i centrum vid torget, busstationen och"  # 75 letters: full


def _pages(*pages: list[str]) -> bytes:
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    for lines in pages:
        pdf.setFont("Courier", 10)  # one width for every letter: lines of one length are full
        for i, text in enumerate(lines):
            pdf.drawString(72, HEIGHT - 72 - 12 * i, text)
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _paragraphs(data: bytes) -> list[str]:
    return [b.text for s in read_pdf(data, Limits()).sections for b in s.blocks if isinstance(b, Paragraph)]


def test_a_page_that_ended_early_ends_its_paragraph() -> None:
    """A page break after a full line: the next page's first line starts a paragraph of its own."""
    full_page = [FULL] * 55
    early = [FULL] * 3
    last = ["Alkohol, narkotika: Vilka indikationer har ni sett?"]
    paragraphs = _paragraphs(_pages(full_page, early, last))
    assert paragraphs[-1] == last[0]
    # A full page runs on: its last line and the next page's first make one paragraph.
    run_on = _paragraphs(_pages(full_page, ["lördag kvällar."]))
    assert run_on[-1].endswith(f"{FULL} lördag kvällar.")


def test_a_line_starting_with_a_label_never_continues_a_full_line() -> None:
    upper = Line(FULL, 100.0, 110.0, 72.0, 500.0, first_word=40.0)
    assert not continues(upper, Line("Påverkansgrad: ☐ 1 ☒ 2", 112.0, 122.0, 72.0, 200.0, first_word=80.0), 500.0)
    assert not continues(upper, Line("Kommentarer:", 112.0, 122.0, 72.0, 140.0, first_word=70.0), 500.0)
    # A wrapped sentence goes on, a clock time or a word before a colon later in the line included.
    assert continues(upper, Line("lördag kvällar.", 112.0, 122.0, 72.0, 160.0, first_word=36.0), 500.0)
    assert continues(upper, Line("kl. 22:00 larmades polisen", 112.0, 122.0, 72.0, 220.0, first_word=18.0), 500.0)
    # A question's title wrapped before its colon: "Extremism och kriminella" / "nätverk: Vilka …".
    assert continues(upper, Line("nätverk: Vilka indikationer", 112.0, 122.0, 72.0, 220.0, first_word=40.0), 500.0)
