"""Automatic messages and Authentication-Results, on mail built the way servers and clients send it."""

from __future__ import annotations

import email
from email import policy
from email.message import Message

import pytest

from ingest.classify import (
    AuthResults,
    DkimResult,
    aligned,
    automatic_reason,
    parse_authentication_results,
    passes,
)
from ingest.message import read_message
from tests.builders import mail as M

SENDER = "samordnare@ludvika.se"


def parsed(eml: bytes) -> Message:
    # compat32, as ingest.message parses; the tests below also run on policy.default's EmailMessage.
    return email.message_from_bytes(eml, policy=policy.compat32)


def test_either_policy() -> None:
    eml = M.out_of_office(SENDER, style="subject_only")
    assert automatic_reason(email.message_from_bytes(eml, policy=policy.default)) == "out-of-office subject"
    assert automatic_reason(email.message_from_bytes(eml, policy=policy.compat32)) == "out-of-office subject"


def plain(subject: str, headers: list[tuple[str, str]] | None = None, sender: str = SENDER) -> Message:
    return parsed(M.build_mail(sender, subject, "Hej!", client="mobile", headers=headers or []))


# --------------------------------------------------------------------------
# Automatic messages from the builders
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("eml", "reason"), [
    (M.out_of_office(SENDER, style="exchange"), "auto-submitted: auto-generated"),
    (M.out_of_office(SENDER, style="gmail"), "auto-submitted: auto-replied"),
    (M.out_of_office(SENDER, style="subject_only"), "out-of-office subject"),
    (M.out_of_office(SENDER, style="subject_only", subject="Frånvarande t.o.m. 14/8"), "out-of-office subject"),
    (M.out_of_office(SENDER, style="subject_only", subject="Semester v. 28-32"), "out-of-office subject"),
    (M.bounce(M.build_mail(SENDER, "Lägesbild", "x"), style="postfix"), "delivery-status bounce"),
    (M.bounce(M.build_mail(SENDER, "Lägesbild", "x"), style="exchange"), "delivery-status bounce"),
    (M.bounce(M.build_mail(SENDER, "Lägesbild", "x"), style="subject_only"), "delivery-status bounce subject"),
    (M.read_receipt(), "read receipt"),
], ids=["ooo-exchange", "ooo-gmail", "ooo-subject", "ooo-tom", "ooo-weeks", "bounce-postfix", "bounce-exchange",
        "bounce-subject", "read-receipt"])
def test_automatic_builders(eml: bytes, reason: str) -> None:
    assert automatic_reason(parsed(eml)) == reason
    assert read_message(eml).auto == reason


@pytest.mark.parametrize("eml", [
    M.reply_chain(SENDER, "Hej, här kommer lägesbilden.", [("Lägesbild.docx", b"PK\x03\x04", M.DOCX_TYPE)]),
    M.reply_chain(SENDER, "Hej!", style="gmail"),
    M.build_mail(SENDER, "SV: Lägesbild oktober", "Här kommer den."),
    M.build_mail(SENDER, "Lägesbild oktober", "Här kommer den.", headers={"X-Auto-Response-Suppress": "All"}),
    M.build_mail(SENDER, "Lägesbild oktober", "x", headers={"X-Auto-Response-Suppress": "DR, RN, NRN, OOF, AutoReply"}),
    M.build_mail(SENDER, "Lägesbild oktober", "x", headers={"Auto-Submitted": "no"}),
    M.forward(M.out_of_office(SENDER), "chef@ludvika.se"),  # a person forwarding an auto-reply is a person
], ids=["reply-outlook", "reply-gmail", "sv-subject", "xars-all", "xars-list", "auto-submitted-no", "fwd-of-ooo"])
def test_person_mail_is_not_automatic(eml: bytes) -> None:
    assert automatic_reason(parsed(eml)) is None
    assert read_message(eml).auto is None


# --------------------------------------------------------------------------
# Subjects
# --------------------------------------------------------------------------


@pytest.mark.parametrize("subject", [
    "Automatiskt svar: Påminnelse: Lägesbild oktober 2026",
    "Autosvar: Lägesbild",
    "Out of Office: Lägesbild oktober",
    "Out of office",
    "Automatic reply: Reminder",
    "AutoReply: x",
    "Abwesenheitsnotiz: Lägesbild",
    "Frånvaro: Påminnelse: Lägesbild oktober",
    "Frånvaro",
    "Frånvarande t.o.m. 14/8",
    "Frånvarande till 14 augusti",
    "Semester",
    "Semester v. 28-32",
    "Ledig",
    "Ledig: Påminnelse",
    "Undeliverable: Lägesbild oktober",
    "Olevererbart: Påminnelse: Lägesbild",
    "Delivery Status Notification (Failure)",
    "Mail delivery failed: returning message to sender",
    "Returned mail: see transcript for details",
    "Ej levererat: Lägesbild",
    "Undelivered Mail Returned to Sender",
    "Läst: Påminnelse: Lägesbild oktober",
])
def test_automatic_subjects(subject: str) -> None:
    assert automatic_reason(plain(subject)) is not None


