"""Blank report forms the county sends out: a Word file and an Excel file.

Both are built from a `FormSpec` (the form is data), keep the county's
template wording ("Fråga 1, Ordningsstörningar och otrygghet: …",
"Påverkan", "Kommentar:") and can be pre-filled with the municipality and the
reporting month. They are designed to be read back exactly:

* .docx: every value sits in a Word content control with a tag
  (`lagesbild:kommun`, `lagesbild:period`, `lagesbild:q<N>.impact`,
  `lagesbild:q<N>.comment`). Impact is a drop-down whose items show
  "3 – Oroande" and carry the value "3". An untouched control shows its
  placeholder and is marked `w:showingPlcHdr`, so a reader treats it as empty.
* .xlsx: the input cells are unlocked on a protected sheet and carry defined
  names (`Kommun`, `Period`, `q<N>_impact`, `q<N>_comment`). An impact cell
  always holds the integer 1–5: its drop-down lists the hidden sheet "Nivåer",
  whose cells hold 1..5 formatted as "1 – Normalt" … "5 – Kritiskt" (Excel
  shows that formatting in the list and stores the number), so a person may
  either pick a level or type the digit; anything else is refused with a
  Swedish message. Conditional formatting then shows the chosen cell as
  "3 – Oroande" in the level's colour.

Nothing here touches the disk: bytes out.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from outputs.safe_text import xml_safe
from parsers.form import FormSpec, Question, Scale
from parsers.result import Period

SWEDISH_MONTHS: tuple[str, ...] = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)

# Content-control tags and Excel defined names: the read-back contract.
TAG_PREFIX = "lagesbild:"
TAG_MUNICIPALITY = "lagesbild:kommun"
TAG_PERIOD = "lagesbild:period"
NAME_MUNICIPALITY = "Kommun"
NAME_PERIOD = "Period"

PLACEHOLDER_MUNICIPALITY = "Skriv kommunens namn"
# Deliberately no example month in the placeholder: a reader that ignored
# w:showingPlcHdr must not find a period in it.
PLACEHOLDER_PERIOD = "Skriv månad och år"
PLACEHOLDER_IMPACT = "Välj påverkan 1–5"
PLACEHOLDER_COMMENT = "Skriv kommentar här"

SHEET_FORM = "Lägesbild"
SHEET_INSTRUCTIONS = "Instruktioner"
SHEET_LEVELS = "Nivåer"
NAME_LEVEL_LIST = "Nivalista"


def impact_tag(number: int) -> str:
    """Content-control tag of question `number`'s impact drop-down."""
    return f"{TAG_PREFIX}q{number}.impact"


def comment_tag(number: int) -> str:
    """Content-control tag of question `number`'s comment."""
    return f"{TAG_PREFIX}q{number}.comment"


def impact_name(number: int) -> str:
    """Excel defined name of question `number`'s impact cell."""
    return f"q{number}_impact"


def comment_name(number: int) -> str:
    """Excel defined name of question `number`'s comment cell."""
    return f"q{number}_comment"


def month_title(period: Period) -> str:
    """The template's month line, capitalised: "Oktober månad 2026"."""
    return f"{SWEDISH_MONTHS[period.month - 1].capitalize()} månad {period.year}"


def period_label(period: Period) -> str:
    """The month as written in the "Månad:" field: "Oktober 2026"."""
    return f"{SWEDISH_MONTHS[period.month - 1].capitalize()} {period.year}"


def level_label(scale: Scale, value: int) -> str:
    """A level as shown in drop-downs: "3 – Oroande" (en dash)."""
    return f"{value} – {scale.name_of(value)}"


def question_heading(question: Question, prefix: str = "") -> tuple[str, str]:
    """The question line split into its bold part and the rest.

    Normally ("Fråga 1, Ordningsstörningar och otrygghet:", " Vilka …?").
    When the text already begins with the short name, as the template's
    question 7 does ("Positiva åtgärder eller händelser som syftar …?"), the
    short name is not repeated: ("Positiva åtgärder eller händelser", " som …?").
    """
    lead = f"{prefix}{question.number}, " if prefix else ""
    text, short = xml_safe(question.text.strip()), xml_safe(question.short)  # a county's own form file
    if not text:
        return f"{lead}{short}", ""
    if text.casefold().startswith(short.casefold()):
        cut = len(short)
        return f"{lead}{text[:cut]}", text[cut:]
    return f"{lead}{short}:", f" {text}"


