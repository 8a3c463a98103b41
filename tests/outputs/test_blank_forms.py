"""Blank forms: the .docx and .xlsx the county sends out, opened again and inspected."""

from __future__ import annotations

import importlib.util
import io
import shutil
import subprocess
from pathlib import Path

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from lxml import etree
from openpyxl.worksheet.worksheet import Worksheet

from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import (
    PLACEHOLDER_COMMENT,
    PLACEHOLDER_IMPACT,
    PLACEHOLDER_MUNICIPALITY,
    PLACEHOLDER_PERIOD,
    SWEDISH_MONTHS,
    blank_form_filename,
    month_title,
    period_label,
)
from outputs.blank_xlsx import build_blank_xlsx
from parsers.form import FormSpec, default_form, form_from_dict
from parsers.result import Answer, Period

# tests/outputs has no __init__.py, so pytest puts this folder on sys.path.
from tests.outputs.fill import fill_docx, fill_xlsx, read_docx_controls, read_xlsx_inputs

FORM = default_form()
OCT = Period(2026, 10)
LEVELS = ["1 – Normalt", "2 – Avvikande", "3 – Oroande", "4 – Allvarligt", "5 – Kritiskt"]


def _sdts(data: bytes) -> dict[str, etree._Element]:
    body = docx.Document(io.BytesIO(data)).element.body
    return {
        sdt.find(f"{qn('w:sdtPr')}/{qn('w:tag')}").get(qn("w:val")): sdt
        for sdt in body.iter(qn("w:sdt"))
    }


def _pr(sdt: etree._Element, child: str) -> etree._Element | None:
    return sdt.find(f"{qn('w:sdtPr')}/{qn(child)}")


def _val(sdt: etree._Element, child: str) -> str | None:
    """The w:val of a child of sdtPr; None when the child is absent."""
    element = _pr(sdt, child)
    return None if element is None else element.get(qn("w:val"))


def _text(element: etree._Element) -> str:
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def _body_paragraph_texts(data: bytes) -> list[str]:
    """Text of body-level paragraphs, content controls included."""
    body = docx.Document(io.BytesIO(data)).element.body
    return [_text(p) for p in body.iterchildren(qn("w:p"))]


# ---------------------------------------------------------------- names ----


def test_month_names_are_swedish_and_capitalised_in_titles() -> None:
    assert SWEDISH_MONTHS[0] == "januari" and SWEDISH_MONTHS[11] == "december"
    assert len(set(SWEDISH_MONTHS)) == 12
    assert month_title(OCT) == "Oktober månad 2026"
    assert period_label(Period(2027, 5)) == "Maj 2027"


def test_filename_with_and_without_parts() -> None:
    assert (
        blank_form_filename(FORM, "docx", "Ludvika", OCT)
        == "Lägesbild sociala risker - Ludvika - 2026-10.docx"
    )
    assert blank_form_filename(FORM, ".xlsx", None, None) == "Lägesbild sociala risker.xlsx"
    assert (
        blank_form_filename(FORM, "xlsx", "Malung-Sälen", None)
        == "Lägesbild sociala risker - Malung-Sälen.xlsx"
    )


def test_filename_replaces_unsafe_characters() -> None:
    name = blank_form_filename(FORM, "docx", 'A/B\\C:D*?"<>|\x00', OCT)
    assert not set(name) & set('/\\:*?"<>|\x00')
    assert name.endswith(" - 2026-10.docx")
    with pytest.raises(ValueError):
        blank_form_filename(FORM, "/", None, None)


# ----------------------------------------------------------------- docx ----


def test_docx_has_every_control_with_tag_alias_and_lock() -> None:
    sdts = _sdts(build_blank_docx(FORM))
    expected = {"lagesbild:kommun", "lagesbild:period"}
    for q in FORM.questions:
        expected.add(f"lagesbild:q{q.number}.comment")
        if q.impact:
            expected.add(f"lagesbild:q{q.number}.impact")
    assert set(sdts) == expected
    assert "lagesbild:q7.impact" not in sdts
    ids = [_val(s, "w:id") for s in sdts.values()]
    assert len(set(ids)) == len(ids)
    for tag, sdt in sdts.items():
        assert _val(sdt, "w:alias"), tag
        assert _val(sdt, "w:lock") == "sdtLocked"
    assert _val(sdts["lagesbild:q1.impact"], "w:alias") == "Påverkan fråga 1"
    assert _val(sdts["lagesbild:q7.comment"], "w:alias") == "Kommentar fråga 7"


