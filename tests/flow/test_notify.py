"""What each kind of decision queues (flow.notify), read from a migrated SQLite store: which mails,
to whom. One message per case, recorded through `flow.filing.record_message`."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from flow.decide import ParsedFile, decide
from flow.filing import Decided, record_message
from ground.refs import MessageRef
from ingest.message import read_message
from ingest.source import RawMail
from lagesbild.config import load_config
from parsers.result import Answer, Format, Issue, ParseResult, Period, Severity
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails

NOW = datetime(2026, 10, 28, 10, 0, tzinfo=UTC)
CONFIG = load_config(None)
STAFF = list(CONFIG.county.staff)
ANSWERS = {n: Answer(2, f"kommentar {n}") for n in range(1, 7)} | {7: Answer(None, "åtgärder")}


def form(municipality: str, name: str = "lagesbild.docx") -> ParsedFile:
    return ParsedFile(name, ParseResult(Format.DOCX, municipality, Period(2026, 10), dict(ANSWERS)))


UNREADABLE = ParsedFile("trasig.docx", ParseResult(Format.DOCX, None, None, {},
                                                   (Issue("file", Severity.ERROR, "filen kunde inte läsas"),)))

# (sender, extra headers, parsed forms) -> the mails queued, as (kind, recipients)
CASES: dict[str, tuple[str, dict[str, str], list[ParsedFile], list[tuple[str, list[str]]]]] = {
    "own form: a receipt to the sender": (
        "samordnare@vansbro.se", {}, [form("Vansbro")], [("receipt", ["samordnare@vansbro.se"])]),
    "joint mail with a neighbour held: staff told, one receipt": (
        "samordnare@ludvika.se", {}, [form("Ludvika"), form("Smedjebacken", "s.docx")],
        [("quarantine_notice", STAFF), ("receipt", ["samordnare@ludvika.se"])]),
    "unknown sender: staff told, the sender learns nothing": (
        "someone@example.org", {}, [form("Vansbro")], [("quarantine_notice", STAFF)]),
    "only an unreadable file: an error reply": (
        "samordnare@vansbro.se", {}, [UNREADABLE], [("error_reply", ["samordnare@vansbro.se"])]),
    "an out-of-office reply: nothing": (
        "samordnare@vansbro.se", {"Auto-Submitted": "auto-replied"}, [], []),
    "a form from a no-reply address: filed, not answered": (
        "noreply@vansbro.se", {}, [form("Vansbro")], []),
}


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    return engine


@pytest.mark.parametrize("case", list(CASES))
def test_each_decision_queues_its_mails(engine: Engine, case: str) -> None:
    sender, headers, parsed, expected = CASES[case]
    raw_bytes = mails.build_mail(sender, "Lägesbild oktober", "Hej", headers=headers or None,
                                 message_id="<notify-case@example>")
    message = read_message(raw_bytes)
    decision = decide(message, parsed, CONFIG, NOW, None)
    raw = RawMail(MessageRef("maildir:/box", 0, "case"), raw_bytes, NOW)
    with transaction(engine) as s:
        record_message(s, Decided(raw, message, hashlib.sha256(raw_bytes).hexdigest(), None, decision), CONFIG, NOW)
    with transaction(engine) as s:
        queued = sorted((str(m.kind), list(m.to_addrs)) for m in repo.due_mail(s, NOW, 50))
    assert queued == sorted(expected)
