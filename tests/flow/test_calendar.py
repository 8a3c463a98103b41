"""Deadlines against the real Swedish calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flow.calendar import (
    add_working_days,
    deadline,
    deadline_end,
    is_working_day,
    report_state,
)
from outputs.picture import MonthState
from parsers.result import Period

TZ = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2026-12", date(2026, 12, 30)),  # Nyårsafton (Thu 31) is a de-facto day off
        ("2029-03", date(2029, 3, 29)),  # Långfredagen (Fri 30)
        ("2026-10", date(2026, 10, 30)),  # Sat 31 (and Alla helgons dag)
        ("2026-01", date(2026, 1, 30)),  # Sat 31
        ("2026-05", date(2026, 5, 29)),  # Sun 31
        ("2027-12", date(2027, 12, 30)),  # Fri 31 Nyårsafton
        ("2025-12", date(2025, 12, 30)),  # Wed 31 Nyårsafton
        ("2028-06", date(2028, 6, 30)),
        ("2027-04", date(2027, 4, 30)),
        ("2030-05", date(2030, 5, 31)),
    ],
)
def test_deadline_is_the_last_working_day(period: str, expected: date) -> None:
    assert deadline(Period.parse(period)) == expected


@pytest.mark.parametrize(
    "day",
    [date(2026, 6, 19), date(2026, 12, 24), date(2026, 12, 31), date(2026, 1, 6), date(2026, 5, 14),
     date(2026, 6, 6), date(2027, 6, 25), date(2026, 12, 26), date(2026, 5, 1)],
)
def test_holidays_and_de_facto_days_off_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


def test_counting_working_days_skips_midsommar() -> None:
    # Thu 18 June 2026 + 1 working day skips Midsommarafton (Fri) and the weekend.
    assert add_working_days(date(2026, 6, 18), 1) == date(2026, 6, 22)
    assert add_working_days(date(2026, 6, 22), -1) == date(2026, 6, 18)


def test_on_time_until_the_end_of_the_deadline_day_in_stockholm() -> None:
    period = Period(2026, 10)
    end = deadline_end(period, TZ)
    assert end == datetime(2026, 10, 31, 0, 0, tzinfo=TZ)
    assert report_state(period, datetime(2026, 10, 30, 23, 59, 59, tzinfo=TZ), end, TZ) is MonthState.ON_TIME
    assert report_state(period, datetime(2026, 10, 31, 0, 0, 1, tzinfo=TZ), end, TZ) is MonthState.LATE
    # 22:30 UTC on the deadline day is already the next day in Stockholm (CET, +1).
    utc_late = datetime(2026, 10, 30, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert report_state(period, utc_late, utc_late, TZ) is MonthState.LATE


def test_grace_extends_on_time() -> None:
    period = Period(2026, 10)
    arrival = datetime(2026, 10, 31, 0, 30, tzinfo=TZ)
    assert report_state(period, arrival, arrival, TZ, timedelta(hours=1)) is MonthState.ON_TIME


def test_pending_until_the_deadline_passes_then_missing() -> None:
    period = Period(2026, 12)
    assert report_state(period, None, datetime(2026, 12, 30, 16, 0, tzinfo=TZ), TZ) is MonthState.PENDING
    assert report_state(period, None, datetime(2026, 12, 31, 0, 0, 1, tzinfo=TZ), TZ) is MonthState.MISSING


@given(st.integers(2024, 2035), st.integers(1, 12))
def test_deadline_is_a_working_day_in_its_month_and_the_last_one(year: int, month: int) -> None:
    day = deadline(Period(year, month))
    assert (day.year, day.month) == (year, month)
    assert is_working_day(day)
    following = day + timedelta(days=1)
    while following.month == month:
        assert not is_working_day(following)
        following += timedelta(days=1)
