"""Small renderers for the wild cases: a document described as data, written as a real file.

- `build_docx(Docx)`: paragraphs with formatted runs (bold, highlight,
  underline, strike, colour), Word auto-numbered and bulleted list items,
  tables with merged cells, shading and repeated header rows, page breaks, a
  page header and a "Sida X av Y" footer, and Word comment balloons. Raw
  WordprocessingML is used where python-docx has no API.
- `build_xlsx(list[XSheet])`: sheets with hidden rows/columns, merged cells,
  date cells with number formats, a chosen active sheet.
- `build_acroform(...)`: a fillable PDF whose fields carry names the way
  Acrobat's "Förbered formulär" names them.
- The Dalarna template text exactly as printed in seed 003 (lines 118-170,
  and the variant without "Fråga N" at lines 460-495), so cases start from
  the real form and mutate it.

Nothing here is real personal data.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
import openpyxl
from docx.enum.text import WD_BREAK, WD_COLOR_INDEX
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run as DocxRun
from openpyxl.styles import Alignment

# --------------------------------------------------------------------------
# The template text (seed 003, lines 118-170 and 460-495)
# --------------------------------------------------------------------------

TITLE_LINES = ("Mall för lägesbildsinsamling -", "Sociala risker")
TEMPLATE_MONTH = "Juli månad"
INTRO = (
    "Rapporteringen är återkommande och riktar sig till kommunerna. Syftet är att i ett tidigt "
    "skede synliggöra signaler och händelser inom kommunen kopplade mot sociala risker, t.ex. "
    "ordningsstörningar, rasism, extremism, alkohol, droger och andra situationer som rör den "
    "allmänna tryggheten.",
    "Den kommunala samordnaren ansvarar för att sprida checklistan i den egna organisationen och "
    "hos relevanta samverkanspartner, i första hand bostadsbolag och polis. Den sammantagna "
    "kommunala rapporten kommer att användas som underlag till den regionala lägesbild som "
    "länsstyrelsen ansvarar för.",
    "Rapporteringen ska vara Länsstyrelsen tillhanda genom att vara inrapporterat senast den "
    "sista vardagen varje månad.",
    "Uppgifter som ni bedömer lyder under sekretess och individuppgifter ska inte tas med i denna "
    "lägesbild.",
)
MUNICIPALITY_LABEL = "Underlaget inlämnat av kommun"
INSTRUCTION = "Redogör kort under varje fråga:"

SHORT = {
    1: "Ordningsstörningar och otrygghet",
    2: "Hot och våld",
    3: "Extremism och kriminella nätverk",
    4: "Ungdomar/skolor",
    5: "Alkohol, narkotika, doping och tobak",
    6: "Övrigt",
    7: "Positiva åtgärder eller händelser",
}

#: Question wording after "Fråga N, Short: " exactly as the seed prints it (typos included).
WORDING = {
    1: "Vilka ordningsstörningar och händelser som kan skapa otrygghet i samhället (t. ex. inbrott, "
       "buskörning, bränder eller skadegörelse) har förekommit den senaste månaden?",
    2: "Vilka händelser och trender kan ni se vad gäller hot och våldsbrott under den senaste "
       "månaden (både i offentliga miljöer och i hemmet)?",
    3: "Vilka indikationer på \"våldsbejakande extremism\", kriminella nätverk eller kriminella "
       "skolor (t. ex. i form av klotter, klistermärken, propagandaspridning och rekrytering) har "
       "förekommit under den senaste månaden?",
    4: "På vilka skolor, fritidsgränder eller i andra miljöer kopplad till ungdomar har ni "
       "uppmärksammat bråk eller andra oroligheter och på vilket vis?",
    5: "Vilka indikationer och trender har ni sett under den senaste månaden vad gäller droghandel "
       "och bruk/misbruk av alkohol, narkotika och doping och tobak?",
    6: "Övrig information som kan vara av intresse för den regionala lägesbild. (t. ex. hot mot "
       "personal och politiker, trakasserier, ofredanden, ryktesspridning i sociala medier, "
       "kommande arrangemang eller evenemang)?",
    7: "Positiva åtgärder eller händelser som syftar till att öka tryggheten och förebygga sociala "
       "risker?",
}

#: The variant form (seed lines 470-495): "Short: wording" without "Fråga N".
VARIANT_WORDING = {
    1: "Vilka ordningsstörningar och händelser som kan skapa otrygghet i samhället (t.ex. inbrott, "
       "buskörning, bränder eller skadegörelse) har förekommit den senaste månaden?",
    2: WORDING[2],
    3: "Vilka indikationer på våldsbejakande extremism, kriminella nätverk eller kriminella aktörer "
       "(t.ex. i form av klotter, klistermärken, propagandaspridning och rekrytering) har "
       "förekommit under den senaste månaden?",
    4: "På vilka skolor, fritidsgårdar eller i andra miljöer kopplat till ungdomar har ni "
       "uppmärksammat bråk eller andra oroligheter och på vilket vis?",
    5: "Vilka indikationer och trender har ni sett under den senaste månaden vad gäller droghandel "
       "och bruk/missbruk av alkohol, narkotika, doping och tobak?",
    6: "Övrig information som kan vara av intresse för den regionala lägesbilden, (t.ex. hot mot "
       "personal och politiker, trakasserier, ofredanden, ryktesspridning i sociala medier, "
       "kommande arrangemang eller evenemang)?",
    7: WORDING[7],
}


def heading(q: int) -> str:
    """The template heading of question `q` ("Fråga 1, Ordningsstörningar …: Vilka …?")."""
    if q == 7:
        return f"Fråga 7, {WORDING[7]}"
    return f"Fråga {q}, {SHORT[q]}: {WORDING[q]}"


def variant_heading(q: int) -> str:
    """The heading of the variant form ("Ordningsstörningar och otrygghet: Vilka …?")."""
    if q == 7:
        return VARIANT_WORDING[7]
    return f"{SHORT[q]}: {VARIANT_WORDING[q]}"


# --------------------------------------------------------------------------
# Word documents as data
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A run of text with direct formatting; "\\n" is a soft line break, "\\t" a tab."""

    text: str
    bold: bool = False
    highlight: str | None = None  # "yellow", "green", ...
    underline: bool = False
    strike: bool = False
    color: str | None = None  # "FF0000"
    hidden: bool = False


