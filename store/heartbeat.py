"""Verbs on the worker's heartbeat (one `worker_cycle` row per cycle) and the counts an operator watches:
mail waiting in the outbox, messages parked in the error folder, messages in quarantine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from store.models import OutboxRow, RawMessage, WorkerCycle
from store.outcome import Outcome
from store.views import MailStatus

_ERROR_TEXT_MAX = 2000


@dataclass(frozen=True, slots=True)
class CycleView:
    """One worker cycle as recorded."""

    county: str
    host: str
    started_at: datetime
    finished_at: datetime
    messages: int
    failed: int
    sent: int
    error: str | None


def record_cycle(s: Session, cycle: CycleView) -> None:
    """Write one cycle down (the error text, if any, cut to a readable length)."""
    s.add(WorkerCycle(county=cycle.county, host=cycle.host, started_at=cycle.started_at,
                      finished_at=cycle.finished_at, messages=cycle.messages, failed=cycle.failed, sent=cycle.sent,
                      error=None if cycle.error is None else cycle.error[:_ERROR_TEXT_MAX]))
    s.flush()


def last_cycle(s: Session, county: str) -> CycleView | None:
    """The cycle of `county` that finished last, whichever worker ran it."""
    row = s.exec(select(WorkerCycle).where(col(WorkerCycle.county) == county)
                 .order_by(col(WorkerCycle.finished_at).desc(), col(WorkerCycle.id).desc()).limit(1)).first()
    if row is None:
        return None
    return CycleView(row.county, row.host, row.started_at, row.finished_at, row.messages, row.failed, row.sent,
                     row.error)


def prune_cycles(s: Session, county: str, before: datetime) -> int:
    """Delete the cycles of `county` that finished before `before`; how many were deleted."""
    result = s.exec(delete(WorkerCycle).where(col(WorkerCycle.county) == county,
                                              col(WorkerCycle.finished_at) < before))
    return int(result.rowcount or 0)


def outbox_backlog(s: Session) -> int:
    """How many outgoing mails wait to be sent (due now or waiting for a retry)."""
    query = select(func.count()).select_from(OutboxRow).where(col(OutboxRow.status) == MailStatus.QUEUED)
    return int(s.exec(query).one())


def count_parked(s: Session, county: str) -> int:
    """How many messages of `county` were given up on and parked in the error folder (no retry is due)."""
    query = select(func.count()).select_from(RawMessage).where(
        col(RawMessage.county) == county, col(RawMessage.outcome) == Outcome.FAILED,
        col(RawMessage.next_attempt_at).is_(None))
    return int(s.exec(query).one())