@pytest.mark.parametrize("subject", [
    "SV: Lägesbild oktober",
    "Sv: Påminnelse: Lägesbild oktober 2026",
    "VB: Lägesbild oktober",
    "Lägesbild juli – semester, lugnt i kommunen",
    "Lägesbild juli (semesterperiod)",
    "Semesterperiod lugn – lägesbild juli Ludvika",
    "Frånvaro i skolan ökar – lägesbild oktober",
    "Ledigheter och lägesbild",
    "Re: Out-of-office-rutiner i kommunen",
    "Lägesbild oktober, rapporten om frånvaro bifogas",
    "Rapport: olevererade paket vid stationen",
    "",
])
def test_report_subjects_are_not_automatic(subject: str) -> None:
    assert automatic_reason(plain(subject)) is None


def test_decoded_subject_argument_is_used() -> None:
    msg = plain("Lägesbild oktober")
    assert automatic_reason(msg) is None
    assert automatic_reason(msg, subject="Automatiskt svar: Lägesbild") == "out-of-office subject"


# --------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "reason"), [
    ([("Auto-Submitted", "auto-replied (vacation)")], "auto-submitted: auto-replied"),
    ([("Auto-Submitted", "Auto-Generated; owner-email=\"x@ludvika.se\"")], "auto-submitted: auto-generated"),
    ([("X-Autoreply", "yes")], "auto-reply header: X-Autoreply"),
    ([("X-Autorespond", "Semester")], "auto-reply header: X-Autorespond"),
    ([("Precedence", "bulk")], "precedence: bulk"),
    ([("Precedence", "Junk")], "precedence: junk"),
    ([("Precedence", "list")], "precedence: list"),
    ([("Precedence", "auto_reply")], "precedence: auto_reply"),
    ([("List-Id", "Kommunnytt <nytt.ludvika.se>")], "mailing list: List-Id"),
    ([("List-Unsubscribe", "<mailto:unsub@ludvika.se>")], "mailing list: List-Unsubscribe"),
    ([("Return-Path", "<>")], "null return path"),
])
def test_automatic_headers(headers: list[tuple[str, str]], reason: str) -> None:
    assert automatic_reason(plain("Lägesbild oktober", headers)) == reason


@pytest.mark.parametrize("headers", [
    [("Precedence", "first-class")],
    [("X-Auto-Response-Suppress", "OOF")],
    [("Return-Path", "<samordnare@ludvika.se>")],
    [("X-Autoreply", "no")],
])
def test_harmless_headers(headers: list[tuple[str, str]]) -> None:
    assert automatic_reason(plain("Lägesbild oktober", headers)) is None


@pytest.mark.parametrize("sender", ["MAILER-DAEMON@mx.ludvika.se", "postmaster@ludvika.se", "Postmaster@Ludvika.se"])
def test_bounce_senders(sender: str) -> None:
    assert automatic_reason(plain("Hej", sender=sender)) == f"bounce sender: {sender.split('@')[0].lower()}"


def test_similar_sender_is_not_a_bounce_sender() -> None:
    assert automatic_reason(plain("Lägesbild", sender="postmaster.assistent@ludvika.se")) is None


def test_bare_delivery_status_message() -> None:
    msg = parsed(b"From: x@ludvika.se\nSubject: status\nContent-Type: message/delivery-status\n\n"
                 b"Reporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; a@b.se\nAction: failed\n")
    assert automatic_reason(msg) == "delivery-status bounce"


# --------------------------------------------------------------------------
# Authentication-Results
# --------------------------------------------------------------------------

GMAIL_AR = ("mx.google.com;\r\n       dkim=pass header.i=@ludvika.se header.s=selector1 header.b=AbCdEf12;\r\n"
            "       spf=pass (google.com: domain of samordnare@ludvika.se designates 192.0.2.10 as permitted sender)"
            " smtp.mailfrom=samordnare@ludvika.se;\r\n"
            "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=ludvika.se")
EXO_AR = ("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=ludvika.se; dkim=pass (signature was verified) "
          "header.d=ludvika.se;dmarc=pass action=none header.from=ludvika.se;compauth=pass reason=100")


def test_gmail_style() -> None:
    auth = parse_authentication_results([GMAIL_AR])
    assert auth == AuthResults("mx.google.com", "pass", "ludvika.se", (DkimResult("pass", "ludvika.se"),),
                               "pass", "ludvika.se")
    assert passes(auth, "ludvika.se")
    assert passes(auth, "Ludvika.SE")
    assert not passes(auth, "falun.se")


def test_exchange_online_style_without_authserv_id() -> None:
    auth = parse_authentication_results([EXO_AR])
    assert auth is not None
    assert auth.authserv_id == ""
    assert (auth.dmarc, auth.dmarc_from, auth.spf, auth.spf_mailfrom) == ("pass", "ludvika.se", "pass", "ludvika.se")
    assert auth.dkim == (DkimResult("pass", "ludvika.se"),)


