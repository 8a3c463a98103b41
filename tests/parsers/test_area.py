"""The area of an EST checklist ("Område: ___ Vecka och år: ___", seed 003's appendix): read from the
blank form's field in Word, Excel and PDF, from a typed line, under the text rule (whitespace runs
collapsed, nothing else changed); never read from a form without the label (the monthly form)."""

from __future__ import annotations

import io
import unicodedata

import docx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from outputs.blank_docx import build_blank_docx
from outputs.blank_xlsx import build_blank_xlsx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.header import AREA_MAX, area_text
from parsers.result import ParseResult
from tests.builders.other_builder import convert, libreoffice_available
from tests.outputs.fill import fill_docx, fill_xlsx
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS, WEEK, est_docx_own_words

AREA = "Vivalla och Baronbackarna"


def _typed_docx(header: list[str], *, under_question: str = "") -> bytes:
    """The checklist as a coordinator types it, with `header` lines above the first point."""
    return est_docx_own_words(tuple(header), under_question)


def _est(data: bytes, name: str) -> ParseResult:
    return parse_bytes(data, name, form=EST)


def _no_area_issue(result: ParseResult) -> None:
    assert result.issues_for("area") == []


@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_the_blank_checklist_filled_with_an_area_is_read_with_it(ext: str) -> None:
    build, fill = (build_blank_docx, fill_docx) if ext == "docx" else (build_blank_xlsx, fill_xlsx)
    data = fill(build(EST, "Kumla", WEEK), answers=EST_ANSWERS, area=AREA)
    result = _est(data, f"checklista.{ext}")
    assert (result.municipality, str(result.period), result.area) == ("Kumla", "2026-W43", AREA)
    assert result.to_json("x")["area"] == AREA
    assert result.answers == EST_ANSWERS
    assert not result.issues


@pytest.mark.parametrize("ext", ["docx", "xlsx"])
def test_the_blank_checklist_left_without_an_area_has_none_and_no_issue(ext: str) -> None:
    build, fill = (build_blank_docx, fill_docx) if ext == "docx" else (build_blank_xlsx, fill_xlsx)
    result = _est(fill(build(EST, "Kumla", WEEK), answers=EST_ANSWERS), f"checklista.{ext}")
    assert result.area is None and result.to_json("x")["area"] is None
    assert not result.issues


@pytest.mark.libreoffice
def test_the_checklist_printed_to_pdf_keeps_its_area() -> None:
    if not libreoffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    filled = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area=AREA)
    result = _est(convert(filled, "docx", "pdf"), "checklista.pdf")
    assert (result.format.value, result.municipality, str(result.period), result.area) == \
        ("pdf", "Kumla", "2026-W43", AREA)
    assert result.answers == EST_ANSWERS
    _no_area_issue(result)


def test_the_seeds_header_line_gives_area_and_week() -> None:
    """"Område: _____ Vecka och år: _____" on one line, as the seed prints it, typed into."""
    result = _est(_typed_docx(["Område: Vivalla  centrum Vecka och år: v.43 2026"]), "c.docx")
    assert (result.area, str(result.period)) == ("Vivalla centrum", "2026-W43")
    assert result.answers == EST_ANSWERS
    _no_area_issue(result)


@pytest.mark.parametrize("label", ["Område", "Stadsdel", "Bostadsområde"])
def test_each_label_of_the_form_file_reads_the_area(label: str) -> None:
    result = _est(_typed_docx([f"{label}: Brickebacken", "Vecka och år: 43 2026"]), "c.docx")
    assert result.area == "Brickebacken"


def test_the_templates_blank_line_is_no_area() -> None:
    result = _est(_typed_docx(["Område: _____ Vecka och år: v.43 2026"]), "c.docx")
    assert result.area is None and str(result.period) == "2026-W43"
    _no_area_issue(result)


def test_two_different_areas_are_flagged_and_neither_is_taken() -> None:
    result = _est(_typed_docx(["Område: Vivalla", "Område: Brickebacken", "Vecka och år: v.43 2026"]), "c.docx")
    assert result.area is None
    assert [(i.field, i.severity.value) for i in result.issues_for("area")] == [("area", "warning")]
    assert "Vivalla" in result.issues_for("area")[0].message


