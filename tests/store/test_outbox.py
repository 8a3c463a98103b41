"""The outbox (dedupe, due mail, retries, rate counts), the audit trail and job leases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from store import repo
from store.db import transaction
from store.errors import NotFound
from store.views import MailKind, MailStatus, OutboxView
from tests.store.helpers import NOW, insert

RECEIPT = b"From: lansstyrelsen@example.se\r\nTo: samordnare@avesta.se\r\nSubject: Kvitto\r\n\r\nTack.\r\n"


def queue(s: Session, key: str, to: str = "samordnare@avesta.se", kind: MailKind = MailKind.RECEIPT,
          minutes: int = 0, related: int | None = None) -> OutboxView | None:
    return repo.queue_mail(s, kind, key, [to], ["stab@example.se"], f"Kvitto {key}", RECEIPT, related,
                           now=NOW + timedelta(minutes=minutes))


def test_queue_mail_dedupes_on_the_key_and_the_transaction_stays_usable(engine: Engine) -> None:
    with transaction(engine) as s:
        raw = insert(s, "m1")
        first = queue(s, "receipt:m1", related=raw.id)
    with transaction(engine) as s:
        assert queue(s, "receipt:m1") is None
        second = queue(s, "receipt:m2")  # PostgreSQL must not have aborted the transaction
    assert first is not None and second is not None
    assert (first.status, first.attempts, first.to_addrs, first.cc_addrs) == (
        MailStatus.QUEUED, 0, ("samordnare@avesta.se",), ("stab@example.se",))
    assert first.related_raw_message_id == raw.id and first.raw == RECEIPT
    with transaction(engine) as s:
        assert [m.dedupe_key for m in repo.due_mail(s, NOW)] == ["receipt:m1", "receipt:m2"]


def test_due_mail_retries_with_backoff_and_gives_up(engine: Engine) -> None:
    with transaction(engine) as s:
        mail, other = queue(s, "k1"), queue(s, "k2")
    assert mail is not None and other is not None
    with transaction(engine) as s:
        repo.mark_send_failed(s, mail.id, NOW, "421 try later", NOW + timedelta(minutes=10))
    with transaction(engine) as s:
        assert [m.dedupe_key for m in repo.due_mail(s, NOW + timedelta(minutes=5))] == ["k2"]
        [retry, _] = repo.due_mail(s, NOW + timedelta(minutes=10))
    assert (retry.dedupe_key, retry.attempts, retry.last_error, retry.last_attempt_at) == (
        "k1", 1, "421 try later", NOW)
    with transaction(engine) as s:
        repo.mark_sent(s, retry.id, NOW + timedelta(minutes=11))
        repo.mark_send_failed(s, other.id, NOW, "550 no such user " + "x" * 5000, None)
    with transaction(engine) as s:
        assert repo.due_mail(s, NOW + timedelta(days=30)) == []
        sent, given_up = repo.get_mail(s, mail.id), repo.get_mail(s, other.id)
        assert repo.get_mail(s, 999) is None
    assert sent is not None and given_up is not None
    assert (sent.status, sent.sent_at, sent.attempts, sent.next_attempt_at) == (
        MailStatus.SENT, NOW + timedelta(minutes=11), 2, None)
    assert given_up.status is MailStatus.FAILED and len(given_up.last_error or "") == 2000
    with transaction(engine) as s, pytest.raises(NotFound):
        repo.mark_sent(s, 999, NOW)


def test_due_mail_is_oldest_first_and_limited(engine: Engine) -> None:
    with transaction(engine) as s:
        for i in range(5):
            queue(s, f"k{i}")
    with transaction(engine) as s:
        assert [m.dedupe_key for m in repo.due_mail(s, NOW, limit=3)] == ["k0", "k1", "k2"]


def test_due_mail_rows_are_skipped_by_a_second_worker_on_postgresql(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole transactions")
    with transaction(engine) as s:
        queue(s, "a")
        queue(s, "b")
    with transaction(engine) as first:
        taken = repo.due_mail(first, NOW, limit=1)
        with transaction(engine) as second:
            others = repo.due_mail(second, NOW)
    assert [m.dedupe_key for m in taken] == ["a"] and [m.dedupe_key for m in others] == ["b"]


def test_sent_count_since_counts_replies_to_one_address(engine: Engine) -> None:
    with transaction(engine) as s:
        queue(s, "r1", to="Samordnare@Avesta.se", minutes=0)
        queue(s, "r2", minutes=30, kind=MailKind.ERROR_REPLY)
        queue(s, "r3", minutes=50)
        queue(s, "old", minutes=-120)
        queue(s, "reminder", minutes=40, kind=MailKind.REMINDER)
        queue(s, "other", to="annan@mora.se", minutes=45)
    replies = [MailKind.RECEIPT, MailKind.ERROR_REPLY]
    with transaction(engine) as s:
        assert repo.sent_count_since(s, "samordnare@avesta.se", replies, NOW - timedelta(minutes=60)) == 3
        assert repo.sent_count_since(s, "SAMORDNARE@avesta.se", replies, NOW + timedelta(minutes=10)) == 2
        assert repo.sent_count_since(s, "samordnare@avesta.se", [MailKind.REMINDER], NOW) == 1
        assert repo.sent_count_since(s, "nobody@avesta.se", replies, NOW - timedelta(days=1)) == 0


def test_audit_trail_keeps_order_and_message(engine: Engine) -> None:
    with transaction(engine) as s:
        row = insert(s, "a1")
        repo.audit(s, row.id, "received", "från samordnare@avesta.se", NOW)
        repo.audit(s, None, "worker_started", "", NOW)
        repo.audit(s, row.id, "stored", "Avesta 2026-10 version 1", NOW + timedelta(seconds=1))
    with transaction(engine) as s:
        assert [(e.event, e.at) for e in repo.audit_trail(s, row.id)] == [
            ("received", NOW), ("stored", NOW + timedelta(seconds=1))]
        assert len(repo.audit_trail(s)) == 3


def test_try_lock_is_exclusive_until_released_or_expired(engine: Engine) -> None:
    ttl = timedelta(minutes=5)

    def take(owner: str, minutes: int) -> bool:
        with transaction(engine) as s:
            return repo.try_lock(s, "outbox", owner, NOW + timedelta(minutes=minutes), ttl)

    assert take("worker-a", 0) is True
    assert take("worker-b", 1) is False
    assert take("worker-a", 4) is True  # renewing: now held until minute 9
    assert take("worker-b", 8) is False
    assert take("worker-b", 9) is True  # expired: anyone may take it
    assert take("worker-a", 10) is False
    with transaction(engine) as s:
        repo.release_lock(s, "outbox", "worker-a")  # not the holder: no effect
    assert take("worker-a", 11) is False
    with transaction(engine) as s:
        repo.release_lock(s, "outbox", "worker-b")
    assert take("worker-a", 12) is True
    with transaction(engine) as s:  # twice in one transaction, other names independent
        assert repo.try_lock(s, "digest", "worker-b", NOW, ttl) is True
        assert repo.try_lock(s, "digest", "worker-c", NOW, ttl) is False
