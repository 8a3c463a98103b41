"""Who is answered, and how often (issue 14, items 4 and 7), on Dovecot, aiosmtpd and PostgreSQL.

Replies go to the From address, or to a Reply-To within the municipality; the
per-hour cap counts the sender; messages that ask for no automatic answer,
and no-reply senders, are filed but never answered. A sender whose address
has non-ASCII characters is filed and answered over SMTPUTF8 when the server
offers it; otherwise staff are told.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def form_mail(sender: str, municipality: str, n: int, extra_headers: list[tuple[str, str]] | None = None) -> bytes:
    eml = mails.build_mail(sender, f"Lägesbild oktober {n}", "Hej!",
                           [(f"{municipality}.docx", mails.form_docx(municipality), mails.DOCX_TYPE)],
                           message_id=f"<rt-{n}@example>")
    return mails.add_headers(eml, extra_headers) if extra_headers else eml


def test_thirty_reply_to_outsiders_get_nothing_and_the_sender_at_most_the_cap(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        for i in range(30):
            raw = form_mail("samordnare@ludvika.se", "Ludvika", i, extra_headers=[
                ("Reply-To", f"offer{i}@angripare.example")])
            w.deliver(raw, at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert code == 0
        recipients = [to for to, _ in w.sent()]
        assert not any("angripare" in a for to in recipients for a in to)
        assert len(recipients) == 10  # [outbox] replies_per_sender_per_hour, counted for the sender
        assert all(to == ["samordnare@ludvika.se"] for to in recipients)


def test_a_reply_to_within_the_municipality_is_followed(shared_dovecot: DovecotServer, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(form_mail("assistent@ludvika.se", "Ludvika", 1,
                            extra_headers=[("Reply-To", "samordnare@socialtjanst.ludvika.se")]), at("2026-10-29T09:00"))
        w.poll("2026-10-29T10:00")
        [(to, receipt)] = w.sent()
        assert to == ["samordnare@socialtjanst.ludvika.se"]
        assert str(receipt["Subject"]) == "Kvittens: lägesbild oktober 2026, Ludvika"


@pytest.mark.parametrize(("sender", "headers"), [
    pytest.param("samordnare@avesta.se", [("X-Auto-Response-Suppress", "All")], id="x-auto-response-suppress"),
    pytest.param("noreply@avesta.se", [], id="noreply"),
    pytest.param("no-reply@system.avesta.se", [], id="no-reply"),
    pytest.param("DoNotReply@avesta.se", [], id="donotreply"),
])
def test_a_message_that_must_not_be_answered_is_filed_in_silence(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sender: str,
        headers: list[tuple[str, str]]) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(form_mail(sender, "Avesta", 2, extra_headers=headers), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert (code, out["outcomes"]) == (0, {"stored": 1})
        assert [e["municipality"] for e in w.export("2026-10")] == ["Avesta"]
        assert w.sent() == []


def test_a_non_ascii_sender_is_filed_and_answered_over_smtputf8(shared_dovecot: DovecotServer, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch, smtputf8=True) as w:
        w.deliver(form_mail("åsa.lind@avesta.se", "Avesta", 3), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert (code, out["outcomes"], out["mail"]["sent"]) == (0, {"stored": 1}, 1)
        [entry] = w.export("2026-10")
        assert (entry["municipality"], entry["sender"]) == ("Avesta", "åsa.lind@avesta.se")
        [(to, receipt)] = w.sent()
        assert to == ["åsa.lind@avesta.se"]
        assert str(receipt["To"]) == "åsa.lind@avesta.se"


def test_a_non_ascii_sender_without_smtputf8_is_filed_and_staff_told(shared_dovecot: DovecotServer, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch, smtputf8=False) as w:
        w.deliver(form_mail("åsa.lind@avesta.se", "Avesta", 4), at("2026-10-29T09:00"))
        code, out = w.poll("2026-10-29T10:00")
        assert (code, out["outcomes"]) == (0, {"stored": 1})  # the report is never the price
        assert [e["municipality"] for e in w.export("2026-10")] == ["Avesta"]
        [(to, notice)] = w.sent()
        assert to == [STAFF]
        assert "åsa.lind@avesta.se" in body_of(notice) and "SMTPUTF8" in body_of(notice)
        code, out = w.poll("2026-10-29T10:30")
        assert (code, out["mail"]["sent"]) == (0, 0)  # given up on, not retried forever
