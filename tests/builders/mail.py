"""Real .eml bytes, shaped the way mail programs send them.

Every builder writes the MIME by hand (headers, boundaries, transfer
encodings), so a test can choose exactly how a filename or a subject is
encoded, as Outlook, Gmail, Apple Mail or a phone would do it, and so the
reader under test never meets mail written by the same library it reads with.

- `build_mail`: a person's mail with attachments, in the style of a `client`
  ("outlook", "gmail", "apple", "mobile"), with the filename encoding
  ("rfc2231", "encoded-word", "raw-utf8") and body transfer encoding
  ("base64", "quoted-printable", "8bit") chosen.
- `forward`, `reply_chain`, `out_of_office`, `bounce`, `winmail`,
  `latin1_mail`, `with_signature_logo`, `body_only_form`: the other shapes
  that reach the county's mailbox.
- Hostile: `many_attachments`, `deep_nesting`, `forward_chain`,
  `broken_charset`, `drop_header`.
- `tnef_bytes`: a winmail.dat written from the MS-OXTNEF layout.
- `form_docx` / `form_xlsx`: the real filled-in form files (cached).

Nothing here is real personal data.
"""

from __future__ import annotations

import base64
import email
import hashlib
import html
import quopri
import struct
import unicodedata
import urllib.parse
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email import policy
from functools import lru_cache

from lagesbild.samples import filled_xlsx, sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Answer, Period

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNTY_ADDRESS = "lagesbild@lansstyrelsen-dalarna.example.se"
DEFAULT_DATE = "Thu, 29 Oct 2026 14:03:00 +0100"
REMINDER_SUBJECT = "Påminnelse: Lägesbild oktober 2026"
FORWARD_LINE = "---------- Vidarebefordrat meddelande ----------"

FileSpec = tuple[str, bytes, str]  # (filename, bytes, content type)


# --------------------------------------------------------------------------
# Form files
# --------------------------------------------------------------------------


@lru_cache(maxsize=32)
def form_docx(municipality: str = "Ludvika", year: int = 2026, month: int = 10, seed: int = 0) -> bytes:
    """The county's Word template filled in for `municipality` and the month."""
    form = default_form()
    p = Period(year, month)
    return template_docx(form, municipality, p, sample_answers(form, municipality, p, seed))


@lru_cache(maxsize=32)
def form_xlsx(municipality: str = "Ludvika", year: int = 2026, month: int = 10, seed: int = 0) -> bytes:
    """The county's Excel form filled in for `municipality` and the month."""
    form = default_form()
    p = Period(year, month)
    return filled_xlsx(form, municipality, p, sample_answers(form, municipality, p, seed))


def form_answers(municipality: str = "Ludvika", year: int = 2026, month: int = 10,
                 seed: int = 0) -> dict[int, Answer]:
    """The answers `form_docx`/`form_xlsx` hold."""
    return sample_answers(default_form(), municipality, Period(year, month), seed)


# --------------------------------------------------------------------------
# A tiny MIME writer
# --------------------------------------------------------------------------


@dataclass
class Part:
    """One MIME entity: headers (str values are written as UTF-8), a body, or children."""

    headers: list[tuple[str, str | bytes]]
    body: bytes = b""
    children: list[Part] = field(default_factory=list)
    boundary: str = ""
    preamble: str = "This is a multi-part message in MIME format."


def render(part: Part, nl: bytes = b"\r\n") -> bytes:
    """The entity's bytes, lines ended with `nl`."""
    out: list[bytes] = []
    for name, value in part.headers:
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        out.append(name.encode("ascii") + b": " + raw.replace(b"\r\n", b"\n").replace(b"\n", nl))
    head = nl.join(out) + nl + nl
    if not part.children:
        return head + part.body.replace(b"\r\n", b"\n").replace(b"\n", nl)
    b = part.boundary.encode("ascii")
    chunks = [head]
    if part.preamble:
        chunks.append(part.preamble.encode("ascii") + nl + nl)
    for child in part.children:
        chunks.append(b"--" + b + nl + render(child, nl) + nl)
    chunks.append(b"--" + b + b"--" + nl)
    return b"".join(chunks)


class _Boundaries:
    """Deterministic boundaries in a client's style."""

    def __init__(self, style: str, seed: str) -> None:
        self.style = style
        self.seed = hashlib.sha1(seed.encode("utf-8")).hexdigest()
        self.n = 0

    def next(self) -> str:
        self.n += 1
        h = self.seed[self.n % 20: self.n % 20 + 16].upper()
        if self.style == "outlook":
            return f"_{self.n:03d}_GV1P280MB{h}_"
        if self.style == "gmail":
            return f"000000000000{h.lower()}{self.n:02d}"
        if self.style == "apple":
            return f"Apple-Mail={h[:8]}-{h[8:12]}-{self.n:04d}"
        return f"--=_Part_{self.n}_{int(h[:8], 16)}.{self.n}"


