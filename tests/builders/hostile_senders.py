"""Hostile and odd mail about *who* writes and *what* comes back (issue 14): the corpus's second half.

tests/builders/hostile.py holds hostile *files and structures*; these cases
attack the decisions around them: reply targets and caps, forged trust
headers, joint mails, replies in words, text that could break an output,
personal identity numbers written to slip past the screen, header
injection, automatic senders and a message over the size cap. Each case is
one real .eml message and says what must become of it:

- `outcome`: stored / quarantined / ignored / rejected / forwarded / failed
  (failed: parked at once, as a message over the size cap is);
- `mail`: the kinds of mail that answer it, in any order (None: not checked);
- `to`: who those replies may go to (the recipients of every answering mail
  must be among them; staff and nobody else for notices);
- `config`: configuration tables for the case (merged into the built-in);
- `filed`: the municipalities whose report it files;
- `flags`: flags the filed report must carry;
- `absent`: strings that must appear in no mail sent about it.

Nothing here is real personal data; the identity numbers are the Tax
Agency's test numbers or made up with a valid check digit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from parsers.form import default_form
from parsers.result import Answer, Period
from tests.builders import hostile as H
from tests.builders import mail as mails

FORM = default_form()
OCT = Period(2026, 10)
SENDER = H.SENDER  # samordnare@ludvika.se
STAFF = "lagesbild-handlaggare@lansstyrelsen-dalarna.example"
COUNTY_DOMAIN = "lansstyrelsen-dalarna.example"
MX = "mx1.lansstyrelsen-dalarna.example"
EXO_FAIL = ("spf=fail (sender IP is 203.0.113.9) smtp.mailfrom=ludvika.se; dkim=none (message not signed) "
            "header.d=none;dmarc=fail action=oreject header.from=ludvika.se;compauth=fail reason=000")
EXO_PASS = ("spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=ludvika.se; dkim=pass (signature was verified) "
            "header.d=ludvika.se;dmarc=pass action=none header.from=ludvika.se;compauth=pass reason=100")


@dataclass(frozen=True)
class SenderCase:
    """One message and what must become of it (see the module docstring)."""

    id: str
    build: Callable[[], bytes]
    outcome: str
    mail: tuple[str, ...] | None = None
    to: tuple[str, ...] = (SENDER, STAFF)
    config: dict[str, Any] = field(default_factory=dict)
    filed: tuple[str, ...] | None = None
    flags: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    what: str = ""


def answers_with(**comments: str | tuple[int, str]) -> dict[int, Answer]:
    """Ludvika's sample answers with some comments replaced: q1="text" or q1=(impact, "text")."""
    answers = dict(mails.form_answers("Ludvika"))
    for key, value in comments.items():
        number = int(key[1:])
        impact, text = value if isinstance(value, tuple) else (answers[number].impact, value)
        answers[number] = Answer(impact, text)
    return answers


def docx_with(municipality: str = "Ludvika", period: Period = OCT, **comments: str | tuple[int, str]) -> bytes:
    from lagesbild.samples import template_docx

    answers = answers_with(**comments) if municipality == "Ludvika" else mails.form_answers(municipality)
    return template_docx(FORM, municipality, period, answers)


def form_mail(sender: str = SENDER, subject: str = "Lägesbild oktober", *, data: bytes | None = None,
              filename: str = "Lägesbild Ludvika.docx", headers: list[tuple[str, str]] | None = None,
              body: str = "Hej! Här kommer lägesbilden.", message_id: str | None = None) -> bytes:
    eml = mails.build_mail(sender, subject, body, [(filename, data or H.form_docx(), mails.DOCX_TYPE)],
                           message_id=message_id or H.mid("senders", sender, subject, filename))
    return mails.add_headers(eml, headers) if headers else eml