def _intro_paragraphs(form: FormSpec) -> list[str]:
    """The intro split at blank lines, each paragraph on one line."""
    parts = re.split(r"\n\s*\n", xml_safe(form.intro.strip()))
    return [" ".join(p.split()) for p in parts if p.strip()]


def _confidentiality_note(form: FormSpec) -> str | None:
    """The intro paragraph about confidentiality, if the form has one."""
    for para in _intro_paragraphs(form):
        if "sekretess" in para.casefold():
            return para
    return None


# --------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------

_UNSAFE_RE = re.compile(r"[^\w .,()+-]")
_SPACES_RE = re.compile(r"\s+")


def _safe(part: str) -> str:
    # \w keeps letters with diacritics (Malung-Sälen, Älvdalen); everything a
    # file system or mail client may choke on (/ \ : * ? " < > | and control
    # characters) becomes a hyphen.
    part = unicodedata.normalize("NFC", part).replace("–", "-").replace("—", "-")
    part = _UNSAFE_RE.sub("-", part)
    return _SPACES_RE.sub(" ", part).strip(" .-")


def _file_stem(form: FormSpec) -> str:
    # "Mall för lägesbildsinsamling – Sociala risker" -> "Lägesbild sociala
    # risker": the part after the dash names the subject; a title without a
    # dash is used as it is.
    title = form.title.replace("–", "-").replace("—", "-")
    if " - " in title:
        subject = title.split(" - ", 1)[1].strip()
        if subject:
            return f"Lägesbild {subject[0].lower()}{subject[1:]}"
    return title.strip() or "Lägesbild"


def blank_form_filename(
    form: FormSpec, ext: str, municipality: str | None, period: Period | None
) -> str:
    """A file name for a blank form: "Lägesbild sociala risker - Ludvika - 2026-10.docx".

    Parts that are not given are left out ("Lägesbild sociala risker.xlsx").
    Only letters (Swedish ones included), digits, spaces and ``. , ( ) + -``
    survive; anything else becomes a hyphen.
    """
    parts = [_file_stem(form)]
    if municipality and municipality.strip():
        parts.append(municipality)
    if period is not None:
        parts.append(str(period))
    safe = [p for p in (_safe(x) for x in parts) if p]
    extension = _safe(ext.lstrip("."))
    if not extension:
        raise ValueError(f"invalid file extension: {ext!r}")
    return f"{' - '.join(safe) or 'Lägesbild'}.{extension}"


# --------------------------------------------------------------------------
# Word
# --------------------------------------------------------------------------

_PLACEHOLDER_STYLE_ID = "PlaceholderText"
_COMMENT_STYLE_ID = "Kommentarsfalt"


def _el(tag: str, **attrs: str) -> etree._Element:
    """A w: element with w: attributes."""
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    element = _el(tag, **attrs)
    parent.append(element)
    return element


def _text_run(text: str, *, placeholder: bool = False) -> etree._Element:
    run = _el("w:r")
    if placeholder:
        rpr = _sub(run, "w:rPr")
        _sub(rpr, "w:rStyle", val=_PLACEHOLDER_STYLE_ID)
        # Also direct grey: LibreOffice ignores the style inside block controls.
        _sub(rpr, "w:color", val="808080")
    t = _sub(run, "w:t")
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return run


# Unique w:id values for content controls, deterministic per document.
_Ids = Iterator[int]