def multipart(subtype: str, children: list[Part], boundaries: _Boundaries, params: str = "",
              headers: Sequence[tuple[str, str | bytes]] = ()) -> Part:
    """A multipart/`subtype` entity."""
    boundary = boundaries.next()
    ctype = f'multipart/{subtype}; boundary="{boundary}"' + (f"; {params}" if params else "")
    return Part([*headers, ("Content-Type", ctype)], children=children, boundary=boundary, preamble="")


def encode_body(data: bytes, transfer: str) -> bytes:
    """`data` in a Content-Transfer-Encoding ("base64", "quoted-printable", "8bit", "7bit")."""
    if transfer == "base64":
        return base64.encodebytes(data)
    if transfer == "quoted-printable":
        return quopri.encodestring(data.replace(b"\r\n", b"\n"))
    return data


def text_part(text: str, subtype: str = "plain", charset: str = "utf-8", transfer: str = "quoted-printable",
              extra: str = "") -> Part:
    """A text body part; `charset` "us-ascii" is used by Outlook when the text allows it."""
    data = text.encode(charset)
    params = f'charset="{charset}"' + (f"; {extra}" if extra else "")
    return Part([("Content-Type", f"text/{subtype}; {params}"), ("Content-Transfer-Encoding", transfer)],
                body=encode_body(data, transfer))


def encoded_word(text: str, charset: str = "utf-8", kind: str | None = None, max_bytes: int = 42) -> str:
    """`text` as RFC 2047 encoded-words when it is not ASCII, folded with CRLF+space.

    `kind` "B" (base64, what Outlook and Gmail write for UTF-8) or "Q" (what
    Latin-1 clients write); by default B for UTF-8 and Q otherwise. Words are
    cut between letters, never inside one.
    """
    if text.isascii():
        return text
    kind = kind or ("B" if charset.lower() == "utf-8" else "Q")
    chunks: list[str] = [""]
    for ch in text:
        if chunks[-1] and len((chunks[-1] + ch).encode(charset)) > max_bytes:
            chunks.append("")
        chunks[-1] += ch
    return "\r\n ".join(f"=?{charset}?{kind}?{_word_text(c.encode(charset), kind)}?=" for c in chunks)


def _word_text(data: bytes, kind: str) -> str:
    if kind == "B":
        return base64.b64encode(data).decode("ascii")
    safe = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/"
    return "".join("_" if b == 0x20 else chr(b) if b in safe else f"={b:02X}" for b in data)


def rfc2231(name: str, value: str, charset: str = "utf-8", chunk: int = 40) -> str:
    """`name*=charset''...` (RFC 2231), split into `name*0*`, `name*1*`... when long."""
    quoted = urllib.parse.quote(value.encode(charset), safe="")
    if len(quoted) <= chunk:
        return f"{name}*={charset}''{quoted}"
    pieces: list[str] = []
    i = 0
    while i < len(quoted):
        end = min(i + chunk, len(quoted))
        while end < len(quoted) and "%" in quoted[end - 2:end]:  # never split a %XX escape
            end -= 1
        pieces.append(quoted[i:end])
        i = end
    params = [f"{name}*0*={charset}''{pieces[0]}"]
    params += [f"{name}*{n}*={piece}" for n, piece in enumerate(pieces[1:], start=1)]
    return ";\r\n\t".join(params)


def file_part(filename: str, data: bytes, content_type: str, *, encoding: str = "rfc2231",
              disposition: str | None = "attachment", content_id: str | None = None,
              client: str = "outlook", charset: str = "utf-8", transfer: str = "base64") -> Part:
    """An attachment with its filename encoded the way `encoding` says.

    rfc2231: `filename*=utf-8''L%C3%A4...` plus an encoded-word `name=` (Outlook);
    encoded-word: `name="=?utf-8?B?...?="` in both headers (Gmail);
    raw-utf8 / raw: the name's bytes as they are, in quotes (phones, old clients).
    """
    if encoding == "rfc2231":
        ctype_name = f'name="{encoded_word(filename, charset)}"'
        disp_name = rfc2231("filename", filename, charset)
    elif encoding == "encoded-word":
        ctype_name = f'name="{encoded_word(filename, charset)}"'
        disp_name = f'filename="{encoded_word(filename, charset)}"'
    elif encoding in ("raw-utf8", "raw"):
        ctype_name = f'name="{filename}"'
        disp_name = f'filename="{filename}"'
    else:
        raise ValueError(f"unknown filename encoding {encoding!r}")
    extra = "; x-unix-mode=0644" if client == "apple" else ""
    headers: list[tuple[str, str | bytes]] = [("Content-Type", f"{content_type}{extra}; {ctype_name}")]
    if client == "outlook":
        headers.append(("Content-Description", encoded_word(filename, charset)))
    if disposition:
        size = f"; size={len(data)}" if client == "outlook" else ""
        headers.append(("Content-Disposition", f"{disposition}; {disp_name}{size}"))
    headers.append(("Content-Transfer-Encoding", transfer))
    if content_id:
        headers.append(("Content-ID", f"<{content_id}>"))
        if client == "gmail":
            headers.append(("X-Attachment-Id", content_id))
    part = Part(headers, body=encode_body(data, transfer))
    if encoding in ("raw-utf8", "raw"):
        part.headers = [(n, v.encode(charset, "surrogateescape") if isinstance(v, str) else v)
                        for n, v in part.headers]
    return part


