"""Received messages: claiming exactly once, outcomes, failures and retries."""

from __future__ import annotations

import hashlib
import multiprocessing
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from store import repo
from store.db import transaction
from store.errors import AlreadyClaimed, NotFound
from store.outcome import Outcome
from tests.store import workers
from tests.store.helpers import MAILBOX, NOW, insert, mail_bytes, ref


def test_known_refs_lists_only_messages_seen_in_that_mailbox_generation(engine: Engine) -> None:
    with transaction(engine) as s:
        a = insert(s, "a")
        insert(s, "b", uidvalidity=7)
    with transaction(engine) as s:
        known = repo.known_refs(s, MAILBOX, 0, ["a", "b", "c"])
    assert set(known) == {"a"}
    assert known["a"].id == a.id and known["a"].outcome is None and not known["a"].moved
    assert known["a"].attempts == 0 and known["a"].next_attempt_at is None


def test_known_refs_handles_more_uids_than_one_query_takes(engine: Engine) -> None:
    with transaction(engine) as s:
        insert(s, "u1199")
        known = repo.known_refs(s, MAILBOX, 0, [f"u{i}" for i in range(1200)])
    assert set(known) == {"u1199"}


def test_same_ref_is_already_claimed_and_the_transaction_stays_usable(engine: Engine) -> None:
    with transaction(engine) as s:
        first = insert(s, "x")
    with transaction(engine) as s:
        with pytest.raises(AlreadyClaimed) as caught:
            insert(s, "x")
        assert caught.value.ref == ref("x")
        repo.audit(s, first.id, "skipped", "already claimed", NOW)  # PostgreSQL must not have aborted
    with transaction(engine) as s:
        assert [e.event for e in repo.audit_trail(s, first.id)] == ["skipped"]
        insert(s, "x", uidvalidity=2)  # a new UIDVALIDITY is a new mailbox generation: not claimed


def test_claim_race_between_processes_has_exactly_one_winner(url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    n = 3
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=workers.claim, args=(url, "raced", barrier, 0.5, results)) for _ in range(n)]
    for p in procs:
        p.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(30)
    assert outcomes == ["lost"] * (n - 1) + ["won"], outcomes


def test_find_same_content_finds_an_earlier_handled_copy_only(engine: Engine) -> None:
    body = mail_bytes("orig")
    sha = hashlib.sha256(body).hexdigest()
    with transaction(engine) as s:
        failed = repo.record_failure(s, ref("copy-failed"), body, NOW, "db away", NOW, 5,
                                     message_id="<orig@avesta.se>")
        assert repo.find_same_content(s, "<orig@avesta.se>", sha) is None  # a failed copy was never answered
        first = repo.insert_raw(s, ref("copy-1"), message_id="<orig@avesta.se>", sha256=sha, sender="a@avesta.se",
                                subject="s", received_at=NOW, raw=body)
        assert repo.find_same_content(s, "<orig@avesta.se>", sha) is None  # undecided yet
        repo.set_outcome(s, first.id, Outcome.STORED, "ok")
        second = repo.insert_raw(s, ref("copy-2"), message_id="<orig@avesta.se>", sha256=sha,
                                 sender="a@avesta.se", subject="s", received_at=NOW, raw=body)
        found = repo.find_same_content(s, "<orig@avesta.se>", sha, exclude_id=second.id)
        assert found is not None and found.id == first.id and found.uid == "copy-1"
        assert repo.find_same_content(s, "<other@avesta.se>", sha) is None
        assert repo.find_same_content(s, "<orig@avesta.se>", "0" * 64) is None
        assert repo.find_same_content(s, "<orig@avesta.se>", sha, exclude_id=first.id) is None
    assert failed.raw_id != first.id


def test_set_outcome_and_mark_moved(engine: Engine) -> None:
    with transaction(engine) as s:
        row = insert(s, "m")
        repo.set_outcome(s, row.id, Outcome.QUARANTINED, "okänd avsändare", municipality="Avesta")
    with transaction(engine) as s:
        assert repo.known_refs(s, MAILBOX, 0, ["m"])["m"].moved is False
        repo.mark_moved(s, row.id)
    with transaction(engine) as s:
        k = repo.known_refs(s, MAILBOX, 0, ["m"])["m"]
        got = repo.get_message(s, row.id)
    assert k.outcome is Outcome.QUARANTINED and k.moved is True
    assert got is not None and got.reason == "okänd avsändare" and got.municipality == "Avesta"
    with transaction(engine) as s:
        with pytest.raises(ValueError, match="record_failure"):
            repo.set_outcome(s, row.id, Outcome.FAILED, "no")
        with pytest.raises(NotFound):
            repo.mark_moved(s, 424242)


