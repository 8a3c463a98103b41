"""Verbs for looking back: every version of a municipality's reports, the mail about a message, the audit log.

These read only. A county's audit lines are those that name the county, or
(the worker's lines written before they named one) whose message is the
county's; a worker line about no message and no county is nobody's to show.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from parsers.result import Period
from store._sql import chunks
from store.models import AuditEvent, OutboxRow, RawMessage, Submission
from store.outbox import _outbox_view
from store.submissions import _key, _submission_views
from store.views import AuditView, OutboxView, SubmissionView


def report_versions(s: Session, county: str, municipality: str) -> list[SubmissionView]:
    """Every stored version of every report of one municipality: newest period first, then by version."""
    rows = list(s.exec(select(Submission).where(col(Submission.county) == county,
                                                col(Submission.municipality) == municipality)))
    first: dict[tuple[str, str, str], Submission] = {}
    for row in rows:
        if _key(row) not in first or row.version < first[_key(row)].version:
            first[_key(row)] = row
    views = _submission_views(s, rows, first)
    views.sort(key=lambda v: v.version)
    views.sort(key=lambda v: v.period, reverse=True)
    return views


def get_submission(s: Session, submission_id: int) -> SubmissionView | None:
    """One version by id (with version 1's arrival), or None."""
    row = s.get(Submission, submission_id)
    if row is None:
        return None
    first = s.exec(select(Submission).where(
        col(Submission.county) == row.county, col(Submission.municipality) == row.municipality,
        col(Submission.period) == row.period, col(Submission.version) == 1)).first()
    return _submission_views(s, [row], {_key(row): first or row})[0]


def latest_is_correction(s: Session, county: str, municipality: str, period: Period | str) -> bool:
    """Whether the latest version of a report is one county staff made by correcting a value."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    by = s.exec(select(Submission.corrected_by).where(
        col(Submission.county) == county, col(Submission.municipality) == municipality,
        col(Submission.period) == period_text).order_by(col(Submission.version).desc())).first()
    return by is not None


def mail_about(s: Session, raw_ids: Iterable[int]) -> list[OutboxView]:
    """The outgoing mail written about these messages (receipts, replies, notices), oldest first."""
    out: list[OutboxView] = []
    for chunk in chunks(sorted(set(raw_ids))):
        query = select(OutboxRow).where(col(OutboxRow.related_raw_message_id).in_(chunk))
        out.extend(_outbox_view(row) for row in s.exec(query))
    return sorted(out, key=lambda m: (m.created_at, m.id))


def _audit_scope(county: str, municipality: str | None, actor: str | None, since: datetime | None,
                 until: datetime | None) -> list[Any]:
    clauses: list[Any] = [func.coalesce(AuditEvent.county, RawMessage.county) == county]
    if municipality:
        clauses.append(func.coalesce(AuditEvent.municipality, RawMessage.municipality) == municipality)
    if actor:
        clauses.append(col(AuditEvent.actor) == actor)
    if since is not None:
        clauses.append(col(AuditEvent.at) >= since)
    if until is not None:
        clauses.append(col(AuditEvent.at) < until)
    return clauses


def audit_lines(s: Session, county: str, *, municipality: str | None = None, actor: str | None = None,
                since: datetime | None = None, until: datetime | None = None, limit: int = 50,
                offset: int = 0) -> tuple[list[AuditView], int]:
    """One page of the county's audit log, newest first, and how many lines match in all.

    `since` is inclusive, `until` exclusive. A line's county and municipality
    are its own, else its message's.
    """
    clauses = _audit_scope(county, municipality, actor, since, until)
    joined = (col(RawMessage.id) == col(AuditEvent.raw_message_id))
    total = s.exec(select(func.count()).select_from(AuditEvent).outerjoin(RawMessage, joined).where(*clauses)).one()
    query = (select(AuditEvent, RawMessage.county, RawMessage.municipality)
             .outerjoin(RawMessage, joined).where(*clauses)
             .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit).offset(offset))
    lines = []
    for row, raw_county, raw_municipality in s.exec(query):
        assert row.id is not None
        lines.append(AuditView(row.id, row.raw_message_id, row.at, row.event, row.detail, row.actor,
                               row.county or raw_county, row.municipality or raw_municipality, row.before,
                               row.after))
    return lines, int(total)


def audit_actors(s: Session, county: str) -> list[str]:
    """Everyone who has a line in the county's audit log (the worker and staff accounts), sorted."""
    query = (select(AuditEvent.actor).distinct()
             .outerjoin(RawMessage, col(RawMessage.id) == col(AuditEvent.raw_message_id))
             .where(func.coalesce(AuditEvent.county, RawMessage.county) == county))
    return sorted(set(s.exec(query)))
