"""The blank report form as an Excel file: named, unlocked input cells on a protected sheet."""

from __future__ import annotations

import io

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

from outputs.blank_forms import (
    NAME_AREA,
    NAME_LEVEL_LIST,
    NAME_MUNICIPALITY,
    NAME_PERIOD,
    SHEET_FORM,
    SHEET_INSTRUCTIONS,
    SHEET_LEVELS,
    area_field_label,
    comment_name,
    confidentiality_note,
    impact_name,
    intro_paragraphs,
    level_label,
    month_title,
    period_field_label,
    period_label,
    prefilled_area,
    question_heading,
)
from outputs.safe_text import xml_safe
from parsers.form import FormSpec, Question, Scale
from parsers.result import Period

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
    for para in intro_paragraphs(form):
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
    form: FormSpec, municipality: str | None = None, period: Period | None = None, *, area: str | None = None
) -> bytes:
    """A blank (optionally pre-filled) Excel form: sheet "Lägesbild" plus instructions.

    Layout of "Lägesbild": A1 title, A2 month line (when `period` is given),
    A3/B3 "Kommun:", A4/B4 "Månad:" ("Oktober 2026") and, on a form that asks
    for the area, C4/D4 "Område:" (blank, or pre-filled with `area`), A5 instruction, header
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

    inputs = [
        (3, 1, "Kommun:", xml_safe(municipality) if municipality else municipality, NAME_MUNICIPALITY),
        (4, 1, f"{period_field_label(form)}:", period_label(period) if period else None, NAME_PERIOD),
    ]
    area_label = area_field_label(form)
    if area_label:
        # Beside the period, as the EST checklist prints it ("Område: ___ Vecka och år: ___").
        inputs.append((4, 3, f"{area_label}:", prefilled_area(form, area), NAME_AREA))
    for row, column, label, value, name in inputs:
        ws.cell(row=row, column=column, value=label).font = Font(bold=True)
        cell = ws.cell(row=row, column=column + 1, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # typed text such as an area "=Norr": text, never a formula
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
    note = confidentiality_note(form)
    if note:
        ws.oddFooter.center.text = note.replace("&", "&&")
        ws.oddFooter.center.size = 8

    wb.active = 0

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
