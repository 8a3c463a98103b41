"""PDF files: printed-to-PDF forms, fillable AcroForms, scans and encrypted files.

- `build_text_pdf`: the form drawn as text with reportlab (a "Skriv ut till
  PDF" without LibreOffice), wrapped lines, header and page-number footer.
- `lo_pdf_source`: the .docx -> .pdf conversion done by LibreOffice (batched
  in other_builder); the expectations equal the .docx case's.
- `build_acroform_pdf`: a fillable PDF (reportlab AcroForm text fields named
  Kommun, Manad, Paverkan1..6, Kommentar1..7) filled in with pypdf.
- `build_scanned_pdf`: the form as a raster image only (no text layer).
- `encrypt_pdf`: a user-password-protected copy.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tests.builders import Filled, short_name, template_heading
from tests.builders.docx_builder import build_docx, doc_lines, layout, para_lines
from tests.builders.other_builder import Conversion

_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
              "/usr/share/fonts/TTF", "/Library/Fonts")


def _font_file(name: str) -> Path | None:
    for d in _FONT_DIRS:
        p = Path(d, name)
        if p.is_file():
            return p
    return None


def body_font() -> str:
    """A registered font that has å, ä, ö and the ballot boxes (DejaVu Sans if present)."""
    if "DejaVuSans" in pdfmetrics.getRegisteredFontNames():
        return "DejaVuSans"
    path = _font_file("DejaVuSans.ttf")
    if path is None:
        return "Helvetica"  # WinAnsi still covers å ä ö; ballot boxes would be lost
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(path)))
    bold = _font_file("DejaVuSans-Bold.ttf")
    if bold is not None:
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(bold)))
    return "DejaVuSans"


def _pages(lines: list[str], font: str, size: float, width: float, per_page: int) -> list[list[str]]:
    wrapped: list[str] = []
    pages: list[list[str]] = []
    for line in lines:
        if line == "\f":  # a hard page break
            pages += [wrapped[i:i + per_page] for i in range(0, len(wrapped), per_page)]
            wrapped = []
            continue
        if not line.strip():
            wrapped.append("")
            continue
        wrapped.extend(simpleSplit(line, font, size, width) or [""])
    pages += [wrapped[i:i + per_page] for i in range(0, len(wrapped), per_page)]
    return pages or [[]]


def build_text_pdf(f: Filled, layout_kind: str = "template") -> bytes:
    """The form as a text PDF drawn with reportlab (header and "Sida N av M" on every page)."""
    font = body_font()
    doc = layout(f, layout_kind)
    width, height = A4
    margin, size, leading = 56.0, 10.0, 13.0
    per_page = int((height - 2 * margin - 40) // leading)
    pages = _pages(doc_lines(doc, page_breaks=True), font, size, width - 2 * margin, per_page)
    header = " ".join(t for p in doc.header for t in para_lines(p))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("Lägesbild sociala risker")
    c.setAuthor("Kommunal samordnare")
    for n, page in enumerate(pages, start=1):
        if header:
            c.setFont(font, 8)
            c.drawString(margin, height - 30, header)
        y = height - margin
        c.setFont(font, size)
        for line in page:
            c.drawString(margin, y, line)
            y -= leading
        if doc.footer:
            c.setFont(font, 8)
            c.drawCentredString(width / 2, 25, f"Sida {n} av {len(pages)}")
        c.showPage()
    c.save()
    return buf.getvalue()


def lo_pdf_source(f: Filled, layout_kind: str = "template") -> Conversion:
    """The LibreOffice docx -> pdf conversion of a filled form (run it via other_builder)."""
    return Conversion(build_docx(f, layout_kind), "docx", "pdf")


# --------------------------------------------------------------------------
# AcroForm
# --------------------------------------------------------------------------


def acroform_values(f: Filled) -> dict[str, str]:
    """Field name -> value for a filled form (the fields a fillable PDF would have)."""
    values: dict[str, str] = {}
    if f.municipality is not None:
        values["Kommun"] = f.municipality.value
    if f.period is not None:
        values["Manad"] = f.period.value
    for e in f.entries:
        if e.q != 7 and e.typed is not None:
            values[f"Paverkan{e.q}"] = e.typed
        values[f"Kommentar{e.q}"] = "\n".join(e.comment)
    return values


def blank_acroform() -> bytes:
    """The fillable form with empty fields: labels as page text, one field per answer."""
    font = body_font()
    width, height = A4
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("Mall för lägesbildsinsamling – Sociala risker (ifyllbar)")
    form = c.acroForm
    margin = 50.0
    y = height - 60

    def text(s: str, size: float = 9.5) -> None:
        nonlocal y
        c.setFont(font, size)
        for line in simpleSplit(s, font, size, width - 2 * margin):
            c.drawString(margin, y, line)
            y -= size + 3

    def new_page_if(needed: float) -> None:
        nonlocal y
        if y - needed < 50:
            c.showPage()
            y = height - 60

    text("Mall för lägesbildsinsamling – Sociala risker", 14)
    y -= 6
    c.setFont(font, 10)
    c.drawString(margin, y, "Kommun:")
    form.textfield(name="Kommun", tooltip="Kommun", x=margin + 120, y=y - 4, width=220, height=16,
                   borderWidth=0.5, fontName="Helvetica", fontSize=10)
    y -= 24
    c.drawString(margin, y, "Månad:")
    form.textfield(name="Manad", tooltip="Månad", x=margin + 120, y=y - 4, width=220, height=16,
                   borderWidth=0.5, fontName="Helvetica", fontSize=10)
    y -= 30
    text("Redogör kort under varje fråga:")
    y -= 4
    for q in range(1, 8):
        new_page_if(150)
        text(template_heading(q))
        if q != 7:
            c.setFont(font, 10)
            c.drawString(margin, y - 2, "Påverkan (1-5):")
            form.textfield(name=f"Paverkan{q}", tooltip=f"Påverkan {short_name(q)}",
                           x=margin + 120, y=y - 6, width=120, height=16, borderWidth=0.5,
                           fontName="Helvetica", fontSize=10)
            y -= 24
        c.setFont(font, 10)
        c.drawString(margin, y, "Kommentar:")
        y -= 70
        form.textfield(name=f"Kommentar{q}", tooltip=f"Kommentar {short_name(q)}", x=margin,
                       y=y, width=width - 2 * margin, height=64, borderWidth=0.5,
                       fieldFlags="multiline", fontName="Helvetica", fontSize=9)
        y -= 16
    c.showPage()
    c.save()
    return buf.getvalue()


def build_acroform_pdf(f: Filled) -> bytes:
    """A fillable PDF filled in (values stored in the fields, not in the page text)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_acroform())))
    writer.set_need_appearances_writer(True)
    writer.update_page_form_field_values(None, acroform_values(f), auto_regenerate=False)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------
