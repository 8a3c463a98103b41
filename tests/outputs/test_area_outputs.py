"""Where a report's area is shown: the receipt (one form, several forms), the signal to another mission
and the workbook's comment and data sheets; nothing of it on a monthly form's outputs. Any text that
can reach the store as an area builds a receipt that serialises and a workbook that opens, with the
area in them as filed."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flow.filing import screen_area
from outputs.mail import to_bytes
from outputs.notices import build_signal_notice
from outputs.part_receipts import Part, build_parts_receipt
from outputs.picture import MonthReport, MonthState
from outputs.replies import ReplyContext, build_receipt
from outputs.workbook import COMMENTS_SHEET, DATA_SHEET, build_county_workbook
from outputs.workbook_data import DATA_HEADERS
from parsers.result import Answer, Period
from tests.builders.picture import make_picture
from tests.outputs.test_replies import CTX, NOW, ORIGINAL, parsed, text_of
from tests.outputs.test_workbook_weekly import EST, TZ, weekly_picture

EST_CTX = ReplyContext("Örebro län", "Länsstyrelsen Örebro, lägesbild", "lagesbild@lansstyrelsen.se", EST)
WEEK = Period.iso_week(2026, 43)
ANSWERS = {q.number: Answer(1 if q.impact else None, "Lugnt.") for q in EST.questions}


def _receipt(area: str | None, ctx: ReplyContext = EST_CTX) -> str:
    msg = build_receipt(ctx, **ORIGINAL, municipality="Kumla", period=WEEK, version=1,
                        answers=ANSWERS if ctx is EST_CTX else {}, issues=(), period_inferred=False, late=False,
                        held_for_review=False, filename="Checklista.docx", now=NOW, area=area)
    return text_of(parsed(msg)) + text_of(parsed(msg), "html")


def test_the_receipt_names_the_area_above_the_answers() -> None:
    text = text_of(parsed(build_receipt(
        EST_CTX, **ORIGINAL, municipality="Kumla", period=WEEK, version=1, answers=ANSWERS, issues=(),
        period_inferred=False, late=False, held_for_review=False, filename="c.docx", now=NOW, area="Vivalla")))
    lines = text.splitlines()
    area_at = lines.index("Område: Vivalla")
    assert area_at < next(i for i, line in enumerate(lines) if line.startswith("Fråga 1"))
    html = text_of(parsed(build_receipt(
        EST_CTX, **ORIGINAL, municipality="Kumla", period=WEEK, version=1, answers=ANSWERS, issues=(),
        period_inferred=False, late=False, held_for_review=False, filename="c.docx", now=NOW, area="Vivalla")),
        "html")
    assert ">Område: Vivalla</li>" in html


def test_a_receipt_without_an_area_has_no_area_line() -> None:
    assert "Område" not in _receipt(None)
    assert "Område" not in _receipt(None, CTX)


def test_the_receipt_for_several_forms_names_each_ones_area() -> None:
    parts = [Part("a.docx", "Kumla", WEEK, "new", version=1, answers=ANSWERS, area="Vivalla"),
             Part("b.docx", "Nora", WEEK, "new", version=1, answers=ANSWERS),
             Part("c.docx", "Kumla", WEEK, "held", reason="gäller samma vecka", area="Brickebacken")]
    text = text_of(parsed(build_parts_receipt(EST_CTX, to="samordnare@kumla.se", parts=parts, now=NOW, **{
        k: v for k, v in ORIGINAL.items() if k != "to"})))
    assert text.count("Område:") == 1 and "   Område: Vivalla" in text  # a held form's was not filed


def test_a_signal_names_the_area() -> None:
    def signal(area: str | None) -> str:
        return text_of(parsed(build_signal_notice(
            EST_CTX, to=["andt@lansstyrelsen.se"], rule_name="Narkotika", municipality="Kumla", period=WEEK,
            question_label="Fråga 5 Narkotika och langning", level_name="Viss oro", excerpt="Langning.", now=NOW,
            area=area)))
    assert "Kommun: Kumla\nOmråde: Vivalla\n" in signal("Vivalla")
    assert "Område" not in signal(None)


def test_the_monthly_workbook_keeps_its_columns() -> None:
    book = openpyxl.load_workbook(io.BytesIO(build_county_workbook(make_picture())))
    assert tuple(c.value for c in book[DATA_SHEET][1]) == DATA_HEADERS
    assert [c.value for c in book[COMMENTS_SHEET][3]] == ["Kommun", "Månad", "Fråga", "Nivå", "Kommentar",
                                                        "Inkom", "Version"]


def _with_area(area: str | None) -> bytes:
    picture = weekly_picture(2026)
    reports = {k: (replace(r, area=area) if r.reported else r) for k, r in picture.reports.items()}
    return build_county_workbook(replace(picture, reports=reports))


def test_the_weekly_workbook_has_the_area_last_in_its_comment_and_data_sheets() -> None:
    book = openpyxl.load_workbook(io.BytesIO(_with_area("Vivalla")))
    data = book[DATA_SHEET]
    assert tuple(c.value for c in data[1]) == (*DATA_HEADERS, "Område")
    assert {row[-1] for row in data.iter_rows(min_row=2, values_only=True)} == {"Vivalla"}
    assert [t.ref for t in data.tables.values()] == [f"A1:O{data.max_row}"]
    comments = book[COMMENTS_SHEET]
    assert comments.cell(3, 8).value == "Område"
    assert {comments.cell(r, 8).value for r in range(4, comments.max_row + 1)} == {"Vivalla"}
    blank = openpyxl.load_workbook(io.BytesIO(_with_area(None)))[DATA_SHEET]
    assert {row[-1] for row in blank.iter_rows(min_row=2, values_only=True)} == {None}


_ANY = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=120)


@settings(max_examples=80, deadline=None)
@given(typed=_ANY)
def test_any_area_builds_a_receipt_that_shows_it_as_filed(typed: str) -> None:
    area, _ = screen_area(typed)
    if area is None:
        assert not typed.split()
        return
    assert area == " ".join(area.split())
    msg = build_receipt(EST_CTX, **ORIGINAL, municipality="Kumla", period=WEEK, version=1, answers=ANSWERS,
                        issues=(), period_inferred=False, late=False, held_for_review=False, filename="c.docx",
                        now=NOW, area=area)
    assert to_bytes(msg).isascii()
    assert f"Område: {area}\n" in text_of(parsed(msg))


# A year's weekly workbook takes seconds to build: fewer examples, each a different kind of text.
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=_ANY)
def test_any_area_builds_a_workbook_that_shows_it_as_filed(typed: str) -> None:
    area, _ = screen_area(typed)
    if area is None:
        return
    book = openpyxl.load_workbook(io.BytesIO(_with_area(area)))
    assert book[COMMENTS_SHEET].cell(4, 8).value == area
    assert {row[-1] for row in book[DATA_SHEET].iter_rows(min_row=2, values_only=True)} == {area}


def test_a_month_report_has_no_area_unless_given() -> None:
    report = MonthReport("Kumla", WEEK, MonthState.ON_TIME, ANSWERS, received_at=datetime(2026, 10, 20, tzinfo=TZ))
    assert report.area is None
