"""Once is enough (issue 14, item 12), on PostgreSQL with aiosmtpd (and Dovecot for the signals).

On the deadline day the "new arrivals" and "deadline day" compilations both
came due in one run and staff got two identical workbooks; and a correction
that left a signal's answer as it was sent the signal again.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flow.jobs import queue_compilation
from flow.sending import Handovers, send_due
from ground.refs import MessageRef
from lagesbild.config import load_config
from lagesbild.samples import sample_answers, template_docx
from outputs.smtp_transport import SmtpTransport
from parsers.form import default_form
from parsers.result import Answer, Period
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails
from tests.support import postgres
from tests.support.dovecot import DovecotServer
from tests.support.smtp import start_smtp
from tests.support.world import at, world_on

HANDED = Handovers()  # this test process's memory of mails handed over but not recorded

FORM = default_form()
OCT = Period(2026, 10)
ANDT = {"name": "ANDT", "to": ["andt@lansstyrelsen-dalarna.example"], "question": 5, "min_level": 4,
        "words": ["narkotikahandel"]}


def test_one_compilation_when_arrivals_and_the_deadline_fall_due_together(tmp_path: Path) -> None:
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema("lbonce")
    try:
        engine = make_engine(url)
        migrate(engine)
        config = load_config(None)
        with transaction(engine) as s:  # a report that came in on the deadline day
            ref = MessageRef("maildir:/x", 0, "1")
            row = repo.insert_raw(s, ref, message_id="<a@mora.se>", sha256="x", sender="samordnare@mora.se",
                                  subject="L", received_at=at("2026-10-30T10:00"), raw=b"x", county="20")
            repo.record_submission(s, county="20", municipality="Mora", period=OCT, received_at=at("2026-10-30T10:00"),
                                   raw_id=row.id, filename="m.docx", format="docx",
                                   answers=sample_answers(FORM, "Mora", OCT), issues=(), flags=(),
                                   deadline_end=at("2026-10-30T23:59"))
        queued = queue_compilation(engine, config, at("2026-10-30T16:05"))  # deadline day (Friday), after 16:00
        assert queued == ["compilation:20:2026-10:deadline"]
        assert queue_compilation(engine, config, at("2026-10-30T16:20")) == []  # and not again
        with start_smtp() as smtp:
            report = send_due(engine, SmtpTransport("127.0.0.1", smtp.port), config, at("2026-10-30T16:21"), HANDED)
            assert report.sent == 1 and len(smtp.handler.received) == 1
        engine.dispose()
    finally:
        drop()


def _mail(n: int, answers: dict[int, Answer]) -> bytes:
    return mails.build_mail("samordnare@borlange.se", f"Lägesbild {n}", "Hej!",
                            [("b.docx", template_docx(FORM, "Borlänge", OCT, answers), mails.DOCX_TYPE)],
                            message_id=f"<sig-{n}@borlange.se>")


def test_a_correction_that_leaves_the_signals_answer_as_it_was_sends_no_signal(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = dict(sample_answers(FORM, "Borlänge", OCT))
    answers[5] = Answer(4, "Tydlig narkotikahandel vid resecentrum enligt polisen.")
    answers[1] = Answer(1, "Lugnt.")
    with world_on(shared_dovecot, tmp_path, monkeypatch, signals=[ANDT]) as w:
        w.deliver(_mail(1, answers), at("2026-10-27T09:00"))
        w.poll("2026-10-27T10:00")
        corrected = {**answers, 1: Answer(2, "Fler inbrott än vanligt.")}  # question 1 only
        w.deliver(_mail(2, corrected), at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        worse = {**corrected, 5: Answer(5, "Narkotikahandel öppet vid skolan.")}  # the signal's answer changes
        w.deliver(_mail(3, worse), at("2026-10-29T09:00"))
        w.poll("2026-10-29T10:00")
        signals = [m for to, m in w.sent() if to == ["andt@lansstyrelsen-dalarna.example"]]
        assert len(signals) == 2  # version 1 and version 3, not version 2
        assert [e["version"] for e in w.export("2026-10")] == [3]