def text_form_mail(comment: str, *, attach: bool = True, subject: str = "Lägesbild oktober") -> bytes:
    """Ludvika's form as text, with question 1's comment replaced: attached as .txt, or pasted in the body."""
    text = mails.form_text("Ludvika", 2026, 10, answers_with(q1=(3, comment)))
    if attach:
        return mails.build_mail(SENDER, subject, "Hej!", [("lagesbild.txt", text.encode("utf-8"), "text/plain")],
                                message_id=H.mid("text", comment))
    return mails.build_mail(SENDER, subject, "Hej! Svaren:\n\n" + text, message_id=H.mid("body", comment))


def with_auth(*values: str, extra: list[tuple[str, str]] | None = None) -> Callable[[], bytes]:
    return lambda: form_mail(headers=[("Authentication-Results", v) for v in values] + (extra or []))


def joint(*municipalities: str, sender: str = SENDER) -> Callable[[], bytes]:
    files = [(f"{m}.docx", mails.form_docx(m) if m != "Karlstad" else _karlstad(), mails.DOCX_TYPE)
             for m in municipalities]
    return lambda: mails.build_mail(sender, "Lägesbild " + " och ".join(municipalities), "Hej!", files,
                                    message_id=H.mid("joint", *municipalities))


def _karlstad() -> bytes:
    from lagesbild.samples import sample_answers, template_docx

    return template_docx(FORM, "Karlstad", OCT, sample_answers(FORM, "Karlstad", OCT))


def reply_in_words(sender: str = SENDER, *, by_id: bool = True, subject: str | None = None) -> Callable[[], bytes]:
    def build() -> bytes:
        subj = subject or "SV: Kvittens: lägesbild oktober 2026, Ludvika"
        eml = mails.build_mail(sender, subj, "Fråga 4 borde vara 3, jag skrev fel.\n\n> Tack för lägesbilden",
                               message_id=H.mid("words", sender, subj, str(by_id)))
        if by_id:
            eml = mails.add_headers(eml, [("In-Reply-To", f"<abc123@{COUNTY_DOMAIN}>")])
        return eml
    return build


PNR_SPACED = "1912 1212 1212"  # the Tax Agency's test number, in groups
PNR_FULLWIDTH = "１９１２１２１２－１２１２"
SAMORDNING = "19 70 10 63-2391".replace("19 70", "70")  # 701063-2391 written "70 10 63-2391"

