"""Replies and notices: built, serialised, parsed back and read like a mail client would."""

from __future__ import annotations

import email
import email.policy
import email.utils
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any, cast

import jinja2
import pytest

from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from outputs.mail import MAX_REFERENCES, address_header, envelope, reference_chain, to_bytes
from outputs.replies import (
    ReplyContext,
    build_duplicate_notice,
    build_error_reply,
    build_receipt,
    build_staff_notice,
    excerpt,
    render,
)
from parsers.form import default_form
from parsers.result import Answer, Issue, Period

CTX = ReplyContext("Dalarnas län", "Länsstyrelsen Dalarna, lägesbild", "lagesbild@lansstyrelsen.se", default_form())
NOW = datetime(2026, 10, 30, 9, 15, tzinfo=UTC)
ORIGINAL: dict[str, Any] = {
    "to": "samordnare@ludvika.se",
    "original_message_id": "<abc.123@ludvika.se>",
    "original_references": ("<paminnelse-1@lansstyrelsen.se>",),
    "original_subject": "Lägesbild oktober",
}
LONG = ("Flera inbrott i förråd och källare under månaden, främst i centrala Ludvika. Polisen har ökat "
        "närvaron kvällstid och bostadsbolaget har bytt lås.")
ANSWERS = {
    1: Answer(3, LONG),
    2: Answer(1, ""),
    3: Answer(None, "Klistermärken från en våldsbejakande grupp vid busstationen."),
    4: Answer(2, "Bråk på fritidsgården."),
    5: Answer(1, "Inget nytt."),
    6: Answer(1, "Inget att rapportera."),
    7: Answer(None, "Nattvandring med föräldrar varje fredag."),
}


def parsed(msg: EmailMessage) -> EmailMessage:
    """The message as a mail client sees it: serialised to bytes and parsed back."""
    return email.message_from_bytes(to_bytes(msg), policy=email.policy.default)


def text_of(msg: EmailMessage, subtype: str = "plain") -> str:
    part = msg.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    return cast(str, part.get_content()).replace("\r\n", "\n")


def receipt(**changes: Any) -> EmailMessage:
    args: dict[str, Any] = {
        **ORIGINAL, "municipality": "Ludvika", "period": Period(2026, 10), "version": 1, "answers": ANSWERS,
        "issues": (), "period_inferred": False, "late": False, "held_for_review": False,
        "filename": "Lägesbild Ludvika oktober.docx", "now": NOW,
    }
    args.update(changes)
    return parsed(build_receipt(CTX, **args))


