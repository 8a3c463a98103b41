"""The second and third shipped forms are data: their blank forms are made by the generators,
and a filled one is read back from Word, Excel and PDF (via LibreOffice) with its own
questions, scale and period (an ISO week for the EST checklist)."""

from __future__ import annotations

import pytest

from lagesbild.samples import filled_xlsx, template_docx
from outputs.blank_docx import build_blank_docx
from outputs.blank_xlsx import build_blank_xlsx
from parsers import parse_bytes
from parsers.form import FormSpec, builtin_form_path, load_form
from parsers.result import Answer, Period
from tests.builders.docx_builder import Doc, P, Text, render_docx
from tests.builders.other_builder import convert, libreoffice_available
from tests.builders.xlsx_builder import Sheet, render_xlsx

EST = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
VBE = load_form(builtin_form_path("vbe-lagesbild"))  # type: ignore[arg-type]
WEEK = Period.parse("2026-W43")
MONTH = Period(2026, 10)

EST_ANSWERS = {
    1: Answer(2, "Klotter på skolans gavel och i gångtunneln vid stationen."),
    2: Answer(1, ""),
    3: Answer(3, "Hot mot personal på fritidsgården i fredags."),
    4: Answer(2, "En grupp om tio ungdomar samlas i centrum på kvällarna."),
    5: Answer(1, "Inget nytt från polisen."),
    6: Answer(2, "Rykte om bråk efter matchen sprids i sociala medier."),
    7: Answer(1, "Marknad på lördag, polisen är på plats."),
    8: Answer(None, "Extra vandring med föräldrar på fredag; bostadsbolaget lagar belysningen."),
}
VBE_ANSWERS = {
    1: Answer(2, "Klistermärken från en nazistisk organisation vid busstationen."),
    2: Answer(1, ""),
    3: Answer(3, "Hot mot en förtroendevald efter ett möte om flyktingmottagande."),
    4: Answer(1, "Inga kända möten."),
    5: Answer(4, "Lokala grupper i sociala medier sprider uppmaningar till våld."),
    6: Answer(None, "Utbildning för skolpersonal om radikalisering i november."),
}


def _expect(result_answers: dict[str, dict[str, object]], answers: dict[int, Answer]) -> None:
    assert result_answers == {str(n): {"impact": a.impact, "comment": a.comment} for n, a in answers.items()}


def est_docx_own_words(header: tuple[str, ...] = ("Vecka och år: v.43 2026",), under_first: str = "") -> bytes:
    """The checklist as a coordinator types it: "Punkt N", `header` lines ("Vecka och år: v.43 2026")
    under "Kommun: Kumla", and `under_first` typed as a line after point 1's comment."""
    body = [P(Text(EST.title, bold=True), style="Title"), P(Text("Kommun: ", bold=True), "Kumla"),
            *(P(line) for line in header), P(EST.instruction)]
    for q in EST.questions:
        answer = EST_ANSWERS[q.number]
        body.append(P(Text(f"Punkt {q.number}, {q.short}: ", bold=True), q.text))
        if q.impact:
            body.append(P(f"Påverkan: {answer.impact}"))
        body.append(P(f"Kommentar: {answer.comment}"))
        if q.number == 1 and under_first:
            body.append(P(under_first))
    return render_docx(Doc(tuple(body)))


@pytest.mark.parametrize(("form", "period"), [(EST, WEEK), (VBE, MONTH)], ids=["est", "vbe"])
def test_the_blank_forms_carry_the_forms_own_questions_and_period(form: FormSpec, period: Period) -> None:
    for data, name in ((build_blank_docx(form, "Kumla", period), "blank.docx"),
                       (build_blank_xlsx(form, "Kumla", period), "blank.xlsx")):
        result = parse_bytes(data, name, form=form).to_json(name)
        assert result["period"] == str(period), name
        assert result["municipality"] == "Kumla"
        assert sorted(result["answers"], key=int) == [str(n) for n in form.numbers]
        assert all(a == {"impact": None, "comment": ""} for a in result["answers"].values())


def test_a_filled_weekly_checklist_in_word_is_read_with_its_week() -> None:
    result = parse_bytes(template_docx(EST, "Kumla", WEEK, EST_ANSWERS), "checklista.docx", form=EST)
    out = result.to_json("checklista.docx")
    assert (out["municipality"], out["period"]) == ("Kumla", "2026-W43")
    _expect(out["answers"], EST_ANSWERS)
    assert not result.has_errors


def test_the_checklist_in_the_coordinators_own_words() -> None:
    out = parse_bytes(est_docx_own_words(), "checklista.docx", form=EST).to_json("checklista.docx")
    assert out["period"] == "2026-W43"
    _expect(out["answers"], EST_ANSWERS)


def test_a_filled_weekly_checklist_in_excel() -> None:
    out = parse_bytes(filled_xlsx(EST, "Kumla", WEEK, EST_ANSWERS), "checklista.xlsx", form=EST).to_json("x")
    assert (out["municipality"], out["period"]) == ("Kumla", "2026-W43")
    _expect(out["answers"], EST_ANSWERS)


def test_a_sheet_with_two_weeks_is_refused_not_guessed() -> None:
    rows: list[tuple[object, ...]] = [(EST.title, None, None), ("Kommun", "Kumla", None),
                                      ("Vecka och år", "vecka 43–44 2026", None), ("Punkt", "Påverkan", "Kommentar")]
    rows += [(f"{q.number}. {q.short}", EST_ANSWERS[q.number].impact, EST_ANSWERS[q.number].comment)
             for q in EST.questions]
    result = parse_bytes(render_xlsx([Sheet("Checklista", tuple(rows))]), "x.xlsx", form=EST)  # type: ignore[arg-type]
    assert result.period is None
    assert [(i.field, i.severity.value) for i in result.issues_for("period")] == [("period", "error")]


def test_a_level_outside_the_three_step_scale_is_null_and_flagged() -> None:
    answers = dict(EST_ANSWERS)
    answers[3] = Answer(4, "Hot mot personal.")  # the checklist's scale is 1-3
    result = parse_bytes(template_docx(EST, "Kumla", WEEK, answers), "c.docx", form=EST)
    assert result.answers[3].impact is None
    assert any(i.field == "q3.impact" and i.severity.value == "error" for i in result.issues)


def test_the_extremism_form_in_word_and_excel() -> None:
    for data, name in ((template_docx(VBE, "Ronneby", MONTH, VBE_ANSWERS), "vbe.docx"),
                       (filled_xlsx(VBE, "Ronneby", MONTH, VBE_ANSWERS), "vbe.xlsx")):
        out = parse_bytes(data, name, form=VBE).to_json(name)
        assert (out["municipality"], out["period"]) == ("Ronneby", "2026-10"), name
        _expect(out["answers"], VBE_ANSWERS)


@pytest.mark.libreoffice
@pytest.mark.parametrize(("form", "period", "answers"), [(EST, WEEK, EST_ANSWERS), (VBE, MONTH, VBE_ANSWERS)],
                         ids=["est", "vbe"])
def test_printed_to_pdf_by_libreoffice(form: FormSpec, period: Period, answers: dict[int, Answer]) -> None:
    if not libreoffice_available():
        pytest.skip("LibreOffice (soffice) is not installed")
    pdf = convert(template_docx(form, "Kumla", period, answers), "docx", "pdf")
    out = parse_bytes(pdf, "form.pdf", form=form).to_json("form.pdf")
    assert (out["format"], out["municipality"], out["period"]) == ("pdf", "Kumla", str(period))
    _expect(out["answers"], answers)
