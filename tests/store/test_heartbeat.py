"""The worker's heartbeat on SQLite and PostgreSQL: cycles written and pruned, the last one found, and the
counts an operator watches (outbox backlog, parked and quarantined messages) through flow.heartbeat."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.heartbeat import KEEP, Cycle, record_cycle, worker_health
from lagesbild.config import load_config
from store import repo
from store.db import read_transaction, transaction
from store.outcome import Outcome
from store.views import MailKind
from tests.store.helpers import NOW, mail_bytes, ref

CONFIG = load_config(None)
CODE = CONFIG.county.code


def test_cycles_are_written_the_last_one_is_found_and_old_ones_pruned(engine: Engine) -> None:
    for days_ago, messages in ((KEEP.days + 1, 9), (1, 2), (0, 3)):
        start = NOW - timedelta(days=days_ago)
        record_cycle(engine, CONFIG, "worker-a", Cycle(start, start + timedelta(seconds=2), messages, 1, 4))
    other = replace(CONFIG, county=replace(CONFIG.county, code="99"))
    record_cycle(engine, other, "other", Cycle(NOW + timedelta(hours=1), NOW + timedelta(hours=1), 50))

    health = worker_health(engine, CONFIG, NOW + timedelta(seconds=92))

    assert health.last_cycle is not None
    assert (health.last_cycle.host, health.last_cycle.messages, health.last_cycle.sent) == ("worker-a", 3, 4)
    assert health.age_seconds == 90  # the other county's later cycle is not ours
    with read_transaction(engine) as s:
        assert repo.prune_cycles(s, CODE, NOW - KEEP - timedelta(days=30)) == 0
        assert repo.prune_cycles(s, CODE, NOW) == 1  # only yesterday's was left before now: the 8-day one went
    stamp = health.to_json(ZoneInfo("Europe/Stockholm"))["last_cycle"]
    assert stamp["finished_at"] == (NOW + timedelta(seconds=2)).astimezone(ZoneInfo("Europe/Stockholm")).isoformat()
    assert (stamp["age_seconds"], stamp["error"]) == (90, None)


def test_a_cycle_that_failed_keeps_its_error(engine: Engine) -> None:
    record_cycle(engine, CONFIG, "w", Cycle(NOW, NOW, error="mailbox away: " + "x" * 5000))
    health = worker_health(engine, CONFIG, NOW)
    assert health.last_cycle is not None and health.last_cycle.error is not None
    assert health.last_cycle.error.startswith("mailbox away") and len(health.last_cycle.error) == 2000


def test_backlog_parked_and_quarantined_are_counted(engine: Engine) -> None:
    assert worker_health(engine, CONFIG, NOW).to_json(ZoneInfo("UTC")) == {
        "last_cycle": None, "outbox_backlog": 0, "parked": 0, "quarantined": 0}
    with transaction(engine) as s:
        for i in range(3):
            repo.queue_mail(s, MailKind.RECEIPT, f"k{i}", ["a@avesta.se"], [], "Kvitto", b"x", now=NOW)
        sent = repo.queue_mail(s, MailKind.RECEIPT, "k-sent", ["a@avesta.se"], [], "Kvitto", b"x", now=NOW)
        assert sent is not None
        repo.mark_sent(s, sent.id, NOW)
        repo.record_failure(s, ref("parked"), mail_bytes("parked", "x"), NOW, "too big", NOW, 1, county=CODE)
        repo.record_failure(s, ref("retrying"), mail_bytes("retrying", "x"), NOW, "db away", NOW, 5, county=CODE)
        q = repo.record_failure(s, ref("spam"), mail_bytes("spam", "x"), NOW, "x", NOW, 5, county=CODE)
        repo.set_outcome(s, q.raw_id, Outcome.QUARANTINED, "okänd avsändare")

    health = worker_health(engine, CONFIG, NOW)

    assert (health.outbox_backlog, health.parked, health.quarantined) == (3, 1, 1)
