"""A "Datum:" label whose day stands in the next cell or on the next line is a date.

A sheet with the questions as columns, a Word file and a typed text form, each
with its month stated once and a signature "Datum:" whose day is in the cell
beside the label (or on the line below): the day must neither be taken as a
second month (the form refused as stating two) nor be left out of the check
that the form is dated near the month it reports on.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import parse_bytes
from parsers.form import default_form
from parsers.limits import Limits
from parsers.period import MONTH_NAMES
from parsers.result import ParseResult, Period
from tests.parsers.paragraph_forms import paragraph_docx

FORM = default_form()
# How a day is written: 2026-11-02, 2/11 2026, 2.11.2026, 2026/11/02, 2 november 2026, den 2 nov. 2026.
DAY_FORMATS = ("{d:%Y-%m-%d}", "{d.day}/{d.month} {d.year}", "{d.day}.{d.month}.{d.year}", "{d:%Y/%m/%d}",
               "{d.day} {name} {d.year}", "den {d.day} {name3}. {d.year}")


def _written(shape: str, day: date) -> str:
    name = MONTH_NAMES[day.month - 1]
    return shape.format(d=day, name=name, name3=name[:3])


def _header(period: Period) -> list[str]:
    return [FORM.title, "Underlaget inlämnat av kommun:", f"{MONTH_NAMES[period.month - 1].capitalize()} {period.year}"]


def _transposed_sheet(period: Period, day: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = FORM.title
    sheet["A2"], sheet["B2"] = "Underlaget inlämnat av kommun:", "Mora"
    sheet["A3"] = f"{MONTH_NAMES[period.month - 1].capitalize()} {period.year}"
    sheet["A5"], sheet["A6"], sheet["A7"] = "Fråga", "Påverkan", "Kommentar"
    for column, question in enumerate(FORM.questions, start=2):
        sheet.cell(5, column, f"{question.number}. {question.short}")
        if question.impact:
            sheet.cell(6, column, 2)
        sheet.cell(7, column, f"Lugnt i kommunen, fråga {question.number}.")
    sheet["A9"], sheet["B9"] = "Datum:", day
    sheet["A10"], sheet["B10"] = "Ifylld av:", "trygghetssamordnaren"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _word(period: Period, day: str) -> bytes:
    header = ["Underlaget inlämnat av kommun: Mora", "Datum:", day,
              f"Avser: {MONTH_NAMES[period.month - 1]} {period.year}"]
    return paragraph_docx(FORM, header, lambda q: [f"{q.number}. {q.short}"],
                          lambda q: f"Lugnt i kommunen, fråga {q.number}.")


def _read(kind: str, period: Period, day: str) -> ParseResult:
    if kind == "xlsx":
        return parse_bytes(_transposed_sheet(period, day), "Lägesbild.xlsx", FORM, Limits())
    return parse_bytes(_word(period, day), "Lägesbild.docx", FORM, Limits())


periods = st.builds(Period, st.integers(2025, 2027), st.integers(1, 12))


@settings(max_examples=30, deadline=None)
@given(periods, st.integers(0, 60), st.sampled_from(DAY_FORMATS), st.sampled_from(["xlsx", "docx"]))
def test_a_day_beside_the_date_label_is_not_a_second_month(period: Period, after: int, shape: str, kind: str) -> None:
    last = (date(period.year + period.month // 12, period.month % 12 + 1, 1) - timedelta(days=1))
    day = last + timedelta(days=after)  # dated at the month's end or in the weeks after, as reports are
    result = _read(kind, period, _written(shape, day))
    assert result.period == period, [i.message for i in result.issues]
    assert not [i for i in result.issues if i.field == "period"], [i.message for i in result.issues]


@settings(max_examples=15, deadline=None)
@given(periods, st.integers(1, 3), st.sampled_from(DAY_FORMATS), st.sampled_from(["xlsx", "docx"]))
def test_a_day_years_from_the_month_is_read_as_the_date_and_flagged(
        period: Period, years: int, shape: str, kind: str) -> None:
    day = date(period.year + years, period.month, 10)
    result = _read(kind, period, _written(shape, day))
    assert result.period == period
    flagged = [i.message for i in result.issues if i.field == "period"]
    assert any("daterat" in message for message in flagged), [i.message for i in result.issues]
