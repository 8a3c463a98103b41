"""Reading messages built the way mail programs send them: headers, bodies, attachments, hostile input."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import tnef
from ingest.attachments import Attachment, display_filename
from ingest.html_text import html_to_text
from ingest.message import MailMessage, read_message
from tests.builders import mail as M

SENDER = "samordnare@ludvika.se"
DOCX = M.form_docx()
XLSX = M.form_xlsx()
LONG_NAME = "Lägesbild oktober 2026 Ludvika kommun – säkerhetsenheten, slutlig version (åäö ÅÄÖ).docx"
CET = timezone(timedelta(hours=1))


def files(msg: MailMessage) -> list[tuple[str, bool]]:
    return [(a.filename, a.forwarded) for a in msg.attachments]


# --------------------------------------------------------------------------
# A person's mail, as each client sends it
# --------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["outlook", "gmail", "apple", "mobile"])
@pytest.mark.parametrize("encoding", ["rfc2231", "encoded-word", "raw-utf8"])
def test_filenames_decoded_for_every_client(client: str, encoding: str) -> None:
    eml = M.build_mail(SENDER, "Lägesbild oktober – Ludvika", "Hej!\nHär kommer lägesbilden för oktober.",
                       [(LONG_NAME, DOCX, M.DOCX_TYPE), ("Lägesbild.xlsx", XLSX, M.XLSX_TYPE)],
                       client=client, filename_encoding=encoding, sender_name="Anna Åberg")
    msg = read_message(eml)
    assert [a.filename for a in msg.attachments] == [LONG_NAME, "Lägesbild.xlsx"]
    assert [a.content for a in msg.attachments] == [DOCX, XLSX]
    assert [a.content_type for a in msg.attachments] == [M.DOCX_TYPE, M.XLSX_TYPE]
    assert not any(a.forwarded for a in msg.attachments)
    assert msg.subject == "Lägesbild oktober – Ludvika"
    assert (msg.sender, msg.sender_name) == (SENDER, "Anna Åberg")
    assert msg.body_text.startswith("Hej!\nHär kommer lägesbilden för oktober.")
    assert msg.problems == ()
    assert msg.auto is None


def test_apple_mail_decomposed_name_is_nfc() -> None:
    eml = M.build_mail(SENDER, "Lägesbild", "Hej", [("Älvdalen å.docx", DOCX, M.DOCX_TYPE)], client="apple")
    assert b"A%CC%88lvdalen%20a%CC%8A.docx" in eml  # the builder really sent it decomposed, as Apple Mail does
    assert read_message(eml).attachments[0].filename == "Älvdalen å.docx"


@pytest.mark.parametrize("transfer", ["base64", "quoted-printable", "8bit"])
@pytest.mark.parametrize("charset", ["utf-8", "iso-8859-1", "windows-1252"])
def test_body_transfer_encodings_and_charsets(transfer: str, charset: str) -> None:
    body = "Påverkan: 3\nKommentar: Ökad oro på skolgården – två händelser.".replace(
        "–", "-" if charset == "iso-8859-1" else "–")
    msg = read_message(M.build_mail(SENDER, "Lägesbild", body, client="mobile", charset=charset, transfer=transfer))
    assert msg.body_text.startswith(body + "\n")
    assert msg.problems == ()


def test_headers() -> None:
    eml = M.build_mail(SENDER.upper(), "Lägesbild", "x", message_id="<abc.123@ludvika.se>",
                       date="Mon, 2 Nov 2026 09:30:00 +0100", cc="Chef <Chef@Ludvika.se>, b@falun.se",
                       to="Lagesbild@Lansstyrelsen.se, \"Annan, Person\" <annan@lansstyrelsen.se>",
                       headers=[("Reply-To", "Svar <Svar@Ludvika.se>")])
    msg = read_message(eml)
    assert msg.message_id == "<abc.123@ludvika.se>"
    assert msg.sender == SENDER
    assert msg.reply_to == "svar@ludvika.se"
    assert msg.to == ("lagesbild@lansstyrelsen.se", "annan@lansstyrelsen.se")
    assert msg.cc == ("chef@ludvika.se", "b@falun.se")
    assert msg.date == datetime(2026, 11, 2, 9, 30, tzinfo=CET)
    assert msg.received_at is None
    assert msg.in_reply_to is None and msg.references == ()


def test_received_at_is_the_newest_received_header() -> None:
    eml = M.add_headers(M.build_mail(SENDER, "Lägesbild", "x", date="Thu, 1 Jan 2026 00:00:00 +0000"), [
        ("Received", "from mx1 (mx1 [192.0.2.1])\r\n\tby imap.lansstyrelsen.se with LMTP;\r\n"
                     "\tFri, 30 Oct 2026 23:59:58 +0100"),
        ("Received", "from mail.ludvika.se by mx1 with ESMTPS; Fri, 30 Oct 2026 23:59:50 +0100"),
    ])
    msg = read_message(eml)
    assert msg.received_at == datetime(2026, 10, 30, 23, 59, 58, tzinfo=CET)
    assert msg.date == datetime(2026, 1, 1, tzinfo=UTC)


def test_unreadable_newest_received_falls_back_and_says_so() -> None:
    eml = M.add_headers(M.build_mail(SENDER, "x", "x"), [
        ("Received", "by imap; not a date"), ("Received", "by mx1; Fri, 30 Oct 2026 10:00:00 -0000")])
    msg = read_message(eml)
    assert msg.received_at == datetime(2026, 10, 30, 10, 0, tzinfo=UTC)  # "-0000": UTC, still aware
    assert any("Received" in p for p in msg.problems)


def test_bad_date_is_none_with_a_problem() -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", date="igår vid lunch"))
    assert msg.date is None
    assert "unreadable Date header" in msg.problems


def test_missing_message_id_is_synthetic_and_stable() -> None:
    eml = M.drop_header(M.build_mail(SENDER, "Lägesbild", "x"), "Message-ID")
    first, again = read_message(eml), read_message(eml)
    assert first.message_id == again.message_id
    assert first.message_id.startswith("<") and first.message_id.endswith("@lagesbild.invalid>")
    other = read_message(eml + b"\r\nmer text")
    assert other.message_id != first.message_id
    assert "no Message-ID; a synthetic one is used" in first.problems


def test_message_id_without_brackets() -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", message_id="abc@ludvika.se"))
    assert msg.message_id == "<abc@ludvika.se>"


def test_reply_chain_keeps_quoted_text_and_threading() -> None:
    eml = M.reply_chain(SENDER, "Hej! Här kommer vår lägesbild.", [("Lägesbild oktober.docx", DOCX, M.DOCX_TYPE)])
    msg = read_message(eml)
    assert msg.subject == "SV: Påminnelse: Lägesbild oktober 2026"
    assert msg.in_reply_to == "<paminnelse-2026-10.ludvika@lansstyrelsen.example.se>"
    assert msg.references == ("<paminnelse-2026-10.ludvika@lansstyrelsen.example.se>",)
    assert msg.body_text.startswith("Hej! Här kommer vår lägesbild.\n\nFrån: Länsstyrelsen Dalarna")
    assert "ska lämnas senast den 30 oktober" in msg.body_text
    assert files(msg) == [("Lägesbild oktober.docx", False)]
    assert msg.auto is None


def test_gmail_reply_quoting_is_kept() -> None:
    msg = read_message(M.reply_chain(SENDER, "Svar nedan.", style="gmail"))
    assert msg.subject == "Sv: Påminnelse: Lägesbild oktober 2026"
    assert "\n> Blanketten bifogas.\n" in msg.body_text


# --------------------------------------------------------------------------
# Forwards
# --------------------------------------------------------------------------

ORIGINAL = M.build_mail("kollega@ludvika.se", "Lägesbild oktober", "Här är min lägesbild.",
                        [("Lägesbild oktober.docx", DOCX, M.DOCX_TYPE)])


@pytest.mark.parametrize("style", ["attachment", "eml"])
def test_forward_as_attachment(style: str) -> None:
    msg = read_message(M.forward(ORIGINAL, "chef@ludvika.se", "Se nedan.", style=style))
    assert msg.sender == "chef@ludvika.se"
    assert msg.subject == "VB: Lägesbild oktober"
    assert files(msg) == [("Lägesbild oktober.docx", True)]
    assert msg.attachments[0].content == DOCX
    assert msg.body_text.startswith("Se nedan.\n")
    assert f"{M.FORWARD_LINE}\nFrån: kollega@ludvika.se\n" in msg.body_text
    assert "Ämne: Lägesbild oktober\n\nHär är min lägesbild." in msg.body_text


def test_forward_inline() -> None:
    msg = read_message(M.forward(ORIGINAL, "chef@ludvika.se", "Se nedan.", style="inline"))
    assert files(msg) == [("Lägesbild oktober.docx", False)]  # re-attached by the forwarder
    assert msg.attachments[0].content == DOCX
    assert M.FORWARD_LINE in msg.body_text and "Här är min lägesbild." in msg.body_text


def test_forward_of_forward() -> None:
    msg = read_message(M.forward_chain(ORIGINAL, 3))
    assert files(msg) == [("Lägesbild oktober.docx", True)]
    assert msg.body_text.count(M.FORWARD_LINE) == 3
    assert msg.problems == ()


def test_forward_encoded_as_base64_message_part() -> None:
    inner = base64.encodebytes(ORIGINAL).decode("ascii")
    eml = (f"From: chef@ludvika.se\r\nSubject: VB\r\nMIME-Version: 1.0\r\n"
           f"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSe nedan.\r\n"
           f"--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n{inner}\r\n--b--\r\n")
    msg = read_message(eml.encode("ascii"))
    assert files(msg) == [("Lägesbild oktober.docx", True)]
    assert msg.attachments[0].content == DOCX


# --------------------------------------------------------------------------
# winmail.dat
# --------------------------------------------------------------------------


@pytest.mark.parametrize("data_in_mapi", [False, True], ids=["outlook", "exchange"])
def test_winmail_files_are_extracted(data_in_mapi: bool) -> None:
    eml = M.winmail(SENDER, "Lägesbild", [("Lägesbild oktober.docx", DOCX), ("Bilaga å.xlsx", XLSX)],
                    data_in_mapi=data_in_mapi)
    msg = read_message(eml)
    assert files(msg) == [("Lägesbild oktober.docx", True), ("Bilaga å.xlsx", True)]
    assert [a.content for a in msg.attachments] == [DOCX, XLSX]  # a zip's trailing NUL bytes survive
    assert msg.attachments[0].content_type == M.DOCX_TYPE
    assert msg.body_text == "Hej! Se bifogad fil."
    assert msg.problems == ()


def test_winmail_8bit_title_without_long_name() -> None:
    msg = read_message(M.winmail(SENDER, "Lägesbild", [("Lägesbild Älvdalen.docx", DOCX)], long_names=False))
    assert files(msg) == [("Lägesbild Älvdalen.docx", True)]


@pytest.mark.parametrize("cut", [7, 30, 200, 5000, -3])
def test_truncated_winmail_never_raises(cut: int) -> None:
    data = M.tnef_bytes([("a.docx", DOCX), ("b.xlsx", XLSX)])[:cut]
    found, problems = tnef.extract_files(data)
    assert problems  # the truncation is reported
    assert all(f.content in (DOCX, XLSX) for f in found)


def test_not_tnef() -> None:
    found, problems = tnef.extract_files(b"PK\x03\x04 this is a zip")
    assert found == [] and problems == ["winmail.dat is not a TNEF stream (wrong signature)"]


def test_tnef_bad_checksum_is_reported_but_read() -> None:
    data = bytearray(M.tnef_bytes([("a.docx", b"abc")]))
    data[-1] ^= 0xFF  # last attribute's checksum
    found, problems = tnef.extract_files(bytes(data))
    assert [f.content for f in found] == [b"abc"]
    assert any("checksum" in p for p in problems)


# --------------------------------------------------------------------------
# Other shapes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("transfer", ["quoted-printable", "8bit"])
def test_latin1_mail(transfer: str) -> None:
    eml = M.latin1_mail(SENDER, "Lägesbild för oktober - Älvdalen", "Hälsningar från Älvdalen\nÖvrigt: inget.",
                        [("Lägesbild Älvdalen ÅÄÖ.docx", DOCX, M.DOCX_TYPE)], transfer=transfer)
    assert b"=?iso-8859-1?Q?" in eml
    msg = read_message(eml)
    assert msg.subject == "Lägesbild för oktober - Älvdalen"
    assert msg.sender_name == "Göran Åström"
    assert msg.body_text == "Hälsningar från Älvdalen\nÖvrigt: inget."
    assert files(msg) == [("Lägesbild Älvdalen ÅÄÖ.docx", False)]
    assert msg.problems == ()


@pytest.mark.parametrize("disposition", ["inline", None])
def test_signature_logo_is_ignored(disposition: str | None) -> None:
    eml = M.with_signature_logo(SENDER, "Lägesbild", "Hej!", [("Lägesbild.docx", DOCX, M.DOCX_TYPE)],
                                logo_disposition=disposition)
    msg = read_message(eml)
    assert files(msg) == [("Lägesbild.docx", False)]
    assert msg.body_text.startswith("Hej!\n")  # the plain alternative, not the HTML one


def test_attached_image_is_kept() -> None:
    png = M.png_1x1()
    msg = read_message(M.build_mail(SENDER, "Foto", "x", [("foto.png", png, "image/png")], client="gmail"))
    assert files(msg) == [("foto.png", False)]  # Gmail gives it a Content-ID, but it is an attachment


def test_body_only_form() -> None:
    msg = read_message(M.body_only_form(SENDER))
    expected = M.form_text("Ludvika", 2026, 10, M.form_answers())
    assert expected in msg.body_text
    assert msg.attachments == ()


def test_html_only_body_form() -> None:
    msg = read_message(M.body_only_form(SENDER, html_only=True))
    expected = M.form_text("Ludvika", 2026, 10, M.form_answers())
    lines = msg.body_text.split("\n")
    assert lines[0] == "Hej! Blanketten fungerade inte, så jag klistrar in svaren här."
    assert [line for line in lines if line][1:] == expected.split("\n")  # entities decoded, one line per div
    assert "<div>" not in msg.body_text and "&" not in msg.body_text


@pytest.mark.parametrize(("name", "data", "ctype"), [
    ("Anna Åberg.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nEND:VCARD\r\n", "text/vcard"),
    ("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar"),
    ("smime.p7s", b"0\x82\x05\x00signature", "application/pkcs7-signature"),
    ("signature.asc", b"-----BEGIN PGP SIGNATURE-----", "application/pgp-signature"),
    ("tom.docx", b"", M.DOCX_TYPE),
])
def test_ignored_parts(name: str, data: bytes, ctype: str) -> None:
    msg = read_message(M.build_mail(SENDER, "Lägesbild", "x", [(name, data, ctype), ("L.docx", DOCX, M.DOCX_TYPE)]))
    assert files(msg) == [("L.docx", False)]


def test_empty_attachment_is_reported() -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", [("tom.docx", b"", M.DOCX_TYPE)]))
    assert msg.attachments == ()
    assert "attachment 'tom.docx' is empty; skipped" in msg.problems


def test_multipart_without_boundary_keeps_its_text() -> None:
    msg = read_message(b"From: a@ludvika.se\r\nContent-Type: multipart/mixed\r\n\r\nP\xc3\xa5verkan: 3\r\n")
    assert msg.body_text == "Påverkan: 3\n"
    assert "MIME defect: NoBoundaryInMultipartDefect" in msg.problems


def test_winmail_name_on_something_else_is_an_ordinary_attachment() -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", [("winmail.dat", b"not tnef", "application/octet-stream"),
                                                       ("w.dat", b"not tnef", "application/ms-tnef")]))
    assert files(msg) == [("winmail.dat", False)]
    assert "a winmail.dat part is not a TNEF stream; skipped" in msg.problems


@pytest.mark.parametrize(("data", "ctype", "name"), [
    (DOCX, "application/octet-stream", "bilaga-1.docx"),
    (XLSX, "application/octet-stream", "bilaga-1.xlsx"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf", "bilaga-1.pdf"),
    (b"\x00\x01\x02\x03 binary", "application/msword", "bilaga-1.doc"),
    (b"\x00\x01\x02\x03 binary", "application/x-unknown-thing", "bilaga-1.bin"),
])
def test_unnamed_application_parts_get_a_name(data: bytes, ctype: str, name: str) -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", [("", data, ctype)], filename_encoding="raw"))
    assert [(a.filename, a.content) for a in msg.attachments] == [(name, data)]


def test_split_multibyte_encoded_word_and_raw_latin1_header() -> None:
    a_uml = "ä".encode()
    word1 = base64.b64encode(b"L" + a_uml[:1]).decode()
    word2 = base64.b64encode(a_uml[1:] + b"gesbild").decode()
    eml = (f"From: =?utf-8?B?{base64.b64encode('Åsa'.encode()).decode()}?= <asa@ludvika.se>\r\n"
           f"Subject: =?utf-8?B?{word1}?=\r\n =?utf-8?B?{word2}?= oktober\r\n"
           "To: x@y.se\r\n\r\nbody\r\n").encode("ascii")
    msg = read_message(eml)
    assert msg.subject == "Lägesbild oktober"
    assert msg.sender_name == "Åsa"
    raw = read_message(b"From: a@ludvika.se\r\nSubject: L\xe4gesbild \xf6vrigt\r\n\r\nx")
    assert raw.subject == "Lägesbild övrigt"
    assert any("not UTF-8" in p for p in raw.problems)


def test_raw_utf8_display_name() -> None:
    msg = read_message("From: Göran Öberg <Goran@Ludvika.se>\r\nSubject: x\r\n\r\nx".encode())
    assert (msg.sender_name, msg.sender) == ("Göran Öberg", "goran@ludvika.se")


# --------------------------------------------------------------------------
# Hostile mail
# --------------------------------------------------------------------------


def test_many_attachments_stop_at_max_parts() -> None:
    eml = M.many_attachments(600)
    msg = read_message(eml)
    assert len(msg.attachments) == 498  # 500 parts: the multipart, the body and 498 files
    assert msg.attachments[0].filename == "fil0000.txt" and msg.attachments[-1].filename == "fil0497.txt"
    assert "more than 500 MIME parts; the rest were not read" in msg.problems
    assert len(read_message(eml, max_parts=1000).attachments) == 600


def test_deep_nesting_stops_at_max_depth() -> None:
    deep = read_message(M.deep_nesting(50))
    assert deep.attachments == ()
    assert "MIME nesting deeper than 10 levels; the deeper parts were not read" in deep.problems
    shallow = read_message(M.deep_nesting(5))
    assert files(shallow) == [("djupt.docx", False)] and shallow.problems == ()


def test_deep_forward_chain_stops_at_max_depth() -> None:
    msg = read_message(M.forward_chain(ORIGINAL, 15))
    assert msg.attachments == ()
    assert any("nesting deeper" in p for p in msg.problems)
    assert msg.subject == "VB: nivå 14"


def test_very_deep_nesting_does_not_recurse_out() -> None:
    msg = read_message(M.deep_nesting(3000))
    assert isinstance(msg, MailMessage)
    assert msg.attachments == ()


@pytest.mark.parametrize("encoding", ["rfc2231", "raw-utf8"])
def test_nul_in_filename_is_stripped(encoding: str) -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", [("Läges\x00bild.docx", DOCX, M.DOCX_TYPE)],
                                    filename_encoding=encoding))
    assert files(msg) == [("Lägesbild.docx", False)]
    assert msg.attachments[0].content == DOCX


@pytest.mark.parametrize(("name", "shown"), [
    ("../../x.docx", "x.docx"),
    ("..\\..\\Windows\\system32\\x.docx", "x.docx"),
    ("/etc/passwd", "passwd"),
    ("C:x.docx", "x.docx"),
    ("..", "bilaga-1.docx"),
    ("rapport\u202excod.docx", "rapportxcod.docx"),  # a right-to-left override hiding the extension
])
def test_path_traversal_in_filename(name: str, shown: str) -> None:
    msg = read_message(M.build_mail(SENDER, "x", "x", [(name, DOCX, M.DOCX_TYPE)]))
    assert files(msg) == [(shown, False)]


def test_display_filename() -> None:
    assert display_filename("a" * 300 + ".docx") == "a" * 195 + ".docx"
    assert display_filename("  Lägesbild.docx ") == "Lägesbild.docx"
    assert display_filename("") == ""


def test_missing_from() -> None:
    msg = read_message(M.drop_header(ORIGINAL, "From"))
    assert (msg.sender, msg.sender_name) == ("", "")
    assert "no usable From address" in msg.problems
    assert files(msg) == [("Lägesbild oktober.docx", False)]


def test_malformed_from() -> None:
    msg = read_message(b"From: Anna (no address at all\r\nSubject: x\r\n\r\nx")
    assert msg.sender == ""
    assert "no usable From address" in msg.problems


@pytest.mark.parametrize(("value", "sender"), [
    ('"boss@ludvika.se" <attacker@evil.example>', "attacker@evil.example"),  # a display name is not the sender
    ("attacker@evil.example <boss@ludvika.se>", ""),
    ("boss@ludvika.se <attacker@evil.example>", ""),
    ("alice@evil.example)<boss@ludvika.se>", ""),
    ("Chef <boss@ludvika.se> <x@evil.example>", ""),
    ("boss@ludvika.se, attacker@evil.example", ""),
    ('"Chef" boss@ludvika.se', ""),
    ("boss@ludvika.se (Chef)", "boss@ludvika.se"),
    ("Anna B. Berg <Anna.Berg@Ludvika.se>", "anna.berg@ludvika.se"),
])
def test_ambiguous_from_gives_no_sender(value: str, sender: str) -> None:
    msg = read_message(f"From: {value}\r\nSubject: x\r\n\r\nx".encode())
    assert msg.sender == sender
    if not sender:
        assert "no usable From address" in msg.problems


@pytest.mark.parametrize("header", ["From", "To", "Content-Type", "Content-Disposition", "Subject",
                                    "Authentication-Results", "Auto-Submitted", "Received", "Date"])
@pytest.mark.parametrize("junk", ['"' * 6000, "(" * 6000, "(a" * 3000 + ")" * 3000, "\\" * 6000, "a" * 6000])
def test_crafted_long_headers_are_read_quickly(header: str, junk: str) -> None:
    start = time.perf_counter()
    msg = read_message(f"{header}: {junk}\r\nFrom: a@ludvika.se\r\n\r\nx".encode())
    assert time.perf_counter() - start < 1.0
    assert isinstance(msg, MailMessage)


def test_broken_charset_names() -> None:
    msg = read_message(M.broken_charset(attachment=("Lägesbild Älvdalen.docx", DOCX, M.DOCX_TYPE)))
    assert msg.subject == "Lägesbild oktober"
    assert msg.body_text == "Hälsningar från Älvdalen.\n"
    assert files(msg) == [("Lägesbild Älvdalen.docx", False)]
    assert "unknown charset 'x-broken' in Subject; read as UTF-8 or Windows-1252" in msg.problems
    assert "unknown charset 'x-broken-8859' in a text part; read as UTF-8 or Windows-1252" in msg.problems


def test_wrong_declared_charset() -> None:
    eml = b"From: a@ludvika.se\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nH\xe4lsningar\r\n"
    msg = read_message(eml)
    assert msg.body_text == "Hälsningar\n"
    assert "a text part is not valid utf-8; read as UTF-8 or Windows-1252" in msg.problems


@pytest.mark.parametrize("raw", [b"", b"\x00\x00\x00", b"garbage without headers", b"From:\r\n\r\n",
                                 b"Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\nno parts"])
def test_junk(raw: bytes) -> None:
    msg = read_message(raw)
    assert msg.message_id.endswith("@lagesbild.invalid>")
    assert msg.attachments == ()


# --------------------------------------------------------------------------
# Never raises: mutated and truncated real messages
# --------------------------------------------------------------------------

_SEEDS = [
    M.build_mail(SENDER, "Lägesbild oktober", "Hej", [("Lägesbild.docx", b"PK\x03\x04" + b"x" * 300, M.DOCX_TYPE)]),
    M.forward(M.build_mail(SENDER, "Å", "x", [("a.xlsx", b"PK\x03\x04abc", M.XLSX_TYPE)]), "c@ludvika.se"),
    M.winmail(SENDER, "Lägesbild", [("Lägesbild oktober.docx", b"PK\x03\x04" + b"\x00" * 200)], data_in_mapi=True),
    M.latin1_mail(SENDER, "Lägesbild för oktober", "Hälsningar", [("Läge.docx", b"PK\x03\x04abc", M.DOCX_TYPE)]),
    M.bounce(M.build_mail(SENDER, "x", "y"), style="exchange"),
    M.with_signature_logo(SENDER, "Logga", "Hej"),
    M.broken_charset(attachment=("ö.docx", b"abc", M.DOCX_TYPE)),
    M.add_headers(M.reply_chain(SENDER, "Svar", style="gmail"),
                  [("Authentication-Results", "mx; dmarc=pass header.from=ludvika.se"),
                   ("Received", "by mx; Fri, 30 Oct 2026 10:00:00 +0100")]),
]


def _check(msg: MailMessage, max_parts: int = 500) -> None:
    assert isinstance(msg, MailMessage)
    assert msg.message_id.startswith("<") and msg.message_id.endswith(">")
    assert len(msg.attachments) <= max_parts
    for a in msg.attachments:
        assert isinstance(a, Attachment) and a.content
        assert a.filename and not any(c in a.filename for c in "/\\\x00")
    assert msg.date is None or msg.date.tzinfo is not None
    assert msg.received_at is None or msg.received_at.tzinfo is not None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(_SEEDS), data=st.data())
def test_mutated_messages_never_raise(seed: bytes, data: st.DataObject) -> None:
    raw = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 8), label="edits")):
        if not raw:
            break
        pos = data.draw(st.integers(0, len(raw) - 1), label="pos")
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate", "dup"]), label="kind")
        if kind == "flip":
            raw[pos] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            raw[pos:pos] = data.draw(st.sampled_from([b"\r\n", b"\n\n", b"=?", b"?=", b"--", b";", b'"', b"\x00",
                                                      b"(", b"<", b"%", b"*0*=", b"\xff\xfe", b"=\r\n"]))
        elif kind == "delete":
            del raw[pos:pos + data.draw(st.integers(1, 40))]
        elif kind == "truncate":
            del raw[pos:]
        else:
            raw[pos:pos] = raw[max(0, pos - 60):pos]
    _check(read_message(bytes(raw)))
    _check(read_message(bytes(raw), max_parts=3, max_depth=2), max_parts=3)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _check(read_message(b"From: a@b.se\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + raw))
    found, _problems = tnef.extract_files(M.tnef_bytes([("a.docx", b"abc")])[:40] + raw)
    assert len(found) <= 100


def test_html_to_text() -> None:
    text = html_to_text("<html><head><title>T</title><style>p{}</style></head><body>"
                        "<p class=MsoNormal>Hej&nbsp;d&auml;r<o:p></o:p></p><p><o:p>&nbsp;</o:p></p>"
                        "<table><tr><td>Påverkan</td><td> 3 </td></tr></table><script>alert(1)</script>"
                        "<div>a<br>b</div></body></html>")
    assert text == "Hej där\n\nPåverkan\t3\na\nb"


# --- the plain-address fast path agrees with the standard library's parser ---------------------

_ADDRESS_PIECES = st.sampled_from([
    "anna", "Anna", "ANNA", "a.b", "a..b", ".a", "a.", "x+y", "e_f", "-", "ale.se", "ale..se", "-ale.se", "se.",
    "@", "<", ">", '"', "\\", " ", "  ", "\t", ",", ";", ":", "(", ")", "[", "]", ".", "=?utf-8?q?G=C3=B6?=",
    "Göteborg", "registrator", "Stad", "Kommun", "'", "!", "#", "~", "\x00", "\udce4",
])


_WORD = st.sampled_from(["Anna", "a", "B-2", "-", "x_y", "a.b", "x+y", "ale", "se", "Göteborg", "=?x?", "'"])
_SPACE = st.sampled_from(["", " ", "  ", "\t", " \t"])


@st.composite
def _shaped_addresses(draw: st.DrawFn) -> str:
    """Headers shaped like one address (most of them plain), with now and then a piece of noise put in."""
    address = draw(_WORD) + "@" + draw(st.lists(_WORD, min_size=1, max_size=3).map(".".join))
    kind = draw(st.sampled_from(["bare", "angle", "words", "quoted"]))
    if kind == "bare":
        text = address
    elif kind == "angle":
        text = f"<{address}>"
    elif kind == "words":
        words = draw(st.lists(st.tuples(_WORD, _SPACE.filter(bool)), min_size=1, max_size=3))
        text = "".join(w + sp for w, sp in words) + draw(_SPACE) + f"<{address}>"
    else:
        inner = draw(st.lists(st.sampled_from(["Anna", " ", "!", "#", "~", "[", "]", "<", ">", "@", ",", "Ö"]),
                              max_size=6).map("".join))
        text = f'"{inner}"' + draw(_SPACE) + f"<{address}>"
    text = draw(_SPACE) + text + draw(_SPACE)
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(_ADDRESS_PIECES) + text[at:]
    return text


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(_ADDRESS_PIECES, max_size=12).map("".join), _shaped_addresses()))
def test_plain_address_fast_path_agrees_with_the_rfc_parser(raw: str) -> None:
    from ingest.header_fields import _parsed_addresses, _plain_address

    fast = _plain_address(raw)
    if fast is not None:
        assert (fast, False) == _parsed_addresses("From", raw)


@pytest.mark.parametrize("raw, expected", [
    ("Anna  Svensson <anna@ale.se>", [("Anna Svensson", "anna@ale.se")]),
    ('"Anna  Svensson" <anna@ale.se>', [("Anna  Svensson", "anna@ale.se")]),
    (" registrator@ale.se ", [("", "registrator@ale.se")]),
    ("<a.b-c+d@x-y.se>", [("", "a.b-c+d@x-y.se")]),
])
def test_plain_addresses_take_the_fast_path(raw: str, expected: list[tuple[str, str]]) -> None:
    from ingest.header_fields import _parsed_addresses, _plain_address

    assert _plain_address(raw) == expected == _parsed_addresses("From", raw)[0]  # type: ignore[index]


@pytest.mark.parametrize("raw", ["a..b@c.se", "Anna <a@b.se>, b@c.se", "=?utf-8?q?G=C3=B6?= <a@b.se>",
                                 '"=?utf-8?q?G=C3=B6?=" <Anna@Anna>',  # found by the hypothesis test above
                                 "Anna (kansliet) <a@b.se>", '"Anna \\"x\\"" <a@b.se>', "Göteborg <a@b.se>"])
def test_other_addresses_go_to_the_rfc_parser(raw: str) -> None:
    from ingest.header_fields import _plain_address

    assert _plain_address(raw) is None
