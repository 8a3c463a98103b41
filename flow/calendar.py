"""The reporting calendar: working days, deadlines, and on time / late / missing.

A period's deadline is the last working day of its month ("senast den sista
vardagen varje månad"). Saturdays, Sundays, Swedish public holidays and the
de-facto days off (Midsommarafton, Julafton, Nyårsafton) are not working days:
the `holidays` package's Sweden calendar with categories PUBLIC and DE_FACTO.
The default (PUBLIC only) misses the de-facto days, which would make
Nyårsafton December's deadline. Reports are on time until the end of the
deadline day in Europe/Stockholm, plus a configurable grace.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from outputs.picture import MonthState
from parsers.result import Period


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


def deadline(period: Period) -> date:
    """The last working day of the period's month."""
    last = (date(period.year + (period.month == 12), period.month % 12 + 1, 1)) - timedelta(days=1)
    while not is_working_day(last):
        last -= timedelta(days=1)
    return last


def deadline_end(period: Period, tz: ZoneInfo, grace: timedelta = timedelta(0)) -> datetime:
    """The moment after which a first submission is late: the deadline day's end plus grace."""
    next_day = deadline(period) + timedelta(days=1)
    return datetime.combine(next_day, time(0, 0), tzinfo=tz) + grace


def is_on_time(received_at: datetime, period: Period, tz: ZoneInfo, grace: timedelta = timedelta(0)) -> bool:
    """Whether a report received at `received_at` is on time for `period`."""
    return received_at < deadline_end(period, tz, grace)


def report_state(period: Period, first_received_at: datetime | None, now: datetime, tz: ZoneInfo,
                 grace: timedelta = timedelta(0)) -> MonthState:
    """The state of one municipality for `period` at `now`, from its first arrival."""
    end = deadline_end(period, tz, grace)
    if first_received_at is None:
        return MonthState.PENDING if now < end else MonthState.MISSING
    return MonthState.ON_TIME if first_received_at < end else MonthState.LATE
