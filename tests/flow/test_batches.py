"""Many waiting messages are recorded a batch per transaction, without changing what becomes of any of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, text

from flow.pipeline import PollReport, poll_once
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import Period
from store import repo
from store.db import read_transaction
from tests.builders import mail as mails
from tests.support.maildir_box import MaildirBox

TZ = ZoneInfo("Europe/Stockholm")
FORM = default_form()
OCT = Period(2026, 10)


def at(text_: str) -> datetime:
    return datetime.fromisoformat(text_).replace(tzinfo=TZ)


def in_process(data: bytes, filename: str, form: object, limits: object) -> object:
    return parse_bytes(data, filename, form, limits)  # type: ignore[arg-type]


class Box(MaildirBox):
    def poll(self, now: str) -> PollReport:
        source = MaildirSource(self.maildir, configured_folders(self.config.mailbox))
        return poll_once(source, self.engine, self.config, at(now), parse=in_process)  # type: ignore[arg-type]

    def messages(self) -> dict[str, repo.RawMessageView]:
        with read_transaction(self.engine) as s:
            return {v.uid: v for v, _ in repo.raw_messages(s)}

    def mail_to(self) -> list[str]:
        with read_transaction(self.engine) as s:
            return sorted(a for m in repo.due_mail(s, at("2030-01-01T00:00"), 1000) for a in m.to_addrs)


@pytest.fixture
def box(tmp_path: Path) -> Box:
    return Box(tmp_path, replace(CONFIG, signals=()))


CONFIG = load_config(None)


def sender(municipality: str) -> str:
    found = CONFIG.municipality(municipality)
    assert found is not None
    return found.contacts[0]


def report_mail(municipality: str, seed: int = 0, message_id: str | None = None) -> bytes:
    data = template_docx(FORM, municipality, OCT, sample_answers(FORM, municipality, OCT, seed))
    return mails.build_mail(sender(municipality), "Lägesbild oktober", "Hej!",
                            [(f"Lägesbild {municipality}.docx", data, mails.DOCX_TYPE)], message_id=message_id)


MUNICIPALITIES = ("Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika", "Malung-Sälen",
                  "Mora", "Orsa", "Rättvik", "Smedjebacken", "Säter", "Vansbro", "Älvdalen")


def test_a_full_mailbox_takes_few_commits_and_every_message_gets_its_outcome(box: Box) -> None:
    for i, name in enumerate(MUNICIPALITIES):
        box.deliver(report_mail(name), at(f"2026-10-28T{8 + i // 4:02d}:{(i % 4) * 10:02d}"))
    box.deliver(mails.out_of_office("samordnare@mora.se"), at("2026-10-29T09:00"))
    box.deliver(mails.build_mail("x@ludvlka.se", "Lägesbild", "Hej", [("l.docx", report_mail("Ludvika"),
                                                                        mails.DOCX_TYPE)]), at("2026-10-29T09:05"))
    commits = []
    event.listen(box.engine, "commit", lambda conn: commits.append(1))
    report = box.poll("2026-10-29T12:00")
    assert dict(report.outcomes) == {"stored": 15, "ignored": 1, "quarantined": 1}
    # One transaction for the batch, one for "moved", one read for copies: not three per message.
    assert box.config.mailbox.batch_size >= 17
    assert len(commits) <= 4
    assert all(v.moved for v in box.messages().values())
    municipal = [a for a in box.mail_to() if not a.endswith(".example")]
    assert municipal == sorted(sender(n) for n in MUNICIPALITIES)  # each receipt once
    assert len(box.mail_to()) == len(municipal) + 1  # and staff told of the quarantined one
    assert not list((box.maildir / "new").iterdir())


def test_a_message_the_database_refuses_leaves_the_rest_of_its_batch_filed(box: Box) -> None:
    """A real refusal by the database (a trigger) for one municipality's report, mid-batch."""
    with box.engine.begin() as conn:
        conn.execute(text("CREATE TRIGGER refuse_mora BEFORE INSERT ON submission WHEN NEW.municipality = 'Mora' "
                          "BEGIN SELECT RAISE(ABORT, 'Mora vägras'); END"))
    names = {box.deliver(report_mail(n), at("2026-10-28T09:00")): n for n in MUNICIPALITIES[:12]}
    report = box.poll("2026-10-29T12:00")
    assert dict(report.outcomes) == {"stored": 11, "failed": 1}
    [failure] = report.failures
    assert "Mora vägras" in failure
    by_name = {names[uid]: v for uid, v in box.messages().items()}
    assert str(by_name["Mora"].outcome) == "failed" and not by_name["Mora"].moved
    assert all(str(v.outcome) == "stored" and v.moved for n, v in by_name.items() if n != "Mora")
    # Nothing of Mora's was half written; everyone else was answered once.
    with read_transaction(box.engine) as s:
        assert {v.municipality for v in repo.latest_submissions(s, box.config.county.code, OCT)} == \
            set(MUNICIPALITIES[:12]) - {"Mora"}
    assert box.mail_to() == sorted(sender(n) for n in MUNICIPALITIES[:12] if n != "Mora")
    [left] = list((box.maildir / "new").iterdir())
    assert names[left.name] == "Mora"

    with box.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse_mora"))
    again = box.poll("2026-10-29T18:00")  # after the retry pause
    assert dict(again.outcomes) == {"stored": 1}
    assert box.mail_to().count("samordnare@mora.se") == 1
    assert box.mail_to().count("samordnare@ludvika.se") == 1


def test_two_copies_of_one_mail_in_one_batch_are_filed_once(box: Box) -> None:
    raw = report_mail("Orsa", message_id="<samma@orsa.se>")
    first = box.deliver(raw, at("2026-10-28T09:00"))
    box.deliver(report_mail("Mora"), at("2026-10-28T09:01"))
    second = box.deliver(raw, at("2026-10-28T09:02"))
    report = box.poll("2026-10-29T12:00")
    assert dict(report.outcomes) == {"stored": 2, "ignored": 1}
    messages = box.messages()
    assert str(messages[first].outcome) == "stored"
    assert str(messages[second].outcome) == "ignored"
    assert (messages[second].reason or "").startswith(f"kopia av meddelande {messages[first].id}")
    assert box.mail_to() == ["samordnare@mora.se", "samordnare@orsa.se"]
