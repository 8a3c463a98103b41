"""`flow.filing.record_message` on its own, on a migrated SQLite store: one decided message in, what
the store holds out (its outcome, the versions of its reports, the replies queued, the audit trail)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flow.decide import ParsedFile, decide
from flow.filing import Decided, record_message
from flow.reports import export_period
from ground.refs import MessageRef
from ingest.message import read_message
from ingest.source import RawMail
from lagesbild.config import load_config
from parsers.result import Answer, Format, ParseResult, Period
from store import repo
from store.db import make_engine, migrate, transaction
from store.outcome import Outcome
from tests.builders import mail as mails

OCT = Period(2026, 10)
NOW = datetime(2026, 10, 28, 10, 0, tzinfo=UTC)
CONFIG = load_config(None)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    return engine


def record(engine: Engine, uid: str, level: int, sender: str = "samordnare@vansbro.se") -> tuple[Outcome, int]:
    """File one mail from `sender` whose form gives every question `level`."""
    raw_bytes = mails.build_mail(sender, "Lägesbild oktober", "Hej", message_id=f"<{uid}@example>")
    message = read_message(raw_bytes)
    answers = {n: Answer(level, f"kommentar {n}") for n in range(1, 7)} | {7: Answer(None, "åtgärder")}
    parsed = [ParsedFile("v.docx", ParseResult(Format.DOCX, "Vansbro", OCT, answers))]
    raw = RawMail(MessageRef("maildir:/box", 0, uid), raw_bytes, NOW)
    decision = decide(message, parsed, CONFIG, NOW, None)
    item = Decided(raw, message, hashlib.sha256(raw_bytes).hexdigest(), None, decision)
    with transaction(engine) as s:
        return record_message(s, item, CONFIG, NOW)


def test_a_report_is_filed_as_version_1_with_a_receipt_and_an_audit_trail(engine: Engine) -> None:
    outcome, raw_id = record(engine, "first", 2)
    assert outcome is Outcome.STORED
    [entry] = export_period(engine, CONFIG, OCT)
    assert (entry["municipality"], entry["version"], entry["answers"]["1"]["impact"]) == ("Vansbro", 1, 2)
    with transaction(engine) as s:
        mail = repo.due_mail(s, NOW, 10)
        trail = [a.event for a in repo.audit_trail(s, raw_id)]
    assert [(m.kind, list(m.to_addrs)) for m in mail] == [("receipt", ["samordnare@vansbro.se"])]
    assert trail[0] == "received" and trail[-1] == "stored"


def test_new_answers_make_a_correction_and_the_same_answers_a_duplicate(engine: Engine) -> None:
    assert record(engine, "first", 2)[0] is Outcome.STORED
    assert record(engine, "second", 4)[0] is Outcome.CORRECTION
    assert record(engine, "third", 4)[0] is Outcome.DUPLICATE
    [entry] = export_period(engine, CONFIG, OCT)
    assert (entry["version"], entry["answers"]["1"]["impact"]) == (2, 4)


def test_an_unknown_sender_is_kept_but_nothing_is_filed(engine: Engine) -> None:
    outcome, raw_id = record(engine, "stranger", 3, sender="someone@example.org")
    assert outcome is Outcome.QUARANTINED
    assert export_period(engine, CONFIG, OCT) == []
    with transaction(engine) as s:
        assert [v.id for v, _ in repo.raw_messages(s)] == [raw_id]
