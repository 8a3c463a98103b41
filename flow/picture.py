"""Building the county's picture for a year from the database (see outputs/picture.py)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline_end, report_state
from flow.settings import Config
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from parsers.result import Answer, Period
from store import repo
from store.db import transaction


def build_picture(engine: Engine, config: Config, year: int, now: datetime) -> CountyPicture:
    """Every configured municipality × month of `year` as seen at `now`; held answers withheld."""
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    with transaction(engine) as s:
        views = repo.submissions_for_year(s, config.county.code, year)
    latest = {(v.municipality, v.period.month): v for v in views}
    reports: dict[tuple[str, int], MonthReport] = {}
    names = tuple(m.name for m in config.municipalities)
    for name in names:
        for month in range(1, 13):
            period = Period(year, month)
            view = latest.get((name, month))
            if view is None:
                if now < datetime(year, month, 1, tzinfo=tz) or not config.collects(period):
                    continue  # not due: the picture's placeholder
                state = report_state(period, None, now, tz, grace)
                reports[(name, month)] = MonthReport(name, period, state)
                continue
            answers = {n: (Answer(None, "") if n in view.withheld else a) for n, a in view.answers.items()}
            on_time = view.first_received_at < deadline_end(period, tz, grace)
            reports[(name, month)] = MonthReport(
                name, period, MonthState.ON_TIME if on_time else MonthState.LATE, answers,
                received_at=view.first_received_at, latest_at=view.received_at, version=view.version,
                flags=view.flags, withheld=view.withheld)
    groups = tuple(Group(g.name, g.members) for g in config.groups)
    return CountyPicture(config.county.name, config.county.code, year, config.county.form, names, groups, reports)