def test_only_the_topmost_header_counts_without_trusted_ids() -> None:
    real = "mx.lansstyrelsen.se; dmarc=fail (p=none) header.from=ludvika.se; spf=fail smtp.mailfrom=ludvika.se"
    forged = "mx.lansstyrelsen.se; dmarc=pass header.from=ludvika.se; dkim=pass header.d=ludvika.se"
    auth = parse_authentication_results([real, forged])
    assert auth is not None
    assert (auth.dmarc, auth.spf, auth.dkim) == ("fail", "fail", ())
    assert not passes(auth, "ludvika.se")


def test_trusted_ids_pick_the_topmost_header_with_that_id() -> None:
    """The server prepends its header: one with its id further down was written before it, by the sender."""
    relay = "relay.internal.example; spf=fail smtp.mailfrom=ludvika.se"
    ours = "MX.Lansstyrelsen.se 1; dmarc=pass header.from=ludvika.se"
    forged_below = "mx.lansstyrelsen.se; spf=pass smtp.mailfrom=bounce.ludvika.se; dmarc=fail header.from=ludvika.se"
    auth = parse_authentication_results([relay, ours, forged_below], trusted_authserv_ids=("mx.lansstyrelsen.se",))
    assert auth is not None
    assert auth.authserv_id == "mx.lansstyrelsen.se"
    assert (auth.dmarc, auth.spf, auth.spf_mailfrom) == ("pass", None, None)
    assert parse_authentication_results([relay], trusted_authserv_ids=("mx.lansstyrelsen.se",)) is None


def test_comments_and_quotes_with_semicolons() -> None:
    value = ('mx.example.se; spf=pass (domain of x@ludvika.se; designates 192.0.2.1 (nested; comment)) '
             'smtp.mailfrom=x@ludvika.se; dkim=fail reason="signature; verification failed" header.d=falun.se; '
             'dkim = pass header.d = mail.ludvika.se')
    auth = parse_authentication_results([value])
    assert auth is not None
    assert auth.spf == "pass" and auth.spf_mailfrom == "ludvika.se"
    assert auth.dkim == (DkimResult("fail", "falun.se"), DkimResult("pass", "mail.ludvika.se"))
    assert auth.dmarc is None
    assert passes(auth, "ludvika.se")  # the aligned DKIM pass


def test_no_results() -> None:
    assert parse_authentication_results([]) is None
    assert parse_authentication_results(["mx.example.se; none"]) is None
    assert parse_authentication_results([";;;"]) is None


def test_case_is_ignored() -> None:
    auth = parse_authentication_results(["MX.EXAMPLE.SE; DMARC=PASS header.from=Ludvika.SE"])
    assert auth is not None and auth.dmarc == "pass" and auth.dmarc_from == "ludvika.se"
    assert passes(auth, "ludvika.se")


@pytest.mark.parametrize(("auth", "domain", "ok"), [
    (AuthResults("", "pass", "ludvika.se", (), None, None), "ludvika.se", True),
    (AuthResults("", "pass", "falun.se", (), None, None), "ludvika.se", False),
    (AuthResults("", "pass", None, (), None, None), "ludvika.se", False),  # for which domain? not said
    (AuthResults("", "fail", "ludvika.se", (), "pass", "ludvika.se"), "ludvika.se", True),
    (AuthResults("", None, None, (DkimResult("pass", "evil-ludvika.se"),), None, None), "ludvika.se", False),
    (AuthResults("", None, None, (DkimResult("pass", "se"),), None, None), "ludvika.se", False),
    (AuthResults("", None, None, (DkimResult("pass", "w.se"),), None, None), "ludvika.w.se", False),
    (AuthResults("", None, None, (DkimResult("fail", "ludvika.se"),), "softfail", "ludvika.se"), "ludvika.se", False),
    (AuthResults("", None, None, (), "pass", "mail.ludvika.se"), "ludvika.se", True),
    (AuthResults("", None, None, (), "pass", "ludvika.se"), "kommun.ludvika.se", True),
    (AuthResults("", "pass", "ludvika.se", (), None, None), "", False),
])
def test_passes(auth: AuthResults, domain: str, ok: bool) -> None:
    assert passes(auth, domain) is ok


def test_aligned() -> None:
    assert aligned("ludvika.se", "ludvika.se")
    assert aligned("mail.ludvika.se", "ludvika.se")
    assert not aligned("org.se", "kommun.org.se")
    assert not aligned("co.uk", "ludvika.co.uk")
    assert not aligned(None, "ludvika.se")
    assert not aligned("ludvika.se.", "")


def test_read_message_carries_auth() -> None:
    eml = M.add_headers(M.build_mail(SENDER, "Lägesbild", "x"), [
        ("Authentication-Results", "mx.lansstyrelsen.se;\r\n\tdmarc=pass header.from=ludvika.se"),
        ("Authentication-Results", "forged.example; dmarc=fail header.from=ludvika.se"),
    ])
    msg = read_message(eml)
    assert msg.auth is not None and msg.auth.dmarc == "pass"
    assert passes(msg.auth, msg.sender.rsplit("@", 1)[1])
    trusted = read_message(eml, trusted_authserv_ids=("forged.example",))
    assert trusted.auth is not None and trusted.auth.dmarc == "fail"
    assert read_message(M.build_mail(SENDER, "Lägesbild", "x")).auth is None
