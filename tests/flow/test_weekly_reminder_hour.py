"""A weekly county's reminders, queued by the worker's job or by a clerk's hand, say the form's deadline:
its day and hour (the EST checklist: Tuesday 16:00), and a reminder by hand after 16:00 on the Tuesday
is the one for those who missed it."""

from __future__ import annotations

import email
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.jobs import queue_reminders
from flow.manual_reminders import remind_now
from flow.sending import Handovers, send_due
from lagesbild.config import load_config
from outputs.file_transport import FileTransport
from parsers.result import Period
from store.db import make_engine, migrate

TZ = ZoneInfo("Europe/Stockholm")
CONFIG_FILE = Path(__file__).resolve().parents[2] / "examples" / "orebro-est-weekly.toml"
W43 = Period.iso_week(2026, 43)


def _sent(tmp_path: Path, engine: Engine, now: datetime) -> list[EmailMessage]:
    """Everything sent so far, in the order it was sent (the outbox's files are named by time)."""
    send_due(engine, FileTransport(tmp_path / "outbox"), load_config(CONFIG_FILE), now, Handovers())
    out = []
    for path in sorted((tmp_path / "outbox").glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return " ".join(part.get_content().split())


def test_the_deadline_days_reminders_and_one_by_hand_after_four_say_tuesday_at_four(tmp_path: Path) -> None:
    config = load_config(CONFIG_FILE)
    engine = make_engine(f"sqlite:///{tmp_path / 'lb.db'}")
    migrate(engine)
    morning = datetime(2026, 10, 20, 8, 0, tzinfo=TZ)  # week 43's deadline day: the deadline_day stage
    plan = queue_reminders(engine, config, morning)
    assert {r.stage for r in plan.reminders if r.period == W43} == {"deadline_day"}
    sent = _sent(tmp_path, engine, morning)
    reminders = [m for m in sent if "vecka 43 2026" in str(m["Subject"])]
    assert len(reminders) == len(config.municipalities) == 6
    for msg in reminders:
        assert str(msg["Subject"]).endswith("– senast kl. 16.00"), msg["Subject"]
        assert "Idag, tisdag 20 oktober, är sista dagen" in _text(msg) and "senast kl. 16.00." in _text(msg)

    # 16:30 the same day: Kumla has still sent nothing, so the clerk's reminder is the one after the deadline.
    evening = datetime(2026, 10, 20, 16, 30, tzinfo=TZ)
    choice = remind_now(engine, config, "Kumla", W43, evening, actor="handlaggare@lansstyrelsen-orebro.example")
    assert choice.next_stage == "after_deadline"
    [by_hand] = [m for m in _sent(tmp_path, engine, evening)[len(sent):]]
    assert str(by_hand["To"]) == "samordnare@kumla.se"
    assert "Sista dagen var tisdag 20 oktober, senast kl. 16.00." in _text(by_hand), _text(by_hand)
