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
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from parsers.result import Answer, Issue, Period
from store._sql import chunks, pg_xact_lock
from store.models import AnswerRow, AuditEvent, OutboxRow, RawMessage, Submission, SubmissionIssue
from store.outbox import _outbox_view
from store.sources import stored_answer
from store.submissions import _key, _submission_views
from store.views import AuditView, MessageSource, OutboxView, SubmissionView

_SUBMISSION = Submission.__table__  # type: ignore[attr-defined]
_RAW = RawMessage.__table__  # type: ignore[attr-defined]
_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_ISSUE = SubmissionIssue.__table__  # type: ignore[attr-defined]


def report_versions(s: Session, county: str, municipality: str, year: int | None = None) -> list[SubmissionView]:
    """Every stored version of every report of one municipality (of one year's periods when `year` is
    given): newest period first, then by version; each answer with where its values were read from.

    Read with three Core queries (versions with their message's sender, answers, issues): a history of
    ten years is over a thousand answers, and ORM objects for each cost more than the reading itself.
    """
    sub, raw = _SUBMISSION.c, _RAW.c
    where = (sub.county == county) & (sub.municipality == municipality)
    if year is not None:
        where = where & sub.period.startswith(f"{year:04d}-")  # "2026-10" and "2026-W43" alike
    conn = s.connection()
    rows = conn.execute(core_select(_SUBMISSION, raw.sender, raw.message_id)
                        .outerjoin(_RAW, raw.id == sub.raw_message_id).where(where)).all()
    answers: dict[int, dict[int, Answer]] = {row.id: {} for row in rows}
    withheld: dict[int, set[int]] = {row.id: set() for row in rows}
    issues: dict[int, list[Issue]] = {row.id: [] for row in rows}
    ans, iss = _ANSWER.c, _ISSUE.c
    for a in conn.execute(core_select(ans.submission_id, ans.question, ans.impact, ans.comment, ans.withheld,
                                      ans.impact_source, ans.comment_source)
                          .join(_SUBMISSION, sub.id == ans.submission_id).where(where)):
        answers[a.submission_id][a.question] = stored_answer(a.impact, a.comment, a.impact_source, a.comment_source)
        if a.withheld:
            withheld[a.submission_id].add(a.question)
    for i in conn.execute(core_select(iss.submission_id, iss.field, iss.severity, iss.message)
                          .join(_SUBMISSION, sub.id == iss.submission_id).where(where).order_by(iss.id)):
        issues[i.submission_id].append(Issue(i.field, i.severity, i.message))
    first: dict[str, Any] = {}
    for row in rows:
        if row.period not in first or row.version < first[row.period].version:
            first[row.period] = row
    views = [SubmissionView(
        id=row.id, county=row.county, municipality=row.municipality, period=Period.parse(row.period),
        version=row.version, status=row.status, received_at=row.received_at,
        first_received_at=first[row.period].received_at, on_time=row.on_time, filename=row.filename,
        format=row.format, content_hash=row.content_hash, flags=tuple(row.flags),
        answers=dict(sorted(answers[row.id].items())), issues=tuple(issues[row.id]),
        raw_message_id=row.raw_message_id, sender=row.sender or "", message_id=row.message_id,
        withheld=frozenset(withheld[row.id]), corrected_by=row.corrected_by,
        correction_reason=row.correction_reason, area=row.area) for row in rows]
    views.sort(key=lambda v: v.version)
    views.sort(key=lambda v: v.period, reverse=True)
    return views


def report_years(s: Session, county: str, municipality: str) -> list[int]:
    """The years one municipality has reports for, newest first."""
    sub = _SUBMISSION.c
    periods = s.connection().execute(core_select(sub.period).distinct().where(
        sub.county == county, sub.municipality == municipality))
    return sorted({int(p[:4]) for (p,) in periods}, reverse=True)


def get_submission(s: Session, submission_id: int) -> SubmissionView | None:
    """One version by id (with version 1's arrival), or None."""
    row = s.get(Submission, submission_id)
    if row is None:
        return None
    first = s.exec(select(Submission).where(
        col(Submission.county) == row.county, col(Submission.municipality) == row.municipality,
        col(Submission.period) == row.period, col(Submission.version) == 1)).first()
    return _submission_views(s, [row], {_key(row): first or row})[0]


def lock_report(s: Session, county: str, municipality: str, period: Period | str) -> None:
    """Hold one report's versions for the rest of the transaction (PostgreSQL; SQLite's writers are serial
    already): read the latest version after this, and no other writer files one in between."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    pg_xact_lock(s, f"submission:{county}:{municipality}:{period_text}")  # the lock record_submission takes


def latest_is_correction(s: Session, county: str, municipality: str, period: Period | str) -> bool:
    """Whether the latest version of a report is one county staff made by correcting a value."""
    period_text = str(period if isinstance(period, Period) else Period.parse(period))
    by = s.exec(select(Submission.corrected_by).where(
        col(Submission.county) == county, col(Submission.municipality) == municipality,
        col(Submission.period) == period_text).order_by(col(Submission.version).desc())).first()
    return by is not None


def message_sources(s: Session, raw_ids: Iterable[int]) -> dict[int, MessageSource]:
    """Mailbox, subject and kept size of these messages by id (no bytes); an id with no message is missing."""
    out: dict[int, MessageSource] = {}
    for chunk in chunks(sorted(set(raw_ids))):
        query = select(RawMessage.id, RawMessage.mailbox, RawMessage.subject, RawMessage.size).where(
            col(RawMessage.id).in_(chunk))
        for raw_id, mailbox, subject, size in s.exec(query):
            assert raw_id is not None
            out[raw_id] = MessageSource(raw_id, mailbox, subject, size)
    return out


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


def last_area(s: Session, county: str, municipality: str, *, weekly: bool) -> str | None:
    """The area of a municipality's last report: the latest version of its latest period of the
    given cadence (weeks "YYYY-Www" or months "YYYY-MM": a county that changed its form keeps the old
    form's reports); None when it has none, or when that report named no area.

    Periods of one cadence sort as text in time order (the week is always two digits).
    """
    sub = _SUBMISSION.c
    cadence = sub.period.like("%-W%") if weekly else sub.period.not_like("%-W%")
    row = s.connection().execute(core_select(sub.area).where(
        sub.county == county, sub.municipality == municipality, cadence)
        .order_by(sub.period.desc(), sub.version.desc()).limit(1)).first()
    return None if row is None else row.area
