"""Reading the reporting month."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers.period import MONTH_NAMES, read_period
from parsers.result import Period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Oktober 2026", "2026-10"), ("okt -26", "2026-10"), ("Okt-26", "2026-10"), ("2026-10", "2026-10"),
        ("10/2026", "2026-10"), ("Juli månad 2026", "2026-07"), ("Månad: 10/2026", "2026-10"),
        ("2026-10-31", "2026-10"), ("31/10/2026", "2026-10"), ("okt 2026", "2026-10"), ("maj-26", "2026-05"),
        ("sep. 2026", "2026-09"), ("2026 oktober", "2026-10"), ("oktober, 2026", "2026-10"),
        ("Lägesbild sociala risker oktober 2026", "2026-10"), ("Lagesbild_2026-10_Ludvika.docx", "2026-10"),
        ("DECEMBER 2025", "2025-12"),
    ],
)
def test_periods_people_write(text: str, period: str) -> None:
    reading = read_period(text)
    assert str(reading.period) == period
    assert not reading.ambiguous


@pytest.mark.parametrize(("text", "month"), [("Juli månad", 7), ("oktober", 10), ("Avser: september", 9)])
def test_month_without_year_is_not_a_period(text: str, month: int) -> None:
    reading = read_period(text)
    assert reading.period is None
    assert reading.month_only == month


@pytest.mark.parametrize("text", ["september/oktober 2026", "2026-09 – 2026-10", "oktober 2026 och november 2026"])
def test_two_months_are_ambiguous(text: str) -> None:
    reading = read_period(text)
    assert reading.period is None
    assert reading.ambiguous


@pytest.mark.parametrize("text", ["", "Lägesbild", "Redogör kort under varje fråga:", "3 inbrott"])
def test_nothing_found(text: str) -> None:
    assert not read_period(text).found


@given(st.integers(2000, 2099), st.integers(1, 12), st.sampled_from(["{name} {year}", "{mon} -{yy}",
                                                                     "{year}-{mm}", "{m}/{year}",
                                                                     "{Name} månad {year}", "{mon}. {year}"]))
def test_written_forms_round_trip(year: int, month: int, pattern: str) -> None:
    name = MONTH_NAMES[month - 1]
    text = pattern.format(name=name, Name=name.capitalize(), mon=name[:3], yy=f"{year % 100:02d}",
                          year=year, mm=f"{month:02d}", m=month)
    assert read_period(text).period == Period(year, month)


@given(st.text(max_size=60))
def test_never_raises(text: str) -> None:
    reading = read_period(text)
    assert not (reading.period and reading.ambiguous)