def test_docx_impact_dropdowns_list_the_levels() -> None:
    sdts = _sdts(build_blank_docx(FORM))
    for n in range(1, 7):
        items = sdts[f"lagesbild:q{n}.impact"].findall(
            f"{qn('w:sdtPr')}/{qn('w:dropDownList')}/{qn('w:listItem')}"
        )
        assert [i.get(qn("w:displayText")) for i in items] == LEVELS
        assert [i.get(qn("w:value")) for i in items] == ["1", "2", "3", "4", "5"]


def test_docx_blank_controls_show_placeholders() -> None:
    sdts = _sdts(build_blank_docx(FORM))
    placeholders = {
        "lagesbild:kommun": PLACEHOLDER_MUNICIPALITY,
        "lagesbild:period": PLACEHOLDER_PERIOD,
        "lagesbild:q1.impact": PLACEHOLDER_IMPACT,
        "lagesbild:q7.comment": PLACEHOLDER_COMMENT,
    }
    for tag, sdt in sdts.items():
        assert _pr(sdt, "w:showingPlcHdr") is not None, tag
    for tag, text in placeholders.items():
        assert _text(sdts[tag].find(qn("w:sdtContent"))) == text
    assert set(read_docx_controls(build_blank_docx(FORM)).values()) == {None}


def test_docx_comment_controls_are_block_level_rich_text() -> None:
    body = docx.Document(io.BytesIO(build_blank_docx(FORM))).element.body
    block = [s for s in body.iterchildren(qn("w:sdt"))]
    assert len(block) == len(FORM.questions)
    for sdt in block:
        pr = sdt.find(qn("w:sdtPr"))
        # No type element means rich text, the kind that may hold paragraphs.
        assert pr.find(qn("w:text")) is None and pr.find(qn("w:dropDownList")) is None
        assert sdt.find(f"{qn('w:sdtContent')}/{qn('w:p')}") is not None


def test_docx_prefilled_values() -> None:
    data = build_blank_docx(FORM, "Ludvika", OCT)
    values = read_docx_controls(data)
    assert values["lagesbild:kommun"] == "Ludvika"
    assert values["lagesbild:period"] == "Oktober 2026"
    assert values["lagesbild:q1.impact"] is None
    paragraphs = _body_paragraph_texts(data)
    assert paragraphs[0] == FORM.title + "Oktober månad 2026"  # a line break between
    assert "Underlaget inlämnat av kommun: Ludvika" in paragraphs
    assert "Månad: Oktober 2026" in paragraphs


def test_docx_text_follows_the_template() -> None:
    paragraphs = _body_paragraph_texts(build_blank_docx(FORM))
    assert paragraphs[0] == FORM.title
    intro = [" ".join(p.split()) for p in FORM.intro.split("\n\n")]
    for para in intro:
        assert para in paragraphs
    assert "Underlaget inlämnat av kommun: " + PLACEHOLDER_MUNICIPALITY in paragraphs
    assert FORM.instruction in paragraphs
    for q in FORM.questions[:6]:
        assert f"Fråga {q.number}, {q.short}: {q.text}" in paragraphs
    # Question 7's text starts with its short name; the template does not repeat it.
    q7 = FORM.question(7)
    assert f"Fråga 7, {q7.text}" in paragraphs
    assert paragraphs.count("Påverkan: " + PLACEHOLDER_IMPACT) == 6
    assert paragraphs.count("Kommentar:") == 7
    q7_at = paragraphs.index(f"Fråga 7, {q7.text}")
    assert "Påverkan" not in " ".join(paragraphs[q7_at:])


def test_docx_question_heading_bolds_the_name() -> None:
    document = docx.Document(io.BytesIO(build_blank_docx(FORM)))
    heading = next(p for p in document.paragraphs if p.text.startswith("Fråga 2,"))
    assert heading.runs[0].text == "Fråga 2, Hot och våld:" and heading.runs[0].bold
    assert not heading.runs[1].bold


