"""Small SQL helpers the store's verb modules share (not part of the store's interface)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

CHUNK = 500  # ids per IN (...) list: far below every database's parameter limit


def clock() -> datetime:
    """Wall-clock time for created_at/updated_at bookkeeping only; decisions use the caller's `now`."""
    return datetime.now(UTC)


def is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        return True
    return "UNIQUE constraint failed" in str(orig)  # SQLite


def insert_or_conflict(s: Session, row: Any) -> bool:
    """Insert `row` (an ORM object or an INSERT statement) in a savepoint.

    False on a unique-key conflict, and the caller's transaction stays usable
    (PostgreSQL would otherwise abort it).
    """
    try:
        with s.begin_nested():
            if isinstance(row, Insert):
                s.exec(row)
            else:
                s.add(row)
                s.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        return False
    return True


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def pg_xact_lock(s: Session, key: str) -> None:
    """A transaction-scoped advisory lock on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises)."""
    if s.get_bind().dialect.name == "postgresql":
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") >> 1
        s.connection().execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})
