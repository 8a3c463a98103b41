"""Refs are stored losslessly (issue 14, item 8): any Maildir name, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from ground.refs import MessageRef
from store import repo
from store.db import transaction
from store.messages import stored_uid, uid_from_store

NAMES = [
    "1790000001.M1P1.mx",
    os.fsdecode(b"1790000002.M2P1.mx\xe5\xff"),  # not UTF-8: surrogate escapes
    "1790000003.M3P1.lägesbild",  # UTF-8, kept as it is
    "~b64:looks-escaped",  # the escape prefix itself is escaped
    "name\x00with-nul",
]


@pytest.mark.parametrize("uid", NAMES)
def test_a_uid_reads_back_exactly(uid: str) -> None:
    assert uid_from_store(stored_uid(uid)) == uid
    stored_uid(uid).encode("utf-8")  # always storable text
    if uid.isascii() and "\x00" not in uid and not uid.startswith("~"):
        assert stored_uid(uid) == uid  # ordinary UIDs are stored as they are


def test_odd_names_are_claimed_listed_and_failed_on_both_databases(engine: Engine) -> None:
    now = datetime(2026, 10, 29, 10, tzinfo=UTC)
    with transaction(engine) as s:
        for i, uid in enumerate(NAMES[:3]):
            repo.insert_raw(s, MessageRef("maildir:/x", 0, uid), message_id=f"<{i}@x>", sha256=str(i), sender="",
                            subject="", received_at=now, raw=b"x", county="20")
        repo.record_failure(s, MessageRef("maildir:/x", 0, NAMES[3]), None, now, "broken", now, 5)
    with transaction(engine) as s:
        known = repo.known_refs(s, "maildir:/x", 0, NAMES)
        views = {v.uid for v, _ in repo.raw_messages(s)}
    assert set(known) == set(NAMES[:4])
    assert set(NAMES[:3]) <= views