def assert_reply_headers(msg: EmailMessage) -> None:
    assert msg["From"].addresses[0].addr_spec == "lagesbild@lansstyrelsen.se"
    assert msg["From"].addresses[0].display_name == "Länsstyrelsen Dalarna, lägesbild"
    assert msg["To"] == "samordnare@ludvika.se"
    assert msg["In-Reply-To"] == "<abc.123@ludvika.se>"
    assert str(msg["References"]).split() == ["<paminnelse-1@lansstyrelsen.se>", "<abc.123@ludvika.se>"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert str(msg["Message-ID"]).endswith("@lansstyrelsen.se>")
    assert email.utils.parsedate_to_datetime(str(msg["Date"])) == NOW


# --------------------------------------------------------------------------
# Receipts
# --------------------------------------------------------------------------


def test_receipt_headers_and_swedish_subject() -> None:
    msg = receipt()
    assert_reply_headers(msg)
    assert msg["Subject"] == "Kvittens: lägesbild oktober 2026, Ludvika"
    raw = to_bytes(build_receipt(CTX, **ORIGINAL, municipality="Ludvika", period=Period(2026, 10), version=1,
                                 answers=ANSWERS, issues=(), period_inferred=False, late=False,
                                 held_for_review=False, filename="a.docx"))
    assert raw.isascii(), "headers and bodies must be encoded for any SMTP server"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_correction_receipt_names_the_version() -> None:
    msg = receipt(version=2)
    assert msg["Subject"] == "Kvittens: lägesbild oktober 2026, Ludvika (rättelse, version 2)"
    assert "version 2" in text_of(msg) and "ersätter den version du skickade tidigare" in text_of(msg)


def test_receipt_lists_what_was_read_per_question() -> None:
    body = text_of(receipt())
    lines = body.splitlines()
    first = next(line for line in lines if line.startswith("Fråga 1 "))
    assert first.startswith("Fråga 1 Ordningsstörningar och otrygghet: 3 – Oroande. «Flera inbrott i förråd")
    assert first.endswith("…»")
    quoted = first.split("«", 1)[1].rstrip("»")
    assert 60 <= len(quoted) <= 101 and LONG.startswith(quoted.rstrip("…"))
    assert "Fråga 2 Hot och våld: 1 – Normalt. Ingen kommentar." in lines
    assert ("Fråga 3 Extremism och kriminella nätverk: påverkan saknas. "
            "«Klistermärken från en våldsbejakande grupp vid busstationen.»") in lines
    assert "Fråga 7 Positiva åtgärder eller händelser: «Nattvandring med föräldrar varje fredag.»" in lines
    assert "Tack för lägesbilden för oktober 2026 från Ludvika." in body
    assert "Lägesbild Ludvika oktober.docx" in body
    assert "Skicka en ny fil så ersätter den den här versionen." in body
    # No flags: none of the notes.
    for phrase in ("Vi är osäkra på", "Månaden har antagits", "efter sista dagen", "personuppgifter"):
        assert phrase not in body


def test_receipt_lists_warnings_errors_and_notes() -> None:
    issues = (
        Issue.warning("q3.comment", "Fråga 3, Extremism och kriminella nätverk: kontrollera kommentaren."),
        Issue.warning("q3.impact", "Fråga 3, Extremism och kriminella nätverk: kontrollera kommentaren."),
        Issue.error("q3.impact", "Fråga 3, Extremism och kriminella nätverk: påverkan \"hög\" kunde inte läsas."),
    )
    body = text_of(receipt(issues=issues, period_inferred=True, late=True))
    assert "Vi är osäkra på:\n- Fråga 3, Extremism och kriminella nätverk: kontrollera kommentaren.\n" in body
    assert body.count("kontrollera kommentaren") == 1, "the same message is listed once"
    assert "Det här saknas eller kunde inte läsas:\n- Fråga 3" in body
    assert "Månaden har antagits utifrån" in body and "Gäller rapporten inte oktober 2026?" in body
    assert "Rapporten kom in efter sista dagen för inlämning." in body


def test_held_receipt_asks_for_a_version_without_personal_data_and_quotes_no_comment() -> None:
    answers = {**ANSWERS, 2: Answer(4, "Hot mot Anna Andersson, 19811224-1234, på Storgatan.")}
    msg = receipt(answers=answers, held_for_review=True)
    for body in (text_of(msg), text_of(msg, "html")):
        assert "Rapporten innehåller det som ser ut som personuppgifter" in body
        assert "skicka en ny version utan dem" in body
        assert "19811224-1234" not in body and "Anna Andersson" not in body
        assert "Flera inbrott" not in body
    assert "Fråga 2 Hot och våld: 4 – Allvarligt. (Kommentaren återges inte här.)" in text_of(msg)


def test_what_a_municipality_wrote_is_data_never_template_code_and_is_escaped_in_html() -> None:
    evil = "{{ 7*7 }} {% if true %}ja{% endif %} <script>alert('x')</script> & <b>fet</b>"
    msg = receipt(answers={**ANSWERS, 1: Answer(3, evil)}, municipality="Ludvika <i>", filename="<img src=x>.docx",
                  issues=(Issue.warning("q1.comment", "Fråga 1: <script>varning</script>"),))
    plain, html = text_of(msg), text_of(msg, "html")
    assert "{{ 7*7 }}" in plain and "{% if true %}ja{% endif %}" in plain and "49" not in plain
    assert "<script>alert('x')</script>" in plain  # plain text shows exactly what was written
    assert "{{ 7*7 }}" in html and "49" not in html
    assert "<script" not in html and "<b>fet" not in html and "<img" not in html and "<i>" not in html
    # As the CSS inliner writes text back: <, > and & escaped, quotes (harmless in text) as they are.
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;" in html
    assert "Ludvika &lt;i&gt;" in html and "&lt;script&gt;varning" in html


# --------------------------------------------------------------------------
# Error replies
# --------------------------------------------------------------------------


def test_error_reply_says_what_is_wrong_and_attaches_the_blank_form() -> None:
    form = default_form()
    name = blank_form_filename(form, "docx", "Ludvika", Period(2026, 10))
    data = build_blank_docx(form, "Ludvika", Period(2026, 10))
    problems = ["Filen är lösenordsskyddad och kan inte läsas. Spara den utan lösenord och skicka den igen.",
                "Filen är lösenordsskyddad och kan inte läsas. Spara den utan lösenord och skicka den igen."]
    msg = parsed(build_error_reply(CTX, **ORIGINAL, problems=problems, blank_form=(name, data), now=NOW))
    assert_reply_headers(msg)
    assert msg["Subject"] == "Lägesbilden kunde inte läsas: Lägesbild oktober"
    body = text_of(msg)
    assert "Det här är fel:\n- Filen är lösenordsskyddad och kan inte läsas." in body
    assert body.count("lösenordsskyddad") == 1
    assert f"Fyll i blanketten som är bifogad ({name})" in body
    assert "Skicka filen som bilaga till lagesbild@lansstyrelsen.se" in body
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == name == "Lägesbild sociala risker - Ludvika - 2026-10.docx"
    assert attachment.get_content_type() == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert attachment.get_content() == data


def test_error_reply_without_a_blank_form_or_problems() -> None:
    msg = parsed(build_error_reply(CTX, **{**ORIGINAL, "original_subject": ""}, problems=[], blank_form=None,
                                   now=NOW))
    assert msg["Subject"] == "Lägesbilden kunde inte läsas"
    assert list(msg.iter_attachments()) == []
    body = text_of(msg)
    assert "Vi hittade ingen fil med lägesbilden i meddelandet." in body
    assert "Fyll i länsstyrelsens blankett" in body


def test_a_subject_with_cr_lf_cannot_add_headers() -> None:
    evil = "Lägesbild\r\nBcc: spion@example.com\r\nX-Evil: 1\nContent-Type: text/html"
    built = build_error_reply(CTX, **{**ORIGINAL, "original_subject": evil}, problems=["Fel."], blank_form=None,
                              now=NOW)
    raw = to_bytes(built)
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\r\nX-Evil" not in header_block
    msg = parsed(built)
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["Subject"] == ("Lägesbilden kunde inte läsas: Lägesbild Bcc: spion@example.com X-Evil: 1 "
                              "Content-Type: text/html")
    assert envelope(msg) == ("lagesbild@lansstyrelsen.se", ["samordnare@ludvika.se"])


def test_an_address_with_cr_lf_is_refused() -> None:
    with pytest.raises(ValueError):
        build_error_reply(CTX, **{**ORIGINAL, "to": "a@ludvika.se\r\nBcc: b@example.com"}, problems=["Fel."],
                          blank_form=None)
    with pytest.raises(ValueError):
        address_header("inte en adress")


# --------------------------------------------------------------------------
# Duplicate and staff notices
# --------------------------------------------------------------------------


def test_duplicate_notice() -> None:
    msg = parsed(build_duplicate_notice(CTX, **ORIGINAL, municipality="Ludvika", period=Period(2026, 10), version=2,
                                        now=NOW))
    assert_reply_headers(msg)
    assert msg["Subject"] == "Redan mottagen: lägesbild oktober 2026, Ludvika"
    body = text_of(msg)
    assert "Lägesbilden för oktober 2026 från Ludvika är redan mottagen." in body
    assert "innehåller samma lägesbild som version 2" in body


def test_staff_notice_is_auto_generated_and_carries_the_original_byte_for_byte() -> None:
    original = b"From: okand@example.com\r\nSubject: =?utf-8?q?L=C3=A4gesbild?=\r\n\r\nHej\r\n"
    staff = ["handlaggare@lansstyrelsen.se", "chef@lansstyrelsen.se"]
    msg = parsed(build_staff_notice(CTX, to=staff, subject="Karantän: okänd avsändare okand@example.com",
                                    lines=["Ett meddelande lades i karantän.", "Avsändaren finns inte i listan."],
                                    attachments=[("meddelande.eml", original)], now=NOW))
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == staff
    assert msg["Subject"] == "Karantän: okänd avsändare okand@example.com"
    assert "Ett meddelande lades i karantän.\nAvsändaren finns inte i listan." in text_of(msg)
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "meddelande.eml"
    assert attachment.get_content_type() == "application/octet-stream"
    assert attachment.get_content() == original
    assert envelope(msg)[1] == staff


# --------------------------------------------------------------------------
# Threading headers and templates
# --------------------------------------------------------------------------


def test_reference_chain_keeps_ids_only_and_trims_the_oldest() -> None:
    refs = tuple(f"<r{i}@x.se>" for i in range(30)) + ("not an id", "<spaces in@x.se>", "<r3@x.se>")
    parent, chain = reference_chain(refs, "  <orig@ludvika.se>  ")
    assert parent == "<orig@ludvika.se>"
    assert len(chain) == MAX_REFERENCES and chain[-1] == "<orig@ludvika.se>"
    assert chain[0] == f"<r{30 - MAX_REFERENCES + 1}@x.se>"
    assert reference_chain(("<a@b.se>",), "") == (None, ["<a@b.se>"])


def test_long_message_ids_are_not_mangled_by_header_folding() -> None:
    long_id = "<" + "a1b2c3d4" * 12 + "@mail.ludvika.se>"
    references = tuple(f"<{i}-{'x' * 60}@ludvika.se>" for i in range(5))
    msg = build_duplicate_notice(CTX, **{**ORIGINAL, "original_message_id": long_id, "original_references": references},
                                 municipality="Ludvika", period=Period(2026, 10), version=1, now=NOW)
    header_block = to_bytes(msg).split(b"\r\n\r\n", 1)[0]
    assert f"\r\nIn-Reply-To: {long_id}\r\n".encode() in header_block
    assert f"\r\n {long_id}\r\n".encode() in header_block, "the long id gets a line of its own"
    assert all(len(line) <= 78 for line in header_block.split(b"\r\n") if long_id.encode() not in line)
    assert b"=?" not in header_block.split(b"\r\nIn-Reply-To:")[1]
    back = parsed(msg)
    assert back["In-Reply-To"] == long_id
    assert str(back["References"]).split()[-1] == long_id and len(str(back["References"]).split()) == 6


def test_templates_refuse_missing_values() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("duplicate_notice.txt.j2", municipality="Ludvika")


def test_excerpt_cuts_at_a_word() -> None:
    assert excerpt("kort  text\n") == "kort text"
    cut = excerpt("ord " * 60)
    assert cut.endswith("ord…") and len(cut) <= 101