def _sdt_pr(
    sdt: etree._Element, *, alias: str, tag: str, ids: _Ids, placeholder: bool
) -> etree._Element:
    # Child order follows CT_SdtPr: alias, tag, id, lock, showingPlcHdr, type.
    pr = _sub(sdt, "w:sdtPr")
    _sub(pr, "w:alias", val=alias)
    _sub(pr, "w:tag", val=tag)
    _sub(pr, "w:id", val=str(next(ids)))
    # sdtLocked: the control cannot be deleted by mistake; its content can be edited.
    _sub(pr, "w:lock", val="sdtLocked")
    if placeholder:
        _sub(pr, "w:showingPlcHdr")
    return pr


def _inline_text_control(
    paragraph: Paragraph, *, alias: str, tag: str, value: str | None, placeholder: str, ids: _Ids
) -> None:
    sdt = _el("w:sdt")
    pr = _sdt_pr(sdt, alias=alias, tag=tag, ids=ids, placeholder=value is None)
    _sub(pr, "w:text")
    content = _sub(sdt, "w:sdtContent")
    content.append(_text_run(placeholder if value is None else value, placeholder=value is None))
    paragraph._p.append(sdt)


def _impact_control(paragraph: Paragraph, form: FormSpec, number: int, ids: _Ids) -> None:
    sdt = _el("w:sdt")
    pr = _sdt_pr(
        sdt, alias=f"Påverkan fråga {number}", tag=impact_tag(number), ids=ids, placeholder=True
    )
    dropdown = _sub(pr, "w:dropDownList")
    for level in form.scale.levels:
        _sub(
            dropdown,
            "w:listItem",
            displayText=level_label(form.scale, level.value),
            value=str(level.value),
        )
    content = _sub(sdt, "w:sdtContent")
    content.append(_text_run(PLACEHOLDER_IMPACT, placeholder=True))
    paragraph._p.append(sdt)


def _comment_control(anchor: Paragraph, number: int, ids: _Ids) -> None:
    """A block-level rich-text control after `anchor`, so Enter makes new paragraphs.

    No type element in sdtPr means rich text, the only kind of control that
    may hold several paragraphs.
    """
    sdt = _el("w:sdt")
    _sdt_pr(
        sdt, alias=f"Kommentar fråga {number}", tag=comment_tag(number), ids=ids, placeholder=True
    )
    content = _sub(sdt, "w:sdtContent")
    p = _sub(content, "w:p")
    ppr = _sub(p, "w:pPr")
    _sub(ppr, "w:pStyle", val=_COMMENT_STYLE_ID)
    p.append(_text_run(PLACEHOLDER_COMMENT, placeholder=True))
    anchor._p.addnext(sdt)


def _set_swedish(document: DocxDocument) -> None:
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        return
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    if rpr is None:
        return
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = _sub(rpr, "w:lang")
    lang.set(qn("w:val"), "sv-SE")


