"""Reminders: stage moments on the real calendar, who is reminded when, and never twice."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from flow.calendar import add_working_days, deadline
from flow.reminders import (
    DueReminder,
    ReminderPlan,
    due_reminders,
    periods_to_check,
    stage_moment,
    stages_from_config,
)
from flow.settings import DEFAULT_STAGES, MunicipalityConfig, Stage
from lagesbild.config import load_config
from parsers.result import Period

TZ = ZoneInfo("Europe/Stockholm")
STAFF = ("handlaggare@lansstyrelsen.example",)
BEFORE, DAY, AFTER = DEFAULT_STAGES


def local(y: int, mo: int, d: int, h: int = 8, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


def municipalities() -> tuple[MunicipalityConfig, ...]:
    """The built-in Dalarna list; Leksand and Ludvika have no contacts configured."""
    out = []
    for m in load_config(None).municipalities:
        out.append(replace(m, contacts=()) if m.name in ("Leksand", "Ludvika") else m)
    return tuple(out)


MUNIS = municipalities()
FALLBACK = {"Ludvika": "senaste.avsandare@ludvika.se"}
DEC = [Period(2026, 12)]


def plan(now: datetime, *, first_received: dict[tuple[str, Period], datetime] | None = None,
         sent: set[tuple[str, str, str]] | None = None, stages: tuple[Stage, ...] = DEFAULT_STAGES,
         periods: list[Period] | None = None, munis: tuple[MunicipalityConfig, ...] = MUNIS) -> ReminderPlan:
    return due_reminders(
        periods=periods if periods is not None else periods_to_check(now, TZ, stages),
        municipalities=munis, first_received=first_received or {}, sent=sent or set(), stages=stages,
        staff=STAFF, fallback_contacts=FALLBACK, now=now, tz=TZ,
    )


def keys(p: ReminderPlan) -> set[tuple[str, str, str]]:
    return {r.key for r in p.reminders}


# --------------------------------------------------------------------------
# Stage moments on the real calendar
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "before", "day", "after"),
    [
        # December 2026: Julafton, Juldagen, Annandagen and the weekend lie between
        # 23 and 28 December; Nyårsafton, Nyårsdagen and the weekend after the deadline.
        ("2026-12", local(2026, 12, 23), local(2026, 12, 30), local(2027, 1, 5)),
        # June 2027: three working days before Wed 30 June skips Midsommarafton (Fri 25).
        ("2027-06", local(2027, 6, 24), local(2027, 6, 30), local(2027, 7, 2)),
        # March 2029: the deadline is Thu 29 (Långfredagen 30); Annandag påsk (2 April) is skipped after it.
        ("2029-03", local(2029, 3, 26), local(2029, 3, 29), local(2029, 4, 4)),
        # October 2026: Sat 31 October; summer time ended on 25 October.
        ("2026-10", local(2026, 10, 27), local(2026, 10, 30), local(2026, 11, 3)),
        # May 2026: Kristi himmelsfärd (Thu 14) is far off; Sun 31 moves the deadline to Fri 29.
        ("2026-05", local(2026, 5, 26), local(2026, 5, 29), local(2026, 6, 2)),
    ],
)
def test_stage_moments_follow_the_swedish_calendar(period: str, before: datetime, day: datetime,
                                                   after: datetime) -> None:
    p = Period.parse(period)
    assert [stage_moment(s, p, TZ) for s in DEFAULT_STAGES] == [before, day, after]
    assert all(m.tzinfo is TZ and m.time() == time(8, 0) for m in (before, day, after))


def test_moments_are_eight_in_stockholm_in_summer_and_winter_time() -> None:
    assert stage_moment(BEFORE, Period(2029, 3), TZ).utcoffset() == timedelta(hours=2)  # after 25 March 2029
    assert stage_moment(AFTER, Period(2026, 12), TZ).astimezone(UTC) == datetime(2027, 1, 5, 7, 0, tzinfo=UTC)


def test_periods_to_check_are_this_month_and_last_month_at_most() -> None:
    assert periods_to_check(local(2026, 11, 15, 12), TZ) == [Period(2026, 10)]
    assert periods_to_check(local(2026, 11, 26, 12), TZ) == [Period(2026, 10), Period(2026, 11)]
    # Once November's last stage is due, October is no longer checked.
    assert periods_to_check(local(2026, 12, 2, 8), TZ) == [Period(2026, 11)]
    assert periods_to_check(local(2026, 12, 2, 7, 59), TZ) == [Period(2026, 10), Period(2026, 11)]
    # November is checked until December's after-deadline stage (5 January) is due.
    assert periods_to_check(local(2027, 1, 4, 12), TZ) == [Period(2026, 11), Period(2026, 12)]
    assert periods_to_check(local(2027, 1, 5, 8), TZ) == [Period(2026, 12)]
    with pytest.raises(ValueError, match="timezone-aware"):
        periods_to_check(datetime(2026, 11, 1), TZ)
    assert periods_to_check(local(2026, 11, 1), TZ, ()) == []


# --------------------------------------------------------------------------
# Which stage is due, to whom
# --------------------------------------------------------------------------


def test_nothing_is_due_before_the_first_stage() -> None:
    assert plan(local(2026, 12, 23, 7, 59), periods=DEC).reminders == ()
    due = plan(local(2026, 12, 23, 8, 0), periods=DEC)
    assert {r.stage for r in due.reminders} == {"before_deadline"}
    assert {r.period for r in due.reminders} == {Period(2026, 12)}


def test_a_stage_stays_due_until_sent_then_never_again() -> None:
    period = Period(2026, 12)
    sent: set[tuple[str, str, str]] = set()
    now = local(2026, 12, 23, 8)
    # Listed hour after hour while it is not sent (the worker could not send it) ...
    while now < local(2026, 12, 30, 8):
        assert ("Orsa", "2026-12", "before_deadline") in keys(plan(now, sent=sent, periods=DEC)), now
        now += timedelta(hours=1)
    # ... and superseded by the next stage once that is due.
    assert ("Orsa", "2026-12", "before_deadline") not in keys(plan(now, sent=sent, periods=DEC))
    assert ("Orsa", "2026-12", "deadline_day") in keys(plan(now, sent=sent, periods=DEC))
    sent.add(("Orsa", "2026-12", "deadline_day"))
    for hours in range(0, 16):
        due = plan(now + timedelta(hours=hours), sent=sent, periods=DEC)
        assert "Orsa" not in {r.municipality for r in due.reminders}
        assert "Mora" in {r.municipality for r in due.reminders}
    assert stage_moment(AFTER, period, TZ) == local(2027, 1, 5)


def test_a_worker_that_was_down_sends_only_the_latest_stage() -> None:
    # Down from before 23 December until the deadline day: before_deadline was never sent.
    due = plan(local(2026, 12, 30, 10), periods=DEC)
    assert {r.stage for r in due.reminders} == {"deadline_day"}
    # Down through the deadline and after: only after_deadline, with staff in copy.
    due = plan(local(2027, 1, 7, 10), periods=DEC)
    assert {r.stage for r in due.reminders} == {"after_deadline"}
    assert all(r.cc == STAFF for r in due.reminders)


def test_between_the_end_of_the_deadline_day_and_the_after_stage_nobody_is_reminded() -> None:
    # The deadline-day stage speaks to pending municipalities; after midnight they are missing.
    assert plan(local(2026, 12, 30, 23, 59), periods=DEC).reminders != ()
    for day in (local(2026, 12, 31, 0, 0), local(2027, 1, 2, 12), local(2027, 1, 5, 7, 59)):
        assert plan(day, periods=DEC).reminders == (), day


def test_reported_municipalities_are_never_reminded_even_when_late() -> None:
    period = Period(2026, 12)
    received = {
        ("Avesta", period): local(2026, 12, 10, 9),  # early
        ("Orsa", period): local(2027, 1, 2, 11),  # late, before the after-deadline stage
        ("Mora", period): local(2027, 2, 1, 9),  # after `now`: not yet in at `now`
    }
    before = plan(local(2026, 12, 23, 9), first_received=received, periods=DEC)
    assert "Avesta" not in {r.municipality for r in before.reminders}
    assert {"Orsa", "Mora"} <= {r.municipality for r in before.reminders}
    after = plan(local(2027, 1, 5, 9), first_received=received, periods=DEC)
    names = {r.municipality for r in after.reminders}
    assert "Avesta" not in names and "Orsa" not in names and "Mora" in names


def test_recipients_contacts_fallback_staff_and_no_address() -> None:
    due = plan(local(2027, 1, 5, 9), periods=DEC)
    by_name = {r.municipality: r for r in due.reminders}
    assert by_name["Orsa"].to == ("samordnare@orsa.se",) and by_name["Orsa"].cc == STAFF
    assert by_name["Ludvika"].to == ("senaste.avsandare@ludvika.se",)
    assert "Leksand" not in by_name
    assert [(r.municipality, r.stage, r.to) for r in due.no_address] == [("Leksand", "after_deadline", ())]
    # Staff that are also the contact are not copied twice; duplicate contacts are sent once.
    orsa = replace(next(m for m in MUNIS if m.name == "Orsa"),
                   contacts=("samordnare@orsa.se", "SAMORDNARE@orsa.se", STAFF[0]))
    [only] = plan(local(2027, 1, 5, 9), munis=(orsa,), periods=DEC).reminders
    assert only.to == ("samordnare@orsa.se", STAFF[0]) and only.cc == ()
    # Stages without cc_staff copy nobody.
    assert all(r.cc == () for r in plan(local(2026, 12, 23, 9), periods=DEC).reminders)


def test_reminders_are_ordered_by_period_then_configured_municipality() -> None:
    # October's after-deadline stage (3 November) was never sent; November's first stage is due.
    due = plan(local(2026, 11, 27, 9))
    periods = [r.period for r in due.reminders]
    assert periods == sorted(periods)
    october = [r.municipality for r in due.reminders if r.period == Period(2026, 10)]
    configured = [m.name for m in MUNIS]
    assert october == [n for n in configured if n in october]
    assert {r.stage for r in due.reminders if r.period == Period(2026, 10)} == {"after_deadline"}
    assert {r.stage for r in due.reminders if r.period == Period(2026, 11)} == {"before_deadline"}


def test_contract_json_shape() -> None:
    due = plan(local(2026, 10, 27, 9), periods=[Period(2026, 10)])
    data = json.loads(json.dumps(due.to_json()))
    assert data[0] == {"municipality": "Avesta", "period": "2026-10", "stage": "before_deadline",
                       "to": ["samordnare@avesta.se"]}
    assert all(set(item) == {"municipality", "period", "stage", "to"} for item in data)
    assert [d["municipality"] for d in data] == [r.municipality for r in due.reminders]
    assert DueReminder("Orsa", Period(2026, 10), "deadline_day", ("a@orsa.se",)).to_json() == {
        "municipality": "Orsa", "period": "2026-10", "stage": "deadline_day", "to": ["a@orsa.se"]}


def test_now_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(datetime(2026, 12, 23, 9), periods=[Period(2026, 12)])


# --------------------------------------------------------------------------
# A year stepped through hour by hour
# --------------------------------------------------------------------------

# How each municipality behaves every month (the rest report early, on the 5th).
EARLY = "Avesta"
AFTER_FIRST_REMINDER = "Borlänge"  # the day after before_deadline
ON_DEADLINE_DAY = "Falun"  # at 15:00 on the deadline day
LATE = "Gagnef"  # the first working day after the deadline, before after_deadline
NEVER = ("Hedemora", "Ludvika", "Leksand")  # Ludvika via the fallback; Leksand has no address
VERY_LATE = "Mora"  # a week after the after-deadline stage


def arrivals(periods: list[Period]) -> dict[tuple[str, Period], datetime]:
    out: dict[tuple[str, Period], datetime] = {}
    for p in periods:
        last = deadline(p)
        for m in MUNIS:
            if m.name in NEVER:
                continue
            if m.name == AFTER_FIRST_REMINDER:
                at = stage_moment(BEFORE, p, TZ) + timedelta(days=1, hours=4)
            elif m.name == ON_DEADLINE_DAY:
                at = datetime.combine(last, time(15, 0), tzinfo=TZ)
            elif m.name == LATE:
                at = datetime.combine(add_working_days(last, 1), time(10, 0), tzinfo=TZ)
            elif m.name == VERY_LATE:
                at = stage_moment(AFTER, p, TZ) + timedelta(days=7)
            else:
                at = datetime(p.year, p.month, 5, 9, 30, tzinfo=TZ)
            out[(m.name, p)] = at
    return out


def expected_stages(name: str) -> tuple[Stage, ...]:
    if name == AFTER_FIRST_REMINDER:
        return (BEFORE,)
    if name in (ON_DEADLINE_DAY, LATE):
        return (BEFORE, DAY)
    if name in NEVER or name == VERY_LATE:
        return DEFAULT_STAGES
    return ()


def test_a_year_of_reminders_hour_by_hour() -> None:
    start = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
    end = datetime(2028, 1, 10, 0, 0, tzinfo=UTC)
    periods = [Period(2026, 10)]
    while periods[-1] < Period(2027, 12):
        periods.append(periods[-1].next())
    received = arrivals(periods)

    # Everything for the months before the run was dealt with before it.
    sent = {(m.name, str(p), s.name) for p in (Period(2026, 8), Period(2026, 9)) for m in MUNIS
            for s in DEFAULT_STAGES}
    log: list[tuple[datetime, DueReminder]] = []
    staff_told: dict[tuple[str, str, str], datetime] = {}
    now = start
    while now < end:  # hourly in UTC: Stockholm's offsets are whole hours, so 08:00 is always hit
        checked = periods_to_check(now, TZ)
        assert 1 <= len(checked) <= 2
        due = plan(now, first_received=received, sent=sent)
        for r in due.reminders:
            assert r.key not in sent, f"{r.key} listed again at {now}"
            log.append((now, r))
            sent.add(r.key)  # the caller marks it sent
        for r in due.no_address:
            staff_told.setdefault(r.key, now)
        now += timedelta(hours=1)

    # Exactly the reminders a clerk would expect, each at its stage's moment.
    expected: dict[tuple[str, str, str], datetime] = {}
    for p in periods:
        for m in MUNIS:
            if m.name == "Leksand":
                continue
            for stage in expected_stages(m.name):
                moment = stage_moment(stage, p, TZ)
                if moment >= start:
                    expected[(m.name, str(p), stage.name)] = moment
    got = {r.key: at for at, r in log}
    assert set(got) == set(expected)
    assert all(got[k] == expected[k] for k in expected), [k for k in expected if got[k] != expected[k]]
    assert len(log) == len(got), "no reminder was listed twice"

    # Spot checks on the calendar's awkward months.
    assert got[("Hedemora", "2026-12", "before_deadline")] == local(2026, 12, 23)
    assert got[("Hedemora", "2026-12", "deadline_day")] == local(2026, 12, 30)
    assert got[("Hedemora", "2026-12", "after_deadline")] == local(2027, 1, 5)
    assert got[("Hedemora", "2027-06", "before_deadline")] == local(2027, 6, 24)
    # October 2026 began before the run: only its after-deadline stage falls inside it.
    assert {k[2] for k in got if k[1] == "2026-10"} == {"after_deadline"}

    # Who received what.
    reminders = {r.key: r for _, r in log}
    for (name, _, stage_name), r in reminders.items():
        assert r.cc == (STAFF if stage_name == "after_deadline" else ())
        if name == "Ludvika":
            assert r.to == ("senaste.avsandare@ludvika.se",)
    # Leksand could never be reminded; staff can be told once per stage.
    assert {k for k in staff_told if k[0] == "Leksand"} == {
        ("Leksand", str(p), s.name) for p in periods for s in DEFAULT_STAGES if stage_moment(s, p, TZ) >= start}
    assert all(k[0] == "Leksand" for k in staff_told)


# --------------------------------------------------------------------------
# Configured stages
# --------------------------------------------------------------------------


def test_stages_from_config_defaults_and_order() -> None:
    stages = stages_from_config([
        {"name": "after_deadline", "working_days": 2, "audience": "missing", "cc_staff": True},
        {"name": "before_deadline", "working_days": -3, "audience": "pending"},
        {"name": "deadline_day", "working_days": 0, "audience": "pending"},
    ])
    assert stages == DEFAULT_STAGES
    assert stages_from_config([]) == ()


def test_a_configured_fourth_stage_at_another_hour() -> None:
    stages = stages_from_config([
        {"name": "before_deadline", "working_days": -3, "audience": "pending"},
        {"name": "last_call", "working_days": -1, "hour": 13, "minute": 30, "audience": "pending"},
        {"name": "deadline_day", "working_days": 0, "audience": "pending"},
        {"name": "after_deadline", "working_days": 2, "audience": "missing", "cc_staff": True},
        {"name": "final", "working_days": 10, "hour": 9, "audience": "missing", "cc_staff": True},
    ])
    assert [s.name for s in stages] == ["before_deadline", "last_call", "deadline_day", "after_deadline", "final"]
    assert stage_moment(stages[1], Period(2026, 12), TZ) == local(2026, 12, 29, 13, 30)
    assert {r.stage for r in plan(local(2026, 12, 29, 13, 30), stages=stages, periods=DEC).reminders} == {
        "last_call"}
    assert {r.stage for r in plan(local(2026, 12, 29, 13, 29), stages=stages, periods=DEC).reminders} == {
        "before_deadline"}
    final = stage_moment(stages[-1], Period(2026, 12), TZ)
    assert final == local(2027, 1, 18, 9)  # 10 working days after 30 Dec, skipping 31/12, 1/1 and 6/1
    assert {r.stage for r in plan(final, stages=stages).reminders if r.period == Period(2026, 12)} == {"final"}
    # With a late last stage, a period is checked until the next period's last stage.
    assert periods_to_check(local(2027, 2, 1, 12), TZ, stages) == [Period(2026, 12), Period(2027, 1)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"stages": 1}, r"\[reminders\] stages: must be a list"),
        ([1], r"stages #1: must be a table"),
        ([{"name": "x", "working_days": 0, "audience": "pending", "days": 1}], r"unknown key 'days'"),
        ([{"working_days": 0, "audience": "pending"}], r"#1 name: missing"),
        ([{"name": "x", "audience": "pending"}], r"#1 working_days: missing"),
        ([{"name": "x", "working_days": 0}], r"#1 audience: missing"),
        ([{"name": "Dag 1", "working_days": 0, "audience": "pending"}], r"#1 name: must be lower-case"),
        ([{"name": "x", "working_days": "2", "audience": "missing"}], r"#1 \(x\) working_days: must be a whole"),
        ([{"name": "x", "working_days": True, "audience": "missing"}], r"working_days: must be a whole"),
        ([{"name": "x", "working_days": 99, "audience": "missing"}], r"working_days: must be from -40 to 40"),
        ([{"name": "x", "working_days": 0, "hour": 24, "audience": "pending"}], r"\(x\) hour: must be from 0 to 23"),
        ([{"name": "x", "working_days": 0, "minute": -1, "audience": "pending"}], r"minute: must be from 0"),
        ([{"name": "x", "working_days": 0, "audience": "alla"}], r"\(x\) audience: must be \"pending\" or"),
        ([{"name": "x", "working_days": 0, "audience": "pending", "cc_staff": "ja"}], r"cc_staff: must be true"),
        ([{"name": "x", "working_days": 1, "audience": "pending"}], r"audience: \"pending\" stages must be on or"),
        ([{"name": "x", "working_days": 0, "audience": "missing"}], r"audience: \"missing\" stages must come"),
        ([{"name": "x", "working_days": 0, "audience": "pending"},
          {"name": "x", "working_days": -1, "audience": "pending"}], r"name: 'x' is used by more than one"),
        ([{"name": "x", "working_days": 0, "audience": "pending"},
          {"name": "y", "working_days": 0, "audience": "pending"}], r"same moment"),
    ],
)
def test_stage_configuration_errors_name_the_key(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stages_from_config(value)
