"""Replies in words (issue 14, item 2), on Dovecot, PostgreSQL and aiosmtpd.

A coordinator answering a receipt or a reminder in plain text is forwarded to
staff (with the report it is about) and told so truthfully; county staff
answering a compilation are not quarantined as unknown senders.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import at, body_of, world_on

STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def test_a_reply_to_a_receipt_is_forwarded_with_its_report_and_the_sender_told_the_truth(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                                   [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)],
                                   message_id="<first@ludvika.se>"), at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        [(_, receipt)] = w.sent()
        reply = mails.build_mail("samordnare@ludvika.se", f"SV: {receipt['Subject']}",
                                 "Hej! Fråga 4 borde vara 3, jag skrev fel.\n\n> Tack för lägesbilden …",
                                 message_id="<reply@ludvika.se>")
        reply = mails.add_headers(reply, [("In-Reply-To", str(receipt["Message-ID"])),
                                          ("References", f"<first@ludvika.se> {receipt['Message-ID']}")])
        w.deliver(reply, at("2026-10-28T11:00"))
        code, out = w.poll("2026-10-28T12:00")
        assert (code, out["outcomes"]) == (0, {"forwarded": 1})
        sent = w.sent()[1:]
        forward = next(m for to, m in sent if to == [STAFF])
        text = body_of(forward)
        assert "Fråga 4 borde vara 3" in text and "Tack för lägesbilden" not in text
        assert "Rapporten det gäller: Ludvika 2026-10, version 1" in text
        assert str(forward["Reply-To"]) == "samordnare@ludvika.se"
        assert [a.get_filename() for a in forward.iter_attachments()] == ["meddelande.eml"]
        ack = next(m for to, m in sent if to == ["samordnare@ludvika.se"])
        assert str(ack["Subject"]).startswith("Mottaget: SV: Kvittens")
        assert "inte läsas" not in body_of(ack) and "inte registrerad" not in body_of(ack)
        assert "vidare till en handläggare" in body_of(ack)
        assert [e["version"] for e in w.export("2026-10")] == [1]  # nothing changed


def test_a_reply_quoting_the_receipt_is_forwarded_not_filed_from_the_quote(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Outlook quotes below a "Från:" block, without ">": the receipt's list of answers would read as a form.
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                                   [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)],
                                   message_id="<first@ludvika.se>"), at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        [(_, receipt)] = w.sent()
        quote = (f"Från: {receipt['From']}\nSkickat: den 28 oktober 2026 10:00\nTill: samordnare@ludvika.se\n"
                 f"Ämne: {receipt['Subject']}\n\n{body_of(receipt)}")
        w.deliver(mails.build_mail("samordnare@ludvika.se", f"SV: {receipt['Subject']}",
                                   f"Hej! Fråga 4 borde vara 3.\n\n{quote}", message_id="<quoting@ludvika.se>"),
                  at("2026-10-28T11:00"))
        code, out = w.poll("2026-10-28T12:00")
        assert (code, out["outcomes"]) == (0, {"forwarded": 1})
        assert [e["version"] for e in w.export("2026-10")] == [1]  # the quote filed nothing
        forward = next(m for to, m in w.sent()[1:] if to == [STAFF])
        assert "Fråga 4 borde vara 3" in body_of(forward)


def test_a_reply_whose_subject_was_changed_is_forwarded_with_the_latest_report(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Our id among others in In-Reply-To, a subject of the coordinator's own, weeks after the report:
    # the report it refers to is the municipality's latest (October's), not "none" for November.
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                                   [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)],
                                   message_id="<first@ludvika.se>"), at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        [(_, receipt)] = w.sent()
        reply = mails.build_mail("samordnare@ludvika.se", "Fråga om vår rapport", "Stämmer fråga 4?",
                                 message_id="<changed@ludvika.se>", date="Fri, 20 Nov 2026 09:00:00 +0100")
        reply = mails.add_headers(reply, [("In-Reply-To", f"<egen@ludvika.se> {receipt['Message-ID']}")])
        w.deliver(reply, at("2026-11-20T09:00"))
        code, out = w.poll("2026-11-20T10:00")
        assert (code, out["outcomes"]) == (0, {"forwarded": 1})
        forward = next(m for to, m in w.sent()[1:] if to == [STAFF])
        assert "Rapporten det gäller: Ludvika 2026-10, version 1" in body_of(forward)


def test_a_reply_to_a_reminder_by_subject_alone_is_forwarded(shared_dovecot: DovecotServer, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("samordnare@orsa.se", "SV: Påminnelse: lägesbild oktober 2026, Orsa – senast "
                                   "fredag 30 oktober", "Vi skickar på måndag, vår samordnare är sjuk."),
                  at("2026-10-28T09:00"))
        code, out = w.poll("2026-10-28T10:00")
        assert out["outcomes"] == {"forwarded": 1}
        forward = next(m for to, m in w.sent() if to == [STAFF])
        assert "Vi skickar på måndag" in body_of(forward)
        assert "Orsa 2026-10: ingen rapport har kommit in" in body_of(forward)


def test_staff_answering_a_compilation_are_not_quarantined(shared_dovecot: DovecotServer, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail(STAFF, "SV: Sammanställning: lägesbild oktober 2026", "Tack, ser bra ut!"),
                  at("2026-10-30T17:00"))
        code, out = w.poll("2026-10-30T18:00")
        assert (code, out["outcomes"]) == (0, {"ignored": 1})
        assert w.sent() == []
        code, text, _ = w.cli("status", "--period", "2026-10", "--json", "--now", "2026-10-30T18:00")
        assert '"quarantined": 0' in text


def test_a_plain_mail_that_answers_nothing_of_ours_still_gets_the_error_reply(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(mails.build_mail("samordnare@orsa.se", "Lägesbild", "Hej, glömde bilagan!"), at("2026-10-28T09:00"))
        code, out = w.poll("2026-10-28T10:00")
        assert out["outcomes"] == {"rejected": 1}
        [(to, reply)] = w.sent()
        assert str(reply["Subject"]).startswith("Lägesbilden kunde inte läsas")
