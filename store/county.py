"""Verbs on the month a county started collecting (`county_start`), for counties whose configuration names none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from store.models import CountyStart


def stored_first_period(s: Session, county: str) -> str | None:
    """The first period written down for `county` (YYYY-MM or YYYY-Www), or None before its first run."""
    row = s.get(CountyStart, county)
    return row.first_period if row else None


def start_county(s: Session, county: str, period: str, now: datetime) -> str:
    """Write `period` down as the county's first unless one is there already; returns the one that holds.

    Two first runs at once both try; the primary key lets one win and the other reads the winner's.
    """
    kept = stored_first_period(s, county)
    if kept is not None:
        return kept
    try:
        with s.begin_nested():
            s.add(CountyStart(county=county, first_period=period, recorded_at=now))
    except sa_exc.IntegrityError:
        s.expire_all()
        kept = stored_first_period(s, county)
        assert kept is not None
        return kept
    return period
