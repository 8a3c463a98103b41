"""The reporting calendar: working days, deadlines, and on time / late / missing.

A period's deadline follows the form's rule (`parsers.form.DeadlineRule`): for
a month the last working day of its month ("senast den sista vardagen varje
månad"); for an ISO week a weekday of the week (e.g. Tuesday 16:00 before a
Wednesday meeting), moved back to the working day before when it is a holiday.
Saturdays, Sundays, Swedish public holidays and the de-facto days off
(Midsommarafton, Julafton, Nyårsafton) are not working days: the `holidays`
package's Sweden calendar with categories PUBLIC and DE_FACTO.
The default (PUBLIC only) misses the de-facto days, which would make
Nyårsafton December's deadline. Reports are on time until the end of the
deadline day (or the rule's time of day) in Europe/Stockholm, plus a
configurable grace.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from outputs.picture import MonthState
from parsers.form import MONTHLY_DEADLINE, DeadlineRule
from parsers.result import Period

#: A weekly period's rule when none is given: Friday of the week, by the end of the day.
WEEKLY_DEADLINE = DeadlineRule("weekday", 4)


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    calendar = holidays.country_holidays("SE", years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO))
    return frozenset(calendar)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and neither a public holiday nor a de-facto day off."""
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after (or, negative, before) `day`."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


def _rule(period: Period, rule: DeadlineRule | None) -> DeadlineRule:
    if rule is None:
        return WEEKLY_DEADLINE if period.is_week else MONTHLY_DEADLINE
    if (rule.rule == "weekday") != period.is_week:
        raise ValueError(f"the deadline rule {rule.rule!r} does not fit the period {period}")
    return rule


def deadline(period: Period, rule: DeadlineRule | None = None) -> date:
    """The deadline day of `period` under `rule` (default: a month's last working day,
    a week's Friday), never a day off."""
    rule = _rule(period, rule)
    if rule.rule == "weekday":
        day = period.first_day + timedelta(days=rule.weekday + 7 * rule.week_offset)
    else:
        day = period.last_day
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def deadline_end(period: Period, tz: ZoneInfo, grace: timedelta = timedelta(0),
                 rule: DeadlineRule | None = None) -> datetime:
    """The moment after which a first submission is late: the deadline (the end of its day,
    or the rule's time of day) plus grace."""
    rule = _rule(period, rule)
    day = deadline(period, rule)
    if rule.at is not None:
        return datetime.combine(day, rule.at, tzinfo=tz) + grace
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz) + grace


def is_on_time(received_at: datetime, period: Period, tz: ZoneInfo, grace: timedelta = timedelta(0),
               rule: DeadlineRule | None = None) -> bool:
    """Whether a report received at `received_at` is on time for `period`."""
    return received_at < deadline_end(period, tz, grace, rule)


def report_state(period: Period, first_received_at: datetime | None, now: datetime, tz: ZoneInfo,
                 grace: timedelta = timedelta(0), rule: DeadlineRule | None = None) -> MonthState:
    """The state of one municipality for `period` at `now`, from its first arrival."""
    end = deadline_end(period, tz, grace, rule)
    if first_received_at is None:
        return MonthState.PENDING if now < end else MonthState.MISSING
    return MonthState.ON_TIME if first_received_at < end else MonthState.LATE
