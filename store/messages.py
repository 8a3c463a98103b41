"""Verbs on received messages: claiming exactly once, outcomes, failures and retries.

The kept bytes are store.raw_bodies' (a table of their own, written once);
the audit trail's verbs are store.audit_trail's.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from ground.refs import MessageRef
from ground.retry import doubling
from store._sql import chunks, clock, insert_or_conflict, is_unique_violation
from store.errors import AlreadyClaimed, NotFound
from store.models import RawMessage, RawMessageBody
from store.outcome import Outcome
from store.views import FailureRecord, KnownRef, RawMessageView

# The statements every received message runs, built once and run as Core on the session's connection:
# the ORM's unit of work and per-statement compilation cost more than the writes themselves.
_RAW = RawMessage.__table__  # type: ignore[attr-defined]
_INSERT_RAW = _RAW.insert().returning(_RAW.c.id)
# The bytes, in a table of their own that is never updated (migration 0010): SQLite rewrites a whole
# row on UPDATE, and this row is updated with every step of a message's handling.
_BODY = RawMessageBody.__table__  # type: ignore[attr-defined]
_INSERT_BODY = _BODY.insert()
_UPDATE_RAW = _RAW.update().where(_RAW.c.id == bindparam("row_id"))  # SET: the other keys of the parameters


def backoff(attempts: int) -> timedelta:
    """The pause before retry number `attempts` + 1: 5 minutes, doubling, at most 6 hours."""
    return doubling(attempts, timedelta(minutes=5), timedelta(hours=6))


# A Maildir file's name is bytes; one that is not UTF-8 reaches us with surrogate escapes, which no
# database text column takes (nor a NUL). Such a UID is stored as this prefix and the URL-safe base64
# of its bytes, and read back exactly: refs are stored losslessly and one odd name never fails the
# listing of the whole mailbox. A name that itself starts with the prefix is escaped too, so reading
# back is never ambiguous.
_UID_ESCAPE = "~b64:"


def stored_uid(uid: str) -> str:
    """`uid` as the database keeps it (unchanged for every ordinary UID)."""
    try:
        uid.encode("utf-8")
        plain = "\x00" not in uid and not uid.startswith(_UID_ESCAPE)
    except UnicodeEncodeError:
        plain = False
    if plain:
        return uid
    return _UID_ESCAPE + base64.urlsafe_b64encode(uid.encode("utf-8", "surrogateescape")).decode("ascii")


def uid_from_store(text: str) -> str:
    """The UID `stored_uid` stored as `text`."""
    if not text.startswith(_UID_ESCAPE):
        return text
    return base64.urlsafe_b64decode(text[len(_UID_ESCAPE):]).decode("utf-8", "surrogateescape")


def _raw_view(row: RawMessage) -> RawMessageView:
    assert row.id is not None
    return RawMessageView(
        id=row.id, mailbox=row.mailbox, uidvalidity=row.uidvalidity, uid=uid_from_store(row.uid),
        message_id=row.message_id, sha256=row.sha256, sender=row.sender, subject=row.subject,
        received_at=row.received_at, size=row.size,
        outcome=row.outcome, reason=row.reason, county=row.county, municipality=row.municipality,
        moved=row.moved, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
        created_at=row.created_at, updated_at=row.updated_at,
    )


def _ref_clause(ref: MessageRef) -> Any:
    return (col(RawMessage.mailbox) == ref.mailbox) & (col(RawMessage.uidvalidity) == ref.uidvalidity) & (
        col(RawMessage.uid) == stored_uid(ref.uid))


def _row_for(s: Session, ref: MessageRef, *, for_update: bool = False) -> RawMessage | None:
    query = select(RawMessage).where(_ref_clause(ref))
    if for_update:
        query = query.with_for_update()
    return s.exec(query).first()


def known_refs(s: Session, mailbox: str, uidvalidity: int, uids: Iterable[str]) -> dict[str, KnownRef]:
    """What the store knows of these UIDs (missing from the result: never seen)."""
    wanted = list(dict.fromkeys(stored_uid(u) for u in uids))
    out: dict[str, KnownRef] = {}
    for chunk in chunks(wanted):
        query = select(RawMessage).where(
            col(RawMessage.mailbox) == mailbox, col(RawMessage.uidvalidity) == uidvalidity,
            col(RawMessage.uid).in_(chunk))
        for row in s.exec(query):
            assert row.id is not None
            out[uid_from_store(row.uid)] = KnownRef(row.id, row.outcome, row.moved, row.attempts, row.next_attempt_at)
    return out


def insert_raw(s: Session, ref: MessageRef, *, message_id: str | None, sha256: str, sender: str, subject: str,
               received_at: datetime, raw: bytes, county: str = "", known_new: bool = False) -> RawMessageView:
    """Claim `ref` by storing the message; raises AlreadyClaimed when another worker or run has it.

    The insert is flushed at once, so a concurrent claim is detected here (it
    waits for the other transaction, then fails) and the caller's transaction
    stays usable. A message left FAILED by `record_failure` is claimed again
    for its retry (its attempts are kept), unless someone else retried it first.
    `known_new`: the caller saw no row for `ref` moments ago, so the insert is
    tried without looking first (a row that appeared since still conflicts);
    after AlreadyClaimed the caller must roll back (its transaction, or a
    savepoint it opened), as on PostgreSQL the failed insert aborts it.
    """
    now = clock()
    if known_new:
        return _claim_new(s, ref, county=county, message_id=message_id, sha256=sha256, sender=sender,
                          subject=subject, received_at=received_at, raw=raw, now=now)
    existing = _row_for(s, ref)
    if existing is None:
        row = RawMessage(mailbox=ref.mailbox, uidvalidity=ref.uidvalidity, uid=stored_uid(ref.uid),
                         county=county, message_id=message_id, sha256=sha256, sender=sender, subject=subject,
                         received_at=received_at, size=len(raw), created_at=now, updated_at=now)
        if not insert_or_conflict(s, row):
            raise AlreadyClaimed(ref)
        assert row.id is not None
        _keep_bytes(s, row.id, raw, new=True)
        return _raw_view(row)
    if existing.outcome is not Outcome.FAILED:
        raise AlreadyClaimed(ref)
    # The attempts we saw must still be there: a retry another worker recorded meanwhile means it is theirs.
    claimed = s.exec(update(RawMessage).where(
        col(RawMessage.id) == existing.id, col(RawMessage.outcome) == Outcome.FAILED,
        col(RawMessage.attempts) == existing.attempts,
    ).values(outcome=None, reason=None, county=county or existing.county, message_id=message_id, sha256=sha256,
             sender=sender, subject=subject, received_at=received_at, size=len(raw), updated_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise AlreadyClaimed(ref)
    assert existing.id is not None
    _keep_bytes(s, existing.id, raw, same_as_kept=existing.sha256 == sha256)
    s.expire(existing)
    refreshed = _row_for(s, ref)
    assert refreshed is not None
    return _raw_view(refreshed)


def _claim_new(s: Session, ref: MessageRef, *, county: str, message_id: str | None, sha256: str, sender: str,
               subject: str, received_at: datetime, raw: bytes, now: datetime) -> RawMessageView:
    """Insert the row for a key nobody had; AlreadyClaimed when someone inserted it meanwhile.

    No savepoint of its own (two statements fewer for every message): after
    AlreadyClaimed the caller's transaction, or the savepoint it opened for the
    message, is rolled back, as every caller of `record_message` does.
    """
    values: dict[str, Any] = dict(
        mailbox=ref.mailbox, uidvalidity=ref.uidvalidity, uid=stored_uid(ref.uid), county=county,
        message_id=message_id, sha256=sha256, sender=sender, subject=subject, received_at=received_at,
        size=len(raw), attempts=0,
        moved=False, created_at=now, updated_at=now)
    try:
        raw_id = s.connection().execute(_INSERT_RAW, values).scalar_one()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise AlreadyClaimed(ref) from exc
    s.connection().execute(_INSERT_BODY, {"raw_message_id": raw_id, "raw": raw})
    # A view of what was written, not read back, and not built through a model object (that cost
    # more than the insert: SQLModel validates and instruments every field).
    written = values | {"uid": ref.uid}
    return RawMessageView(id=raw_id, outcome=None, reason=None, municipality=None, next_attempt_at=None, **written)


def _keep_bytes(s: Session, raw_id: int, raw: bytes, *, new: bool = False, same_as_kept: bool = True) -> None:
    """Keep `raw` as the bytes of message `raw_id`.

    `new`: the message's row was inserted in this transaction, so it has no
    bytes yet. Otherwise bytes already kept stay as they are when
    `same_as_kept` (a retry of the same mail), and are replaced when not;
    they are never rewritten in place.
    """
    conn = s.connection()
    if not new:
        kept = conn.execute(select(_BODY.c.raw_message_id).where(_BODY.c.raw_message_id == raw_id)).first()
        if kept is not None and same_as_kept:
            return
        if kept is not None:
            conn.execute(_BODY.delete().where(_BODY.c.raw_message_id == raw_id))
    conn.execute(_INSERT_BODY, {"raw_message_id": raw_id, "raw": raw})


def find_copies(s: Session, keys: Iterable[tuple[str | None, str]]) -> dict[tuple[str | None, str], RawMessageView]:
    """`find_same_content` for many mails at once: the earliest handled copy of each (Message-ID, SHA-256)
    that has one. Looked up by Message-ID first, as the index is."""
    wanted = set(keys)
    with_id = sorted({mid for mid, _ in wanted if mid is not None})
    clauses: list[Any] = [col(RawMessage.message_id).in_(chunk) for chunk in chunks(with_id)]
    if any(mid is None for mid, _ in wanted):
        clauses.append(col(RawMessage.message_id).is_(None)
                       & col(RawMessage.sha256).in_(sorted({sha for mid, sha in wanted if mid is None})))
    out: dict[tuple[str | None, str], RawMessageView] = {}
    for clause in clauses:
        for row in _handled_copies(s, clause):
            key = (row.message_id, row.sha256 or "")
            if key in wanted and key not in out:
                out[key] = _raw_view(row)
    return out


def find_same_content(s: Session, message_id: str | None, sha256: str, *,
                      exclude_id: int | None = None) -> RawMessageView | None:
    """The earliest handled copy of this exact mail (same Message-ID and bytes) in any folder, or None.

    Copies still undecided or FAILED do not count: they were never answered.
    """
    id_match = col(RawMessage.message_id).is_(None) if message_id is None else (
        col(RawMessage.message_id) == message_id)
    clause = id_match & (col(RawMessage.sha256) == sha256)
    if exclude_id is not None:
        clause = clause & (col(RawMessage.id) != exclude_id)
    row = _handled_copies(s, clause).first()
    return None if row is None else _raw_view(row)


def _handled_copies(s: Session, clause: Any) -> Any:
    """The rows matching `clause` that were handled (undecided and FAILED ones were never answered),
    oldest first, without their bytes."""
    return s.exec(select(RawMessage).where(
        clause, col(RawMessage.outcome).is_not(None), col(RawMessage.outcome) != Outcome.FAILED,
    ).order_by(col(RawMessage.id)))


def set_outcome(s: Session, raw_id: int, outcome: Outcome, reason: str | None,
                municipality: str | None = None) -> None:
    """Record what became of a message (use `record_failure` for FAILED)."""
    if outcome is Outcome.FAILED:
        raise ValueError("a failure is recorded with record_failure (it counts attempts)")
    values: dict[str, Any] = {"outcome": outcome, "reason": reason, "next_attempt_at": None, "updated_at": clock()}
    if municipality is not None:
        values["municipality"] = municipality
    _update_raw(s, raw_id, values)


def mark_moved(s: Session, raw_id: int) -> None:
    """The message has been moved out of the inbox (after its transaction committed)."""
    _update_raw(s, raw_id, {"moved": True, "updated_at": clock()})


def mark_moved_many(s: Session, raw_ids: Iterable[int]) -> None:
    """`mark_moved` for many messages at once."""
    for chunk in chunks(list(raw_ids)):
        s.exec(update(RawMessage).where(col(RawMessage.id).in_(chunk)).values(moved=True, updated_at=clock())
               .execution_options(synchronize_session=False))
    s.expire_all()


def _update_raw(s: Session, raw_id: int, values: Mapping[str, Any]) -> None:
    # The verbs hand out views, never the rows, so no object in the session needs the new values;
    # expire what the session may hold instead of reading the row back.
    result = s.connection().execute(_UPDATE_RAW, {**values, "row_id": raw_id})
    s.expire_all()
    if result.rowcount != 1:
        raise NotFound(f"no raw_message with id {raw_id}")


def record_failure(s: Session, ref: MessageRef, raw: bytes | None, received_at: datetime | None, reason: str,
                   now: datetime, max_attempts: int, retry_delay: Callable[[int], timedelta] = backoff, *,
                   county: str = "", message_id: str | None = None, sender: str = "",
                   subject: str = "") -> FailureRecord:
    """Count a passing failure of `ref` (in a fresh transaction, after the failed one rolled back).

    The row is inserted if missing, keeping the raw bytes when given; the next
    try is due at now + retry_delay(attempts) (default `backoff`). When attempts reach `max_attempts`
    the message is parked: no next try (the caller moves it to the error
    folder). A row another worker has meanwhile decided is left untouched.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    row = _row_for(s, ref, for_update=True)
    if row is None:
        stamp = clock()
        fresh = RawMessage(mailbox=ref.mailbox, uidvalidity=ref.uidvalidity, uid=stored_uid(ref.uid),
                           county=county, message_id=message_id, sender=sender, subject=subject,
                           received_at=received_at, size=len(raw or b""),
                           sha256=hashlib.sha256(raw).hexdigest() if raw else None,
                           created_at=stamp, updated_at=stamp)
        if insert_or_conflict(s, fresh):
            row = fresh
            assert row.id is not None
            if raw is not None:
                _keep_bytes(s, row.id, raw, new=True)
                raw = None  # kept
        else:  # a concurrent claim or failure committed first: count on its row
            row = _row_for(s, ref, for_update=True)
            assert row is not None
    assert row.id is not None
    if row.outcome is not None and row.outcome is not Outcome.FAILED:
        return FailureRecord(row.attempts, False, row.id)
    attempts = row.attempts + 1
    parked = attempts >= max_attempts
    values: dict[str, Any] = {"outcome": Outcome.FAILED, "reason": reason, "attempts": attempts,
                              "next_attempt_at": None if parked else now + retry_delay(attempts),
                              "updated_at": clock()}
    if raw is not None:
        sha256 = hashlib.sha256(raw).hexdigest()
        values.update(size=len(raw), sha256=sha256)
        _keep_bytes(s, row.id, raw, same_as_kept=row.sha256 == sha256)
    if received_at is not None:
        values["received_at"] = received_at
    _update_raw(s, row.id, values)
    return FailureRecord(attempts, parked, row.id)


def get_message(s: Session, raw_id: int) -> RawMessageView | None:
    """One message's metadata by id."""
    row = s.exec(select(RawMessage).where(col(RawMessage.id) == raw_id)).first()
    return None if row is None else _raw_view(row)


def quarantined(s: Session, county: str) -> list[RawMessageView]:
    """Messages for `county` waiting in quarantine, oldest first."""
    query = select(RawMessage).where(
        col(RawMessage.county) == county, col(RawMessage.outcome) == Outcome.QUARANTINED,
    ).order_by(col(RawMessage.received_at), col(RawMessage.id))
    return [_raw_view(row) for row in s.exec(query)]


def count_quarantined(s: Session, county: str) -> int:
    """How many messages for `county` wait in quarantine."""
    query = select(func.count()).select_from(RawMessage).where(
        col(RawMessage.county) == county, col(RawMessage.outcome) == Outcome.QUARANTINED)
    return int(s.exec(query).one())
