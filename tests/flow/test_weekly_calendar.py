"""A weekly form's calendar: the deadline rule as data, working days, reminders and the
period a message is filed under, on the real Swedish calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from flow.calendar import deadline, deadline_end, report_state
from flow.reminders import due_reminders, periods_to_check, stage_moment
from flow.settings import MunicipalityConfig, Stage
from ingest.route import choose_period
from lagesbild.config import load_config
from outputs.picture import MonthState
from parsers.form import DeadlineRule, builtin_form_path, load_form
from parsers.result import Cadence, Period

TZ = ZoneInfo("Europe/Stockholm")
EST = load_form(builtin_form_path("est-veckochecklista"))  # type: ignore[arg-type]
TUESDAY_16 = EST.deadline
WEEKLY_STAGES = (
    Stage("before_deadline", -1, 8, 0, "pending"),
    Stage("deadline_day", 0, 8, 0, "pending"),
    Stage("after_deadline", 1, 8, 0, "missing", cc_staff=True),
)


def local(y: int, mo: int, d: int, h: int = 8, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.mark.parametrize(("week", "expected"), [
    ("2026-W43", date(2026, 10, 20)),  # an ordinary Tuesday
    ("2026-W53", date(2026, 12, 29)),  # the 53rd week of 2026
    ("2029-W18", date(2029, 4, 30)),  # Tuesday 1 May (Första maj) -> Monday
    ("2028-W23", date(2028, 6, 5)),  # Tuesday 6 June (Nationaldagen) -> Monday
    ("2030-W01", date(2029, 12, 28)),  # Tuesday 1 January and Monday Nyårsafton -> Friday
    ("2024-W52", date(2024, 12, 23)),  # Tuesday 24 December (Julafton) -> Monday
])
def test_a_weekly_deadline_is_the_tuesday_or_the_working_day_before(week: str, expected: date) -> None:
    assert deadline(Period.parse(week), TUESDAY_16) == expected


def test_holidays_move_the_weekly_deadline_back() -> None:
    # Tuesday 1 January 2030 is Nyårsdagen, and Monday 31 December Nyårsafton (a de-facto day off):
    # the deadline is Friday 28 December 2029.
    assert deadline(Period.parse("2030-W01"), TUESDAY_16) == date(2029, 12, 28)
    # Tuesday 24 December 2024 is Julafton, Monday 23rd a working day.
    assert deadline(Period.parse("2024-W52"), TUESDAY_16) == date(2024, 12, 23)
    assert deadline(Period.parse("2026-W43"), TUESDAY_16) == date(2026, 10, 20)


def test_on_time_until_the_rules_time_of_day() -> None:
    week = Period.parse("2026-W43")
    assert deadline_end(week, TZ, rule=TUESDAY_16) == local(2026, 10, 20, 16)
    assert report_state(week, local(2026, 10, 20, 15, 59), local(2026, 10, 30), TZ, rule=TUESDAY_16) \
        is MonthState.ON_TIME
    assert report_state(week, local(2026, 10, 20, 16, 1), local(2026, 10, 30), TZ, rule=TUESDAY_16) \
        is MonthState.LATE
    assert report_state(week, None, local(2026, 10, 20, 15), TZ, rule=TUESDAY_16) is MonthState.PENDING
    assert report_state(week, None, local(2026, 10, 20, 16), TZ, rule=TUESDAY_16) is MonthState.MISSING
    # Grace is added to the time of day.
    assert deadline_end(week, TZ, timedelta(minutes=30), TUESDAY_16) == local(2026, 10, 20, 16, 30)


def test_the_week_after_and_the_default_weekly_rule() -> None:
    week = Period.parse("2026-W43")
    after = DeadlineRule("weekday", 2, time(8, 30), 1)
    assert deadline(week, after) == date(2026, 10, 28)
    assert deadline(week) == date(2026, 10, 23)  # no rule given: the week's Friday


def test_a_monthly_rule_does_not_fit_a_week() -> None:
    with pytest.raises(ValueError):
        deadline(Period.parse("2026-W43"), DeadlineRule())
    with pytest.raises(ValueError):
        deadline(Period(2026, 10), TUESDAY_16)


def test_a_monthly_rule_with_a_time_of_day() -> None:
    vbe = load_form(builtin_form_path("vbe-lagesbild"))  # type: ignore[arg-type]
    assert deadline_end(Period(2026, 10), TZ, rule=vbe.deadline) == local(2026, 10, 30, 12)


def test_stages_count_working_days_from_the_weekly_deadline() -> None:
    week = Period.parse("2026-W43")
    moments = [stage_moment(s, week, TZ, TUESDAY_16) for s in WEEKLY_STAGES]
    assert moments == [local(2026, 10, 19), local(2026, 10, 20), local(2026, 10, 21)]


def test_periods_to_check_are_weeks() -> None:
    periods = periods_to_check(local(2026, 10, 20, 9), TZ, WEEKLY_STAGES, TUESDAY_16)
    assert [str(p) for p in periods] == ["2026-W42", "2026-W43"]
    periods = periods_to_check(local(2026, 10, 22, 9), TZ, WEEKLY_STAGES, TUESDAY_16)
    assert [str(p) for p in periods] == ["2026-W43"]


def test_reminders_go_to_exactly_the_late_ones() -> None:
    munis: tuple[MunicipalityConfig, ...] = tuple(
        replace(m, contacts=(f"samordnare@{m.domains[0]}",)) for m in load_config(None).municipalities[:4])
    week = Period.parse("2026-W43")
    first = {(munis[0].name, week): local(2026, 10, 19, 10), (munis[1].name, week): local(2026, 10, 20, 17)}

    def due(now: datetime) -> list[tuple[str, str, str]]:
        plan = due_reminders(periods=[week], municipalities=munis, first_received=first, sent=set(),
                             stages=WEEKLY_STAGES, staff=("stab@lst.example",), now=now, tz=TZ, rule=TUESDAY_16)
        return [(r.municipality, str(r.period), r.stage) for r in plan.reminders]

    # Monday 08:00: nobody in yet; all four get the first stage.
    assert [m for m, _, _ in due(local(2026, 10, 19))] == [m.name for m in munis]
    # Tuesday 08:00: the first is in; three are reminded on the deadline day.
    assert due(local(2026, 10, 20)) == [(m.name, "2026-W43", "deadline_day") for m in munis[1:]]
    # Wednesday 08:00: the second came late (Tuesday 17:00), the last two are missing.
    assert due(local(2026, 10, 21)) == [(m.name, "2026-W43", "after_deadline") for m in munis[2:]]


def test_a_weekly_message_is_filed_under_its_week() -> None:
    week = Period.parse("2026-W43")
    received = local(2026, 10, 20, 9)
    assert choose_period(week, None, "", "", received, TZ, Cadence.WEEK).period == week
    assert not choose_period(week, None, "", "", received, TZ, Cadence.WEEK).inferred
    by_subject = choose_period(None, None, "SV: Checklista vecka 42 2026", "", received, TZ, Cadence.WEEK)
    assert (str(by_subject.period), by_subject.source) == ("2026-W42", "subject")
    fallback = choose_period(None, None, "Checklista", "Se bifogad fil.", received, TZ, Cadence.WEEK)
    assert (str(fallback.period), fallback.source) == ("2026-W43", "received date")
    assert choose_period(Period.parse("2026-W50"), None, "", "", received, TZ, Cadence.WEEK).doubt
    assert choose_period(Period.parse("2026-W20"), None, "", "", received, TZ, Cadence.WEEK).doubt