def test_docx_is_a4_swedish_and_unprotected() -> None:
    document = docx.Document(io.BytesIO(build_blank_docx(FORM)))
    section = document.sections[0]
    assert section.page_width is not None and section.page_height is not None
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    settings = document.settings.element
    assert settings.find(qn("w:documentProtection")) is None
    lang = document.styles.element.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}"
    )
    assert lang.get(qn("w:val")) == "sv-SE"
    assert document.core_properties.author == ""


def test_docx_fill_helper_round_trips_raw_values() -> None:
    answers = {
        1: Answer(4, "Inbrott i centrum.\nBränder i skolan."),
        7: Answer(None, "Nattvandring."),
    }
    data = fill_docx(
        build_blank_docx(FORM), municipality="Orsa", period="November 2026", answers=answers
    )
    values = read_docx_controls(data)
    assert values["lagesbild:kommun"] == "Orsa"
    assert values["lagesbild:period"] == "November 2026"
    assert values["lagesbild:q1.impact"] == "4 – Allvarligt"
    assert values["lagesbild:q1.comment"] == "Inbrott i centrum.\nBränder i skolan."
    assert values["lagesbild:q7.comment"] == "Nattvandring."
    assert values["lagesbild:q2.impact"] is None


# ----------------------------------------------------------------- xlsx ----


