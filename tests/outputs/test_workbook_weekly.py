"""The county workbook of a weekly form: municipalities × ISO weeks, weeks under their months."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from outputs.digest import build_digest
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from outputs.workbook import COMMENTS_SHEET, DATA_SHEET, REPORTING_SHEET, SUMMARY_SHEET, build_county_workbook
from parsers.form import builtin_form_path, load_form
from parsers.result import Answer, Period

EST = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
TZ = ZoneInfo("Europe/Stockholm")


def _answers(level: int) -> dict[int, Answer]:
    return {q.number: Answer(level if q.impact else None, f"Vecka med nivå {level}.") for q in EST.questions}


def weekly_picture(year: int) -> CountyPicture:
    reports: dict[tuple[str, int], MonthReport] = {}
    at = datetime(year, 1, 5, 9, tzinfo=TZ)
    for week in (1, 2, 43, 44):
        period = Period.iso_week(year, week)
        reports[("Kumla", week)] = MonthReport("Kumla", period, MonthState.ON_TIME, _answers(1 + week % 3),
                                               received_at=at, latest_at=at, version=1)
        reports[("Nora", week)] = MonthReport("Nora", period, MonthState.MISSING)
    return CountyPicture("Örebro län", "18", year, EST, ("Kumla", "Nora"), (Group("Båda", ("Kumla", "Nora")),),
                         reports)


@pytest.mark.parametrize(("year", "weeks"), [(2026, 53), (2027, 52)])
def test_a_column_per_week_under_its_month(year: int, weeks: int) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(build_county_workbook(weekly_picture(year))))
    sheet = wb["1 Skadegörelse och klotter"]
    labels = [sheet.cell(row=4, column=c).value for c in range(2, 2 + weeks + 1)]
    assert labels == [f"v{w}" for w in range(1, weeks + 1)] + [None]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    months = {sheet.cell(row=3, column=c).value: c for c in range(2, 2 + weeks) if sheet.cell(row=3, column=c).value}
    assert list(months) == ["Januari", "Februari", "Mars", "April", "Maj", "Juni", "Juli", "Augusti", "September",
                            "Oktober", "November", "December"]
    # October 2026 holds weeks 40-44 (week 44's Thursday is 29 October); December 2026 weeks 49-53.
    if year == 2026:
        assert months["Oktober"] == 1 + 40 and "AO3:AS3" in merged
        assert sheet.cell(row=3, column=1 + 49).value == "December" and "AX3:BB3" in merged
    rows = {sheet.cell(row=r, column=1).value: r for r in range(5, 8)}
    assert sheet.cell(row=rows["Kumla"], column=1 + 43).value == EST.scale.name_of(1 + 43 % 3)
    assert sheet.cell(row=rows["Nora"], column=1 + 43).value == "Saknas"
    assert sheet.cell(row=rows["Kumla"], column=1 + 10).value is None  # not due: blank
    assert wb[REPORTING_SHEET].cell(row=4, column=1 + weeks).value == f"v{weeks}"
    assert wb[SUMMARY_SHEET].cell(row=4, column=2).value == "v1"
    comments = wb[COMMENTS_SHEET]
    assert comments.cell(row=3, column=2).value == "Vecka"
    assert comments.cell(row=4, column=2).value == f"{year}-W01"
    data = wb[DATA_SHEET]
    periods = {data.cell(row=r, column=3).value: data.cell(row=r, column=2).value for r in range(2, data.max_row + 1)}
    assert periods[f"{year}-W43"] == 10 and periods[f"{year}-W01"] == 1


def test_the_weekly_digest_compares_weeks_and_sums_up_the_month() -> None:
    picture = weekly_picture(2026)
    digest = build_digest(picture, Period.parse("2026-W44"))
    assert digest.subject == "Lägesbild trygghet i området – vecka 44 2026, Örebro län"
    assert "Sedan vecka 43 2026" in digest.text
    assert "MÅNADEN HITTILLS, OKTOBER 2026" in digest.text
    # Weeks 43 and 44 of October: Kumla's two answers per question (levels 2 and 3), Nora none.
    assert "- Fråga 1 Skadegörelse och klotter: 2 svar, högst Stor oro, medelnivå 2,5." in digest.text
    assert "TOLV VECKOR, VECKA 33–44 2026" in digest.text