def address(addr: str, name: str = "", charset: str = "utf-8") -> str:
    """`Name <addr>` with the name encoded when it is not ASCII."""
    if not name:
        return addr
    if name.isascii():
        return f'"{name}" <{addr}>' if any(c in name for c in ',.;:@"') else f"{name} <{addr}>"
    return f"{encoded_word(name, charset)} <{addr}>"


def _message_id(*seed: object, domain: str = "example.se") -> str:
    h = hashlib.sha256(repr(seed).encode("utf-8")).hexdigest()[:24].upper()
    return f"<{h}@{domain}>"


def _domain(addr: str) -> str:
    return addr.rsplit("@", 1)[-1] if "@" in addr else "example.se"


def _paragraphs_html(text: str) -> str:
    body = "".join(f"<p>{html.escape(line) or '&nbsp;'}</p>\n" for line in text.split("\n"))
    return f'<html><head><meta charset="utf-8"><style>p {{margin:0}}</style></head><body>\n{body}</body></html>'


# --------------------------------------------------------------------------
# A person's mail
# --------------------------------------------------------------------------

_SIGNATURES = {
    "outlook": "\n\nMed vänlig hälsning\nSamordnare, Säkerhetsenheten\n",
    "gmail": "\n\nHälsningar\n",
    "apple": "\n\nVänliga hälsningar\n",
    "mobile": "\n\nSkickat från min Samsung Galaxy-smartphone.",
}


def build_mail(sender: str, subject: str, body: str, attachments: Iterable[FileSpec] = (), *,
               charset: str = "utf-8", transfer: str = "base64", filename_encoding: str = "rfc2231",
               client: str = "outlook", message_id: str | None = None, date: str | None = None,
               in_reply_to: str | None = None, references: Sequence[str] = (), sender_name: str = "",
               to: str = COUNTY_ADDRESS, cc: str | None = None,
               headers: dict[str, str] | Sequence[tuple[str, str]] | None = None, nl: bytes = b"\r\n") -> bytes:
    """A mail as `client` sends it. `sender` "" leaves From out; `headers` are added at the top."""
    files = list(attachments)
    boundaries = _Boundaries(client, f"{sender}|{subject}|{message_id}")
    text = body + _SIGNATURES.get(client, "")
    body_charset = "us-ascii" if client == "outlook" and text.isascii() else charset
    plain = text_part(text, "plain", body_charset, transfer)

    if client == "apple":
        tail = text_part(_SIGNATURES["apple"].strip() + "\n", "plain", charset, "quoted-printable")
        first = text_part(body + "\n", "plain", charset, "quoted-printable")
        parts = [first] + [file_part(unicodedata.normalize("NFD", n), d, t, encoding=filename_encoding,
                                     client="apple", charset=charset) for n, d, t in files] + [tail]
        root = multipart("mixed", parts, boundaries) if files else plain
    else:
        if client == "mobile":
            content: Part = plain
        else:
            htmlpart = text_part(_paragraphs_html(text), "html", charset, transfer)
            content = multipart("alternative", [plain, htmlpart], boundaries)
        attached = [
            file_part(n, d, t, encoding=filename_encoding, client=client, charset=charset,
                      content_id=f"f_{hashlib.sha1(d).hexdigest()[:10]}{i}" if client == "gmail" else None)
            for i, (n, d, t) in enumerate(files)
        ]
        root = multipart("mixed", [content, *attached], boundaries) if attached else content

    top: list[tuple[str, str | bytes]] = list(headers.items() if isinstance(headers, dict) else headers or [])
    if sender:
        top.append(("From", address(sender, sender_name, charset)))
    top.append(("To", to))
    if cc:
        top.append(("Cc", cc))
    top.append(("Subject", encoded_word(subject, charset)))
    if client == "outlook":
        top += [("Thread-Topic", encoded_word(subject, charset)), ("Thread-Index", "AdtE3m1Zk2Yx0QqRT0uWmV4nLk8Zqw==")]
    top.append(("Date", date or DEFAULT_DATE))
    top.append(("Message-ID", message_id or _message_id(sender, subject, body, domain=_domain(sender))))
    if in_reply_to:
        top.append(("In-Reply-To", in_reply_to))
        top.append(("References", " ".join([*references, in_reply_to]) if in_reply_to not in references
                    else " ".join(references)))
    if client == "outlook":
        top += [("Accept-Language", "sv-SE, en-US"), ("Content-Language", "sv-SE"),
                ("X-MS-Has-Attach", "yes" if files else ""), ("X-MS-TNEF-Correlator", "")]
    elif client == "apple":
        top.append(("X-Mailer", "Apple Mail (2.3774.600.62)"))
    elif client == "mobile":
        top.append(("X-Mailer", "Samsung Email"))
    top.append(("MIME-Version", "1.0"))
    root.headers = top + root.headers
    return render(root, nl)