def _wb(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _form_sheet(data: bytes) -> Worksheet:
    return _wb(data)["Lägesbild"]


IMPACT_CELLS = [f"C{r}" for r in range(7, 13)]


def test_xlsx_layout_and_question_texts() -> None:
    ws = _form_sheet(build_blank_xlsx(FORM))
    assert ws["A1"].value == FORM.title
    assert ws["A2"].value is None
    assert (ws["A3"].value, ws["A4"].value) == ("Kommun:", "Månad:")
    assert [c.value for c in ws[6]] == ["Nr", "Fråga", "Påverkan (1-5)", "Kommentar"]
    for offset, q in enumerate(FORM.questions):
        row = 7 + offset
        assert ws.cell(row, 1).value == q.number
        expected = f"{q.short}: {q.text}" if q.number != 7 else q.text
        assert str(ws.cell(row, 2).value) == expected
        assert ws.cell(row, 2).alignment.wrap_text
    assert ws.column_dimensions["D"].width >= 80
    assert ws.row_dimensions[7].height >= 100


def test_xlsx_prefilled_values() -> None:
    ws = _form_sheet(build_blank_xlsx(FORM, "Ludvika", OCT))
    assert ws["A2"].value == "Oktober månad 2026"
    assert ws["B3"].value == "Ludvika"
    assert ws["B4"].value == "Oktober 2026"
    assert ws["B4"].number_format == "@"
    blank = _form_sheet(build_blank_xlsx(FORM))
    assert blank["B3"].value is None and blank["B4"].value is None


def test_xlsx_impact_validation() -> None:
    wb = _wb(build_blank_xlsx(FORM))
    ws = wb["Lägesbild"]
    [dv] = ws.data_validations.dataValidation
    assert dv.type == "list"
    assert sorted(str(r) for r in dv.sqref.ranges) == sorted(IMPACT_CELLS)
    assert "C13" not in dv.sqref  # question 7 has no impact
    assert dv.showErrorMessage and dv.errorStyle == "stop"
    assert "skriv en siffra från 1 till 5" in dv.error
    assert not dv.showDropDown  # (sic) False shows the arrow
    # The list is the hidden sheet's numbers 1..5, shown as "1 – Normalt" etc.
    [(sheet, ref)] = list(wb.defined_names[dv.formula1].destinations)
    levels = wb[sheet]
    assert levels.sheet_state == "hidden"
    cells = [c for (c,) in levels[ref.replace("$", "")]]
    assert [c.value for c in cells] == [1, 2, 3, 4, 5]
    assert [c.number_format.strip('"') for c in cells] == LEVELS


def test_xlsx_protection_and_locking() -> None:
    ws = _form_sheet(build_blank_xlsx(FORM, "Ludvika", OCT))
    assert ws.protection.sheet
    assert not ws.protection.password
    for ref in ["B3", "B4", *IMPACT_CELLS, *[f"D{r}" for r in range(7, 14)]]:
        assert ws[ref].protection.locked is False, ref
    for ref in ["A1", "A3", "A4", "A6", "B6", "C6", "D6", "A7", "B7", "B13"]:
        assert ws[ref].protection.locked is True, ref
    q7_impact = ws["C13"]
    assert q7_impact.protection.locked is True
    assert q7_impact.fill.start_color.rgb.endswith("BFBFBF")


def test_xlsx_defined_names_point_at_inputs() -> None:
    wb = _wb(build_blank_xlsx(FORM))
    expected = {"Kommun": "$B$3", "Period": "$B$4"}
    for offset, q in enumerate(FORM.questions):
        expected[f"q{q.number}_comment"] = f"$D${7 + offset}"
        if q.impact:
            expected[f"q{q.number}_impact"] = f"$C${7 + offset}"
    for name, ref in expected.items():
        assert list(wb.defined_names[name].destinations) == [("Lägesbild", ref)], name
    assert "q7_impact" not in wb.defined_names


def test_xlsx_conditional_colours_cover_impact_cells() -> None:
    ws = _form_sheet(build_blank_xlsx(FORM))
    [(cf_range, rules)] = [(cf.sqref, cf.rules) for cf in ws.conditional_formatting]
    assert sorted(str(r) for r in cf_range.ranges) == sorted(IMPACT_CELLS)
    by_value = {r.formula[0]: r for r in rules}
    assert set(by_value) == {"1", "2", "3", "4", "5"}
    rule = by_value["5"]
    assert rule.dxf.fill.fgColor.rgb.endswith(FORM.scale.colour_of(5))
    assert rule.dxf.numFmt.formatCode == '"5 – Kritiskt"'


def test_xlsx_instruction_sheet_and_print_setup() -> None:
    wb = _wb(build_blank_xlsx(FORM))
    assert wb.sheetnames[:2] == ["Lägesbild", "Instruktioner"]
    assert wb.active.title == "Lägesbild"
    ins = wb["Instruktioner"]
    texts = [str(c.value) for row in ins.iter_rows() for c in row if c.value is not None]
    assert any("individuppgifter" in t for t in texts)
    for level in FORM.scale.levels:
        cell = next(c for row in ins.iter_rows() for c in row if c.value == level.name)
        assert cell.fill.start_color.rgb.endswith(level.colour)
    ws = wb["Lägesbild"]
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1


def test_xlsx_fill_helper_writes_named_cells() -> None:
    data = fill_xlsx(
        build_blank_xlsx(FORM),
        municipality="Mora",
        period="2026-11",
        answers={2: Answer(5, "Rad ett\nRad två"), 7: Answer(None, "Bra")},
    )
    values = read_xlsx_inputs(data)
    assert values["Kommun"] == "Mora" and values["Period"] == "2026-11"
    assert values["q2_impact"] == 5 and values["q2_comment"] == "Rad ett\nRad två"
    assert values["q7_comment"] == "Bra" and values["q1_impact"] is None


# ------------------------------------------------------------ other form ----


def _small_form() -> FormSpec:
    return form_from_dict(
        {
            "id": "test-vecka",
            "title": "Veckorapport",
            "intro": "Första stycket.\n\nAndra stycket.",
            "scale": {
                "min": 1,
                "max": 3,
                "levels": [
                    {"value": 1, "name": "Lugnt", "colour": "00FF00"},
                    {"value": 2, "name": "Oro", "colour": "FFFF00"},
                    {"value": 3, "name": "Akut", "colour": "FF0000"},
                ],
            },
            "questions": [
                {"number": 1, "short": "Skola", "text": "Hur är läget i skolan?"},
                {"number": 2, "short": "Goda exempel", "text": "", "impact": False},
                {"number": 3, "short": "Våld", "text": "Hur är läget?"},
            ],
        }
    )


def test_another_form_is_rendered_from_its_data() -> None:
    form = _small_form()
    sdts = _sdts(build_blank_docx(form))
    assert set(sdts) == {
        "lagesbild:kommun",
        "lagesbild:period",
        "lagesbild:q1.impact",
        "lagesbild:q1.comment",
        "lagesbild:q2.comment",
        "lagesbild:q3.impact",
        "lagesbild:q3.comment",
    }
    items = sdts["lagesbild:q3.impact"].findall(
        f"{qn('w:sdtPr')}/{qn('w:dropDownList')}/{qn('w:listItem')}"
    )
    assert [i.get(qn("w:displayText")) for i in items] == ["1 – Lugnt", "2 – Oro", "3 – Akut"]
    wb = _wb(build_blank_xlsx(form))
    ws = wb["Lägesbild"]
    [dv] = ws.data_validations.dataValidation
    assert sorted(str(r) for r in dv.sqref.ranges) == ["C7", "C9"]
    assert "från 1 till 3" in dv.error
    assert list(wb.defined_names["q3_impact"].destinations) == [("Lägesbild", "$C$9")]
    assert blank_form_filename(form, "docx", None, OCT) == "Veckorapport - 2026-10.docx"


# ----------------------------------------------------------- round trip ----

# parse_bytes imports every format reader at once, so wait for all of them.
_PARSER_MODULES = (
    "parsers.text",
    "parsers.sniff",
    "parsers.docx",
    "parsers.xlsx",
    "parsers.odf",
    "parsers.pdf",
    "parsers.plain",
    "parsers.xls",
)
needs_parser = pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in _PARSER_MODULES),
    reason="the parser (parsers.text and the format readers) is not written yet",
)

