"""A fillable PDF (AcroForm) of the form, filled in the way Acrobat Reader fills one.

The blank form is drawn with reportlab: the questions and labels as page
text, one field per answer (text fields, a combo box for the dropdown style,
five check boxes for the checkbox style). The values are then filled in with
pypdf into the fields (/V, NeedAppearances), not into the page text.

Field names: "acroform" names each field for its question ("Paverkan3",
"Kommentar3", "Paverkan3_4" for box 4); "acrobat-names" uses the names
Acrobat's form wizard gives copies of one field ("Påverkan", "Påverkan_2", …,
"Kommentar_7") in the order they were placed, and "Kryssruta12" for boxes.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from tests.builders import INSTRUCTION, INTRO, LEGEND, TITLE
from tests.builders.pdf_builder import body_font
from tests.variants.content import STALE_MONTH, FormContent, Item
from tests.variants.model import LEGACY_ITEMS, LEGACY_TEMPLATE_ITEMS, ticks, typed_text

_W, _H = A4
_M = 50.0


class _Form:
    """Draws page text and fields top to bottom, breaking pages as needed."""

    def __init__(self, c: FormContent) -> None:
        self.c = c
        self.buf = io.BytesIO()
        self.canvas = Canvas(self.buf, pagesize=A4)
        self.canvas.setTitle(f"{TITLE} (ifyllbar)")
        self.font = body_font()
        self.y = _H - 60
        self.values: dict[str, str] = {}
        self.copies: dict[str, int] = {}
        self.boxes = 0
        self.decorate()

    def decorate(self) -> None:
        if self.c.v.document == "header_footer":
            self.canvas.setFont(self.font, 8)
            self.canvas.drawString(_M, _H - 30, f"Länsstyrelsen Dalarna · {TITLE}")
            self.canvas.drawCentredString(_W / 2, 25, f"Sida {self.canvas.getPageNumber()}")

    def new_page(self) -> None:
        self.canvas.showPage()
        self.y = _H - 60
        self.decorate()

    def need(self, height: float) -> None:
        if self.y - height < 50:
            self.new_page()

    def text(self, s: str, size: float = 9.5, width: float = _W - 2 * _M, x: float = _M) -> None:
        self.canvas.setFont(self.font, size)
        for line in simpleSplit(s, self.font, size, width) or [""]:
            self.need(size + 3)
            self.canvas.drawString(x, self.y, line)
            self.y -= size + 3

    def name(self, kind: str, q: int) -> str:
        """A field's name under the producer's naming habit."""
        if self.c.v.producer == "acroform":
            return f"{'Paverkan' if kind == 'impact' else 'Kommentar'}{q}"
        base = "Påverkan" if kind == "impact" else "Kommentar"
        n = self.copies[base] = self.copies.get(base, 0) + 1
        return base if n == 1 else f"{base}_{n}"

    def text_field(self, name: str, value: str, x: float, y: float, w: float, h: float, multi: bool) -> None:
        self.canvas.acroForm.textfield(name=name, tooltip=name, x=x, y=y, width=w, height=h, borderWidth=0.5,
                                       fontName="Helvetica", fontSize=9, value="",
                                       fieldFlags="multiline" if multi else "")
        if value:
            self.values[name] = value

    def impact(self, it: Item, x: float, y: float) -> None:
        style = self.c.v.impact
        if style == "checkbox":
            on = ticks(it)
            for n in range(1, 6):
                self.boxes += 1
                name = f"Paverkan{it.q}_{n}" if self.c.v.producer == "acroform" else f"Kryssruta{self.boxes}"
                bx = x + (n - 1) * 34
                self.canvas.acroForm.checkbox(name=name, x=bx, y=y, size=12, checked=False, buttonStyle="cross")
                self.canvas.setFont(self.font, 9)
                self.canvas.drawString(bx + 15, y + 2, str(n))
                if n in on:
                    self.values[name] = "/Yes"
            return
        name = self.name("impact", it.q)
        if style == "legacy_dropdown":
            items = LEGACY_TEMPLATE_ITEMS if it.anomaly == "template_range" else LEGACY_ITEMS
            assert it.level is not None
            chosen = items[0] if it.anomaly != "none" else items[it.level]
            self.canvas.acroForm.choice(name=name, tooltip=name, value=items[0], options=list(items), x=x, y=y,
                                        width=150, height=16, fontName="Helvetica", fontSize=9, fieldFlags="combo")
            if chosen != items[0]:
                self.values[name] = chosen
            return
        self.text_field(name, typed_text(it, style), x, y, 150, 16, False)

    def comment_value(self, it: Item) -> str:
        return "\n".join(p.shown for p in it.comment)


def _front(f: _Form) -> None:
    c = f.c
    f.text(TITLE, 14)
    if c.stale_month:
        f.text(STALE_MONTH, 12)
    if c.intro:
        for t in INTRO:
            f.text(t, 8.5)
    f.y -= 4
    for key, st, default in (("Kommun", c.municipality, "Kommun"), ("Manad", c.period, "Månad")):
        label = (st.label if st is not None and st.label else default) + ":"
        f.canvas.setFont(f.font, 10)
        f.canvas.drawString(_M, f.y, label)
        f.text_field(key, st.value if st is not None else "", _M + 190, f.y - 4, 200, 16, False)
        f.y -= 24
    if c.legend:
        f.text(LEGEND, 8.5)
    f.text(INSTRUCTION)
    f.y -= 4


def _running(f: _Form) -> None:
    c = f.c
    for n, it in enumerate(c.items):
        f.need(150)
        f.text(it.heading)
        if it.level is not None:
            f.canvas.setFont(f.font, 10)
            if c.v.layout == "inline":
                f.canvas.drawString(_M, f.y - 2, f"{c.impact_label}:")
                f.impact(it, _M + 110, f.y - 6)
                f.y -= 24
            else:
                f.canvas.drawString(_M, f.y, f"{c.impact_label}:")
                f.y -= 22
                f.impact(it, _M, f.y - 2)
                f.y -= 20
        f.canvas.setFont(f.font, 10)
        f.canvas.drawString(_M, f.y, f"{c.comment_label}:")
        f.y -= 70
        f.text_field(f.name("comment", it.q), f.comment_value(it), _M, f.y, _W - 2 * _M, 64, True)
        f.y -= 16
        if c.v.document == "page_breaks" and n in (1, 3):
            f.new_page()


def _table(f: _Form) -> None:
    c = f.c
    cols = (_M, _M + 170, _M + 340, _W - _M)
    f.need(30)
    f.canvas.setFont(f.font, 9)
    for x, label in zip(cols, ("Fråga", c.grid_impact_label, c.comment_label), strict=False):
        f.canvas.drawString(x + 3, f.y, label)
    f.y -= 6
    for n, it in enumerate(c.items):
        f.need(90)
        top = f.y
        f.canvas.line(cols[0], top, cols[3], top)
        f.y -= 12
        f.text(it.cell_heading, 9, width=160, x=cols[0] + 3)
        if it.level is not None:
            f.impact(it, cols[1] + 3, top - 24)
        f.text_field(f.name("comment", it.q), f.comment_value(it), cols[2] + 3, top - 80, cols[3] - cols[2] - 6,
                     74, True)
        f.y = min(f.y, top - 84)
        for x in cols:
            f.canvas.line(x, top, x, f.y)
        f.canvas.line(cols[0], f.y, cols[3], f.y)
        f.y -= 6
        if c.v.document == "page_breaks" and n in (1, 3):
            f.new_page()


def render(c: FormContent) -> bytes:
    """The filled-in fillable PDF."""
    # pypdf warns that Helvetica cannot show "„" in an appearance stream; the value is what counts.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    f = _Form(c)
    _front(f)
    if c.v.layout == "table3":
        _table(f)
    else:
        _running(f)
    if c.signature:
        year, month = (c.year + 1, 1) if c.month == 12 else (c.year, c.month + 1)
        f.text(f"Datum: {year:04d}-{month:02d}-02")
        f.text("Ifylld av: trygghetssamordnaren")
    f.canvas.showPage()
    f.canvas.save()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(f.buf.getvalue())))
    writer.set_need_appearances_writer(True)
    for page in writer.pages:
        names = {a.get_object().get("/T") for a in page.get("/Annots", [])}
        values = {k: v for k, v in f.values.items() if k in names}
        if values:
            writer.update_page_form_field_values(page, values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


__all__ = ["render"]
