"""Verbs on the audit trail: appending a line, and reading the lines back.

A line says who ("worker" or a staff account) did what, when, for which
county and municipality, and for a changed value what it was before and
after; a line about one message carries its id.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.models import AuditEvent, RawMessage
from store.views import AuditView

# Built once and run as Core on the session's connection: every received message appends lines,
# and the ORM's unit of work would cost more than the insert.
_INSERT_AUDIT = AuditEvent.__table__.insert()  # type: ignore[attr-defined]


def audit(s: Session, raw_id: int | None, event: str, detail: str, now: datetime, *, actor: str = "worker",
          county: str | None = None, municipality: str | None = None, before: str | None = None,
          after: str | None = None) -> None:
    """Append a line to the audit trail (raw_id None: about the worker, not one message).

    `actor` is "worker" for what the worker decided, else the staff account
    that acted; `before`/`after` hold a changed value as text.
    """
    s.connection().execute(_INSERT_AUDIT, {
        "raw_message_id": raw_id, "at": now, "event": event, "detail": detail, "actor": actor,
        "county": county, "municipality": municipality, "before": before, "after": after})


def _audit_view(row: AuditEvent) -> AuditView:
    assert row.id is not None
    return AuditView(row.id, row.raw_message_id, row.at, row.event, row.detail, row.actor, row.county,
                     row.municipality, row.before, row.after)


def audit_trail(s: Session, raw_id: int | None = None) -> list[AuditView]:
    """The audit trail, oldest first; only one message's lines when `raw_id` is given."""
    query = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
    if raw_id is not None:
        query = query.where(col(AuditEvent.raw_message_id) == raw_id)
    return [_audit_view(row) for row in s.exec(query)]


def audit_events_after(s: Session, county: str, event: str, after_id: int) -> list[AuditView]:
    """Audit lines `event` about messages of `county` with an id above `after_id`, oldest first."""
    query = select(AuditEvent).join(RawMessage, col(RawMessage.id) == col(AuditEvent.raw_message_id)).where(
        col(AuditEvent.event) == event, col(AuditEvent.id) > after_id, col(RawMessage.county) == county,
    ).order_by(col(AuditEvent.id))
    return [_audit_view(row) for row in s.exec(query)]
