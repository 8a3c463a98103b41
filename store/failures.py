"""Verbs on messages that failed: the list staff look at, and making one due for a retry now."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select, update

from store._sql import clock
from store.messages import _raw_view
from store.models import RawMessage
from store.outcome import Outcome
from store.views import RawMessageView


def failed_messages(s: Session, county: str) -> list[RawMessageView]:
    """Messages of `county` that failed: waiting for a retry or parked (no retry due), newest first."""
    query = select(RawMessage).where(
        col(RawMessage.county) == county, col(RawMessage.outcome) == Outcome.FAILED,
    ).order_by(col(RawMessage.updated_at).desc(), col(RawMessage.id).desc())
    return [_raw_view(row) for row in s.exec(query)]


def make_due(s: Session, raw_id: int, now: datetime) -> bool:
    """Make a failed message due for its next try at `now` (a parked one too); False when it is no
    longer failed (someone handled it meanwhile)."""
    result = s.exec(update(RawMessage).where(
        col(RawMessage.id) == raw_id, col(RawMessage.outcome) == Outcome.FAILED,
    ).values(next_attempt_at=now, updated_at=clock()).execution_options(synchronize_session=False))
    s.expire_all()
    return bool(result.rowcount == 1)
