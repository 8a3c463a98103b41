"""Job leases: one worker at a time runs a named job (the outbox sender, the digest)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, update
from sqlmodel import Session, col

from store._sql import insert_or_conflict
from store.models import JobLock


def try_lock(s: Session, name: str, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Take (or renew) the lease `name` for `owner` until now + ttl; False while another owner holds it.

    An expired lease can be taken by anyone. Commit promptly: the lease counts
    for other workers only once committed.
    """
    expires = now + ttl
    taken = s.exec(update(JobLock).where(
        col(JobLock.name) == name, or_(col(JobLock.owner) == owner, col(JobLock.expires_at) <= now),
    ).values(owner=owner, expires_at=expires).execution_options(synchronize_session=False))
    if taken.rowcount == 1:
        return True
    # A core INSERT: an ORM object could collide with a JobLock already in this session's identity map.
    return insert_or_conflict(s, insert(JobLock).values(name=name, owner=owner, expires_at=expires))


def release_lock(s: Session, name: str, owner: str) -> None:
    """Give the lease back (only if `owner` holds it)."""
    s.exec(delete(JobLock).where(col(JobLock.name) == name, col(JobLock.owner) == owner))