def drop_header(eml: bytes, name: str) -> bytes:
    """`eml` with every top-level header `name` (and its folded lines) removed."""
    head, sep, rest = eml.partition(b"\r\n\r\n") if b"\r\n\r\n" in eml else eml.partition(b"\n\n")
    nl = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
    lines = head.split(nl)
    out: list[bytes] = []
    dropping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                out.append(line)
            continue
        dropping = line.lower().startswith(name.lower().encode("ascii") + b":")
        if not dropping:
            out.append(line)
    return nl.join(out) + sep + rest


def add_headers(eml: bytes, headers: Sequence[tuple[str, str]]) -> bytes:
    """`eml` with `headers` put on top, as a receiving server would add them."""
    nl = b"\r\n" if b"\r\n" in eml[:2000] else b"\n"
    return b"".join(f"{n}: {v}".encode() + nl for n, v in headers) + eml


# --------------------------------------------------------------------------
# Forwards and replies
# --------------------------------------------------------------------------


def forward(original_eml: bytes, forwarder: str, note: str = "Vidarebefordrar lägesbilden från min kollega.",
            *, style: str = "attachment", subject: str | None = None, eml_name: str | None = None) -> bytes:
    """`original_eml` forwarded by `forwarder`.

    style "attachment": a message/rfc822 part (Outlook's "forward as attachment");
    "eml": an application/octet-stream .eml file (some web mail);
    "inline": the original's text under a "Vidarebefordrat meddelande" line,
    its attachments re-attached at the top level (Gmail, Outlook default).
    """
    orig = email.message_from_bytes(original_eml, policy=policy.default)
    orig_subject = str(orig.get("Subject", ""))
    fsubject = subject or f"VB: {orig_subject}"
    boundaries = _Boundaries("outlook", f"fwd|{forwarder}|{orig_subject}|{style}")
    head: list[tuple[str, str | bytes]] = [
        ("From", forwarder), ("To", COUNTY_ADDRESS), ("Subject", encoded_word(fsubject)),
        ("Date", "Fri, 30 Oct 2026 09:12:00 +0100"),
        ("Message-ID", _message_id("fwd", forwarder, original_eml, style, domain=_domain(forwarder))),
        ("MIME-Version", "1.0"),
    ]
    if style == "inline":
        body_part = orig.get_body(preferencelist=("plain",))
        orig_text = body_part.get_content() if body_part is not None else ""
        text = (f"{note}\n\n{FORWARD_LINE}\nFrån: {orig.get('From', '')}\nDatum: {orig.get('Date', '')}\n"
                f"Ämne: {orig_subject}\nTill: {orig.get('To', '')}\n\n{orig_text}")
        parts = [text_part(text, transfer="quoted-printable")]
        for a in orig.iter_attachments():
            data = a.get_payload(decode=True)
            assert isinstance(data, bytes)
            parts.append(file_part(a.get_filename() or "bilaga", data, a.get_content_type()))
        root = multipart("mixed", parts, boundaries)
    else:
        name = eml_name or f"{orig_subject or 'meddelande'}.eml"
        if style == "attachment":
            inner = Part([("Content-Type", "message/rfc822"),
                          ("Content-Disposition", f"attachment; {rfc2231('filename', name)}")],
                         body=original_eml)
        elif style == "eml":
            inner = file_part(name, original_eml, "application/octet-stream")
        else:
            raise ValueError(f"unknown forward style {style!r}")
        root = multipart("mixed", [text_part(note), inner], boundaries)
    root.headers = head + root.headers
    return render(root)


def forward_chain(original_eml: bytes, times: int) -> bytes:
    """`original_eml` forwarded as an attachment `times` times over (nesting depth)."""
    eml = original_eml
    for i in range(times):
        eml = forward(eml, f"vidare{i}@ludvika.se", f"Vidare nr {i}.", subject=f"VB: nivå {i}",
                      eml_name=f"niva{i}.eml")
    return eml