CASES: tuple[SenderCase, ...] = (
    # -- reply targets and automatic senders (item 4)
    SenderCase("reply_to_outsider", lambda: form_mail(headers=[("Reply-To", "offer@angripare.example")]), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",), absent=("angripare",),
               what="a municipal From with a Reply-To elsewhere: answered at From only"),
    SenderCase("reply_to_several_outsiders", lambda: form_mail(headers=[
        ("Reply-To", "a@angripare.example, b@angripare.example, samordnare@ludvika.se")]), "stored",
        ("receipt",), (SENDER,), filed=("Ludvika",)),
    SenderCase("reply_to_lookalike_domain", lambda: form_mail(headers=[("Reply-To", "samordnare@ludvlka.se")]),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",)),
    SenderCase("reply_to_inside_the_municipality",
               lambda: form_mail(headers=[("Reply-To", "kansli@socialtjanst.ludvika.se")]), "stored", ("receipt",),
               ("kansli@socialtjanst.ludvika.se",), filed=("Ludvika",)),
    SenderCase("x_auto_response_suppress", lambda: form_mail(headers=[("X-Auto-Response-Suppress", "All")]),
               "stored", (), filed=("Ludvika",), what="Exchange asks for no automatic answer: filed in silence"),
    SenderCase("noreply_sender", lambda: form_mail("noreply@ludvika.se"), "stored", (), filed=("Ludvika",)),
    SenderCase("no_reply_sender_subdomain", lambda: form_mail("no-reply@system.ludvika.se"), "stored", (),
               filed=("Ludvika",)),
    SenderCase("donotreply_sender", lambda: form_mail("DoNotReply@ludvika.se"), "stored", (), filed=("Ludvika",)),
    SenderCase("auto_submitted_auto_generated", lambda: form_mail(headers=[("Auto-Submitted", "auto-generated")]),
               "ignored", ()),
    SenderCase("precedence_bulk", lambda: form_mail(headers=[("Precedence", "bulk")]), "ignored", ()),
    SenderCase("list_unsubscribe", lambda: form_mail(headers=[("List-Unsubscribe", "<mailto:u@lists.example>")]),
               "ignored", ()),
    SenderCase("null_return_path", lambda: form_mail(headers=[("Return-Path", "<>")]), "ignored", ()),
    # -- trust verdicts (item 3)
    SenderCase("dmarc_fail_from_trusted_server", with_auth(f"{MX}; dmarc=fail (p=reject) header.from=ludvika.se"),
               "quarantined", ("quarantine_notice",), (STAFF,), config={"security": {"trusted_authserv_ids": [MX]}},
               filed=()),
    SenderCase("forged_pass_below_the_servers_fail",
               with_auth(f"{MX}; dmarc=fail header.from=ludvika.se", f"{MX}; dmarc=pass header.from=ludvika.se"),
               "quarantined", ("quarantine_notice",), (STAFF,), config={"security": {"trusted_authserv_ids": [MX]}},
               filed=()),
    SenderCase("forged_pass_without_trusted_server", with_auth("mx.forged.example; dmarc=pass header.from=ludvika.se"),
               "quarantined", ("quarantine_notice",), (STAFF,),
               config={"security": {"require_authentication": True, "trusted_authserv_ids": [MX]}}, filed=()),
    SenderCase("exchange_compauth_fail", with_auth(EXO_FAIL, extra=[
        ("X-MS-Exchange-Organization-AuthAs", "Anonymous"),
        ("X-MS-Exchange-Organization-AuthSource", "AM0PR10MB1234.EURPRD10.PROD.OUTLOOK.COM")]),
        "quarantined", ("quarantine_notice",), (STAFF,), config={"security": {"trust": "exchange"}}, filed=()),
    SenderCase("exchange_pass_without_exchange_headers", with_auth(EXO_PASS), "quarantined", ("quarantine_notice",),
               (STAFF,), config={"security": {"trust": "exchange", "require_authentication": True}}, filed=(),
               what="the stamp may be the sender's own: Exchange strips its organisation headers from mail it did "
                    "not take"),
    SenderCase("exchange_pass_with_exchange_headers", with_auth(EXO_PASS, extra=[
        ("X-MS-Exchange-Organization-AuthAs", "Anonymous")]), "stored", ("receipt",), (SENDER,),
        config={"security": {"trust": "exchange", "require_authentication": True}}, filed=("Ludvika",)),
    SenderCase("topmost_dmarc_fail_nothing_configured", with_auth("mx.example.se; dmarc=fail header.from=ludvika.se"),
               "quarantined", ("quarantine_notice",), (STAFF,), filed=(),
               what="a failure can only hurt the one who wrote it: acted on even when no server is trusted"),
    SenderCase("authentication_results_6000_parens", with_auth("mx.example.se; " + "(" * 6000 + "dmarc=pass"),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",)),
    # -- addresses (item 7) and header injection
    SenderCase("non_ascii_local_part", lambda: form_mail("åsa.lind@ludvika.se"), "stored", ("receipt",),
               ("åsa.lind@ludvika.se",), filed=("Ludvika",)),
    SenderCase("encoded_newline_in_from_name", lambda: form_mail(
        headers=[("From", f"=?utf-8?q?Anna=0D=0ABcc:_evil@angripare.example?= <{SENDER}>")]), "stored",
        ("receipt",), (SENDER,), filed=("Ludvika",), absent=("Bcc: evil", "evil@angripare.example"),
        what="a CR LF in the sender's name smuggles no header into the receipt"),
    SenderCase("subject_header_injection", lambda: form_mail(
        subject="=?utf-8?q?L=C3=A4gesbild=0D=0ABcc:_evil@angripare.example?="), "stored", ("receipt",), (SENDER,),
        filed=("Ludvika",), absent=("\r\nBcc:",)),
    SenderCase("message_id_5kb", lambda: form_mail(message_id="<" + "a" * 5000 + "@ludvika.se>"), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",)),
    SenderCase("in_reply_to_garbage", lambda: form_mail(headers=[("In-Reply-To", "<<<>>> \x01 not an id")]),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",)),
    # -- decisions per part (item 1)
    SenderCase("joint_own_and_neighbour_not_allowed", joint("Ludvika", "Smedjebacken"), "quarantined",
               ("receipt", "quarantine_notice"), filed=("Ludvika",),
               what="the sender's own form is filed, the neighbour's waits for staff, one receipt lists both"),
    SenderCase("joint_own_and_other_county", joint("Ludvika", "Karlstad"), "quarantined",
               ("receipt", "quarantine_notice"), filed=("Ludvika",)),
    SenderCase("two_months_one_mail", lambda: mails.build_mail(SENDER, "Lägesbild sep och okt", "Hej!", [
        ("sep.docx", docx_with(period=Period(2026, 9)), mails.DOCX_TYPE),
        ("okt.docx", docx_with(), mails.DOCX_TYPE)], message_id="<two-months@ludvika.se>"), "stored", ("receipt",),
        (SENDER,), filed=("Ludvika",)),
    # -- replies in words (item 2)
    SenderCase("reply_in_words_in_thread", reply_in_words(), "forwarded", ("staff_forward", "reply_ack")),
    SenderCase("reply_in_words_by_subject", reply_in_words(by_id=False,
                                                           subject="VB: Påminnelse: lägesbild oktober 2026, Ludvika"),
               "forwarded", ("staff_forward", "reply_ack")),
    SenderCase("reply_in_words_from_stranger", reply_in_words("okand@angripare.example"), "quarantined",
               ("quarantine_notice",), (STAFF,), what="our Message-ID is no pass for an unknown sender"),
    SenderCase("staff_reply_to_compilation", lambda: mails.build_mail(
        STAFF, "SV: Sammanställning: lägesbild oktober 2026", "Tack!", message_id="<staff@x>"), "ignored", ()),
    # -- text that could break an output (item 6)
    SenderCase("comment_fffe_text_attachment", lambda: text_form_mail("Inbrott\ufffe i förråd."), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",), absent=("\ufffe",),
               what="the reader drops it, or the store's text rule replaces and flags it: never in an output"),
    SenderCase("comment_rtl_override_in_body", lambda: text_form_mail("Klotter \u202egnidnub\u202c vid skolan.",
                                                                      attach=False), "stored", ("receipt",),
               (SENDER,), filed=("Ludvika",), flags=("text_replaced",), absent=("\u202e",)),
    SenderCase("comment_escape_sequences", lambda: text_form_mail("Lugnt\x1b[2J\x1b[31m i centrum\x07."), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",), absent=("\x1b", "\x07")),
    SenderCase("subject_fffe_and_bidi", lambda: form_mail(subject="Lägesbild \ufffe\u202eoktober"), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",), absent=("\u202e",)),
    # -- the confidentiality screen (item 10)
    SenderCase("personnummer_in_groups", lambda: form_mail(data=docx_with(q2=f"Hot från boende {PNR_SPACED}.")),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",), flags=("personal_data",),
               absent=(PNR_SPACED,)),
    SenderCase("personnummer_full_width", lambda: form_mail(data=docx_with(q2=f"Boende {PNR_FULLWIDTH} hotade.")),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",), flags=("personal_data",),
               absent=(PNR_FULLWIDTH,)),
    SenderCase("samordningsnummer_grouped", lambda: form_mail(data=docx_with(q6=f"Gäller {SAMORDNING}.")),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",), flags=("personal_data",)),
    # -- found by the line-by-line review of issue 14
    SenderCase("reply_in_words_behind_a_gateway_tag", reply_in_words(
        by_id=False, subject="[EXTERN] SV: Kvittens: lägesbild oktober 2026, Ludvika"), "forwarded",
        ("staff_forward", "reply_ack"), what="the county's gateway tags mail from outside; still a reply"),
    SenderCase("reply_in_words_svar_prefix", reply_in_words(by_id=False, subject="Svar: Påminnelse: lägesbild oktober "
                                                                                  "2026, Ludvika"),
               "forwarded", ("staff_forward", "reply_ack")),
    SenderCase("reply_in_words_our_id_second_in_in_reply_to", lambda: mails.add_headers(mails.build_mail(
        SENDER, "Fråga om rapporten", "Fråga 4 borde vara 3.", message_id="<two-ids@ludvika.se>"),
        [("In-Reply-To", f"<egen-tråd@ludvika.se> <abc123@{COUNTY_DOMAIN}>")]), "forwarded",
        ("staff_forward", "reply_ack")),
    SenderCase("gateway_tag_alone_is_no_reply", reply_in_words(by_id=False, subject="[EXTERN] Kvittens: okänd"),
               "rejected", ("error_reply",), what="a tag is not a reply prefix: answered as any mail without a form"),
    SenderCase("out_of_office_norwegian", lambda: mails.build_mail(
        SENDER, "Fraværsmelding: Påminnelse: lägesbild oktober 2026", "Jeg er borte til 14. august.",
        message_id="<fravaer@ludvika.se>"), "ignored", ()),
    SenderCase("out_of_office_frånvaro_alone", lambda: mails.build_mail(
        SENDER, "Frånvaro", "Jag är ledig till 14/8.", message_id="<franvaro@ludvika.se>"), "ignored", ()),
    SenderCase("reply_to_percent_route", lambda: form_mail(headers=[("Reply-To", "x%angripare.example@ludvika.se")]),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",), absent=("angripare",),
               what="an old relay trick routes on from the municipality's own server: not within it"),
    SenderCase("reply_to_quoted_local_part", lambda: form_mail(
        headers=[("Reply-To", '"evil@angripare.example"@ludvika.se')]), "stored", ("receipt",), (SENDER,),
        filed=("Ludvika",), absent=("angripare",)),
    SenderCase("exchange_internal_with_a_failed_stamp", with_auth(EXO_FAIL, extra=[
        ("X-MS-Exchange-Organization-AuthAs", "Internal")]), "quarantined", ("quarantine_notice",), (STAFF,),
        config={"security": {"trust": "exchange"}}, filed=()),
    SenderCase("subject_line_separators_to_staff", lambda: form_mail(
        "okand@angripare.example", subject="Lägesbild\u2028Bcc: x@angripare.example\u2029okt\ufffe"),
        "quarantined", ("quarantine_notice",), (STAFF,), filed=(), absent=("\u2028", "\u2029", "\ufffe", "\nBcc:")),
    SenderCase("file_name_with_controls", lambda: form_mail(filename="Lägesbild\u202e\ufffe\x1b\u2028 Ludvika.docx"),
               "stored", ("receipt",), (SENDER,), filed=("Ludvika",), absent=("\u202e", "\ufffe", "\x1b", "\u2028")),
    SenderCase("personnummer_in_file_name", lambda: form_mail(filename="Lägesbild 191212121212.docx"), "stored",
               ("receipt",), (SENDER,), filed=("Ludvika",), absent=("191212121212", "1212121212")),
    SenderCase("personnummer_in_subject_to_staff", lambda: form_mail(
        "okand@angripare.example", subject="Lägesbild 19121212-1212"), "quarantined", ("quarantine_notice",),
        (STAFF,), filed=(), absent=("19121212-1212", "121212-1212")),
    SenderCase("personnummer_in_subject_of_an_error", lambda: mails.build_mail(
        SENDER, "Gäller 121212-1212", "Hej", message_id="<pnr-subject@ludvika.se>"), "rejected", ("error_reply",),
        (SENDER,), absent=("121212-1212",)),
    SenderCase("forwarded_message_with_the_form", lambda: mails.build_mail(
        SENDER, "VB: Lägesbild", "Se bifogat", [("forward.eml", form_mail(), "message/rfc822")],
        message_id="<nested@ludvika.se>"), "stored", ("receipt",), (SENDER,), filed=("Ludvika",)),
    SenderCase("reply_in_words_with_the_form", lambda: mails.add_headers(form_mail(
        subject="SV: Kvittens: lägesbild oktober 2026, Ludvika", body="Här kommer rättad version, fråga 4 var fel."),
        [("In-Reply-To", f"<abc123@{COUNTY_DOMAIN}>")]), "stored", ("receipt",), (SENDER,), filed=("Ludvika",),
        what="a reply that carries a form is a report: filed and receipted, not forwarded"),
    SenderCase("out_of_office_automatiskt_svar", lambda: mails.build_mail(
        SENDER, "Automatiskt svar: Påminnelse: lägesbild oktober 2026", "Jag är ledig till 14/8.",
        message_id="<autosvar@ludvika.se>"), "ignored", ()),
    SenderCase("exchange_auto_reply_headers", lambda: mails.add_headers(mails.build_mail(
        SENDER, "SV: Kvittens: lägesbild oktober 2026, Ludvika", "Jag är ledig.", message_id="<oof-h@ludvika.se>"),
        [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]), "ignored", ()),
    SenderCase("idn_lookalike_of_the_municipality", lambda: form_mail("samordnare@xn--ludvik-fya.se"),
               "quarantined", ("quarantine_notice",), (STAFF,), filed=()),
    SenderCase("two_different_forms_for_one_month", lambda: mails.build_mail(SENDER, "Lägesbild oktober", "Hej!", [
        ("Ludvika okt.docx", docx_with(q1="Lugnt."), mails.DOCX_TYPE),
        ("Ludvika okt rättad.docx", docx_with(q1=(4, "Bränder i centrum.")), mails.DOCX_TYPE)],
        message_id="<two-versions@ludvika.se>"), "quarantined", ("receipt", "quarantine_notice"), filed=("Ludvika",),
        what="which one is meant is not ours to guess: the first filed, the other waits for staff, both said"),
    SenderCase("reply_quoting_answers_outlook_style", lambda: mails.build_mail(
        SENDER, "SV: Kvittens: lägesbild oktober 2026, Ludvika",
        "Hej! Fråga 4 borde vara 3.\n\nFrån: Lägesbild <lagesbild@lansstyrelsen-dalarna.example>\nSkickat: den 29 "
        "oktober 2026 11:00\nÄmne: Kvittens\n\n" + mails.form_text("Ludvika", 2026, 10, mails.form_answers("Ludvika")),
        message_id="<quoting@ludvika.se>"), "forwarded", ("staff_forward", "reply_ack"), filed=(),
        what="the quoted receipt lists every answer: read as a form it was filed as a new report"),
    SenderCase("form_pasted_above_the_quote_in_a_reply", lambda: mails.build_mail(
        SENDER, "SV: Påminnelse: lägesbild oktober 2026, Ludvika", "Hej! Svaren:\n\n"
        + mails.form_text("Ludvika", 2026, 10, mails.form_answers("Ludvika")) + "\n\n> Påminnelse: lägesbild oktober",
        message_id="<pasted@ludvika.se>"), "stored", ("receipt",), (SENDER,), filed=("Ludvika",)),
    SenderCase("empty_message", lambda: b"", "quarantined", ("quarantine_notice",), (STAFF,), filed=(),
               what="a 0-byte file in the mailbox: no sender, held for staff, nobody answered"),
    SenderCase("content_length_lies", lambda: form_mail(headers=[("Content-Length", "10")]), "stored", ("receipt",),
               (SENDER,), filed=("Ludvika",)),
    # -- size (item 9)
    SenderCase("message_over_the_cap", lambda: mails.build_mail(SENDER, "Lägesbild med film", "Hej!", [
        ("Ludvika.docx", H.form_docx(), mails.DOCX_TYPE),
        ("film.bin", H.noise(2 * H.MB, "film"), "application/octet-stream")], message_id="<film@ludvika.se>"),
        "failed", ("staff_notice",), (STAFF,), config={"mailbox": {"max_message_mb": 1}}, filed=(),
        what="parked unread at once, staff told"),
)


def case(case_id: str) -> SenderCase:
    """The case named `case_id`."""
    for c in CASES:
        if c.id == case_id:
            return c
    raise KeyError(case_id)