def _add_styles(document: DocxDocument) -> None:
    styles = document.styles
    placeholder = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    placeholder.style_id = _PLACEHOLDER_STYLE_ID
    placeholder.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    # The comment box: a light frame with a tint. Word draws one frame around
    # consecutive paragraphs with the same border, so it grows as people type.
    box = styles.add_style("Kommentarsfält", WD_STYLE_TYPE.PARAGRAPH)
    box.style_id = _COMMENT_STYLE_ID
    box.base_style = styles["Normal"]
    box.paragraph_format.space_before = Pt(0)
    box.paragraph_format.space_after = Pt(0)
    box.paragraph_format.left_indent = Cm(0.15)
    box.paragraph_format.right_indent = Cm(0.15)
    ppr = box.element.get_or_add_pPr()
    borders = _el("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        _sub(borders, f"w:{side}", val="single", sz="4", space="4", color="A6A6A6")
    shading = _el("w:shd", val="clear", color="auto", fill="F7F7F7")
    # CT_PPrBase order: ... pBdr, shd, tabs, ..., spacing, ind ...; insert before spacing.
    first_after = ppr.find(qn("w:spacing"))
    if first_after is None:
        first_after = ppr.find(qn("w:ind"))
    if first_after is not None:
        first_after.addprevious(borders)
        first_after.addprevious(shading)
    else:
        ppr.append(borders)
        ppr.append(shading)
    # Generous line spacing: the box reads as a writing area, not a one-liner.
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        spacing.set(qn("w:line"), "360")
        spacing.set(qn("w:lineRule"), "atLeast")


def build_blank_docx(
    form: FormSpec, municipality: str | None = None, period: Period | None = None
) -> bytes:
    """A blank (optionally pre-filled) Word form with tagged content controls.

    Layout follows the county template: title, month line (only when
    `period` is given), the intro, "Underlaget inlämnat av kommun:" and
    "Månad:" with text controls, the instruction, then for each question
    "Fråga N, <short>: <text>", "Påverkan: " with a drop-down (questions with
    impact only) and "Kommentar:" followed by a multi-paragraph control.
    Nothing is protected; controls are locked against deletion only.
    """
    document = docx.Document()
    _set_swedish(document)
    _add_styles(document)
    ids = itertools.count(1001)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(2.2))

    props = document.core_properties
    props.title = xml_safe(form.title)
    props.subject = "Lägesbild"
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.language = "sv-SE"

    title = document.add_paragraph(style="Title")
    title.add_run(xml_safe(form.title))
    if period is not None:
        title.add_run().add_break(WD_BREAK.LINE)
        title.add_run(month_title(period))

    for text in _intro_paragraphs(form):
        document.add_paragraph(text)

    line = document.add_paragraph()
    line.paragraph_format.space_before = Pt(6)
    line.add_run("Underlaget inlämnat av kommun: ").bold = True
    _inline_text_control(
        line,
        alias="Kommun",
        tag=TAG_MUNICIPALITY,
        value=xml_safe(municipality) if municipality else municipality,
        placeholder=PLACEHOLDER_MUNICIPALITY,
        ids=ids,
    )
    line = document.add_paragraph()
    line.add_run("Månad: ").bold = True
    _inline_text_control(
        line,
        alias="Månad",
        tag=TAG_PERIOD,
        value=period_label(period) if period else None,
        placeholder=PLACEHOLDER_PERIOD,
        ids=ids,
    )

    document.add_paragraph(xml_safe(form.instruction)).runs[0].bold = True

    for question in form.questions:
        bold, rest = question_heading(question, prefix="Fråga ")
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.keep_with_next = True
        heading.add_run(bold).bold = True
        if rest:
            heading.add_run(rest)
        if question.impact:
            impact = document.add_paragraph()
            impact.paragraph_format.keep_with_next = True
            impact.paragraph_format.space_after = Pt(4)
            impact.add_run("Påverkan: ")
            _impact_control(impact, form, question.number, ids)
        label = document.add_paragraph("Kommentar:")
        label.paragraph_format.keep_with_next = True
        label.paragraph_format.space_after = Pt(2)
        _comment_control(label, question.number, ids)
    # End on an empty paragraph rather than a control, so Word has a place for
    # the cursor after the last box (as it does after a table).
    document.add_paragraph()

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------
# Excel
# --------------------------------------------------------------------------

_HEADER_ROW = 6
_FIRST_QUESTION_ROW = 7
_INPUT_FILL = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
_HEADER_FILL = PatternFill("solid", start_color="D9E1F2", end_color="D9E1F2")
_DISABLED_FILL = PatternFill("solid", start_color="BFBFBF", end_color="BFBFBF")
_THIN = Side(style="thin", color="A6A6A6")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_UNLOCKED = Protection(locked=False)
_TOP_WRAP = Alignment(wrap_text=True, vertical="top")
# Custom number-format ids inside conditional formats; far above the few
# ids (164+) openpyxl assigns to cell formats, so the two never collide.
_DXF_NUMFMT_BASE = 300


def _level_format(scale: Scale, value: int) -> str:
    return '"' + level_label(scale, value).replace('"', "") + '"'


def _cell_ref(ws: Worksheet, coordinate: str) -> str:
    column = "".join(c for c in coordinate if c.isalpha())
    row = "".join(c for c in coordinate if c.isdigit())
    return f"{quote_sheetname(ws.title)}!${column}${row}"


