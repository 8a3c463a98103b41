"""Large, table-heavy PDFs: the county form followed by pages of ruled appendix tables.

Municipalities sometimes send the form with an appendix of weekly
statistics: page after page of Word tables, exported to PDF. Every cell
border is a separate stroke in the PDF, which made pdfplumber's table
finder take over a second a page. `table_heavy_docx(pages)` builds such a
document (the answers in the county's three-column table first, then
appendix tables), and `table_heavy_pdf(pages)` has LibreOffice export it;
the page count is checked, so the file really is as long as asked.

Used by tests/parsers/test_pdf_large.py and by bench/parse.py.
"""

from __future__ import annotations

import io
from functools import lru_cache

import docx
from docx.shared import Pt
from pypdf import PdfReader

from tests.support import libreoffice

IMPACTS = (3, 2, 1, 4, 2, 1)
QUESTIONS = (
    "1. Ordningsstörningar och otrygghet",
    "2. Hot och våld",
    "3. Extremism och kriminella nätverk",
    "4. Ungdomar/skolor",
    "5. Alkohol, narkotika, doping och tobak",
    "6. Övrigt",
    "7. Positiva åtgärder eller händelser",
)
COMMENTS = (
    "Inbrott i källarförråd på norra sidan; polisen har ökat närvaron kvällstid.",
    "Två fall av hot mot personal på socialkontoret.",
    "Inget att rapportera.",
    "Bråk vid skolan två fredagar; fältgruppen förstärkt.",
    "Langning av alkohol inför lovet.",
    "Inget särskilt.",
    "Nattvandring startade i oktober.",
)
_HEADER = ("Vecka", "Inbrott", "Skadegörelse", "Hot", "Våld", "Kommentar")
# Appendix tables per page that LibreOffice fits on A4 with these sizes.
_TABLES_PER_PAGE = 2.56
_ROWS = 14


def table_heavy_docx(pages: int) -> bytes:
    """The filled-in form as a ruled table, then appendix tables filling about `pages` pages."""
    document = docx.Document()
    document.styles["Normal"].font.size = Pt(9)
    document.add_paragraph("Mall för lägesbildsinsamling - Sociala risker")
    document.add_paragraph("Oktober 2026")
    document.add_paragraph("Underlaget inlämnat av kommun: Ludvika")
    answers = document.add_table(rows=len(QUESTIONS) + 1, cols=3)
    answers.style = "Table Grid"
    for c, text in enumerate(("Fråga", "Påverkan (1-5)", "Kommentar")):
        answers.cell(0, c).text = text
    for r, question in enumerate(QUESTIONS, start=1):
        answers.cell(r, 0).text = question
        answers.cell(r, 1).text = str(IMPACTS[r - 1]) if r <= len(IMPACTS) else ""
        answers.cell(r, 2).text = COMMENTS[r - 1]
    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_paragraph("Bilaga: händelser per vecka och område")
    for n in range(int(max(pages - 1, 0) * _TABLES_PER_PAGE)):
        document.add_paragraph(f"Område {n + 1}")
        table = document.add_table(rows=_ROWS + 1, cols=len(_HEADER))
        table.style = "Table Grid"
        for c, text in enumerate(_HEADER):
            table.cell(0, c).text = text
        for r in range(1, _ROWS + 1):
            values = (f"v. {r + 30}", str((n + r) % 7), str((n * r) % 5), str(r % 3), str((n + 2 * r) % 4))
            for c, text in enumerate(values):
                table.cell(r, c).text = text
            table.cell(r, len(_HEADER) - 1).text = "Lugnt" if (n + r) % 3 else "Polisen underrättad"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@lru_cache(maxsize=4)
def table_heavy_pdf(pages: int) -> bytes:
    """`table_heavy_docx(pages)` exported to PDF by LibreOffice (needs soffice)."""
    data = libreoffice.convert(f"Lägesbild Ludvika med bilaga {pages}.docx", table_heavy_docx(pages), "pdf")
    real = len(PdfReader(io.BytesIO(data)).pages)
    if not pages - 2 <= real <= pages:
        raise AssertionError(f"asked for about {pages} pages, LibreOffice made {real}")
    return data
