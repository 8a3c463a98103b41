"""Replies in words gathered for staff (flow.reply_forwards), on a migrated SQLite store: the first at
once, the rest written down with the message and forwarded together once the interval has passed;
a flush that dies half-way loses nothing, and one run twice forwards nothing twice."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import flow.reply_forwards
from flow.decide import decide
from flow.filing import Decided, record_message
from flow.reply_forwards import flush_reply_forwards
from ground.refs import MessageRef
from ingest.message import read_message
from ingest.source import RawMail
from lagesbild.config import load_config
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails

NOW = datetime(2026, 10, 28, 10, 0, tzinfo=UTC)
CONFIG = load_config(None)
REMINDER = "SV: Påminnelse: lägesbild oktober 2026, {0} – senast fredag 30 oktober"


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    return engine


def receive(engine: Engine, municipality: str, text: str, when: datetime) -> None:
    raw = mails.build_mail(f"samordnare@{municipality.lower()}.se", REMINDER.format(municipality), text,
                           message_id=f"<{municipality}-{when:%H%M}@example>")
    message = read_message(raw)
    decision = decide(message, [], CONFIG, when, None)
    item = Decided(RawMail(MessageRef("maildir:/box", 0, f"{municipality}{when:%H%M}"), raw, when), message,
                   hashlib.sha256(raw).hexdigest(), None, decision)
    with transaction(engine) as s:
        record_message(s, item, CONFIG, when)


def to_staff(engine: Engine) -> list[str]:
    with transaction(engine) as s:
        return [m.subject for m in repo.due_mail(s, NOW + timedelta(days=1), 50) if str(m.kind) == "staff_forward"]


def test_a_flush_that_dies_half_way_loses_nothing_and_a_second_run_sends_nothing_twice(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    receive(engine, "Orsa", "Vi skickar på måndag.", NOW)
    receive(engine, "Mora", "Gäller det Våmhus?", NOW + timedelta(minutes=1))
    receive(engine, "Leksand", "Fråga 2 ska vara 4.", NOW + timedelta(minutes=2))
    assert len(to_staff(engine)) == 1  # Orsa's, at once
    later = NOW + timedelta(minutes=61)
    assert not flush_reply_forwards(engine, CONFIG, NOW + timedelta(minutes=30))  # within the interval

    def dies(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # the process stops between building the mail and committing it

    monkeypatch.setattr(flow.reply_forwards, "queue_mail_once", dies)
    with pytest.raises(KeyboardInterrupt):
        flush_reply_forwards(engine, CONFIG, later)
    monkeypatch.undo()
    assert len(to_staff(engine)) == 1
    assert flush_reply_forwards(engine, CONFIG, later)
    assert not flush_reply_forwards(engine, CONFIG, later)  # the job runs twice: nothing twice
    assert not flush_reply_forwards(engine, CONFIG, later + timedelta(hours=2))
    subjects = to_staff(engine)
    assert len(subjects) == 2 and subjects[1] == "Lägesbild: 2 svar från kommunerna (Mora, Leksand)"