ANSWERS = {
    1: Answer(3, "Flera inbrott i centrum."),
    2: Answer(1, "Inget avvikande."),
    3: Answer(2, "Klistermärken vid busstationen."),
    4: Answer(4, "Bråk vid fritidsgården.\nPolisen tillkallad två gånger."),
    5: Answer(5, "Ökad narkotikahandel."),
    6: Answer(2, "Ryktesspridning i sociala medier."),
    7: Answer(None, "Nattvandring startade i oktober."),
}
FILLERS = {"docx": (build_blank_docx, fill_docx), "xlsx": (build_blank_xlsx, fill_xlsx)}


def _parse(data: bytes, filename: str):  # type: ignore[no-untyped-def]
    from parsers import parse_bytes

    return parse_bytes(data, filename)


@needs_parser
@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_round_trip_prefilled_form(ext: str) -> None:
    build, fill = FILLERS[ext]
    data = fill(build(FORM, "Ludvika", OCT), answers=ANSWERS)
    result = _parse(data, f"lagesbild.{ext}")
    assert result.municipality == "Ludvika"
    assert result.period == OCT
    assert result.answers == ANSWERS
    assert result.issues == ()


@needs_parser
@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_round_trip_header_typed_by_the_municipality(ext: str) -> None:
    build, fill = FILLERS[ext]
    data = fill(build(FORM), municipality="Malung-Sälen", period="November 2026", answers=ANSWERS)
    result = _parse(data, f"rapport.{ext}")
    assert result.municipality == "Malung-Sälen"
    assert result.period == Period(2026, 11)
    assert result.answers == ANSWERS
    assert not result.has_errors


@needs_parser
@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_round_trip_untouched_form_reads_as_empty(ext: str) -> None:
    build, _ = FILLERS[ext]
    result = _parse(build(FORM, "Ludvika", OCT), f"lagesbild.{ext}")
    assert result.municipality == "Ludvika"
    assert result.period == OCT
    # Placeholders ("Välj påverkan 1–5", "Skriv kommentar här") are not answers.
    assert result.answers == {n: Answer() for n in range(1, 8)}
    for n in range(1, 7):
        assert result.issues_for(f"q{n}.impact"), n


# ---------------------------------------------------------- LibreOffice ----


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_both_files(tmp_path: Path) -> None:
    import pdfplumber

    answers = {1: Answer(3, "Inbrott i centrum")}
    word = tmp_path / "word-form.docx"
    excel = tmp_path / "excel-form.xlsx"
    word.write_bytes(fill_docx(build_blank_docx(FORM, "Ludvika", OCT), answers=answers))
    excel.write_bytes(fill_xlsx(build_blank_xlsx(FORM, "Ludvika", OCT), answers=answers))
    # A private profile: parallel soffice runs must not share (and lock) one.
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(word),
            str(excel),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    texts = {}
    for path in (word, excel):
        with pdfplumber.open(path.with_suffix(".pdf")) as pdf:
            texts[path.suffix] = "\n".join(page.extract_text() or "" for page in pdf.pages)
    assert "Fråga 7" in texts[".docx"] and "3 – Oroande" in texts[".docx"]
    assert "Inbrott i centrum" in texts[".docx"]
    # Conditional formatting shows the stored 3 as its level.
    assert "3 – Oroande" in texts[".xlsx"] and "Inbrott i centrum" in texts[".xlsx"]
