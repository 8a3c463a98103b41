"""A reminder on the EST checklist carries the form pre-filled with the area the municipality
named in its last report (filed through a real Maildir and database), read back through the real
parser; a municipality whose last report named none gets the field blank."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from flow.jobs import queue_reminders
from flow.manual_reminders import remind_now
from lagesbild.config import load_config
from outputs.blank_docx import build_blank_docx
from parsers import parse_bytes
from parsers.result import ParseResult, Period
from tests.builders import mail as mails
from tests.flow.test_area_forms import W45, WEEKLY
from tests.flow.test_pipeline import Box, at
from tests.outputs.fill import fill_docx
from tests.parsers.test_forms_as_data import EST, EST_ANSWERS


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path, load_config(WEEKLY))


def _file(box: Box, sender: str, municipality: str, area: str | None, week: int, when: str) -> None:
    form = fill_docx(build_blank_docx(EST, municipality, Period.iso_week(2026, week)), answers=EST_ANSWERS, area=area)
    raw = mails.build_mail(sender, f"Checklista vecka {week}", "Hej!",
                           [(f"Checklista v{week}.docx", form, mails.DOCX_TYPE)])
    box.deliver(raw, at(when))
    assert box.poll(when) == {"stored": 1}


def _attached_forms(box: Box, municipality: str) -> list[ParseResult]:
    forms = []
    for kind, msg in box.outbox():
        if kind != "reminder" or municipality not in str(msg["Subject"]) + str(msg.get_body(("plain",))):
            continue
        assert isinstance(msg, EmailMessage)
        for part in msg.iter_attachments():
            if str(part.get_filename() or "").endswith(".docx"):
                data = part.get_payload(decode=True)
                assert isinstance(data, bytes)
                forms.append(parse_bytes(data, str(part.get_filename()), form=EST))
    return forms


def test_a_reminder_carries_the_area_last_reported(box: Box) -> None:
    _file(box, "samordnare@kumla.se", "Kumla", "Vivalla", 43, "2026-10-20T10:00")
    _file(box, "samordnare@kumla.se", "Kumla", "Brickebacken", 44, "2026-10-27T10:00")
    plan = queue_reminders(box.engine, box.config, at("2026-11-04T08:30"))  # the day after the deadline (Tuesday)
    assert "Kumla" in {r.municipality for r in plan.reminders if r.period == W45}
    forms = _attached_forms(box, "Kumla")
    assert forms, "no reminder with a form for Kumla"
    for result in forms:
        assert (result.municipality, result.area) == ("Kumla", "Brickebacken")


def test_a_reminder_by_hand_carries_it_too_and_none_is_left_blank(box: Box) -> None:
    _file(box, "samordnare@kumla.se", "Kumla", "Vivalla", 44, "2026-10-27T10:00")
    remind_now(box.engine, box.config, "Kumla", W45, at("2026-11-12T10:00"), actor="handläggare")
    assert [r.area for r in _attached_forms(box, "Kumla")] == ["Vivalla"]
    municipalities = [m.name for m in box.config.municipalities if m.name != "Kumla"]
    other = municipalities[0]
    remind_now(box.engine, box.config, other, W45, at("2026-11-12T10:00"), actor="handläggare")
    forms = _attached_forms(box, other)
    assert forms and all(r.area is None and r.municipality == other for r in forms)
