"""A Word-like page printed to PDF with reportlab's layout engine ("Skriv ut > PDF").

Tables keep their columns side by side with ruled cells and wrapped text,
list items get a drawn bullet or number (not typed text), a text box is a
framed box, the page header and a "Sida N" footer repeat on every page. Text
is set in DejaVu Sans, embedded, so every character of the forms has a glyph.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus import Paragraph as RLParagraph

from tests.builders.pdf_builder import body_font
from tests.variants.layouts import inline_text
from tests.variants.model import Box, Grid, Page, Para


def _styles() -> dict[str, ParagraphStyle]:
    font = body_font()
    bold = "DejaVuSans-Bold" if font == "DejaVuSans" else font
    # Like Word, a word that does not fit moves to the next line whole (reportlab would cut it).
    base = ParagraphStyle("body", fontName=font, fontSize=10, leading=13, spaceAfter=3, splitLongWords=0)
    return {
        "": base,
        "title": ParagraphStyle("title", parent=base, fontName=bold, fontSize=16, leading=20, spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=base, fontName=bold, fontSize=13, leading=16, spaceAfter=6),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=18, bulletIndent=6),
        "number": ParagraphStyle("number", parent=base, leftIndent=18, bulletIndent=2),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=1),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
    }


def _markup(text: str) -> str:
    """Plain text as reportlab paragraph markup: escaped, soft breaks kept, tabs as a gap.

    A tab is a gap the line may break after, as in Word: all non-breaking
    spaces would make "Polis:<tab>lugnt<tab>Skola:" one word, which reportlab
    squeezes over itself in a narrow cell (no word processor prints that).
    """
    return escape(text).replace("\n", "<br/>").replace("\t", "&nbsp;&nbsp;&nbsp; ")


class _Renderer:
    def __init__(self, width: float) -> None:
        self.width = width
        self.styles = _styles()
        self.counter = 0
        self.last_kind = ""

    def para(self, p: Para, in_cell: bool = False) -> list[Flowable]:
        if p.style == "pagebreak":
            self.last_kind = ""
            return [PageBreak()]
        text = "".join(inline_text(x) for x in p.parts)
        out: list[Flowable] = []
        style = self.styles["cell" if in_cell and p.style in ("", "bullet", "number") else p.style]
        if p.style in ("bullet", "number"):
            self.counter = self.counter + 1 if self.last_kind == p.style else 1
            self.last_kind = p.style
            mark = "•" if p.style == "bullet" else f"{self.counter}."
            indent = ParagraphStyle(f"li{p.style}", parent=style, leftIndent=18, bulletIndent=4)
            out.append(RLParagraph(_markup(text), indent, bulletText=mark))
        else:
            self.last_kind = ""
            out.append(RLParagraph(_markup(text) or "&nbsp;", style))
        for part in p.parts:
            if isinstance(part, Box):
                out += self.box(part, in_cell)
        return out

    def box(self, box: Box, in_cell: bool) -> list[Flowable]:
        inner: list[Flowable] = []
        for p in box.paras:
            inner += self.para(p, in_cell=True)
        if in_cell:  # a frame inside a table cell cannot break across pages: draw its text only
            return inner
        t = Table([[inner]], colWidths=[15 * cm], splitInRow=1)
        t.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black)]))
        return [t]

    def grid(self, g: Grid) -> Flowable:
        ncols = max(len(r) for r in g.rows)
        widths = [(g.widths[i] if i < len(g.widths) else 3.0) * cm for i in range(ncols)]
        scale = min(1.0, self.width / sum(widths))
        data = []
        for row in g.rows:
            cells = []
            for cell in row:
                flow: list[Flowable] = []
                self.last_kind = ""
                for p in cell:
                    flow += self.para(p, in_cell=True)
                cells.append(flow)
            data.append(cells + [[]] * (ncols - len(cells)))
        t = Table(data, colWidths=[w * scale for w in widths], repeatRows=0, splitInRow=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t


def render(page: Page) -> bytes:
    """The page as a printed PDF."""
    size = landscape(A4) if page.landscape else A4
    r = _Renderer(size[0] - 4 * cm)
    story: list[Flowable] = []
    for block in page.body:
        if isinstance(block, Para):
            story += r.para(block)
        else:
            story += [r.grid(block), Spacer(1, 6)]
    header = " ".join("".join(inline_text(x) for x in p.parts) for p in page.header)
    footer = bool(page.footer)
    font = body_font()

    def decorate(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        if header:
            canvas.drawString(2 * cm, size[1] - 1.2 * cm, header)
        if footer:
            canvas.drawCentredString(size[0] / 2, 1.0 * cm, f"Sida {doc.page}")
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                            bottomMargin=2 * cm, title="Lägesbild sociala risker", author="Kommunal samordnare",
                            invariant=1)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


__all__ = ["render"]