REMINDER_TEXT = (
    "Hej!\n\nDetta är en påminnelse om att lägesbilden för oktober 2026 ska lämnas senast den 30 oktober.\n"
    "Blanketten bifogas.\n\nMed vänlig hälsning\nLänsstyrelsen Dalarna"
)


def reply_chain(sender: str, reply_text: str, attachments: Iterable[FileSpec] = (), *,
                original_subject: str = REMINDER_SUBJECT, quoted_text: str = REMINDER_TEXT,
                style: str = "outlook", in_reply_to: str = "<paminnelse-2026-10.ludvika@lansstyrelsen.example.se>",
                prefix: str | None = None) -> bytes:
    """A reply to the county's mail, quoting it: "SV: Påminnelse ..." (Outlook) or "Sv:" (Gmail)."""
    if style == "outlook":
        subject = f"{prefix or 'SV:'} {original_subject}"
        quoted = (f"\n\nFrån: Länsstyrelsen Dalarna <{COUNTY_ADDRESS}>\nSkickat: den 26 oktober 2026 08:00\n"
                  f"Till: {sender}\nÄmne: {original_subject}\n\n{quoted_text}")
    else:
        subject = f"{prefix or 'Sv:'} {original_subject}"
        quoted = ("\n\nDen mån 26 okt. 2026 kl 08:00 skrev Länsstyrelsen Dalarna <" + COUNTY_ADDRESS + ">:\n"
                  + "\n".join(f"> {line}" if line else ">" for line in quoted_text.split("\n")))
    return build_mail(sender, subject, reply_text + quoted, attachments,
                      client="outlook" if style == "outlook" else "gmail",
                      filename_encoding="rfc2231" if style == "outlook" else "encoded-word",
                      in_reply_to=in_reply_to, references=(in_reply_to,),
                      transfer="quoted-printable")


# --------------------------------------------------------------------------
# Automatic mail
# --------------------------------------------------------------------------


def out_of_office(sender: str, original_subject: str = REMINDER_SUBJECT, *, style: str = "exchange",
                  subject: str | None = None) -> bytes:
    """An out-of-office reply.

    "exchange": "Automatiskt svar: ..." with Auto-Submitted and X-Auto-Response-Suppress;
    "gmail": the vacation responder (Auto-Submitted: auto-replied, the user's own subject);
    "subject_only": no automatic headers at all, only the subject gives it away.
    """
    body = ("Hej!\n\nJag är på semester till och med den 14 augusti och läser inte min e-post.\n"
            "Vid brådskande ärenden, kontakta växeln.")
    extra: list[tuple[str, str]] = []
    if style == "exchange":
        subject = subject or f"Automatiskt svar: {original_subject}"
        extra = [("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"),
                 ("X-MS-Exchange-Inbox-Rules-Loop", sender)]
        client = "outlook"
    elif style == "gmail":
        subject = subject or "Semester"
        extra = [("Auto-Submitted", "auto-replied")]
        client = "gmail"
    elif style == "subject_only":
        subject = subject or f"Frånvaro: {original_subject}"
        client = "mobile"
    else:
        raise ValueError(f"unknown out-of-office style {style!r}")
    return build_mail(sender, subject, body, client=client, headers=extra,
                      in_reply_to="<paminnelse-2026-10@lansstyrelsen.example.se>", transfer="quoted-printable")


