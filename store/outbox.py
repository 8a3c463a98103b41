"""Verbs on the outbox: queue once (dedupe key), due mail, retries, counts for rate limiting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from store._sql import insert_or_conflict
from store.errors import NotFound
from store.models import OutboxRow, RawMessage
from store.views import MailKind, MailStatus, OutboxView

_ERROR_TEXT_MAX = 2000


def _outbox_view(row: OutboxRow) -> OutboxView:
    assert row.id is not None
    return OutboxView(
        id=row.id, kind=row.kind, dedupe_key=row.dedupe_key, to_addrs=tuple(row.to_addrs),
        cc_addrs=tuple(row.cc_addrs), subject=row.subject, raw=row.raw, status=row.status, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, last_attempt_at=row.last_attempt_at, sent_at=row.sent_at,
        last_error=row.last_error, related_raw_message_id=row.related_raw_message_id, created_at=row.created_at)


def queue_mail(s: Session, kind: MailKind, dedupe_key: str, to: Sequence[str], cc: Sequence[str], subject: str,
               raw: bytes, related_raw_id: int | None = None, *, now: datetime) -> OutboxView | None:
    """Queue a mail to send; None when a mail with this `dedupe_key` exists already (never sent twice).

    `now` is when it was queued: `sent_count_since` counts from it.
    """
    row = OutboxRow(kind=kind, dedupe_key=dedupe_key, to_addrs=list(to), cc_addrs=list(cc), subject=subject,
                    raw=raw, status=MailStatus.QUEUED, related_raw_message_id=related_raw_id, created_at=now)
    return _outbox_view(row) if insert_or_conflict(s, row) else None


def get_mail(s: Session, outbox_id: int) -> OutboxView | None:
    """One outgoing mail by id."""
    row = s.exec(select(OutboxRow).where(col(OutboxRow.id) == outbox_id)).first()
    return None if row is None else _outbox_view(row)


def due_mail(s: Session, now: datetime, limit: int = 50) -> list[OutboxView]:
    """Queued mail whose (re)try is due at `now`, oldest first.

    On PostgreSQL the rows stay locked until the transaction ends and other
    workers skip them, so send and `mark_sent` in the same transaction.
    """
    query = select(OutboxRow).where(
        col(OutboxRow.status) == MailStatus.QUEUED,
        or_(col(OutboxRow.next_attempt_at).is_(None), col(OutboxRow.next_attempt_at) <= now),
    ).order_by(col(OutboxRow.id)).limit(limit).with_for_update(skip_locked=True)
    return [_outbox_view(row) for row in s.exec(query)]


def _update_outbox(s: Session, outbox_id: int, values: Mapping[str, Any]) -> None:
    result = s.exec(update(OutboxRow).where(col(OutboxRow.id) == outbox_id)
                    .values(**values).execution_options(synchronize_session="fetch"))
    if result.rowcount != 1:
        raise NotFound(f"no outbox mail with id {outbox_id}")


def note_send_attempt(s: Session, outbox_id: int, now: datetime) -> bool:
    """Write down that `outbox_id` is being handed over now; False when it is no longer queued."""
    result = s.exec(update(OutboxRow).where(col(OutboxRow.id) == outbox_id, col(OutboxRow.status) == MailStatus.QUEUED)
                    .values(last_attempt_at=now).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)


def mark_sent(s: Session, outbox_id: int, now: datetime) -> None:
    """The mail was handed over to the transport at `now`."""
    _update_outbox(s, outbox_id, {"status": MailStatus.SENT, "sent_at": now, "last_attempt_at": now,
                                  "next_attempt_at": None, "attempts": OutboxRow.attempts + 1})


def mark_send_failed(s: Session, outbox_id: int, now: datetime, error: str,
                     next_attempt_at: datetime | None) -> None:
    """A try failed: retry at `next_attempt_at`, or give up (status failed) when it is None."""
    _update_outbox(s, outbox_id, {
        "status": MailStatus.QUEUED if next_attempt_at is not None else MailStatus.FAILED,
        "last_error": error[:_ERROR_TEXT_MAX], "last_attempt_at": now, "next_attempt_at": next_attempt_at,
        "attempts": OutboxRow.attempts + 1})


def sent_count_since(s: Session, to_addr: str, kinds: Iterable[MailKind], since: datetime) -> int:
    """How many mails of `kinds` to `to_addr` were queued at or after `since` (any status), to rate-limit replies.

    Queued ones count too, so a mail loop is cut off before the sender catches up.
    """
    wanted = to_addr.strip().lower()
    query = select(OutboxRow.to_addrs).where(
        col(OutboxRow.kind).in_([MailKind(k) for k in kinds]), col(OutboxRow.created_at) >= since)
    return sum(1 for addrs in s.exec(query) if wanted in (a.strip().lower() for a in addrs))


def replies_for_sender_since(s: Session, sender: str, kinds: Iterable[MailKind], since: datetime) -> int:
    """How many mails of `kinds` answering messages from `sender` were queued at or after `since`.

    The reply cap counts the sender, not the recipient: one forged From with
    thirty Reply-To addresses is thirty replies for one sender.
    """
    wanted = sender.strip().lower()
    query = select(func.count()).select_from(OutboxRow).join(
        RawMessage, col(RawMessage.id) == col(OutboxRow.related_raw_message_id)).where(
        col(OutboxRow.kind).in_([MailKind(k) for k in kinds]), col(OutboxRow.created_at) >= since,
        func.lower(RawMessage.sender) == wanted)
    return int(s.exec(query).one())


def queued_keys(s: Session, prefix: str) -> set[str]:
    """The dedupe keys ever queued that start with `prefix` (sent, queued or failed)."""
    rows = s.exec(select(OutboxRow.dedupe_key).where(col(OutboxRow.dedupe_key).startswith(prefix)))
    return set(rows)


def latest_queued_at(s: Session, prefix: str) -> datetime | None:
    """When the newest mail whose dedupe key starts with `prefix` was queued."""
    rows = s.exec(select(OutboxRow.created_at).where(col(OutboxRow.dedupe_key).startswith(prefix))
                  .order_by(col(OutboxRow.created_at).desc()).limit(1))
    return rows.first()
