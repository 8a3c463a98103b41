"""A message's bytes in a table of their own (migration 0010), on SQLite and PostgreSQL: written once,
never updated while the message is handled, read back by every verb that reads them, purged by age;
a database at 0009 keeps every message's bytes (and its purged and never-kept ones as such) through 0010."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from store import repo
from store.db import HEAD_REVISION, _alembic_config, current_revision, make_engine, migrate, transaction
from store.outcome import Outcome
from tests.store.helpers import MAILBOX, NOW, insert, mail_bytes, ref


@contextmanager
def bodies_frozen(engine: Engine) -> Iterator[None]:
    """Any UPDATE of a kept body fails while this is open (a database trigger)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("CREATE TRIGGER body_frozen BEFORE UPDATE ON raw_message_body "
                              "BEGIN SELECT RAISE(ABORT, 'raw_message_body updated'); END"))
        else:
            conn.execute(text("CREATE FUNCTION body_frozen() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN RAISE EXCEPTION 'raw_message_body updated'; END $$"))
            conn.execute(text("CREATE TRIGGER body_frozen BEFORE UPDATE ON raw_message_body "
                              "FOR EACH ROW EXECUTE FUNCTION body_frozen()"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.execute(text("DROP TRIGGER body_frozen"))
            else:
                conn.execute(text("DROP TRIGGER body_frozen ON raw_message_body"))
                conn.execute(text("DROP FUNCTION body_frozen()"))


def test_handling_a_message_never_rewrites_its_bytes(engine: Engine) -> None:
    raw = mail_bytes("flaky", "x" * 200_000)
    with bodies_frozen(engine):
        with transaction(engine) as s:  # fails twice, is claimed for its retry, then decided and moved
            first = repo.record_failure(s, ref("flaky"), raw, NOW, "try 1", NOW, 5)
        with transaction(engine) as s:
            repo.record_failure(s, ref("flaky"), raw, NOW, "try 2", NOW + timedelta(minutes=5), 5)
        with transaction(engine) as s:
            view = repo.insert_raw(s, ref("flaky"), message_id="<flaky@avesta.se>",
                                   sha256=hashlib.sha256(raw).hexdigest(), sender="samordnare@avesta.se",
                                   subject="L", received_at=NOW, raw=raw, county="20")
            repo.set_outcome(s, view.id, Outcome.STORED, "klar", "Avesta")
            repo.mark_moved(s, view.id)
            other = insert(s, "other")
            repo.set_outcome(s, other.id, Outcome.QUARANTINED, "okänd")
            repo.mark_moved_many(s, [other.id])
    with transaction(engine) as s:
        assert repo.get_raw(s, view.id) == raw and view.id == first.raw_id
        assert repo.raw_bytes(s, [view.id, other.id, 999]) == {view.id: raw, other.id: mail_bytes("other")}
        message = repo.get_message(s, view.id)
        assert message is not None and (message.size, message.attempts, message.moved) == (len(raw), 2, True)


def test_a_retry_with_other_bytes_replaces_them_and_one_without_keeps_them(engine: Engine) -> None:
    with transaction(engine) as s:
        failed = repo.record_failure(s, ref("changed"), b"first", NOW, "try 1", NOW, 5)
        repo.record_failure(s, ref("changed"), None, None, "try 2", NOW, 5)  # not fetched this time
        assert repo.get_raw(s, failed.raw_id) == b"first"
        repo.record_failure(s, ref("changed"), b"second", NOW, "try 3", NOW, 5)
        assert repo.get_raw(s, failed.raw_id) == b"second"
        never = repo.record_failure(s, ref("never"), None, None, "fetch failed", NOW, 5)
        assert repo.get_raw(s, never.raw_id) is None
        assert repo.raw_bytes(s, [never.raw_id]) == {}


def test_reading_and_purging_the_kept_bytes(engine: Engine) -> None:
    with transaction(engine) as s:
        old = insert(s, "old", received_at=NOW - timedelta(days=400))
        new = insert(s, "new")
        never = repo.record_failure(s, ref("never"), None, NOW, "fetch failed", NOW, 1)
        for view in (old, new):
            repo.set_outcome(s, view.id, Outcome.STORED, None)
        assert [v.uid for v, _ in repo.raw_messages(s)] == ["old", "new"]  # the never-kept one has no bytes
        assert repo.purge_raw_before(s, "20", NOW - timedelta(days=365)) == 1
        assert repo.purge_raw_before(s, "20", NOW - timedelta(days=365)) == 0
    with transaction(engine) as s:
        assert dict((v.uid, raw) for v, raw in repo.raw_messages(s)) == {"old": b"", "new": mail_bytes("new")}
        assert [v.uid for v in repo.kept_messages(s, "20", [Outcome.STORED])] == ["old", "new"]
        assert repo.get_raw(s, old.id) == b"" and repo.get_raw(s, never.raw_id) is None
        purged = repo.get_message(s, old.id)
        assert purged is not None and purged.size == 0


def test_a_database_at_0009_keeps_every_messages_bytes_through_0010(empty_url: str) -> None:
    from alembic import command

    engine = make_engine(empty_url)
    sqlite = engine.dialect.name == "sqlite"
    at = NOW.replace(tzinfo=None) if sqlite else NOW
    try:
        with engine.connect() as conn, conn.begin():
            command.upgrade(_alembic_config(conn), "0009")
        ids: dict[str, int] = {}
        with engine.begin() as conn:
            for uid, raw in (("kept", mail_bytes("kept", "y" * 50_000)), ("purged", b""), ("never", None)):
                ids[uid] = conn.execute(text(
                    "INSERT INTO raw_message (mailbox, uidvalidity, uid, sender, subject, size, raw, county, "
                    "outcome, moved, attempts, created_at, updated_at, received_at) VALUES (:mailbox, 0, :uid, "
                    "'a@avesta.se', 'L', :size, :raw, '20', 'quarantined', :no, 0, :at, :at, :at) RETURNING id"),
                    {"mailbox": MAILBOX, "uid": uid, "size": len(raw or b""), "raw": raw, "no": False,
                     "at": at}).scalar_one()
            # What refers to a message must still refer to it afterwards (the table is not recreated).
            conn.execute(text("INSERT INTO audit_event (raw_message_id, event, detail, at) "
                              "VALUES (:id, 'quarantined', 'okänd', :at)"), {"id": ids["kept"], "at": at})
        migrate(engine)
        assert current_revision(engine) == HEAD_REVISION == "0010"
        with transaction(engine) as s:
            assert repo.get_raw(s, ids["kept"]) == mail_bytes("kept", "y" * 50_000)
            assert repo.get_raw(s, ids["purged"]) == b"" and repo.get_raw(s, ids["never"]) is None
            assert [v.uid for v in repo.quarantined(s, "20")] == ["kept", "purged", "never"]
            assert [v.uid for v, _ in repo.raw_messages(s)] == ["kept", "purged"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT raw_message_id FROM audit_event")).scalar_one() == ids["kept"]
        with transaction(engine) as s:  # and the store goes on as before
            assert repo.get_raw(s, insert(s, "after").id) == mail_bytes("after")
    finally:
        engine.dispose()