def _name(wb: Workbook, name: str, ws: Worksheet, coordinate: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=_cell_ref(ws, coordinate))


def _question_rich_text(question: Question) -> CellRichText:
    bold, rest = question_heading(question)
    blocks: list[str | TextBlock] = [TextBlock(InlineFont(b=True), bold)]
    if rest:
        blocks.append(rest)
    return CellRichText(*blocks)


def _levels_sheet(wb: Workbook, scale: Scale) -> Worksheet:
    """Hidden list source: numbers shown as "1 – Normalt" via their format."""
    ws = wb.create_sheet(SHEET_LEVELS)
    for row, level in enumerate(scale.levels, start=1):
        cell = ws.cell(row=row, column=1, value=level.value)
        cell.number_format = _level_format(scale, level.value)
    ws.column_dimensions["A"].width = 20
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    last = len(scale.levels)
    wb.defined_names[NAME_LEVEL_LIST] = DefinedName(
        NAME_LEVEL_LIST, attr_text=f"{quote_sheetname(ws.title)}!$A$1:$A${last}"
    )
    return ws


def _impact_validation(scale: Scale) -> DataValidation:
    first, last = scale.levels[0], scale.levels[-1]
    return DataValidation(
        type="list",
        formula1=NAME_LEVEL_LIST,
        allow_blank=True,
        showDropDown=False,  # (sic) False means the arrow IS shown
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Ogiltig påverkan",
        error=(
            f"Välj en nivå i listan ({level_label(scale, first.value)} … "
            f"{level_label(scale, last.value)}) eller skriv en siffra från "
            f"{scale.min} till {scale.max}."
        ),
        showInputMessage=True,
        promptTitle="Påverkan",
        prompt=(
            f"Välj i listan eller skriv en siffra {scale.min}–{scale.max} "
            f"({scale.min} = {first.name}, {scale.max} = {last.name})."
        ),
    )


def _impact_colours(ws: Worksheet, cells: str, scale: Scale) -> None:
    for level in scale.levels:
        fill = PatternFill("solid", start_color=level.colour, end_color=level.colour)
        numfmt = NumberFormat(
            numFmtId=_DXF_NUMFMT_BASE + level.value, formatCode=_level_format(scale, level.value)
        )
        rule = Rule(
            type="cellIs",
            operator="equal",
            formula=[str(level.value)],
            dxf=DifferentialStyle(fill=fill, numFmt=numfmt),
        )
        ws.conditional_formatting.add(cells, rule)


