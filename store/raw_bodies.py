"""The kept bytes of received messages: written once, read for reprocessing and by staff, purged by age.

The bytes sit in `raw_message_body`, apart from the message's row
(`raw_message`), which is updated while the message is handled: SQLite
rewrites a whole row on UPDATE, so a status change of a message whose bytes
sat in its row wrote those bytes again (migration 0010, bench/raw_updates.py).
A message without a body row never had its bytes kept (it could not be
fetched); a body emptied to b"" was purged by the retention job. They are
written when a message is claimed or its failure counted (store.messages).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from store._sql import chunks
from store.messages import _raw_view
from store.models import RawMessage, RawMessageBody
from store.outcome import Outcome
from store.views import RawMessageView

_BODY = RawMessageBody.__table__  # type: ignore[attr-defined]
_HAS_BODY = exists().where(_BODY.c.raw_message_id == RawMessage.id)


def get_raw(s: Session, raw_id: int) -> bytes | None:
    """One message's bytes by id (None: no such message, or its bytes were never kept; b"": purged)."""
    found: bytes | None = s.connection().execute(
        select(_BODY.c.raw).where(_BODY.c.raw_message_id == raw_id)).scalar_one_or_none()
    return found


def raw_messages(s: Session, since: datetime | None = None) -> Iterator[tuple[RawMessageView, bytes]]:
    """Every kept message (received at or after `since`), oldest first, with its bytes; for reprocessing.

    Streams in batches; consume it inside the transaction.
    """
    query: Any = select(RawMessage, _BODY.c.raw).join(_BODY, _BODY.c.raw_message_id == RawMessage.id).order_by(
        col(RawMessage.received_at), col(RawMessage.id)).execution_options(yield_per=50)
    if since is not None:
        query = query.where(col(RawMessage.received_at) >= since)
    for row, raw in s.exec(query):
        yield _raw_view(row), raw
        s.expunge(row)  # keep memory flat over a long history


def kept_messages(s: Session, county: str, outcomes: Iterable[Outcome], since: datetime | None = None,
                  exclude_mailbox: str | None = None) -> list[RawMessageView]:
    """The kept messages of `county` with one of `outcomes`, oldest first, without their bytes
    (fetch those in batches with `raw_bytes`); for reprocessing."""
    query = select(RawMessage).where(
        _HAS_BODY, col(RawMessage.county) == county,
        col(RawMessage.outcome).in_(list(outcomes))).order_by(col(RawMessage.received_at), col(RawMessage.id))
    if since is not None:
        query = query.where(col(RawMessage.received_at) >= since)
    if exclude_mailbox is not None:
        query = query.where(col(RawMessage.mailbox) != exclude_mailbox)
    return [_raw_view(row) for row in s.exec(query)]


def raw_bytes(s: Session, ids: Iterable[int]) -> dict[int, bytes]:
    """The kept bytes of these messages by id (one never kept is missing; a purged one is b"")."""
    out: dict[int, bytes] = {}
    for chunk in chunks(list(ids)):
        query = select(_BODY.c.raw_message_id, _BODY.c.raw).where(_BODY.c.raw_message_id.in_(chunk))
        for raw_id, raw in s.connection().execute(query):
            out[raw_id] = raw
    return out


def purge_raw_before(s: Session, county: str, before: datetime) -> int:
    """Drop the stored bytes of messages received before `before`; the record stays.

    What was filed (submissions, answers, the audit trail) is kept; only the
    raw e-mail, with its attachments, goes (its body emptied, the row's size
    set to 0). Returns how many were purged.
    """
    ids = list(s.exec(select(RawMessage.id).where(
        col(RawMessage.county) == county, col(RawMessage.received_at) < before, col(RawMessage.size) > 0)))
    conn = s.connection()
    for chunk in chunks(ids):
        conn.execute(update(_BODY).where(_BODY.c.raw_message_id.in_(chunk)).values(raw=b""))
        conn.execute(update(RawMessage.__table__).where(  # type: ignore[attr-defined]
            RawMessage.__table__.c.id.in_(chunk)).values(size=0))  # type: ignore[attr-defined]
    s.expire_all()
    return len(ids)

