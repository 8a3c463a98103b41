"""`status` and `export`: who has reported for a period, and what, as the contracts shape them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.calendar import deadline, report_state
from flow.settings import Config
from outputs.picture import MonthState
from parsers.result import Period
from store import repo
from store.db import transaction


def _iso(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).isoformat(timespec="seconds")


def status_for(engine: Engine, config: Config, period: Period, now: datetime) -> dict[str, Any]:
    """The `lagesbild status --json` object for `period` at `now`."""
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    with transaction(engine) as s:
        latest = {v.municipality: v for v in repo.latest_submissions(s, config.county.code, period)}
        quarantined = repo.count_quarantined(s, config.county.code)
    rows = []
    for m in config.municipalities:
        view = latest.get(m.name)
        first = view.first_received_at if view else None
        state = report_state(period, first, now, tz, grace, config.county.form.deadline)
        rows.append({"name": m.name, "state": state.value,
                     "received_at": _iso(first, tz) if first else None,
                     "version": view.version if view else None})
    return {
        "period": str(period),
        "deadline": deadline(period, config.county.form.deadline).isoformat(),
        "municipalities": rows,
        "missing": [r["name"] for r in rows if r["state"] == MonthState.MISSING.value],
        "late": [r["name"] for r in rows if r["state"] == MonthState.LATE.value],
        "quarantined": quarantined,
    }


def export_period(engine: Engine, config: Config, period: Period) -> list[dict[str, Any]]:
    """The `lagesbild export --json` array: the latest version per municipality that reported."""
    tz = ZoneInfo(config.deadline.timezone)
    with transaction(engine) as s:
        views = repo.latest_submissions(s, config.county.code, period)
    out = []
    for v in views:
        out.append({
            "municipality": v.municipality,
            "period": str(v.period),
            "area": v.area,
            "version": v.version,
            "received_at": _iso(v.received_at, tz),
            "first_received_at": _iso(v.first_received_at, tz),
            "sender": v.sender,
            "message_id": v.message_id,
            "file": v.filename,
            "format": v.format.value,
            "answers": {str(n): a.to_json() for n, a in sorted(v.answers.items())},
            "issues": [i.to_json() for i in v.issues],
            "flags": list(v.flags),
        })
    return out