def _instructions_sheet(wb: Workbook, form: FormSpec) -> None:
    ws = wb.create_sheet(SHEET_INSTRUCTIONS)
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 90
    ws["A1"] = xml_safe(form.title)
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for para in _intro_paragraphs(form):
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
        cell = ws.cell(row=row, column=1, value=para)
        cell.alignment = _TOP_WRAP
        ws.row_dimensions[row].height = 15 * (1 + len(para) // 95)
        row += 1
    row += 1
    how = (
        f'Fyll i bladet "{SHEET_FORM}": kommun, månad och för varje fråga påverkan och '
        f"kommentar. Påverkan väljs i listan i cellen eller skrivs som en siffra "
        f"{form.scale.min}–{form.scale.max}. Frågor utan påverkan har en grå cell."
    )
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
    ws.cell(row=row, column=1, value=how).alignment = _TOP_WRAP
    ws.row_dimensions[row].height = 45
    row += 2
    ws.cell(row=row, column=1, value="Påverkan").font = Font(bold=True)
    ws.cell(row=row, column=2, value="Nivå").font = Font(bold=True)
    for level in form.scale.levels:
        row += 1
        fill = PatternFill("solid", start_color=level.colour, end_color=level.colour)
        for col, value in ((1, level.value), (2, level.name)):
            cell = ws.cell(row=row, column=col, value=value)
            cell.fill = fill
            cell.border = _BOX
            cell.alignment = Alignment(horizontal="left")
    ws.protection.sheet = True
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0


def build_blank_xlsx(
    form: FormSpec, municipality: str | None = None, period: Period | None = None
) -> bytes:
    """A blank (optionally pre-filled) Excel form: sheet "Lägesbild" plus instructions.

    Layout of "Lägesbild": A1 title, A2 month line (when `period` is given),
    A3/B3 "Kommun:", A4/B4 "Månad:" ("Oktober 2026"), A5 instruction, header
    row 6 ("Nr", "Fråga", "Påverkan (1-5)", "Kommentar"), then one row per
    question. Input cells are unlocked and named; everything else is locked
    by sheet protection without a password (so staff can lift it).
    """
    wb = Workbook()
    wb.properties.creator = "Lägesbild"
    wb.properties.title = xml_safe(form.title)
    wb.properties.language = "sv-SE"
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_FORM

    ws.column_dimensions["A"].width = 10
    ws.column_dimensions["B"].width = 60
    ws.column_dimensions["C"].width = 18
    ws.column_dimensions["D"].width = 80

    ws["A1"] = xml_safe(form.title)
    ws["A1"].font = Font(bold=True, size=14)
    if period is not None:
        ws["A2"] = month_title(period)
        ws["A2"].font = Font(bold=True, size=12)

    inputs = (
        (3, "Kommun:", xml_safe(municipality) if municipality else municipality, NAME_MUNICIPALITY),
        (4, "Månad:", period_label(period) if period else None, NAME_PERIOD),
    )
    for row, label, value, name in inputs:
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        cell = ws.cell(row=row, column=2, value=value)
        # Text format: a typed "2026-10" must stay text, not become a date.
        cell.number_format = "@"
        cell.fill = _INPUT_FILL
        cell.border = _BOX
        cell.protection = _UNLOCKED
        _name(wb, name, ws, cell.coordinate)

    ws["A5"] = xml_safe(form.instruction)
    ws["A5"].font = Font(italic=True)

    for col, header in enumerate(("Nr", "Fråga", "Påverkan (1-5)", "Kommentar"), start=1):
        cell = ws.cell(row=_HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BOX

    _instructions_sheet(wb, form)
    _levels_sheet(wb, form.scale)  # last, and hidden
    validation = _impact_validation(form.scale)
    ws.add_data_validation(validation)
    impact_cells: list[str] = []

    for offset, question in enumerate(form.questions):
        row = _FIRST_QUESTION_ROW + offset
        ws.row_dimensions[row].height = 120
        number = ws.cell(row=row, column=1, value=question.number)
        number.alignment = Alignment(horizontal="center", vertical="top")
        text = ws.cell(row=row, column=2, value=_question_rich_text(question))
        text.alignment = _TOP_WRAP
        impact = ws.cell(row=row, column=3)
        impact.alignment = Alignment(horizontal="center", vertical="top")
        comment = ws.cell(row=row, column=4)
        comment.alignment = _TOP_WRAP
        comment.fill = _INPUT_FILL
        comment.protection = _UNLOCKED
        for cell in (number, text, impact, comment):
            cell.border = _BOX
        _name(wb, comment_name(question.number), ws, comment.coordinate)
        if question.impact:
            impact.fill = _INPUT_FILL
            impact.protection = _UNLOCKED
            validation.add(impact.coordinate)
            impact_cells.append(impact.coordinate)
            _name(wb, impact_name(question.number), ws, impact.coordinate)
        else:
            impact.fill = _DISABLED_FILL  # stays locked: nothing to answer here

    if impact_cells:
        _impact_colours(ws, " ".join(impact_cells), form.scale)

    ws.freeze_panes = f"A{_FIRST_QUESTION_ROW}"
    ws.sheet_view.selection[0].activeCell = "B3"
    ws.sheet_view.selection[0].sqref = "B3"
    # No password: protection only keeps the labels from being typed over.
    # Row heights and column widths stay adjustable for long comments.
    ws.protection.sheet = True
    ws.protection.formatRows = False
    ws.protection.formatColumns = False

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    note = _confidentiality_note(form)
    if note:
        ws.oddFooter.center.text = note.replace("&", "&&")
        ws.oddFooter.center.size = 8

    wb.active = 0

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