@dataclass(frozen=True)
class Para:
    """A paragraph: runs (plain strings allowed) and an optional style name."""

    runs: tuple[Run | str, ...]
    style: str | None = None
    comment: str | None = None  # a Word comment balloon anchored on the whole paragraph


def P(*runs: Run | str, style: str | None = None, comment: str | None = None) -> Para:
    """Shorthand for a paragraph."""
    return Para(tuple(runs), style, comment)


def num(text: str) -> Para:
    """A Word auto-numbered list item ("1.", "2.", … shown by Word, not typed)."""
    return Para((text,), "List Number")


def bullet(text: str) -> Para:
    """A Word bulleted list item."""
    return Para((text,), "List Bullet")


@dataclass(frozen=True)
class PageBreak:
    """A hard page break (Ctrl+Enter)."""


CellContent = str | tuple["Item", ...]


@dataclass(frozen=True)
class Tbl:
    """A table. A cell is a string (one paragraph per "\\n"-separated line) or a tuple of items.

    spans: (row, col, n) merges n cells horizontally starting at (row, col)
    (the spanned cells of `rows` are ignored). shade: (row, col, hex fill).
    header_rows: the first n rows repeat at the top of each page.
    """

    rows: tuple[tuple[CellContent, ...], ...]
    spans: tuple[tuple[int, int, int], ...] = ()
    shade: tuple[tuple[int, int, str], ...] = ()
    header_rows: int = 0


Item = str | Para | Tbl | PageBreak


@dataclass(frozen=True)
class Docx:
    """A whole document: body items, page header lines, an optional page-number footer."""

    body: tuple[Item, ...]
    header: tuple[str, ...] = ()
    page_numbers: bool = False
    title: str = "Lägesbild sociala risker"


