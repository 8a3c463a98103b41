"""The county workbook, opened again with openpyxl and checked cell by cell."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from outputs.workbook import (
    COMMENTS_SHEET,
    DATA_SHEET,
    REPORTING_SHEET,
    SUMMARY_SHEET,
    build_county_workbook,
)
from outputs.workbook_data import DATA_HEADERS
from outputs.workbook_layout import MONTHS
from outputs.workbook_questions import question_sheet_name
from parsers.form import Question, default_form
from parsers.result import Answer, Period
from tests.builders.picture import DALARNA, all_municipalities, make_picture
from tests.support import libreoffice

FORM = default_form()
SECRET = "Pojken född 120312 som bor på Storgatan"  # a withheld comment: must appear nowhere
INJECTION = '=HYPERLINK("http://example.invalid/x","Klicka")'


def _level_sheets() -> list[str]:
    return [question_sheet_name(q) for q in FORM.questions if q.impact]


def _open(data: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _row_of(ws: Worksheet, label: str, col: int = 1) -> int:
    for row in range(1, ws.max_row + 1):
        if ws.cell(row=row, column=col).value == label:
            return row
    raise AssertionError(f"{label!r} not in column {col} of {ws.title}")


def _rgb(cell: Cell) -> str:
    return str(cell.fill.fgColor.rgb)[-6:].upper()


# --------------------------------------------------------------------------
# A small hand-made picture: 3 municipalities, January to April 2026
# --------------------------------------------------------------------------


def _at(month: int, day: int, hour: int = 13) -> datetime:
    return datetime(2026, month, day, hour, 3, tzinfo=UTC)


def _answers(**impacts: int | None) -> dict[int, Answer]:
    """q1=3 etc.; every question gets a comment naming it, Q7 a positive note."""
    out = {n: Answer(impacts.get(f"q{n}", 1), f"Kommentar fråga {n}.") for n in range(1, 7)}
    out[7] = Answer(None, "Nattvandring startade.")
    return out


def small_picture() -> CountyPicture:
    on, late, miss, pend = MonthState.ON_TIME, MonthState.LATE, MonthState.MISSING, MonthState.PENDING
    reports: dict[tuple[str, int], MonthReport] = {}

    def put(name: str, month: int, state: MonthState, answers: dict[int, Answer] | None = None,
            **kw: object) -> None:
        came = state in (on, late)
        received = kw.pop("received_at", _at(month, 27) if state is on else _at(month + 1, 3))
        reports[(name, month)] = MonthReport(
            name, Period(2026, month), state, answers or {},
            received_at=received if came else None,  # type: ignore[arg-type]
            latest_at=kw.pop("latest_at", received if came else None),  # type: ignore[arg-type]
            version=kw.pop("version", 1 if came else None),  # type: ignore[arg-type]
            **kw)  # type: ignore[arg-type]

    put("Avesta", 1, on, _answers(q1=3, q2=1), received_at=_at(1, 28, 14))
    put("Avesta", 2, late, _answers(q1=2))
    # Withheld Q4: the picture should already have removed it; this one still carries
    # the impact and the comment, and the workbook must not show either.
    march = _answers(q1=1, q4=4)
    march[4] = Answer(4, SECRET)
    put("Avesta", 3, on, march, withheld=frozenset({4}), flags=("personal_data",))
    put("Avesta", 4, pend)
    put("Borlänge", 1, on, _answers(q1=5))
    put("Borlänge", 2, miss)
    corrected = _answers(q1=None)
    corrected[1] = Answer(None, "")
    corrected[2] = Answer(2, INJECTION)
    corrected[3] = Answer(1, "#N/A")
    put("Borlänge", 3, on, corrected, version=2, latest_at=_at(4, 2, 9))
    put("Borlänge", 4, on, _answers(q1=2))  # in early: April's deadline has not passed
    put("Falun", 1, late, _answers(q1=4))
    put("Falun", 2, on, _answers(q1=1))
    put("Falun", 3, miss)
    put("Falun", 4, pend)
    return CountyPicture(
        county_name="Dalarnas län", county_code="20", year=2026, form=FORM,
        municipalities=("Avesta", "Borlänge", "Falun"),
        groups=(Group("Testgruppen", ("Avesta", "Borlänge", "Utanför")),),
        reports=reports)


@pytest.fixture(scope="module")
def small_bytes() -> bytes:
    return build_county_workbook(small_picture())


@pytest.fixture(scope="module")
def small(small_bytes: bytes) -> Workbook:
    return _open(small_bytes)


@pytest.fixture(scope="module")
def dalarna_picture() -> CountyPicture:
    return make_picture()


@pytest.fixture(scope="module")
def dalarna_bytes(dalarna_picture: CountyPicture) -> bytes:
    return build_county_workbook(dalarna_picture)


@pytest.fixture(scope="module")
def dalarna(dalarna_bytes: bytes) -> Workbook:
    return _open(dalarna_bytes)


# --------------------------------------------------------------------------
# Sheet names and order
# --------------------------------------------------------------------------


def test_sheet_names_and_order_follow_the_contract(dalarna: Workbook) -> None:
    names = dalarna.sheetnames
    assert names == [*_level_sheets(), COMMENTS_SHEET, REPORTING_SHEET, SUMMARY_SHEET, DATA_SHEET]
    assert names[:6] == ["1 Ordningsstörningar-otrygghet", "2 Hot och våld", "3 Extremism-kriminella nätverk",
                         "4 Ungdomar-skolor", "5 Alkohol, narkotika, doping", "6 Övrigt"]
    for question, name in zip([q for q in FORM.questions if q.impact], names, strict=False):
        assert name.startswith(f"{question.number} ")
        assert len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    # Question 7 has no impact: no level sheet, its comments are on the comments sheet.
    assert not any(n.startswith("7") or n.startswith("Positiva") for n in names)
    assert dalarna.active is not None and dalarna.active.title == names[0]


def test_sheet_name_of_awkward_questions() -> None:
    weird = Question(12, "Hot: [personal]/politiker * mot? förtroendevalda och andra", "", (), True)
    assert question_sheet_name(Question(4, "Ungdomar/skolor", "", (), True)) == "4 Ungdomar-skolor"
    name = question_sheet_name(weird)
    assert name.startswith("12 ") and len(name) <= 31
    assert not re.search(r"[\[\]:*?/\\]", name)
    assert name == "12 Hot (personal)-politiker"
    long_word = Question(3, "Ordningsstörningarochotrygghetochmycketannat", "", (), True)
    assert question_sheet_name(long_word) == "3 Ordningsstörningarochotrygghe"
    assert question_sheet_name(Question(1, "Kort", "", (), True)) == "1 Kort"


def test_another_form_gives_other_names_words_and_colours() -> None:
    levels = tuple(dataclasses.replace(lv, name=f"Nivå {lv.value}", colour=f"00000{lv.value}")
                   for lv in FORM.scale.levels)
    form = dataclasses.replace(
        FORM, scale=dataclasses.replace(FORM.scale, levels=levels),
        questions=(Question(1, "Våldsbejakande extremism/radikalisering i skolmiljö", "", (), True),
                   Question(2, "Positivt", "", (), False)))
    report = MonthReport("Avesta", Period(2026, 1), MonthState.ON_TIME, {1: Answer(3, "Klotter."),
                                                                      2: Answer(None, "Bra.")},
                         received_at=_at(1, 20), latest_at=_at(1, 20), version=1)
    picture = CountyPicture("Blekinge län", "10", 2026, form, ("Avesta",), (), {("Avesta", 1): report})
    book = _open(build_county_workbook(picture))
    assert book.sheetnames == ["1 Våldsbejakande extremism", COMMENTS_SHEET, REPORTING_SHEET,
                               SUMMARY_SHEET, DATA_SHEET]
    ws = book.worksheets[0]
    assert ws["B5"].value == "Nivå 3" and _rgb(ws["B5"]) == "000003"
    assert [ws.cell(row=2, column=c).value for c in range(2, 7)] == [f"Nivå {i}" for i in range(1, 6)]


# --------------------------------------------------------------------------
# Question sheets: the county's own table
# --------------------------------------------------------------------------


def test_question_sheet_has_the_seed_table_shape(dalarna: Workbook) -> None:
    ws = dalarna["4 Ungdomar-skolor"]
    assert "Ungdomar/skolor" in str(ws["A1"].value) and "Dalarnas län" in str(ws["A1"].value)
    assert "2026" in str(ws["A1"].value)
    assert ws["A3"].value == "Kommun"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "B3:D3", "E3:G3", "H3:J3", "K3:M3"} <= merged
    assert [ws.cell(row=3, column=c).value for c in (2, 5, 8, 11)] == [f"Kvartal {i}" for i in range(1, 5)]
    assert [ws.cell(row=4, column=c).value for c in range(2, 14)] == list(MONTHS)
    assert MONTHS[0] == "Januari" and MONTHS[9] == "Oktober"
    assert [ws.cell(row=r, column=1).value for r in range(5, 5 + len(DALARNA))] == list(DALARNA)


def test_every_cell_of_the_dalarna_table_matches_the_picture(dalarna: Workbook, dalarna_picture: CountyPicture) -> None:
    words = {lv.value: lv.name for lv in FORM.scale.levels}
    for question in (q for q in FORM.questions if q.impact):
        ws = dalarna[question_sheet_name(question)]
        for i, name in enumerate(DALARNA):
            for month in range(1, 13):
                cell = ws.cell(row=5 + i, column=1 + month)
                report = dalarna_picture.report(name, month)
                impact = dalarna_picture.impact(name, month, question.number)
                if report.state is MonthState.NOT_DUE:
                    assert cell.value is None and cell.fill.fill_type is None
                elif report.state is MonthState.PENDING:
                    assert cell.value == "Väntas"
                elif report.state is MonthState.MISSING:
                    assert cell.value == "Saknas"
                elif question.number in report.withheld:
                    assert cell.value == "Granskas"
                elif impact is None:
                    assert cell.value == "Ej angiven"
                else:
                    assert cell.value == words[impact]
                    assert _rgb(cell) == FORM.scale.colour_of(impact)


def test_level_words_and_colours_come_from_the_form(small: Workbook) -> None:
    ws = small["1 Ordningsstörningar-otrygghet"]
    avesta_jan, borlange_jan, falun_jan = ws["B5"], ws["B6"], ws["B7"]
    assert (avesta_jan.value, borlange_jan.value, falun_jan.value) == ("Oroande", "Kritiskt", "Allvarligt")
    assert _rgb(avesta_jan) == FORM.scale.colour_of(3) == "FFEB84"
    assert _rgb(borlange_jan) == FORM.scale.colour_of(5)
    assert _rgb(falun_jan) == FORM.scale.colour_of(4)
    assert avesta_jan.fill.fill_type == "solid"


def test_empty_states_are_distinguishable(small: Workbook) -> None:
    ws = small["1 Ordningsstörningar-otrygghet"]
    missing = ws["C6"]  # Borlänge, February
    assert missing.value == "Saknas" and missing.font.i and _rgb(missing) == "D9D9D9"
    pending = ws["E5"]  # Avesta, April
    assert pending.value == "Väntas" and pending.fill.fill_type not in (None, "solid")
    blank = ws["D6"]  # Borlänge, March: reported, no level
    assert blank.value == "Ej angiven" and blank.fill.fill_type is None and blank.font.i
    not_due = ws["F5"]  # Avesta, May
    assert not_due.value is None and not_due.fill.fill_type is None
    assert ws["E6"].value == "Avvikande"  # Borlänge reported April early: shown
    withheld = small["4 Ungdomar-skolor"]["D5"]  # Avesta, March, question 4
    assert withheld.value == "Granskas" and withheld.fill.fill_type == "lightUp"
    styles = {(c.value, c.fill.fill_type, _rgb(c), c.font.i) for c in (missing, pending, blank, not_due, withheld)}
    assert len(styles) == 5


def test_legend_shows_every_level_and_state(small: Workbook) -> None:
    ws = small["2 Hot och våld"]
    assert ws["A2"].value == "Teckenförklaring"
    row = [ws.cell(row=2, column=c) for c in range(2, 11)]
    assert [c.value for c in row] == [lv.name for lv in FORM.scale.levels] + [
        "Väntas", "Saknas", "Ej angiven", "Granskas"]
    assert [_rgb(c) for c in row[:5]] == [lv.colour for lv in FORM.scale.levels]
    notes = " ".join(str(ws.cell(row=r, column=1).value) for r in range(10, ws.max_row + 1))
    assert "Väntas:" in notes and "Granskas:" in notes and "Tom ruta" in notes


def test_group_row_shows_the_highest_level_of_its_members(small: Workbook) -> None:
    ws = small["1 Ordningsstörningar-otrygghet"]
    row = _row_of(ws, "Testgruppen")
    assert row > 7
    cells = [ws.cell(row=row, column=c) for c in range(2, 7)]
    # Jan: Avesta 3, Borlänge 5 -> Kritiskt; Feb: Avesta 2, Borlänge missing -> Avvikande;
    # Mar: Avesta 1, Borlänge no level -> Normalt; Apr: Avesta pending, Borlänge 2; May: nothing due.
    assert [c.value for c in cells] == ["Kritiskt", "Avvikande", "Normalt", "Avvikande", None]
    assert _rgb(cells[0]) == FORM.scale.colour_of(5) and cells[0].font.b
    q4 = small["4 Ungdomar-skolor"]
    # Mar, question 4: Avesta withheld, Borlänge 1 -> Normalt; the withheld 4 does not count.
    assert q4.cell(row=_row_of(q4, "Testgruppen"), column=4).value == "Normalt"
    notes = " ".join(str(ws.cell(row=r, column=1).value) for r in range(row, ws.max_row + 1))
    assert "högsta nivån" in notes and "Testgruppen: Avesta, Borlänge." in notes


def test_group_without_any_level_says_why() -> None:
    picture = small_picture()
    picture = CountyPicture(picture.county_name, picture.county_code, picture.year, picture.form,
                            picture.municipalities, (Group("Södra", ("Falun",)),), picture.reports)
    ws = _open(build_county_workbook(picture))["1 Ordningsstörningar-otrygghet"]
    row = _row_of(ws, "Södra")
    assert [ws.cell(row=row, column=c).value for c in range(2, 6)] == ["Allvarligt", "Normalt", "Saknas", "Väntas"]


# --------------------------------------------------------------------------
# Confidentiality and escaping
# --------------------------------------------------------------------------


def _all_text(book: Workbook) -> str:
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


def test_withheld_comment_and_level_appear_nowhere(small: Workbook, small_bytes: bytes) -> None:
    assert SECRET not in _all_text(small)
    with zipfile.ZipFile(io.BytesIO(small_bytes)) as zf:
        for name in zf.namelist():
            assert b"120312" not in zf.read(name), name
    data = small[DATA_SHEET]
    rows = [r for r in data.iter_rows(min_row=2, values_only=True)
            if r[3] == "Avesta" and r[1] == 3 and r[4] == 4]
    assert rows == [(2026, 3, "2026-03", "Avesta", 4, "Ungdomar/skolor", None, "Granskas", None,
                     rows[0][9], rows[0][10], 1, "I tid", "ja")]
    summary = small[SUMMARY_SHEET]
    q4 = _row_of(summary, "Fråga 4. Ungdomar/skolor")
    assert summary.cell(row=q4 + 8, column=1).value == "Högsta nivå"
    assert summary.cell(row=q4 + 8, column=4).value == "Normalt"  # March: Borlänge's 1; Avesta's 4 withheld


def test_text_is_never_a_formula_or_an_error(small: Workbook, small_bytes: bytes) -> None:
    ws = small[COMMENTS_SHEET]
    cells = [c for row in ws.iter_rows(min_row=4) for c in row if c.value == INJECTION]
    assert len(cells) == 1
    assert cells[0].data_type == "s" and cells[0].quotePrefix
    errors = [c for row in ws.iter_rows(min_row=4) for c in row if c.value == "#N/A"]
    assert len(errors) == 1 and errors[0].data_type == "s"
    assert INJECTION in [r[8] for r in small[DATA_SHEET].iter_rows(min_row=2, values_only=True)]
    with zipfile.ZipFile(io.BytesIO(small_bytes)) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name)
                assert b"<f>" not in xml and b"<f " not in xml and b't="e"' not in xml, name


def test_illegal_characters_and_huge_comments_do_not_break_the_file() -> None:
    picture = small_picture()
    reports = dict(picture.reports)
    nasty = _answers(q1=2)
    nasty[1] = Answer(2, "Före\x00\x07efter <b>&amp;</b>\r\nny rad")
    nasty[2] = Answer(3, "x" * 40000)
    reports[("Falun", 2)] = MonthReport("Falun", Period(2026, 2), MonthState.ON_TIME, nasty,
                                        received_at=_at(2, 20), latest_at=_at(2, 20), version=1)
    picture = CountyPicture(picture.county_name, picture.county_code, picture.year, picture.form,
                            picture.municipalities, picture.groups, reports)
    ws = _open(build_county_workbook(picture))[COMMENTS_SHEET]
    texts = [str(r[4]) for r in ws.iter_rows(min_row=4, values_only=True) if r[0] == "Falun" and r[4]]
    assert "Före\ufffd\ufffdefter <b>&amp;</b>\nny rad" in texts  # the text rule: outputs/safe_text.py
    assert max(len(t) for t in texts) == 32767
    # Wrapped comments get a row tall enough to read them (capped at Excel's 409 points).
    tall = [r for r in range(4, ws.max_row + 1) if len(str(ws.cell(row=r, column=5).value)) > 30000]
    assert len(tall) == 1 and ws.row_dimensions[tall[0]].height == 409
    assert ws.row_dimensions[4].height is None


def test_names_from_the_configuration_are_text_too() -> None:
    picture = small_picture()
    picture = CountyPicture("=Län", "20", 2026, FORM, picture.municipalities,
                            (Group("=1+1", ("Avesta",)),), picture.reports)
    book = _open(build_county_workbook(picture))
    ws = book["1 Ordningsstörningar-otrygghet"]
    cell = ws.cell(row=_row_of(ws, "=1+1"), column=1)
    assert cell.data_type == "s" and cell.quotePrefix
    assert ws.oddHeader.left.text == "=Län"


# --------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------


def test_comments_sheet_lists_every_answer_with_filters(small: Workbook) -> None:
    ws = small[COMMENTS_SHEET]
    assert [c.value for c in ws[3]] == ["Kommun", "Månad", "Fråga", "Nivå", "Kommentar", "Inkom", "Version"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    # Reports that came in: Avesta Jan-Mar, Borlänge Jan, Mar, Apr, Falun Jan-Feb = 8 reports x 7
    # questions, less Borlänge March question 1 (no level, no comment).
    assert len(rows) == 8 * 7 - 1
    assert ws.auto_filter.ref == f"A3:G{3 + len(rows)}"
    first = rows[0]
    assert first[:5] == ("Avesta", datetime(2026, 1, 1), "1 Ordningsstörningar och otrygghet", "Oroande",
                         "Kommentar fråga 1.")
    assert first[5] == datetime(2026, 1, 28, 15, 3)  # 14:03 UTC is 15:03 in Stockholm (CET)
    assert first[6] == 1
    assert ws["B4"].number_format == "[$-41D]mmmm yyyy"
    assert ws["F4"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["E4"].alignment.wrap_text
    positive = [r for r in rows if r[0] == "Avesta" and r[2] == "7 Positiva åtgärder eller händelser"]
    assert len(positive) == 3 and all(r[3] is None and r[4] == "Nattvandring startade." for r in positive)
    withheld = [r for r in rows if r[3] == "Granskas"]
    assert len(withheld) == 1 and withheld[0][:3] == ("Avesta", datetime(2026, 3, 1), "4 Ungdomar/skolor")
    assert "sekretessgranskning" in str(withheld[0][4])
    corrected = [r for r in rows if r[0] == "Borlänge" and r[1] == datetime(2026, 3, 1)]
    assert {r[6] for r in corrected} == {2}
    assert {r[5] for r in corrected} == {datetime(2026, 4, 2, 11, 3)}  # the latest version, CEST
    assert ws.freeze_panes == "B4"


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def test_reporting_states_and_rates_for_a_hand_made_picture(small: Workbook) -> None:
    ws = small[REPORTING_SHEET]
    assert [ws.cell(row=4, column=c).value for c in range(2, 14)] == list(MONTHS)
    assert [ws.cell(row=3, column=c).value for c in range(14, 19)] == [
        "Förväntade", "Inkomna", "Inkomna i tid", "Inrapporteringsgrad", "Andel i tid"]
    states = [[ws.cell(row=r, column=c).value for c in range(2, 7)] for r in (5, 6, 7)]
    assert states == [["I tid", "Sen", "I tid", "Väntas", None],
                      ["I tid", "Saknas", "I tid", "I tid", None],
                      ["Sen", "I tid", "Saknas", "Väntas", None]]
    assert _rgb(ws["B5"]) == "C6EFCE" and _rgb(ws["C5"]) == "FFEB9C" and _rgb(ws["C6"]) == "FFC7CE"

    def totals(row: int) -> list[object]:
        return [ws.cell(row=row, column=c).value for c in range(14, 19)]

    # January to March are closed (late and missing reports prove it); April is not:
    # Borlänge's early April report is not counted yet.
    assert totals(5) == [3, 3, 2, 1.0, pytest.approx(2 / 3)]
    assert totals(6) == [3, 2, 2, pytest.approx(2 / 3), pytest.approx(2 / 3)]
    assert totals(7) == [3, 2, 1, pytest.approx(2 / 3), pytest.approx(1 / 3)]
    assert totals(_row_of(ws, "Hela länet")) == [9, 7, 5, pytest.approx(7 / 9), pytest.approx(5 / 9)]
    assert totals(_row_of(ws, "Testgruppen")) == [6, 5, 4, pytest.approx(5 / 6), pytest.approx(4 / 6)]
    assert ws.cell(row=5, column=17).number_format == "0.0 %"

    head = _row_of(ws, "Hela länet per månad")
    block = {ws.cell(row=head + k, column=1).value: [ws.cell(row=head + k, column=c).value for c in range(2, 6)]
             + [ws.cell(row=head + k, column=14).value] for k in range(1, 6)}
    assert block["Förväntade"] == [3, 3, 3, None, 9]
    assert block["Inkomna"] == [3, 2, 2, None, 7]
    assert block["Inkomna i tid"] == [2, 1, 2, None, 5]
    assert block["Inrapporteringsgrad"] == [1.0, pytest.approx(2 / 3), pytest.approx(2 / 3), None,
                                            pytest.approx(7 / 9)]
    assert block["Andel i tid"] == [pytest.approx(2 / 3), pytest.approx(1 / 3), pytest.approx(2 / 3), None,
                                    pytest.approx(5 / 9)]
    notes = _all_text(small)
    assert "Inrapporteringsgrad = inkomna ÷ förväntade" in notes and "Andel i tid = inkomna i tid ÷ förväntade" in notes


def test_a_month_everyone_reported_early_counts_once_complete() -> None:
    picture = small_picture()
    reports = dict(picture.reports)
    for name in picture.municipalities:
        reports[(name, 5)] = MonthReport(name, Period(2026, 5), MonthState.ON_TIME, _answers(),
                                         received_at=_at(5, 20), latest_at=_at(5, 20), version=1)
    for name in ("Avesta", "Falun"):  # April now in as well, late
        reports[(name, 4)] = MonthReport(name, Period(2026, 4), MonthState.LATE, _answers(),
                                         received_at=_at(5, 4), latest_at=_at(5, 4), version=1)
    picture = CountyPicture(picture.county_name, picture.county_code, picture.year, picture.form,
                            picture.municipalities, picture.groups, reports)
    ws = _open(build_county_workbook(picture))[REPORTING_SHEET]
    assert [ws.cell(row=_row_of(ws, "Hela länet"), column=c).value for c in range(14, 17)] == [15, 13, 9]


# --------------------------------------------------------------------------
# Summary and data
# --------------------------------------------------------------------------


def test_summary_counts_levels_and_reports(small: Workbook) -> None:
    ws = small[SUMMARY_SHEET]
    head = _row_of(ws, "Fråga 1. Ordningsstörningar och otrygghet")
    block = {ws.cell(row=head + k, column=1).value: [ws.cell(row=head + k, column=c).value for c in range(2, 7)]
             for k in range(1, 9)}
    assert block["Normalt"] == [0, 1, 1, 0, None]
    assert block["Avvikande"] == [0, 1, 0, 1, None]
    assert block["Oroande"] == [1, 0, 0, 0, None]
    assert block["Allvarligt"] == [1, 0, 0, 0, None]
    assert block["Kritiskt"] == [1, 0, 0, 0, None]
    assert block["Med angiven nivå"] == [3, 2, 1, 1, None]
    assert block["Inkomna rapporter"] == [3, 2, 2, 1, None]
    assert block["Högsta nivå"] == ["Kritiskt", "Avvikande", "Normalt", "Avvikande", None]
    top = ws.cell(row=head + 8, column=2)
    assert _rgb(top) == FORM.scale.colour_of(5)
    assert _rgb(ws.cell(row=head + 1, column=1)) == FORM.scale.colour_of(1)
    q4 = _row_of(ws, "Fråga 4. Ungdomar/skolor")
    assert ws.cell(row=q4 + 4, column=1).value == "Allvarligt"
    assert ws.cell(row=q4 + 4, column=4).value == 0  # Avesta's withheld 4 in March is not counted
    assert not any(str(v).startswith("Fråga 7") for v in (c.value for c in ws["A"]))


def test_data_sheet_is_a_table_with_one_row_per_answer(dalarna: Workbook, dalarna_picture: CountyPicture) -> None:
    ws = dalarna[DATA_SHEET]
    assert tuple(c.value for c in ws[1]) == DATA_HEADERS
    answered = sum(
        1 for (name, month), report in dalarna_picture.reports.items()
        if report.state in (MonthState.ON_TIME, MonthState.LATE)
        for q in FORM.questions
        if q.number in report.withheld
        or (q.number in report.answers and (report.answers[q.number].impact is not None
                                            or report.answers[q.number].comment.strip())))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == answered > 500
    assert len(list(dalarna[COMMENTS_SHEET].iter_rows(min_row=4))) == answered
    (table,) = ws.tables.values()
    assert table.ref == f"A1:N{answered + 1}"
    assert table.tableStyleInfo is not None and table.tableStyleInfo.name == "TableStyleMedium2"
    assert [c.name for c in table.tableColumns] == list(DATA_HEADERS)
    statuses = {r[12] for r in rows}
    assert statuses == {"I tid", "Sen"}
    assert {r[13] for r in rows} == {"ja", "nej"}
    for r in rows[:50]:
        assert r[0] == 2026 and r[2] == f"2026-{r[1]:02d}" and isinstance(r[9], datetime)
        if r[6] is not None:
            assert r[7] == FORM.scale.name_of(r[6])
    assert ws.freeze_panes == "E2"


# --------------------------------------------------------------------------
# Layout, printing, determinism, speed
# --------------------------------------------------------------------------


def test_frozen_panes_widths_and_print_setup(dalarna: Workbook) -> None:
    expected_panes = {name: "B5" for name in _level_sheets()}
    expected_panes |= {COMMENTS_SHEET: "B4", REPORTING_SHEET: "B5", SUMMARY_SHEET: "B5", DATA_SHEET: "E2"}
    for ws in dalarna.worksheets:
        assert ws.freeze_panes == expected_panes[ws.title]
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.sheet_properties.pageSetUpPr is not None and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.left.text == "Dalarnas län" and ws.oddHeader.right.text == "Lägesbild 2026"
        assert ws.print_title_rows
    level = dalarna["1 Ordningsstörningar-otrygghet"]
    assert level.print_title_rows == "$1:$4" and level.print_title_cols == "$A:$A"
    assert level.column_dimensions["A"].width >= len("Malung-Sälen")
    assert all(level.column_dimensions[c].width >= 10 for c in "BCDEFGHIJKLM")
    assert dalarna[COMMENTS_SHEET].column_dimensions["E"].width >= 60


def test_same_picture_gives_the_same_bytes(dalarna_bytes: bytes) -> None:
    again = build_county_workbook(make_picture())
    assert again == dalarna_bytes
    assert build_county_workbook(make_picture(seed=1)) != dalarna_bytes
    book = _open(dalarna_bytes)
    assert book.properties.created == book.properties.modified == datetime(2026, 1, 1)
    with zipfile.ZipFile(io.BytesIO(dalarna_bytes)) as zf:
        assert {info.date_time for info in zf.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    # Another process, another hash seed, another day: still the same bytes.
    script = ("import hashlib, sys; from tests.builders.picture import make_picture; "
              "from outputs.workbook import build_county_workbook; "
              "sys.stdout.write(hashlib.sha256(build_county_workbook(make_picture())).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout == hashlib.sha256(dalarna_bytes).hexdigest()


def test_an_empty_year_still_builds() -> None:
    picture = CountyPicture("Dalarnas län", "20", 2027, FORM, DALARNA, (), {})
    book = _open(build_county_workbook(picture))
    ws = book["1 Ordningsstörningar-otrygghet"]
    assert all(ws.cell(row=5, column=c).value is None for c in range(2, 14))
    (table,) = book[DATA_SHEET].tables.values()
    assert table.ref == "A1:N2"
    reporting = book[REPORTING_SHEET]
    assert reporting.cell(row=_row_of(reporting, "Hela länet"), column=14).value == 0


def test_all_290_municipalities_build_with_every_row() -> None:
    # Its speed is measured in bench/ (national workbook), not asserted here.
    picture = make_picture(municipalities=all_municipalities(), through_month=12, current_month=False,
                           groups=(Group("Norra Dalarna", ("Mora", "Orsa", "Älvdalen")),))
    data = build_county_workbook(picture)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read("xl/worksheets/sheet10.xml")  # Data, the last sheet
    assert xml.count(b"<row ") > 290 * 12 * 5


@pytest.mark.libreoffice
def test_libreoffice_reads_the_workbook(small_bytes: bytes) -> None:
    """The hand-written rows of the long sheets survive a round trip through LibreOffice."""
    again = _open(libreoffice.convert("lagesbild.xlsx", small_bytes, "xlsx"))
    assert again.sheetnames == _open(small_bytes).sheetnames
    comments = list(again[COMMENTS_SHEET].iter_rows(min_row=4, values_only=True))
    assert len(comments) == 55 and comments[0][0] == "Avesta" and comments[0][3] == "Oroande"
    assert INJECTION in [r[4] for r in comments]
    data = list(again[DATA_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(data) == 55 and data[0][:5] == (2026, 1, "2026-01", "Avesta", 1)
    assert again["1 Ordningsstörningar-otrygghet"]["B5"].value == "Oroande"


# --------------------------------------------------------------------------
# The builder itself
# --------------------------------------------------------------------------


def test_make_picture_is_realistic_and_deterministic(dalarna_picture: CountyPicture) -> None:
    assert make_picture() == dalarna_picture
    assert make_picture(seed=3) != dalarna_picture
    states = [dalarna_picture.report(m, month).state for m in DALARNA for month in range(1, 13)]
    for state in MonthState:
        assert state in states
    assert states.count(MonthState.ON_TIME) > states.count(MonthState.LATE) > states.count(MonthState.MISSING) > 0
    reports = list(dalarna_picture.reports.values())
    assert any((r.version or 0) >= 2 and r.latest_at and r.received_at and r.latest_at > r.received_at
               for r in reports)
    withheld = [(r, q) for r in reports for q in r.withheld]
    assert withheld and all(r.answers[q] == Answer(None, "") and "personal_data" in r.flags for r, q in withheld)
    assert all(r.period.month <= 10 for r in reports if r.state in (MonthState.LATE, MonthState.MISSING))
    assert {r.state for r in reports if r.period.month == 11} == {MonthState.ON_TIME, MonthState.PENDING}
    assert dalarna_picture.groups[0].members == ("Mora", "Orsa", "Älvdalen")
    late = [r for r in reports if r.state is MonthState.LATE]
    assert all(r.received_at is not None and r.received_at.date() > datetime(2026, r.period.month, 1).date()
               for r in late)