def bounce(original_eml: bytes, *, style: str = "postfix", recipient: str = "samordnare@ludvika.se") -> bytes:
    """A delivery failure report about `original_eml`.

    "postfix": multipart/report delivery-status from MAILER-DAEMON;
    "exchange": Exchange's "Olevererbart:" NDR from postmaster, multipart/report;
    "subject_only": a plain mail from a gateway whose only sign is the subject.
    """
    orig = email.message_from_bytes(original_eml, policy=policy.default)
    orig_subject = str(orig.get("Subject", ""))
    boundaries = _Boundaries("other", f"bounce|{style}|{orig_subject}")
    status = ("Reporting-MTA: dns; mx1.lansstyrelsen.example.se\nArrival-Date: Thu, 29 Oct 2026 14:03:01 +0100\n\n"
              f"Final-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\nAction: failed\n"
              "Status: 5.1.1\nRemote-MTA: dns; mail.ludvika.se\n"
              f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\n")
    if style == "postfix":
        head = [("Return-Path", "<>"), ("From", "MAILER-DAEMON@mx1.lansstyrelsen.example.se (Mail Delivery System)"),
                ("Subject", "Undelivered Mail Returned to Sender"), ("Auto-Submitted", "auto-replied")]
        notice = ("This is the mail system at host mx1.lansstyrelsen.example.se.\n\nI'm sorry to have to inform you "
                  "that your message could not\nbe delivered to one or more recipients.\n")
    elif style == "exchange":
        head = [("From", "Microsoft Outlook <postmaster@ludvika.se>"),
                ("Subject", encoded_word(f"Olevererbart: {orig_subject}"))]
        notice = "Det gick inte att leverera meddelandet till följande mottagare:\n\n" + recipient + "\n"
    elif style == "subject_only":
        root = text_part(f"Meddelandet kunde inte levereras till {recipient}.\n")
        root.headers = [("From", "E-postgateway <noreply@gateway.ludvika.se>"), ("To", COUNTY_ADDRESS),
                        ("Subject", encoded_word(f"Olevererbart: {orig_subject}")), ("Date", DEFAULT_DATE),
                        ("Message-ID", _message_id("ndr", orig_subject)), ("MIME-Version", "1.0"), *root.headers]
        return render(root)
    else:
        raise ValueError(f"unknown bounce style {style!r}")
    report = Part([("Content-Type", "message/delivery-status")], body=status.encode("ascii"))
    returned = Part([("Content-Type", "message/rfc822")], body=original_eml)
    root = multipart("report", [text_part(notice, charset="utf-8"), report, returned], boundaries,
                     params="report-type=delivery-status")
    root.headers = [*head, ("To", COUNTY_ADDRESS), ("Date", DEFAULT_DATE),
                    ("Message-ID", _message_id("bounce", style, orig_subject)), ("MIME-Version", "1.0"),
                    *root.headers]
    return render(root)


def read_receipt(sender: str = "samordnare@ludvika.se", original_subject: str = REMINDER_SUBJECT) -> bytes:
    """An Outlook read receipt ("Läst: ..."): multipart/report with a disposition notification."""
    boundaries = _Boundaries("outlook", f"mdn|{sender}|{original_subject}")
    notice = text_part(f"Ditt meddelande\n\n  Ämne: {original_subject}\n\nlästes den 29 oktober 2026 14:10.\n")
    mdn = Part([("Content-Type", "message/disposition-notification")],
               body=(f"Final-Recipient: rfc822;{sender}\nDisposition: automatic-action/MDN-sent-automatically; "
                     "displayed\n").encode("ascii"))
    root = multipart("report", [notice, mdn], boundaries, params="report-type=disposition-notification")
    root.headers = [("From", sender), ("To", COUNTY_ADDRESS), ("Subject", encoded_word(f"Läst: {original_subject}")),
                    ("Date", DEFAULT_DATE), ("Message-ID", _message_id("mdn", sender)), ("MIME-Version", "1.0"),
                    *root.headers]
    return render(root)


# --------------------------------------------------------------------------
# Outlook's winmail.dat
# --------------------------------------------------------------------------


def _tnef_attr(level: int, att_id: int, att_type: int, data: bytes) -> bytes:
    return struct.pack("<BHHI", level, att_id, att_type, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)


def _mapi_string(prop_id: int, text: str, unicode: bool = True) -> bytes:
    raw = (text + "\x00").encode("utf-16-le" if unicode else "cp1252")
    ptype = 0x001F if unicode else 0x001E
    return struct.pack("<HHII", ptype, prop_id, 1, len(raw)) + raw + b"\x00" * (-len(raw) % 4)


def _mapi_binary(prop_id: int, data: bytes) -> bytes:
    return struct.pack("<HHII", 0x0102, prop_id, 1, len(data)) + data + b"\x00" * (-len(data) % 4)


def tnef_bytes(files: Sequence[tuple[str, bytes]], *, long_names: bool = True, data_in_mapi: bool = False,
               codepage: int = 1252) -> bytes:
    """A winmail.dat holding `files` (MS-OXTNEF).

    Outlook style: attAttachTitle (8-bit name), attAttachData (the bytes) and an
    attAttachment property list with the Unicode long filename. `data_in_mapi`
    writes the bytes as PR_ATTACH_DATA_BIN inside the list instead (Exchange).
    `long_names` False leaves the long name out, so the 8-bit title is all there is.
    """
    out = [struct.pack("<IH", 0x223E9F78, 0x4A1B)]
    out.append(_tnef_attr(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000)))  # attTnefVersion
    out.append(_tnef_attr(1, 0x9007, 0x0006, struct.pack("<II", codepage, 0)))  # attOemCodepage
    out.append(_tnef_attr(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00"))  # attMessageClass
    for name, data in files:
        rend = struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0)  # file, no position, no size, no flags
        out.append(_tnef_attr(2, 0x9002, 0x0006, rend))
        out.append(_tnef_attr(2, 0x8010, 0x0001, name.encode(f"cp{codepage}", "replace") + b"\x00"))
        if not data_in_mapi:
            out.append(_tnef_attr(2, 0x800F, 0x0006, data))
        props = [struct.pack("<HHI", 0x0003, 0x3705, 1)]  # PR_ATTACH_METHOD = ATTACH_BY_VALUE
        ext = "." + name.rsplit(".", 1)[-1] if "." in name else ""
        props.append(_mapi_string(0x3703, ext, unicode=False))  # PR_ATTACH_EXTENSION
        if long_names:
            props.append(_mapi_string(0x3707, name))  # PR_ATTACH_LONG_FILENAME
        if data_in_mapi:
            props.append(_mapi_binary(0x3701, data))  # PR_ATTACH_DATA_BIN
        out.append(_tnef_attr(2, 0x9005, 0x0006, struct.pack("<I", len(props)) + b"".join(props)))
    return b"".join(out)


def winmail(sender: str, subject: str, files: Sequence[tuple[str, bytes]], *, body: str = "Hej! Se bifogad fil.",
            long_names: bool = True, data_in_mapi: bool = False) -> bytes:
    """An Outlook "rich text" mail: a plain body and a winmail.dat holding `files`."""
    boundaries = _Boundaries("outlook", f"tnef|{sender}|{subject}")
    dat = tnef_bytes(files, long_names=long_names, data_in_mapi=data_in_mapi)
    tnef_part = Part([("Content-Type", 'application/ms-tnef; name="winmail.dat"'),
                      ("Content-Disposition", 'attachment; filename="winmail.dat"'),
                      ("Content-Transfer-Encoding", "base64")], body=encode_body(dat, "base64"))
    root = multipart("mixed", [text_part(body, charset="iso-8859-1"), tnef_part], boundaries)
    root.headers = [("From", sender), ("To", COUNTY_ADDRESS), ("Subject", encoded_word(subject)),
                    ("Date", DEFAULT_DATE), ("Message-ID", _message_id("tnef", sender, subject)),
                    ("X-MS-Has-Attach", "yes"), ("X-MS-TNEF-Correlator", "<00000000A1B2@example.se>"),
                    ("MIME-Version", "1.0"), *root.headers]
    return render(root)


# --------------------------------------------------------------------------
# Other shapes
# --------------------------------------------------------------------------


def latin1_mail(sender: str, subject: str, body: str, attachments: Iterable[FileSpec] = (), *,
                sender_name: str = "Göran Åström", transfer: str = "quoted-printable") -> bytes:
    """An older client writing ISO-8859-1: encoded-word subject, From and filename; a Latin-1 body."""
    boundaries = _Boundaries("other", f"latin1|{sender}|{subject}")
    files = list(attachments)
    parts = [text_part(body, charset="iso-8859-1", transfer=transfer)]
    parts += [file_part(n, d, t, encoding="encoded-word", charset="iso-8859-1", client="other") for n, d, t in files]
    root = multipart("mixed", parts, boundaries) if files else parts[0]
    root.headers = [("From", address(sender, sender_name, "iso-8859-1")), ("To", COUNTY_ADDRESS),
                    ("Subject", encoded_word(subject, "iso-8859-1")), ("Date", DEFAULT_DATE),
                    ("Message-ID", _message_id("latin1", sender, subject)), ("MIME-Version", "1.0"),
                    ("X-Mailer", "Lotus Notes Release 9.0.1"), *root.headers]
    return render(root, b"\n")


def png_1x1() -> bytes:
    """A valid 1x1 PNG (a stand-in for a signature logo)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + \
        chunk(b"IEND", b"")


def with_signature_logo(sender: str, subject: str, body: str, attachments: Iterable[FileSpec] = (), *,
                        logo_disposition: str | None = "inline") -> bytes:
    """Outlook HTML mail with the organisation's logo (image001.png, Content-ID) in the signature."""
    boundaries = _Boundaries("outlook", f"logo|{sender}|{subject}")
    cid = "image001.png@01DB2A3C.5D6E7F80"
    text = body + _SIGNATURES["outlook"]
    html_body = _paragraphs_html(text).replace("</body>", f'<p><img src="cid:{cid}" alt="Logotyp"></p></body>')
    alternative = multipart("alternative", [text_part(text, transfer="quoted-printable"),
                                            text_part(html_body, "html", transfer="quoted-printable")], boundaries)
    logo = file_part("image001.png", png_1x1(), "image/png", encoding="encoded-word",
                     disposition=logo_disposition, content_id=cid)
    related = multipart("related", [alternative, logo], boundaries, params='type="multipart/alternative"')
    files = [file_part(n, d, t) for n, d, t in attachments]
    root = multipart("mixed", [related, *files], boundaries) if files else related
    root.headers = [("From", sender), ("To", COUNTY_ADDRESS), ("Subject", encoded_word(subject)),
                    ("Date", DEFAULT_DATE), ("Message-ID", _message_id("logo", sender, subject)),
                    ("MIME-Version", "1.0"), *root.headers]
    return render(root)


def form_text(municipality: str, year: int, month: int, answers: dict[int, Answer]) -> str:
    """The form as text, the way it reads when pasted from the Word template into a mail."""
    from parsers.period import month_name

    form = default_form()
    lines = [form.title, f"{month_name(month).capitalize()} månad {year}",
             f"Underlaget inlämnat av kommun: {municipality} kommun"]
    for q in form.questions:
        wording = q.text if not q.text.startswith(q.short) else q.text[len(q.short):].lstrip()
        lines.append(f"Fråga {q.number}, {q.short}: {wording}")
        if q.impact:
            impact = answers[q.number].impact
            lines.append(f"Påverkan: {impact if impact else '1-5'}")
        lines.append(f"Kommentar: {answers[q.number].comment}")
    return "\n".join(lines)


def body_only_form(sender: str, municipality: str = "Ludvika", year: int = 2026, month: int = 10, *,
                   html_only: bool = False, seed: int = 0) -> bytes:
    """The form pasted into the mail body, no attachment; `html_only` sends HTML alone (entities and all)."""
    answers = form_answers(municipality, year, month, seed)
    text = "Hej! Blanketten fungerade inte, så jag klistrar in svaren här.\n\n" + \
        form_text(municipality, year, month, answers)
    subject = f"Lägesbild oktober {municipality}"
    if not html_only:
        return build_mail(sender, subject, text, client="mobile", transfer="quoted-printable")
    html_text = "<html><body>" + "".join(
        f"<div>{html.escape(line).encode('ascii', 'xmlcharrefreplace').decode('ascii') or '<br>'}</div>\r\n"
        for line in text.split("\n")) + "</body></html>"
    root = Part([("Content-Type", 'text/html; charset="us-ascii"'), ("Content-Transfer-Encoding", "7bit")],
                body=html_text.encode("ascii"))
    root.headers = [("From", sender), ("To", COUNTY_ADDRESS), ("Subject", encoded_word(subject)),
                    ("Date", DEFAULT_DATE), ("Message-ID", _message_id("html", sender)), ("MIME-Version", "1.0"),
                    *root.headers]
    return render(root)


# --------------------------------------------------------------------------
# Hostile mail
# --------------------------------------------------------------------------


def many_attachments(n: int = 600, sender: str = "samordnare@ludvika.se") -> bytes:
    """A mail with `n` small attachments."""
    files = [(f"fil{i:04d}.txt", f"innehåll {i}\n".encode(), "text/plain") for i in range(n)]
    return build_mail(sender, "Många bilagor", "Se bilagorna.", files, client="mobile")


def deep_nesting(depth: int = 50, sender: str = "samordnare@ludvika.se") -> bytes:
    """A docx at the bottom of `depth` nested multipart/mixed levels (written flat, so any depth works)."""
    leaf = render(file_part("djupt.docx", b"PK\x03\x04 not really a docx", DOCX_TYPE))
    top = (f"From: {sender}\r\nTo: {COUNTY_ADDRESS}\r\nSubject: Djup\r\nDate: {DEFAULT_DATE}\r\n"
           f"Message-ID: {_message_id('deep', depth)}\r\nMIME-Version: 1.0\r\n")
    opening = "".join(f'Content-Type: multipart/mixed; boundary="niva{i}"\r\n\r\n--niva{i}\r\n' for i in range(depth))
    closing = "".join(f"\r\n--niva{i}--\r\n" for i in reversed(range(depth)))
    return top.encode("ascii") + opening.encode("ascii") + leaf + closing.encode("ascii")


def broken_charset(sender: str = "samordnare@ludvika.se", attachment: FileSpec | None = None) -> bytes:
    """Made-up charset names everywhere: subject, body and an RFC 2231 filename (Latin-1 bytes underneath)."""
    boundaries = _Boundaries("other", "broken")
    body = "Hälsningar från Älvdalen.\n".encode("latin-1")
    text = Part([("Content-Type", 'text/plain; charset="x-broken-8859"'),
                 ("Content-Transfer-Encoding", "quoted-printable")], body=quopri.encodestring(body))
    parts = [text]
    if attachment is not None:
        name, data, ctype = attachment
        quoted = urllib.parse.quote(name.encode("latin-1"), safe="")
        disposition = f"attachment; filename*=x-broken''{quoted}"
        parts.append(Part([("Content-Type", ctype), ("Content-Disposition", disposition),
                           ("Content-Transfer-Encoding", "base64")], body=encode_body(data, "base64")))
    root = multipart("mixed", parts, boundaries)
    root.headers = [("From", sender), ("To", COUNTY_ADDRESS), ("Subject", "=?x-broken?Q?L=E4gesbild_oktober?="),
                    ("Date", DEFAULT_DATE), ("Message-ID", _message_id("broken")), ("MIME-Version", "1.0"),
                    *root.headers]
    return render(root)