def test_record_failure_backs_off_then_parks_keeping_the_raw_bytes(engine: Engine) -> None:
    raw = mail_bytes("flaky", "x" * 1000)
    seen = []
    for i in range(3):
        now = NOW + timedelta(hours=i)
        with transaction(engine) as s:
            seen.append(repo.record_failure(s, ref("flaky"), raw, NOW, f"try {i + 1}", now, 3,
                                            sender="a@avesta.se"))
        with transaction(engine) as s:
            k = repo.known_refs(s, MAILBOX, 0, ["flaky"])["flaky"]
        expected_next = None if i == 2 else now + repo.backoff(i + 1)
        assert (k.outcome, k.attempts, k.next_attempt_at) == (Outcome.FAILED, i + 1, expected_next)
    assert [(f.attempts, f.parked) for f in seen] == [(1, False), (2, False), (3, True)]
    assert len({f.raw_id for f in seen}) == 1
    with transaction(engine) as s:
        assert repo.get_raw(s, seen[0].raw_id) == raw
        got = repo.get_message(s, seen[0].raw_id)
    assert got is not None and got.reason == "try 3" and got.size == len(raw) and got.sha256 is not None


def test_backoff_grows_and_is_capped() -> None:
    assert [repo.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10),
                                                    timedelta(minutes=20)]
    assert repo.backoff(50) == timedelta(hours=6)


def test_record_failure_uses_the_callers_backoff_and_works_without_bytes(engine: Engine) -> None:
    with transaction(engine) as s:
        rec = repo.record_failure(s, ref("nobody"), None, None, "fetch failed", NOW, 5,
                                  lambda n: timedelta(seconds=n))
        k = repo.known_refs(s, MAILBOX, 0, ["nobody"])["nobody"]
        assert repo.get_raw(s, rec.raw_id) is None
    assert (rec.attempts, rec.parked, k.next_attempt_at) == (1, False, NOW + timedelta(seconds=1))


def test_a_failed_message_is_claimed_again_for_its_retry(engine: Engine) -> None:
    with transaction(engine) as s:
        failed = repo.record_failure(s, ref("retry"), None, None, "db away", NOW, 5)
    with transaction(engine) as s:
        row = insert(s, "retry")  # the retry claims the FAILED row (attempts kept)
        assert row.id == failed.raw_id and row.attempts == 1 and row.outcome is None
        repo.set_outcome(s, row.id, Outcome.STORED, "ok")
    with transaction(engine) as s:
        k = repo.known_refs(s, MAILBOX, 0, ["retry"])["retry"]
        assert (k.outcome, k.next_attempt_at) == (Outcome.STORED, None)
        with pytest.raises(AlreadyClaimed):
            insert(s, "retry")  # handled now: never again


def test_record_failure_leaves_a_message_another_worker_decided(engine: Engine) -> None:
    with transaction(engine) as s:
        row = insert(s, "done")
        repo.set_outcome(s, row.id, Outcome.STORED, "ok")
    with transaction(engine) as s:
        rec = repo.record_failure(s, ref("done"), None, None, "late failure", NOW, 1)
    with transaction(engine) as s:
        k = repo.known_refs(s, MAILBOX, 0, ["done"])["done"]
    assert (rec.attempts, rec.parked, rec.raw_id) == (0, False, row.id)
    assert (k.outcome, k.attempts) == (Outcome.STORED, 0)


def test_quarantined_lists_and_counts_one_county(engine: Engine) -> None:
    with transaction(engine) as s:
        for uid, county, outcome, minutes_ago in [("q1", "20", Outcome.QUARANTINED, 1),
                                                  ("q2", "20", Outcome.QUARANTINED, 5),
                                                  ("q3", "21", Outcome.QUARANTINED, 9),
                                                  ("s1", "20", Outcome.STORED, 9)]:
            row = insert(s, uid, county=county, received_at=NOW - timedelta(minutes=minutes_ago))
            repo.set_outcome(s, row.id, outcome, "r")
    with transaction(engine) as s:
        assert [m.uid for m in repo.quarantined(s, "20")] == ["q2", "q1"]  # oldest first
        assert repo.count_quarantined(s, "20") == 2
        assert repo.count_quarantined(s, "21") == 1
        assert repo.count_quarantined(s, "22") == 0


def test_raw_messages_streams_kept_bytes_since_a_time(engine: Engine) -> None:
    with transaction(engine) as s:
        for i in range(3):
            insert(s, f"r{i}", received_at=NOW + timedelta(days=i))
        repo.record_failure(s, ref("no-bytes"), None, None, "x", NOW, 3)
    with transaction(engine) as s:
        everything = [(v.uid, raw) for v, raw in repo.raw_messages(s)]
        recent = [v.uid for v, _ in repo.raw_messages(s, since=NOW + timedelta(days=1))]
        assert repo.get_message(s, 999) is None and repo.get_raw(s, 999) is None
    assert everything == [(f"r{i}", mail_bytes(f"r{i}")) for i in range(3)]
    assert recent == ["r1", "r2"]
