"""Replies in words (issue 14, item 2), on Dovecot, PostgreSQL and aiosmtpd.

A coordinator answering a receipt or a reminder in plain text is forwarded to
staff (with the report it is about) and told so truthfully; county staff
answering a compilation are not quarantined as unknown senders.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.builders import mail as mails
from tests.support.dovecot import DovecotServer
from tests.support.world import World, at, body_of, world_on

STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"


def ludvika_receipt(w: World) -> EmailMessage:
    """Ludvika's October form filed; the receipt it got."""
    w.deliver(mails.build_mail("samordnare@ludvika.se", "Lägesbild oktober", "Hej!",
                               [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)],
                               message_id="<first@ludvika.se>"), at("2026-10-28T09:00"))
    w.poll("2026-10-28T10:00")
    [(_, receipt)] = w.sent()
    return receipt


def test_a_reply_to_a_receipt_is_forwarded_with_its_report_and_the_sender_told_the_truth(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        receipt = ludvika_receipt(w)
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
        receipt = ludvika_receipt(w)
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
        receipt = ludvika_receipt(w)
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


def _reply(sender: str, subject: str, text: str, mid: str, receipt: EmailMessage | None = None) -> bytes:
    raw = mails.build_mail(sender, subject, f"{text}\n\n> Tack för lägesbilden …", message_id=mid)
    if receipt is not None:
        raw = mails.add_headers(raw, [("In-Reply-To", str(receipt["Message-ID"]))])
    return raw


def test_replies_in_words_within_the_interval_reach_staff_together_and_each_sender_is_answered(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first reply goes at once; the next ones, within [notices] interval_minutes (60), wait in the
    # store and go in one mail that gives each its sender, municipality, report and words.
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        receipt = ludvika_receipt(w)
        w.deliver(_reply("samordnare@ludvika.se", f"SV: {receipt['Subject']}", "Fråga 4 borde vara 3.",
                         "<r1@ludvika.se>", receipt), at("2026-10-28T11:00"))
        w.deliver(_reply("samordnare@orsa.se", "SV: Påminnelse: lägesbild oktober 2026, Orsa – senast fredag "
                         "30 oktober", "Vi skickar på måndag, vår samordnare är sjuk.", "<r2@orsa.se>"),
                  at("2026-10-28T11:05"))
        w.deliver(_reply("samordnare@mora.se", "SV: Påminnelse: lägesbild oktober 2026, Mora – senast fredag "
                         "30 oktober", "Gäller det även för Våmhus?", "<r3@mora.se>"), at("2026-10-28T11:10"))
        w.deliver(mails.build_mail("erbjudande@spam.example", "Vinn en resa", "Klicka här!"), at("2026-10-28T11:15"))
        code, out = w.poll("2026-10-28T12:00")
        assert (code, out["outcomes"]) == (0, {"forwarded": 3, "quarantined": 1})
        to_staff = [m for to, m in w.sent()[1:] if to == [STAFF]]
        forwards = [m for m in to_staff if "Karantän" not in str(m["Subject"])]
        assert len(to_staff) == 2  # the spam's notice is a stream of its own: not held back, not holding back
        [first] = forwards
        assert "Fråga 4 borde vara 3" in body_of(first) and str(first["Reply-To"]) == "samordnare@ludvika.se"
        acks = sorted(to[0] for to, m in w.sent()[1:] if str(m["Subject"]).startswith("Mottaget"))
        assert acks == ["samordnare@ludvika.se", "samordnare@mora.se", "samordnare@orsa.se"]  # one each, at once
        engine = w.engine()
        with engine.connect() as conn:  # the two waiting are in the store, not in this process
            waiting = conn.execute(text("SELECT count(*) FROM audit_event WHERE event = 'forward_deferred'"))
            assert waiting.scalar_one() == 2
        engine.dispose()
        w.poll("2026-10-28T12:30")
        assert len([m for to, m in w.sent() if to == [STAFF]]) == 2  # within the interval: nothing more
        w.poll("2026-10-28T13:05")  # a later run (a restart is the same: all it needs is in the store)
        to_staff = [m for to, m in w.sent() if to == [STAFF]]
        assert len(to_staff) == 3
        gathered = to_staff[2]
        assert str(gathered["Subject"]) == "Lägesbild: 2 svar från kommunerna (Orsa, Mora)"
        assert gathered["Reply-To"] is None  # one click must not answer two municipalities
        text_ = body_of(gathered)
        assert "Från: samordnare@orsa.se" in text_ and "Från: samordnare@mora.se" in text_
        assert "Vi skickar på måndag" in text_ and "Gäller det även för Våmhus?" in text_
        assert "Rapporten det gäller: Orsa 2026-10: ingen rapport har kommit in" in text_
        assert "Inkom: 2026-10-28 11.05" in text_ and "1 från Mora" in text_
        assert "Fråga 4 borde vara 3" not in text_ and "Tack för lägesbilden" not in text_
        assert [a.get_filename() for a in gathered.iter_attachments()] == ["svar-1-orsa.eml", "svar-2-mora.eml"]
        w.poll("2026-10-28T15:00")
        assert len([m for to, m in w.sent() if to == [STAFF]]) == 3  # each reply forwarded once


def test_a_lone_reply_left_after_the_interval_goes_in_the_one_reply_form(
        shared_dovecot: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(shared_dovecot, tmp_path, monkeypatch) as w:
        w.deliver(_reply("samordnare@orsa.se", "SV: Påminnelse: lägesbild oktober 2026, Orsa – senast fredag "
                         "30 oktober", "Vi skickar på måndag.", "<a@orsa.se>"), at("2026-10-28T09:00"))
        w.poll("2026-10-28T10:00")
        w.deliver(_reply("samordnare@orsa.se", "SV: Påminnelse: lägesbild oktober 2026, Orsa – senast fredag "
                         "30 oktober", "Nu är hon frisk, vi skickar i dag.", "<b@orsa.se>"), at("2026-10-28T10:10"))
        w.poll("2026-10-28T10:20")
        w.poll("2026-10-28T11:01")
        forwards = [m for to, m in w.sent() if to == [STAFF]]
        assert len(forwards) == 2
        assert str(forwards[1]["Reply-To"]) == "samordnare@orsa.se"
        assert "Nu är hon frisk" in body_of(forwards[1]) and "Vi skickar på måndag" not in body_of(forwards[1])
        assert [a.get_filename() for a in forwards[1].iter_attachments()] == ["meddelande.eml"]
