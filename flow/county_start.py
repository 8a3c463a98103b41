"""The month a county starts collecting: the configured `[county] first_period`, else its first run's month.

Without a start every month would count, so a new county's first `status` or
reminder run would report every municipality missing for every month before
it began. The first command or worker that opens the store writes its month
down (store.county); later runs, on any machine, read that month back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.settings import Config
from parsers.result import Period
from store.county import start_county
from store.db import transaction


def with_first_period(engine: Engine, config: Config, now: datetime) -> Config:
    """`config` with its county's first period: the configured one, else the stored one, else `now`'s month.

    Only the last case writes: the month of `now` in the county's time zone becomes the stored start.
    """
    if config.county.first_period is not None:
        return config
    local = now.astimezone(ZoneInfo(config.deadline.timezone))
    with transaction(engine) as s:
        # A weekly county starts with the week of its first run.
        text = start_county(s, config.county.code, str(Period.containing(local.date(), config.county.form.cadence)),
                            now)
    return replace(config, county=replace(config.county, first_period=Period.parse(text)))
