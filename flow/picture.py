"""Building the county's picture for a year from the database (see outputs/picture.py)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline_end, report_state
from flow.settings import Config
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from parsers.result import Answer, periods_of_year
from store import repo
from store.db import transaction


def build_picture(engine: Engine, config: Config, year: int, now: datetime) -> CountyPicture:
    """Every configured municipality × period (month, or ISO week for a weekly form) of `year`
    as seen at `now`; held answers withheld."""
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    form = config.county.form
    rule = form.deadline
    with transaction(engine) as s:
        views = repo.submissions_for_year(s, config.county.code, year)
    latest = {(v.municipality, v.period.number): v for v in views if v.period.cadence is form.cadence}
    reports: dict[tuple[str, int], MonthReport] = {}
    names = tuple(m.name for m in config.municipalities)
    for name in names:
        for period in periods_of_year(year, form.cadence):
            number = period.number
            view = latest.get((name, number))
            if view is None:
                start = datetime.combine(period.first_day, time(0, 0), tzinfo=tz)
                if now < start or not config.collects(period):
                    continue  # not due: the picture's placeholder
                state = report_state(period, None, now, tz, grace, rule)
                reports[(name, number)] = MonthReport(name, period, state)
                continue
            answers = {n: (Answer(None, "") if n in view.withheld else a) for n, a in view.answers.items()}
            on_time = view.first_received_at < deadline_end(period, tz, grace, rule)
            reports[(name, number)] = MonthReport(
                name, period, MonthState.ON_TIME if on_time else MonthState.LATE, answers,
                received_at=view.first_received_at, latest_at=view.received_at, version=view.version,
                flags=view.flags, withheld=view.withheld, area=view.area)
    groups = tuple(Group(g.name, g.members) for g in config.groups)
    return CountyPicture(config.county.name, config.county.code, year, config.county.form, names, groups, reports)
