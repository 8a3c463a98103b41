"""The Period type: a month (YYYY-MM) or an ISO 8601 week (YYYY-Www), parsed, printed and stepped."""

from __future__ import annotations

from datetime import date

import pytest

from parsers.result import Cadence, Period, periods_of_year, weeks_in_year


@pytest.mark.parametrize("text", ["2026-10", "2026-01", "2026-12", "2026-W43", "2026-W01", "2026-W53", "2020-W53"])
def test_canonical_forms_round_trip(text: str) -> None:
    assert str(Period.parse(text)) == text


@pytest.mark.parametrize("text", ["2026-13", "2026-W00", "2025-W53", "2026-W54", "2026-w43", "2026W43",
                                  "26-10", "2026-W4", "oktober 2026", ""])
def test_non_canonical_or_impossible_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


def test_a_month_is_what_it_always_was() -> None:
    p = Period(2026, 10)
    assert (p.year, p.month, p.week, p.number) == (2026, 10, 0, 10)
    assert p.cadence is Cadence.MONTH and not p.is_week
    assert (p.first_day, p.last_day) == (date(2026, 10, 1), date(2026, 10, 31))
    assert str(Period(2026, 1).previous()) == "2025-12" and str(Period(2026, 12).next()) == "2027-01"


def test_a_week_belongs_to_the_iso_year_and_the_month_of_its_thursday() -> None:
    w = Period.parse("2026-W43")
    assert (w.year, w.month, w.week, w.number, w.cadence) == (2026, 10, 43, 43, Cadence.WEEK)
    assert (w.first_day, w.last_day) == (date(2026, 10, 19), date(2026, 10, 25))
    # Week 1 of 2027 starts on Monday 4 January; week 1 of 2026 on Monday 29 December 2025.
    assert Period.parse("2026-W01").first_day == date(2025, 12, 29)
    assert Period.parse("2026-W01").month == 1
    # Week 44 of 2026 runs 26 Oct - 1 Nov: its Thursday (29 Oct) puts it in October.
    assert Period.parse("2026-W44").month == 10
    assert Period.parse("2026-W45").month == 11
    with pytest.raises(ValueError):
        Period(2026, 11, 44)  # week 44 is October's


def test_weeks_step_across_years_with_53_weeks() -> None:
    assert weeks_in_year(2026) == 53 and weeks_in_year(2027) == 52 and weeks_in_year(2020) == 53
    assert str(Period.parse("2026-W53").next()) == "2027-W01"
    assert str(Period.parse("2027-W01").previous()) == "2026-W53"
    assert str(Period.parse("2028-W01").previous()) == "2027-W52"


def test_containing_a_day() -> None:
    assert Period.containing(date(2027, 1, 1), Cadence.WEEK) == Period.parse("2026-W53")
    assert Period.containing(date(2027, 1, 1)) == Period(2027, 1)


def test_periods_of_a_year_in_order() -> None:
    weeks = periods_of_year(2026, Cadence.WEEK)
    assert len(weeks) == 53 and weeks == tuple(sorted(weeks))
    assert [str(p) for p in weeks[:2]] == ["2026-W01", "2026-W02"]
    assert len(periods_of_year(2027, Cadence.WEEK)) == 52
    assert [p.month for p in periods_of_year(2026, Cadence.MONTH)] == list(range(1, 13))


def test_weeks_order_in_time_and_are_never_equal_to_their_month() -> None:
    w = Period.parse("2026-W43")
    assert w != Period(2026, 10) and Period.parse("2026-W42") < w < Period.parse("2026-W44")
    assert len({w, Period(2026, 10)}) == 2