def test_a_field_and_text_that_disagree_keep_the_field_and_are_flagged() -> None:
    filled = fill_docx(build_blank_docx(EST, "Kumla", WEEK), answers=EST_ANSWERS, area="Vivalla")
    document = docx.Document(io.BytesIO(filled))
    document.paragraphs[1].insert_paragraph_before("Stadsdel: Brickebacken")
    out = io.BytesIO()
    document.save(out)
    result = _est(out.getvalue(), "c.docx")
    assert result.area == "Vivalla"
    [issue] = result.issues_for("area")
    assert issue.severity.value == "warning" and "Brickebacken" in issue.message


def test_one_area_spelt_two_ways_is_one_area() -> None:
    typed = _est(_typed_docx(["Område: Vivalla", "Stadsdel: vivalla", "Vecka och år: v.43 2026"]), "c.docx")
    assert typed.area == "Vivalla"  # the first spelling
    _no_area_issue(typed)


def test_a_very_long_area_is_kept_and_flagged() -> None:
    long_area = "Vivalla " * 20
    result = _est(_typed_docx([f"Område: {long_area}", "Vecka och år: v.43 2026"]), "c.docx")
    assert result.area == long_area.strip() and len(result.area) > AREA_MAX
    assert [i.severity.value for i in result.issues_for("area")] == ["warning"]


def test_an_area_line_under_a_question_stays_in_its_comment() -> None:
    result = _est(_typed_docx(["Vecka och år: v.43 2026"], under_question="Område: centrum, mest vid stationen."),
                  "c.docx")
    assert result.area is None
    assert result.answers[1].comment.endswith("Område: centrum, mest vid stationen.")


def test_the_checklist_in_a_mail_body_gives_its_area() -> None:
    lines = [EST.title, "Kommun: Kumla", "Område: Vivalla", "Vecka och år: vecka 43 2026"]
    for q in EST.questions:
        answer = EST_ANSWERS[q.number]
        lines.append(f"Punkt {q.number}, {q.short}: {q.text}")
        if q.impact:
            lines.append(f"Påverkan: {answer.impact}")
        lines.append(f"Kommentar: {answer.comment}")
    result = _est("\n\n".join(lines).encode(), "meddelande.txt")
    assert (result.format.value, result.area, str(result.period)) == ("text", "Vivalla", "2026-W43")


def test_the_monthly_form_has_no_area_whatever_it_says() -> None:
    """A form without [labels] area reads none: "Område: …" stays the text it was before."""
    form = default_form()
    assert form.labels.area == ()
    lines = ["Område: Vivalla", "Underlaget inlämnat av kommun: Mora", "Månad: Oktober 2026"]
    for q in form.questions:
        lines.append(f"Fråga {q.number}, {q.short}: {q.text}")
        if q.impact:
            lines.append("Påverkan: 2")
        lines.append("Kommentar: Lugnt.")
    result = parse_bytes("\n\n".join(lines).encode(), "m.txt", form=form)
    assert result.area is None and result.to_json("m.txt")["area"] is None
    assert not [i for i in result.issues if i.field == "area"]
    assert (result.municipality, str(result.period)) == ("Mora", "2026-10")


# Text a person can type in a field: letters, digits, punctuation, symbols and spaces of every script
# (control characters and invisible marks are not text: the text rule drops them everywhere).
_TYPED = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=80)


def _as_typed(typed: str) -> str | None:
    """The text rule, written out: composed (NFC), whitespace runs one space; a blank line is no area."""
    text = " ".join(unicodedata.normalize("NFC", typed).split())
    return None if set(text) <= set("_.-\u2013\u2014… ") else text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=_TYPED, ext=st.sampled_from(["docx", "xlsx"]))
def test_any_text_typed_as_area_comes_back_as_typed(typed: str, ext: str) -> None:
    assume(ext == "docx" or not typed.lstrip().startswith("="))  # Excel makes "=…" a formula, not text
    build, fill = (build_blank_docx, fill_docx) if ext == "docx" else (build_blank_xlsx, fill_xlsx)
    result = _est(fill(build(EST, "Kumla", WEEK), answers=EST_ANSWERS, area=typed), f"c.{ext}")
    assert result.area == _as_typed(typed) == area_text(typed)