# Scans and encryption
# --------------------------------------------------------------------------


def build_scanned_pdf(f: Filled, seed: int = 7) -> bytes:
    """The first page of the form as a grey, slightly noisy raster image; no text layer."""
    from PIL import Image, ImageDraw, ImageFont

    path = _font_file("DejaVuSans.ttf")
    font = ImageFont.truetype(str(path), 22) if path else ImageFont.load_default()
    img = Image.new("L", (1240, 1754), 250)
    draw = ImageDraw.Draw(img)
    y = 90
    for line in doc_lines(layout(f, "template"))[:60]:
        for piece in simpleSplit(line, "Helvetica", 10, 420) or [""]:
            draw.text((100, y), piece, fill=30, font=font)
            y += 28
            if y > 1650:
                break
        if y > 1650:
            break
    rng = random.Random(seed)
    px = img.load()
    assert px is not None
    for _ in range(6000):  # scanner speckle
        px[rng.randrange(1240), rng.randrange(1754)] = rng.choice((0, 90, 180))
    img = img.rotate(0.6, fillcolor=250)
    jpeg = io.BytesIO()
    img.save(jpeg, "JPEG", quality=70)
    jpeg.seek(0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setCreator("Canon iR-ADV C5535 (skannad)")
    c.drawImage(ImageReader(jpeg), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    return buf.getvalue()


def encrypt_pdf(data: bytes, user_password: str = "lagesbild2026") -> bytes:
    """A copy of a PDF that needs `user_password` to open (AES-128)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=user_password, owner_password="agare-" + user_password,
                   algorithm="AES-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


__all__ = ["acroform_values", "blank_acroform", "body_font", "build_acroform_pdf",
           "build_scanned_pdf", "build_text_pdf", "encrypt_pdf", "lo_pdf_source"]