_HL = {
    "yellow": WD_COLOR_INDEX.YELLOW,
    "green": WD_COLOR_INDEX.BRIGHT_GREEN,
    "turquoise": WD_COLOR_INDEX.TURQUOISE,
}


def _add_runs(paragraph: DocxParagraph, runs: tuple[Run | str, ...]) -> list[DocxRun]:
    made: list[DocxRun] = []
    for r in runs:
        run = r if isinstance(r, Run) else Run(r)
        lines = run.text.split("\n")
        for i, line in enumerate(lines):
            pieces = line.split("\t")
            for j, piece in enumerate(pieces):
                w = paragraph.add_run(piece)
                made.append(w)
                if run.bold:
                    w.bold = True
                if run.highlight:
                    w.font.highlight_color = _HL[run.highlight]
                if run.underline:
                    w.underline = True
                if run.strike:
                    w.font.strike = True
                if run.color:
                    w.font.color.rgb = RGBColor.from_string(run.color)
                if run.hidden:
                    w.font.hidden = True
                if j + 1 < len(pieces):
                    w.add_tab()
            if i + 1 < len(lines):
                made[-1].add_break()
    return made


class _Writer:
    def __init__(self, spec: Docx) -> None:
        self.spec = spec
        self.doc = docx.Document()

    def para(self, container: object, item: Para | str) -> None:
        p = item if isinstance(item, Para) else Para((item,))
        paragraph = container.add_paragraph(style=p.style)  # type: ignore[attr-defined]
        runs = _add_runs(paragraph, p.runs)
        if p.comment:
            if not runs:
                runs = [paragraph.add_run("")]
            self.doc.add_comment(runs, text=p.comment, author="Samordnare", initials="S")

    def items(self, container: object, items: tuple[Item, ...] | list[Item]) -> None:
        for item in items:
            if isinstance(item, Tbl):
                self.table(container, item)
            elif isinstance(item, PageBreak):
                container.add_paragraph().add_run().add_break(WD_BREAK.PAGE)  # type: ignore[attr-defined]
            else:
                self.para(container, item)

    def table(self, container: object, t: Tbl) -> None:
        ncols = max(len(r) for r in t.rows)
        table = container.add_table(rows=len(t.rows), cols=ncols)  # type: ignore[attr-defined]
        table.style = self.doc.styles["Table Grid"]
        spanned = set()
        for r, c, n in t.spans:
            table.cell(r, c).merge(table.cell(r, c + n - 1))
            spanned |= {(r, k) for k in range(c + 1, c + n)}
        for r, row in enumerate(t.rows):
            for c, content in enumerate(row):
                if (r, c) in spanned:
                    continue
                cell = table.cell(r, c)
                tc = cell._tc
                for old in tc.findall(qn("w:p")):
                    tc.remove(old)
                items: tuple[Item, ...] = (content,) if isinstance(content, str) else content
                if isinstance(content, str) and "\n" in content:
                    items = tuple(content.split("\n"))
                self.items(cell, items or ("",))
        for r, c, fill in t.shade:
            tcpr = table.cell(r, c)._tc.get_or_add_tcPr()
            shd = OxmlElement("w:shd")
            shd.set(qn("w:val"), "clear")
            shd.set(qn("w:color"), "auto")
            shd.set(qn("w:fill"), fill)
            tcpr.append(shd)
        for r in range(t.header_rows):
            trpr = table.rows[r]._tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:tblHeader"))
        if container is self.doc:
            return
        # python-docx appends a table to a cell after its paragraphs: fine for our use.

    def render(self) -> bytes:
        body = self.doc.element.body
        for old in list(body):
            if old.tag != qn("w:sectPr"):
                body.remove(old)
        self.items(self.doc, self.spec.body)
        section = self.doc.sections[0]
        if self.spec.header:
            hdr = section.header
            hdr.is_linked_to_previous = False
            hdr.paragraphs[0].text = self.spec.header[0]
            for line in self.spec.header[1:]:
                hdr.add_paragraph(line)
        if self.spec.page_numbers:
            ftr = section.footer
            ftr.is_linked_to_previous = False
            p = ftr.paragraphs[0]._p
            p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">Sida </w:t></w:r>'))
            for instr, shown, after in ((" PAGE ", "1", " av "), (" NUMPAGES ", "2", "")):
                p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="{instr}">'
                                   f"<w:r><w:t>{shown}</w:t></w:r></w:fldSimple>"))
                if after:
                    p.append(parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve">{after}</w:t></w:r>'))
        props = self.doc.core_properties
        props.author = "Kommunal samordnare"
        props.title = self.spec.title
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


def build_docx(spec: Docx) -> bytes:
    """Write `spec` as a .docx file."""
    return _Writer(spec).render()


# --------------------------------------------------------------------------
# Excel workbooks as data
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class XSheet:
    """One worksheet. Rows are 1-based in `hidden_rows`; formats map "B3" -> number format."""

    name: str
    rows: tuple[tuple[object, ...], ...]  # str, int, float, date, datetime or None
    hidden_rows: tuple[int, ...] = ()
    hidden_cols: tuple[str, ...] = ()
    merges: tuple[str, ...] = ()
    formats: tuple[tuple[str, str], ...] = ()
    widths: tuple[float, ...] = (40, 16, 70, 30, 20, 20, 20, 20)
    fit_width: bool = False  # "Anpassa alla kolumner på en sida", landscape


def _row_lines(row: tuple[object, ...], widths: tuple[float, ...]) -> int:
    """How many text lines the tallest wrapped cell of a row needs (Excel autofits this)."""
    most = 1
    for c, value in enumerate(row):
        if not isinstance(value, str):
            continue
        width = widths[c] if c < len(widths) else 10
        lines = sum(max(1, -(-len(part) // max(1, int(width * 1.1)))) for part in value.split("\n"))
        most = max(most, lines)
    return most


def build_xlsx(sheets: list[XSheet], active: int = 0) -> bytes:
    """Write sheets with openpyxl (wrapped text for long cells, hidden rows/columns kept)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and ("\n" in value or len(value) > 50):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            lines = _row_lines(row, sh.widths)
            if lines > 1:
                ws.row_dimensions[r].height = 15 * lines
        if sh.fit_width:
            ws.page_setup.orientation = "landscape"
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
            ws.sheet_properties.pageSetUpPr.fitToPage = True
        for rng in sh.merges:
            ws.merge_cells(rng)
        for coord, fmt in sh.formats:
            ws[coord].number_format = fmt
        for i, width in enumerate(sh.widths):
            ws.column_dimensions["ABCDEFGHIJ"[i]].width = width
        for r in sh.hidden_rows:
            ws.row_dimensions[r].hidden = True
        for col in sh.hidden_cols:
            ws.column_dimensions[col].hidden = True
    wb.active = active
    wb.properties.creator = "Kommunal samordnare"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------
# A fillable PDF named the way Acrobat names auto-detected fields
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfField:
    """A text field placed after a printed label; `value` is what was typed into it."""

    name: str
    value: str
    multiline: bool = False


PdfLine = str | PdfField


def build_acroform(lines: list[PdfLine]) -> bytes:
    """A one/two-page fillable PDF: printed lines, text fields where `PdfField`s stand."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    from tests.builders.pdf_builder import body_font

    font = body_font()
    width, height = A4
    margin = 50.0
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setTitle("Lägesbild sociala risker")
    y = height - margin
    for line in lines:
        if isinstance(line, PdfField):
            h = 60.0 if line.multiline else 18.0
            if y - h < margin:
                c.showPage()
                y = height - margin
            c.acroForm.textfield(
                name=line.name, value=line.value, x=margin + 10, y=y - h, width=width - 2 * margin - 10,
                height=h, fontName="Helvetica", fontSize=9, borderWidth=1,
                fieldFlags="multiline" if line.multiline else "",
            )
            y -= h + 8
            continue
        wrapped = simpleSplit(line, font, 10, width - 2 * margin) or [""]
        for part in wrapped:
            if y < margin + 14:
                c.showPage()
                y = height - margin
            c.setFont(font, 10)
            c.drawString(margin, y, part)
            y -= 14
    c.showPage()
    c.save()
    return buf.getvalue()
