"""Reading one e-mail message: bytes in, a typed `MailMessage` out.

The structure is parsed by the standard library's `email` parser and the
header values are then read defensively here: taken raw and decoded by this
module (RFC 2047 encoded-words, RFC 2231 parameters, raw 8-bit UTF-8 or
Windows-1252, unknown charset names), so one odd header costs a line in
`problems`, not the message. `read_message` never raises on bad input; it
returns what it could read and says what it could not.

Why the parse uses `policy.compat32` and not `policy.default`: the latter's
structured header parser runs while the message is parsed (for every
Content-Type) and is quadratic on crafted values (8 KB of quotes: ~2 s on
3.11) and recursive on nested comments (a few thousand "(" raise
RecursionError, and the whole message would be lost). compat32 keeps header
values as strings and splits parameters with simple linear code. The
structured parser is used only for address headers, under a length cap,
because its address grammar is the careful one (a From header is what the
sender is matched on).

What counts as an attachment: every leaf part that is not the body and has a
filename or `Content-Disposition: attachment`, and `application/*` parts
without a name (they get one, e.g. "bilaga-1.docx", from their bytes).
Forwarded messages (message/rfc822 parts, and .eml files) are opened
recursively and so are Outlook's winmail.dat files; what is found inside them
is marked `forwarded`. Left out: empty parts, inline images (signature
logos), vCards, calendar invitations, S/MIME and PGP signatures, and the
message's own HTML alternative of its body.

Filenames are for display only: control characters are removed and any
directory part ("../../x.docx" -> "x.docx") is dropped, but a caller must
still never use one as a path.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.message
import email.utils
import hashlib
import mimetypes
import quopri
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import InvalidBase64LengthDefect, InvalidHeaderDefect, MessageError
from html.parser import HTMLParser

from ingest import tnef
from ingest.authresults import AuthResults, parse_authentication_results
from ingest.classify import automatic_reason
from ingest.mime import parse_fast
from parsers.limits import Refused
from parsers.result import Format
from parsers.sniff import detect_format

__all__ = ["Attachment", "MailMessage", "read_message"]

# What the standard library's email code is known to raise on hostile input
# (header parser index errors, bad dates, unknown codecs, deep recursion).
# Caught only around calls into that code, never around our own logic.
_EMAIL_ERRORS = (MessageError, ValueError, TypeError, IndexError, KeyError, AttributeError,
                 LookupError, OverflowError, UnicodeError, AssertionError, RecursionError)

MAX_PROBLEMS = 50
# An address header longer than this is not handed to the structured header
# parser, whose worst cases grow faster than linearly on crafted input (2 KB:
# ~0.1 s at worst); only the first few headers of a name are read.
_MAX_STRUCTURED_HEADER = 2000
_MAX_ADDRESS_HEADERS = 5
_FORWARD_LINE = "---------- Vidarebefordrat meddelande ----------"

_SIGNATURE_TYPES = frozenset({
    "application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature",
    "application/pgp-keys",
})
_ENCRYPTED_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
_VCARD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory", "application/vcard",
                          "application/vcard+json", "application/vcard+xml"})
_CALENDAR_TYPES = frozenset({"text/calendar", "application/ics", "text/x-vcalendar", "application/calendar+json"})
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_SKIPPED_EXTENSIONS = (".p7s", ".vcf", ".ics", ".vcs")
_EXT_FOR_FORMAT = {Format.TEXT: ".txt", Format.UNKNOWN: ""}


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that came with the message.

    `filename` is the sender's name for it, decoded (RFC 2231, encoded-words,
    raw UTF-8 or Windows-1252), NFC-normalised and stripped of any directory
    part and control characters; for display only, never a path. The parser
    sniffs `content` itself; `content_type` is only what was declared.
    `forwarded` is True for files found inside a forwarded message or a
    winmail.dat.
    """

    filename: str
    content: bytes
    content_type: str
    forwarded: bool


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One message as read: its headers decoded, its body text and its attachments.

    - `message_id`: "<...>" as given; a stable synthetic
      "<sha256-of-the-bytes@lagesbild.invalid>" when missing.
    - `sender`, `reply_to`, `to`, `cc`: lower-cased addresses ("" / None / ()
      when absent or unparseable).
    - `date`: the sender's Date: header (aware; never the received time).
    - `received_at`: the date of the newest Received: header that has one
      (aware); only a fallback for when the mailbox gives no time.
    - `body_text`: the text/plain body, or the text of the HTML body when
      there is no plain one; whole, quoted reply chain included. The bodies
      of forwarded messages follow, each after a "Vidarebefordrat
      meddelande" separator line, as an inline forward would show them.
    - `auto`: why this is an automatic message (ingest.classify), or None.
    - `auth`: the receiving server's Authentication-Results, or None.
    - `suppress_replies`: the X-Auto-Response-Suppress value, or None: the
      sender asks for no automatic answer (see flow.answering).
    - `auth_headers`, `exchange_auth_as`: what `ingest.authresults.sender_verdict`
      decides on (which of them to believe is the configuration's to say).
    - `problems`: what could not be read cleanly, in English, for the log.
    """

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender: str
    sender_name: str
    reply_to: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    received_at: datetime | None
    body_text: str
    attachments: tuple[Attachment, ...]
    auto: str | None
    auth: AuthResults | None
    problems: tuple[str, ...]
    suppress_replies: str | None = None  # X-Auto-Response-Suppress as sent (Exchange: "no auto-replies")
    auth_headers: tuple[str, ...] = ()  # every Authentication-Results value, topmost first
    exchange_auth_as: str | None = None  # X-MS-Exchange-Organization-AuthAs (see ingest.authresults)


def read_message(raw: bytes, max_parts: int = 500, max_depth: int = 10,
                 trusted_authserv_ids: tuple[str, ...] = ()) -> MailMessage:
    """Read the message in `raw`. Never raises on bad input.

    Stops walking after `max_parts` MIME parts and does not go deeper than
    `max_depth` levels of nesting (multiparts and forwarded messages), with
    a problem noted either way. `trusted_authserv_ids` names the receiving
    servers whose Authentication-Results count (see
    `ingest.authresults.parse_authentication_results`; empty: the topmost).
    """
    problems = _Problems()
    msg = _parse(raw, problems)
    subject = _decode_header(_raw_header(msg, "Subject") or "", problems, "Subject")
    senders = _addresses(msg, "From", problems)
    sender_name, sender = senders[0] if senders else ("", "")
    if len({addr for _, addr in senders}) > 1:
        # Which one is the sender? Not a guess to make on a security boundary.
        problems.add("several From addresses; none is used")
        sender_name, sender = "", ""
    if not sender:
        problems.add("no usable From address")
    reply_tos = _addresses(msg, "Reply-To", problems)

    walk = _Walk(max_parts=max_parts, max_depth=max_depth, problems=problems)
    body = _read_entity_tree(msg, depth=0, forwarded=False, walk=walk)

    auto = automatic_reason(msg, subject)
    auth = parse_authentication_results(_raw_headers(msg, "Authentication-Results"), trusted_authserv_ids)

    return MailMessage(
        message_id=_message_id(msg, raw, problems),
        in_reply_to=next(iter(_msg_ids(_raw_header(msg, "In-Reply-To") or "")), None),
        references=tuple(dict.fromkeys(_msg_ids(" ".join(_raw_headers(msg, "References"))))),
        subject=subject,
        sender=sender,
        sender_name=sender_name,
        reply_to=reply_tos[0][1] if reply_tos and reply_tos[0][1] else None,
        to=_unique(addr for _, addr in _addresses(msg, "To", problems) if addr),
        cc=_unique(addr for _, addr in _addresses(msg, "Cc", problems) if addr),
        date=_date_header(msg, problems),
        received_at=_received_at(msg, problems),
        body_text=body,
        attachments=tuple(walk.attachments),
        auto=auto,
        auth=auth,
        problems=tuple(problems.items),
        suppress_replies=(_raw_header(msg, "X-Auto-Response-Suppress") or "").strip()[:200] or None,
        auth_headers=tuple(v[:4000] for v in _raw_headers(msg, "Authentication-Results")[:20]),
        exchange_auth_as=(_raw_header(msg, "X-MS-Exchange-Organization-AuthAs") or "").strip()[:40] or None,
    )


# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Problems:
    """Distinct problem lines in order, capped so a hostile message cannot flood the log."""

    items: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, text: str) -> None:
        if text in self.items:
            return
        if len(self.items) < MAX_PROBLEMS - 1:
            self.items.append(text)
        elif self.dropped == 0:
            self.dropped = 1
            self.items.append("more problems than are listed")


# ---------------------------------------------------------------------------
# Parsing and raw headers
# ---------------------------------------------------------------------------


def _parse(raw: bytes, problems: _Problems) -> email.message.Message:
    try:
        fast = parse_fast(raw)  # the same tree, for ordinary mail, without the feed parser's line-by-line pass
    except _EMAIL_ERRORS:
        fast = None  # the feed parser below meets the same trouble and says what it is
    if fast is not None:
        return fast
    try:
        return email.message_from_bytes(raw, policy=policy.compat32)
    except _EMAIL_ERRORS as exc:
        problems.add(f"the message could not be parsed: {type(exc).__name__}")
        return email.message.Message()


def _raw_headers(part: email.message.Message, name: str) -> list[str]:
    """Every raw value of header `name`, unfolded, in message order.

    Raw values from a bytes parse carry non-ASCII bytes as surrogate escapes.
    """
    lname = name.lower()
    out: list[str] = []
    for key, value in part.raw_items():
        if key.lower() == lname:
            text = value if isinstance(value, str) else str(value)
            out.append(re.sub(r"\r?\n[ \t]*", " ", text).strip())
    return out


def _raw_header(part: email.message.Message, name: str) -> str | None:
    values = _raw_headers(part, name)
    return values[0] if values else None


def _to_bytes(text: str) -> bytes:
    """A raw header string back to the bytes it was parsed from."""
    return text.encode("utf-8", "surrogateescape")


# ---------------------------------------------------------------------------
# Decoding text
# ---------------------------------------------------------------------------

_ENCODED_WORD_RE = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS_RE = re.compile(rb"[ \t\r\n]+")


def _codec(charset: str) -> str | None:
    """The Python codec for a MIME charset name, or None when unknown."""
    name = charset.strip().strip('"').split("*", 1)[0].lower()  # RFC 2231 "utf-8*sv"
    if not name or name in ("unknown-8bit", "x-unknown", "unknown"):
        return None
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None
    # "base64", "rot13", "zlib" and the like are codecs but not text encodings.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def _decode_bytes(data: bytes, charset: str | None, problems: _Problems, where: str) -> str:
    """Decode `data` declared as `charset` (None: undeclared), falling back sensibly.

    Undeclared or unknown: UTF-8 if it is valid, else Windows-1252, else
    Latin-1 (which cannot fail). A problem is noted when the declaration was
    wrong or unknown.
    """
    if charset:
        codec = _codec(charset)
        if codec is None:
            problems.add(f"unknown charset {charset[:40]!r} in {where}; read as UTF-8 or Windows-1252")
        else:
            try:
                return data.decode(codec)
            except UnicodeError:  # UnicodeDecodeError, or the "undefined" codec refusing everything
                problems.add(f"{where} is not valid {charset[:40]}; read as UTF-8 or Windows-1252")
    return _guess_decode(data)


def _guess_decode(data: bytes) -> str:
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _decode_header_bytes(data: bytes, problems: _Problems, where: str) -> str:
    """Decode a header value: RFC 2047 encoded-words and raw 8-bit text.

    Adjacent encoded-words in the same charset are joined before decoding, so
    a multi-byte letter split between two words (some encoders do that)
    survives. Whitespace between encoded-words is dropped, as RFC 2047 says.
    """
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(_decode_bytes(b"".join(pending), pending_charset, problems, where))
        pending, pending_charset = [], ""

    for m in _ENCODED_WORD_RE.finditer(data):
        gap = data[pos:m.start()]
        if gap and not (pending and _BETWEEN_WORDS_RE.fullmatch(gap)):
            flush()
            out.append(_raw_text(gap, problems, where))
        charset = m.group(1).decode("ascii", "replace")
        decoded = _decode_word(m.group(2), m.group(3))
        if pending and charset.lower() != pending_charset.lower():
            flush()
        pending.append(decoded)
        pending_charset = charset
        pos = m.end()
    flush()
    if pos < len(data):
        out.append(_raw_text(data[pos:], problems, where))
    return "".join(out)


def _decode_word(kind: bytes, text: bytes) -> bytes:
    if kind in (b"B", b"b"):
        text = text + b"=" * (-len(text) % 4)
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            # Junk inside the word: keep the base64 letters, whole groups of four only.
            cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", text)
            try:
                return base64.b64decode(cleaned[: len(cleaned) // 4 * 4])
            except (binascii.Error, ValueError):
                return b""
    return quopri.decodestring(text.replace(b"_", b" "), header=False)


def _raw_text(data: bytes, problems: _Problems, where: str) -> str:
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(f"raw 8-bit text in {where} is not UTF-8; read as Windows-1252")
        return _guess_decode(data)


def _decode_header(raw: str, problems: _Problems, where: str) -> str:
    text = _decode_header_bytes(_to_bytes(raw), problems, where)
    return unicodedata.normalize("NFC", _no_controls(text, keep="\t")).strip()


def _no_controls(text: str, keep: str = "") -> str:
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs"))


def _fix_surrogates(text: str) -> str:
    """A string from the header parser that still carries raw bytes as surrogates."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _guess_decode(text.encode("utf-8", "surrogateescape"))


# ---------------------------------------------------------------------------
# Addresses, ids and dates
# ---------------------------------------------------------------------------

_ADDR_SPLIT_RE = re.compile(r"[\s<>(),;:\"\[\]]+")
# Legal in a quoted local part, but never in an address a municipality uses;
# an address holding them came out of a header too odd to trust.
_ODD_ADDR_CHARS = frozenset(' \t"(),;:<>[]\\')


def _address_like(raw: str) -> list[str]:
    """Tokens shaped like local@domain (linear: a split, no backtracking regex)."""
    return [t for t in _ADDR_SPLIT_RE.split(raw) if t.count("@") == 1 and not t.startswith("@")
            and not t.endswith("@")]


def _addresses(msg: email.message.Message, name: str, problems: _Problems) -> list[tuple[str, str]]:
    """(display name, lower-cased address) for every address in the `name` headers.

    For From, Reply-To and Sender nothing is guessed: a header the
    structured parser cannot read, or one it could only read by ignoring
    another address in it ("a@x <b@y>"), gives nothing, since a wrong sender
    is worse than none. For To and Cc anything shaped like an address is
    picked out of an unreadable header.
    """
    strict = name.lower() in ("from", "reply-to", "sender")
    out: list[tuple[str, str]] = []
    for raw in _raw_headers(msg, name)[:_MAX_ADDRESS_HEADERS]:
        if not raw.strip():
            continue
        parsed = _structured_addresses(name, raw)
        if parsed is None:
            problems.add(f"malformed {name} header")
            if strict:
                continue
            found = [("", a) for a in _address_like(raw)]
        else:
            found, invalid = parsed
            if strict and invalid and raw.count("@") > len(found):
                problems.add(f"ambiguous {name} header; no address is used from it")
                continue
        for display, addr in found:
            addr = _no_controls(_fix_surrogates(addr)).strip().lower()
            if addr.count("@") != 1 or addr.startswith("@") or addr.endswith("@") or _ODD_ADDR_CHARS & set(addr):
                problems.add(f"{name} holds something that is not a usable address")
                continue
            display = _no_controls(_fix_surrogates(display)).strip()
            if "=?" in display:
                display = _decode_header(display, problems, name)
            out.append((unicodedata.normalize("NFC", display), addr))
    return out


# One plain address, as nearly every mail client writes it: `local@domain`, `<local@domain>`,
# `Word Word <local@domain>` or `"Quoted name" <local@domain>`, in printable ASCII with no
# comments, encoded words or lists. For these the RFC 5322 parser's answer is known (the words of
# an unquoted name joined by one space; a quoted name as written), and it costs a tenth of the
# mail's reading; anything else still goes through it (tests/ingest/test_message.py checks the
# two agree on generated headers).
_PLAIN_ADDR = r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_PLAIN_ADDRESS_RE = re.compile(
    r'[ \t]*(?:(?P<bare>ADDR)|(?:(?P<words>[A-Za-z0-9-]+(?:[ \t]+[A-Za-z0-9-]+)*)|"(?P<quoted>[ !#-\[\]-~]*)")?'
    r'[ \t]*<(?P<angle>ADDR)>)[ \t]*'.replace("ADDR", _PLAIN_ADDR))


def _plain_address(raw: str) -> list[tuple[str, str]] | None:
    """(display name, address) of a header holding one plain address (see above); None otherwise."""
    m = _PLAIN_ADDRESS_RE.fullmatch(raw)
    if m is None:
        return None
    if m["bare"] is not None:
        return [("", m["bare"])]
    if m["quoted"] is not None and "=?" in m["quoted"]:
        return None  # the parser decodes an encoded word even inside quotes (and calls it a defect)
    display = m["quoted"] if m["quoted"] is not None else " ".join((m["words"] or "").split())
    return [(display, m["angle"])]


def _structured_addresses(name: str, raw: str) -> tuple[list[tuple[str, str]], bool] | None:
    """The addresses as the standard library's RFC 5322 parser reads them, and
    whether it found the header invalid; None if it could not read it at all."""
    plain = _plain_address(raw)
    if plain is not None:
        return plain, False
    return _parsed_addresses(name, raw)


def _parsed_addresses(name: str, raw: str) -> tuple[list[tuple[str, str]], bool] | None:
    """`_structured_addresses` by the standard library's parser alone."""
    if len(raw) > _MAX_STRUCTURED_HEADER:
        return None
    try:
        header = policy.default.header_factory(name, raw)
        addresses = getattr(header, "addresses", ())
        found = [(str(a.display_name or ""), str(a.addr_spec or "")) for a in addresses]
        invalid = any(isinstance(d, InvalidHeaderDefect) for d in getattr(header, "defects", ()))
    except _EMAIL_ERRORS:
        return None
    return found, invalid


_MSGID_RE = re.compile(r"<[^<>\s]+>")


def _msg_ids(value: str) -> list[str]:
    return _MSGID_RE.findall(_no_controls(value))


def _message_id(msg: email.message.Message, raw: bytes, problems: _Problems) -> str:
    value = _raw_header(msg, "Message-ID")
    if value:
        ids = _msg_ids(value)
        if ids:
            return ids[0]
        token = value.strip()
        if token and " " not in token and "<" not in token and ">" not in token and token.isascii():
            problems.add("Message-ID without angle brackets")
            return f"<{_no_controls(token)}>"
        problems.add("malformed Message-ID; a synthetic one is used")
    else:
        problems.add("no Message-ID; a synthetic one is used")
    return f"<{hashlib.sha256(raw).hexdigest()}@lagesbild.invalid>"


def _parse_date(text: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except _EMAIL_ERRORS:
        return None
    if when is None:
        return None
    # "-0000" (zone unknown) parses naive; RFC 5322 says the time is UTC then.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _date_header(msg: email.message.Message, problems: _Problems) -> datetime | None:
    value = _raw_header(msg, "Date")
    if value is None:
        return None
    when = _parse_date(value)
    if when is None:
        problems.add("unreadable Date header")
    return when


def _received_at(msg: email.message.Message, problems: _Problems) -> datetime | None:
    """The date of the topmost Received: header that carries a readable one."""
    for index, value in enumerate(_raw_headers(msg, "Received")):
        if ";" not in value:
            continue
        when = _parse_date(value.rsplit(";", 1)[1])
        if when is not None:
            if index:
                problems.add("the newest Received header has no readable date; an older one is used")
            return when
    return None


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------
# Walking the parts
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Walk:
    max_parts: int
    max_depth: int
    problems: _Problems
    parts: int = 0
    stopped: bool = False
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(slots=True)
class _Bodies:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    forwards: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Params:
    """Content-Type and Content-Disposition of one part, read from the raw headers."""

    content_type: str
    disposition: str | None
    filename: str
    charset: str | None
    has_content_id: bool
    transfer_encoding: str


def _read_entity_tree(msg: email.message.Message, depth: int, forwarded: bool, walk: _Walk) -> str:
    """The body text of message `msg` (forwarded bodies appended); attachments go to `walk`."""
    bodies = _Bodies()
    _read_entity(msg, depth, forwarded, walk, bodies)
    # The plain body wins; the HTML one is read only when there is no plain one.
    text = "\n".join(bodies.plain) if bodies.plain else "\n".join(html_to_text(h) for h in bodies.html)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    for forward in bodies.forwards:
        text = f"{text.rstrip()}\n\n{forward}" if text.strip() else forward
    return text


def _read_entity(part: email.message.Message, depth: int, forwarded: bool, walk: _Walk, bodies: _Bodies) -> None:
    if walk.stopped:
        return
    walk.parts += 1
    if walk.parts > walk.max_parts:
        walk.stopped = True
        walk.problems.add(f"more than {walk.max_parts} MIME parts; the rest were not read")
        return
    for defect in getattr(part, "defects", ())[:5]:
        walk.problems.add(f"MIME defect: {type(defect).__name__}")
    params = _params(part, walk.problems)
    ctype = params.content_type

    if part.is_multipart():
        if depth + 1 > walk.max_depth:
            walk.problems.add(f"MIME nesting deeper than {walk.max_depth} levels; the deeper parts were not read")
            return
        payload = part.get_payload()
        children = [c for c in payload if isinstance(c, email.message.Message)] if isinstance(payload, list) else []
        if ctype.startswith("message/"):
            if ctype in _MESSAGE_TYPES and children:
                _forwarded_message(_reparse_encoded(children[0], params, walk), depth + 1, walk, bodies)
            return  # delivery-status, disposition-notification, external-body, partial: no files
        for child in children:
            _read_entity(child, depth + 1, forwarded, walk, bodies)
        return

    _read_leaf(part, params, depth, forwarded, walk, bodies)


def _read_leaf(part: email.message.Message, params: _Params, depth: int, forwarded: bool, walk: _Walk,
               bodies: _Bodies) -> None:
    ctype = params.content_type
    maintype = ctype.split("/", 1)[0]
    lower_name = params.filename.lower()

    if ctype in _SIGNATURE_TYPES or ctype in _VCARD_TYPES or ctype in _CALENDAR_TYPES:
        return
    if lower_name.endswith(_SKIPPED_EXTENSIONS):
        return
    if ctype in _ENCRYPTED_TYPES or lower_name.endswith(".p7m"):
        walk.problems.add("S/MIME encrypted or opaque-signed content cannot be read")
        return
    if maintype == "multipart":
        # A multipart without a usable boundary: its raw text is the best body there is.
        maintype, ctype = "text", "text/plain"
    if maintype == "text" and not params.filename and params.disposition != "attachment":
        if ctype in ("text/plain", "text/html"):
            data = _payload(part, walk)
            text = _decode_bytes(data, params.charset, walk.problems, "a text part")
            (bodies.plain if ctype == "text/plain" else bodies.html).append(text)
        return
    if maintype == "image" and (params.disposition == "inline"
                                or (params.disposition is None and params.has_content_id)):
        return  # a signature logo or an image shown in the HTML body

    data = _payload(part, walk)
    if (ctype in _TNEF_TYPES or lower_name == "winmail.dat") and tnef.is_tnef(data):
        _tnef_files(data, walk)
        return
    if ctype in _TNEF_TYPES:
        walk.problems.add("a winmail.dat part is not a TNEF stream; skipped")
        return
    if ctype in _MESSAGE_TYPES or lower_name.endswith(".eml"):
        inner = _as_message(data)
        if inner is not None:
            if depth + 1 > walk.max_depth:
                walk.problems.add(f"MIME nesting deeper than {walk.max_depth} levels; the deeper parts were not read")
                return
            _forwarded_message(inner, depth + 1, walk, bodies)
            return
    if not (params.filename or params.disposition == "attachment" or maintype == "application"):
        return
    if not data:
        walk.problems.add(f"attachment {params.filename or '(unnamed)'!r} is empty; skipped")
        return
    _add_attachment(walk, params.filename, data, ctype, forwarded)


def _add_attachment(walk: _Walk, filename: str, data: bytes, ctype: str, forwarded: bool) -> None:
    name = display_filename(filename)
    if name != unicodedata.normalize("NFC", filename.strip()) and filename:
        walk.problems.add(f"attachment name {filename[:80]!r} was cleaned to {name!r}")
    if not name:
        name = f"bilaga-{len(walk.attachments) + 1}{_extension(data, ctype)}"
    walk.attachments.append(Attachment(name, data, ctype, forwarded))


def _forwarded_message(inner: email.message.Message, depth: int, walk: _Walk, bodies: _Bodies) -> None:
    text = _read_entity_tree(inner, depth, True, walk)
    problems = _Problems()  # header oddities of a forwarded message are not the message's problems
    lines = [_FORWARD_LINE]
    for label, name in (("Från", "From"), ("Datum", "Date"), ("Ämne", "Subject")):
        value = _raw_header(inner, name)
        if value is not None:
            lines.append(f"{label}: {_decode_header(value, problems, name)}")
    bodies.forwards.append("\n".join(lines) + "\n\n" + text)


def _reparse_encoded(inner: email.message.Message, params: _Params, walk: _Walk) -> email.message.Message:
    """A message/rfc822 part sent base64- or QP-encoded (not allowed, but seen) parsed properly."""
    if params.transfer_encoding not in ("base64", "quoted-printable"):
        return inner
    body = inner.get_payload() if not inner.is_multipart() else None
    if not isinstance(body, str):
        return inner
    encoded = _to_bytes(body)
    try:
        data = base64.b64decode(encoded) if params.transfer_encoding == "base64" else quopri.decodestring(encoded)
    except (binascii.Error, ValueError):
        return inner
    walk.problems.add(f"a forwarded message was {params.transfer_encoding}-encoded")
    return _as_message(data) or inner


def _as_message(data: bytes) -> email.message.Message | None:
    """`data` parsed as a message, if it looks like one (it has the usual headers)."""
    if not data:
        return None
    try:
        msg = email.message_from_bytes(data, policy=policy.compat32)
    except _EMAIL_ERRORS:
        return None
    keys = {k.lower() for k, _ in msg.raw_items()}
    if len(keys & {"from", "subject", "date", "message-id", "received", "to", "mime-version"}) >= 2:
        return msg
    return None


def _tnef_files(data: bytes, walk: _Walk) -> None:
    budget = max(0, walk.max_parts - walk.parts)
    files, problems = tnef.extract_files(data, max_files=max(1, budget))
    for problem in problems:
        walk.problems.add(problem)
    for f in files:
        walk.parts += 1
        if not f.content:
            walk.problems.add(f"attachment {f.filename or '(unnamed)'!r} in winmail.dat is empty; skipped")
            continue
        ctype = mimetypes.guess_type(display_filename(f.filename))[0] or "application/octet-stream"
        _add_attachment(walk, f.filename, f.content, ctype, True)


def _payload(part: email.message.Message, walk: _Walk) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except _EMAIL_ERRORS as exc:
        walk.problems.add(f"a part could not be decoded: {type(exc).__name__}")
        return b""
    if not isinstance(data, bytes):
        return b""
    if any(isinstance(d, InvalidBase64LengthDefect) for d in getattr(part, "defects", ())):
        # A base64 body cut off mid-quantum (a message truncated in transit) comes
        # back from the standard library still encoded; the parser would then read
        # the base64 letters as a text file. Decode the whole quanta that arrived,
        # so the file is seen for what it is: a truncated file.
        letters = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        data = base64.b64decode(letters[: len(letters) // 4 * 4])
        walk.problems.add("a base64 part was cut short; what arrived was decoded")
    return data


def _params(part: email.message.Message, problems: _Problems) -> _Params:
    """Read the part's MIME headers with the old, regex-based (compat32) parameter code.

    The raw values are given to it as Latin-1 text, one character per byte,
    so raw 8-bit names survive and are decoded here, with fallbacks.
    """
    view = email.message.Message()  # compat32: plain strings, forgiving parameter parsing
    for name in ("Content-Type", "Content-Disposition"):
        value = _raw_header(part, name)
        if value is not None:
            view[name] = _to_bytes(value).decode("latin-1")
    try:
        ctype = view.get_content_type().lower() if _raw_header(part, "Content-Type") else part.get_default_type()
        disposition = view.get_content_disposition()
        raw_name = view.get_param("filename", None, "content-disposition")
        if raw_name is None:
            raw_name = view.get_param("name", None, "content-type")
        charset_param = view.get_param("charset")
    except _EMAIL_ERRORS:
        problems.add("malformed Content-Type or Content-Disposition")
        ctype, disposition, raw_name, charset_param = "application/octet-stream", None, None, None
    filename = _param_text(raw_name, problems, "a filename")
    charset = _param_text(charset_param, problems, "a charset") or None
    cte = (_raw_header(part, "Content-Transfer-Encoding") or "").strip().lower()
    return _Params(ctype, disposition, filename, charset, _raw_header(part, "Content-ID") is not None, cte)


def _param_text(value: object, problems: _Problems, where: str) -> str:
    """A parameter value from the compat32 view, decoded to text."""
    if value is None:
        return ""
    if isinstance(value, tuple) and len(value) == 3:  # RFC 2231: (charset, language, value)
        charset, _language, text = value
        data = str(text).encode("latin-1", "replace")
        return _decode_bytes(data, str(charset or "") or None, problems, where)
    data = str(value).encode("latin-1", "replace")
    return _decode_header_bytes(data, problems, where)


# ---------------------------------------------------------------------------
# Filenames
# ---------------------------------------------------------------------------

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_MAX_NAME = 200


def display_filename(name: str) -> str:
    """The sender's filename made safe to show: no directories, control or bidi characters.

    NFC-normalised (Apple Mail sends decomposed "å"); "../../x.docx" and
    "C:\\Users\\x.docx" keep only their last part; "" when nothing is left.
    Never use the result as a path.
    """
    text = unicodedata.normalize("NFC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _DRIVE_RE.sub("", text).strip()
    if text in ("", ".", ".."):
        return ""
    if len(text) > _MAX_NAME:
        stem, dot, ext = text.rpartition(".")
        text = (stem[: _MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else text[:_MAX_NAME]
    return text


def _extension(data: bytes, ctype: str) -> str:
    """A file extension for unnamed bytes: sniffed, else from the declared type."""
    try:
        fmt = detect_format(data)
    except Refused:
        fmt = Format.UNKNOWN
    if fmt is not Format.UNKNOWN:
        return _EXT_FOR_FORMAT.get(fmt, f".{fmt.value}")
    return mimetypes.guess_extension(ctype) or ".bin"


# ---------------------------------------------------------------------------
# HTML bodies
# ---------------------------------------------------------------------------

_BLOCK_TAGS = frozenset({"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "pre", "hr", "section", "article", "header", "footer", "dt", "dd"})
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextFromHtml(HTMLParser):
    """Visible text of an HTML body: blocks become lines, table cells are tab-separated."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0
        self.pre = 0
        self.cells_in_row = 0

    def _break(self) -> None:
        line = "".join(self.current)
        if not self.pre:
            # Collapse spaces inside each table cell; the tabs between cells stay.
            line = "\t".join(re.sub(r"[ \u00a0]+", " ", cell).strip() for cell in line.split("\t")).strip()
        self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip += 1
        elif tag in ("td", "th"):
            if self.cells_in_row:
                self.current.append("\t")
            self.cells_in_row += 1
        elif tag in _BLOCK_TAGS:
            if tag == "pre":
                self.pre += 1
            if tag == "tr":
                self.cells_in_row = 0
            if self.current or tag == "br":
                self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK_TAGS and tag != "br":
            if self.current:
                self._break()
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
            if tag == "tr":
                self.cells_in_row = 0

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            self.current.append(data)
            return
        # Layout whitespace between tags is not text; a &nbsp; is (Outlook's empty line).
        if not data.strip(" \t\r\n\f") and not "".join(self.current).strip(" \t\r\n\f"):
            return
        self.current.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, entities decoded, one line per block."""
    parser = _TextFromHtml()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # HTMLParser on some malformed declarations
        pass
    if parser.current:
        parser._break()
    text = "\n".join(parser.lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
