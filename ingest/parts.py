"""Walking a message's MIME parts: which is the body, which are attachments, and forwarded messages opened.

What counts as an attachment: every leaf part that is not the body and has a
filename or `Content-Disposition: attachment`, and `application/*` parts
without a name (they get one, e.g. "bilaga-1.docx", from their bytes).
Forwarded messages (message/rfc822 parts, and .eml files) are opened
recursively and so are Outlook's winmail.dat files; what is found inside them
is marked `forwarded`. Left out: empty parts, inline images (signature
logos), vCards, calendar invitations, S/MIME and PGP signatures, and the
message's own HTML alternative of its body.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.message
import mimetypes
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.errors import InvalidBase64LengthDefect

from ingest import tnef
from ingest.attachments import Attachment, add_attachment, display_filename
from ingest.headers import (
    EMAIL_ERRORS,
    Problems,
    decode_bytes,
    decode_header,
    decode_header_bytes,
    raw_header,
    to_bytes,
)
from ingest.html_text import html_to_text
from ingest.mime import Spans

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


@dataclass(slots=True)
class _Walk:
    max_parts: int
    max_depth: int
    problems: Problems
    raw: bytes = b""  # the message's bytes, where the parts in `spans` are
    spans: Spans = field(default_factory=dict)  # id(part) -> where its base64 text is in `raw` (ingest.mime)
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


def read_parts(msg: email.message.Message, problems: Problems, max_parts: int, max_depth: int, raw: bytes = b"",
               spans: Spans | None = None) -> tuple[str, tuple[Attachment, ...]]:
    """The body text of `msg` (forwarded bodies appended) and its attachments, in the order met.

    Stops walking after `max_parts` MIME parts and does not go deeper than
    `max_depth` levels of nesting, noting a problem either way. `raw` and
    `spans`: the message's bytes and where `ingest.mime.parse_fast` left
    its big base64 parts in them.
    """
    walk = _Walk(max_parts=max_parts, max_depth=max_depth, problems=problems, raw=raw, spans=spans or {})
    body = _read_entity_tree(msg, depth=0, forwarded=False, walk=walk)
    return body, tuple(walk.attachments)


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
            text = decode_bytes(data, params.charset, walk.problems, "a text part")
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
    add_attachment(walk.attachments, walk.problems, params.filename, data, ctype, forwarded)


def _forwarded_message(inner: email.message.Message, depth: int, walk: _Walk, bodies: _Bodies) -> None:
    text = _read_entity_tree(inner, depth, True, walk)
    problems = Problems()  # header oddities of a forwarded message are not the message's problems
    lines = [_FORWARD_LINE]
    for label, name in (("Från", "From"), ("Datum", "Date"), ("Ämne", "Subject")):
        value = raw_header(inner, name)
        if value is not None:
            lines.append(f"{label}: {decode_header(value, problems, name)}")
    bodies.forwards.append("\n".join(lines) + "\n\n" + text)


def _reparse_encoded(inner: email.message.Message, params: _Params, walk: _Walk) -> email.message.Message:
    """A message/rfc822 part sent base64- or QP-encoded (not allowed, but seen) parsed properly."""
    if params.transfer_encoding not in ("base64", "quoted-printable"):
        return inner
    body = inner.get_payload() if not inner.is_multipart() else None
    if not isinstance(body, str):
        return inner
    encoded = to_bytes(body)
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
    except EMAIL_ERRORS:
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
        add_attachment(walk.attachments, walk.problems, f.filename, f.content, ctype, True)


def _payload(part: email.message.Message, walk: _Walk) -> bytes:
    span = walk.spans.pop(id(part), None)
    if span is not None:
        encoded = memoryview(walk.raw)[span[0]:span[1]]
        try:
            return binascii.a2b_base64(encoded)  # straight from the message's bytes: no copy of the text
        except (binascii.Error, ValueError):
            # Bad padding, a cut-off quantum: the email package's way, which says what is wrong.
            part.set_payload(str(encoded, "ascii", "surrogateescape"))
    fast = _base64_payload(part)
    if fast is not None:
        return fast
    try:
        data = part.get_payload(decode=True)
    except EMAIL_ERRORS as exc:
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


def _base64_payload(part: email.message.Message) -> bytes | None:
    """A base64 part decoded straight from its text, or None to leave it to the email package.

    The email package encodes the text to bytes, splits it into lines and joins
    them before decoding: three copies of an attachment besides the file. This
    decodes the text as it is (binascii skips line ends and stray characters,
    as the email package does); anything it refuses (non-ASCII, bad padding, a
    cut-off quantum) goes the email package's way, which says what is wrong.
    """
    if str(part.get("content-transfer-encoding", "")).strip().lower() != "base64" or part.is_multipart():
        return None
    # The payload as the parser left it: get_payload() would first encode all of it once more,
    # only to look for surrogates (text.isascii() below says the same for base64).
    text = getattr(part, "_payload", None)
    if not isinstance(text, str) or not text.isascii():
        return None
    try:
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        return None


def _params(part: email.message.Message, problems: Problems) -> _Params:
    """Read the part's MIME headers with the old, regex-based (compat32) parameter code.

    The raw values are given to it as Latin-1 text, one character per byte,
    so raw 8-bit names survive and are decoded here, with fallbacks.
    """
    view = email.message.Message()  # compat32: plain strings, forgiving parameter parsing
    for name in ("Content-Type", "Content-Disposition"):
        value = raw_header(part, name)
        if value is not None:
            view[name] = to_bytes(value).decode("latin-1")
    try:
        ctype = view.get_content_type().lower() if raw_header(part, "Content-Type") else part.get_default_type()
        disposition = view.get_content_disposition()
        raw_name = view.get_param("filename", None, "content-disposition")
        if raw_name is None:
            raw_name = view.get_param("name", None, "content-type")
        charset_param = view.get_param("charset")
    except EMAIL_ERRORS:
        problems.add("malformed Content-Type or Content-Disposition")
        ctype, disposition, raw_name, charset_param = "application/octet-stream", None, None, None
    filename = _param_text(raw_name, problems, "a filename")
    charset = _param_text(charset_param, problems, "a charset") or None
    cte = (raw_header(part, "Content-Transfer-Encoding") or "").strip().lower()
    return _Params(ctype, disposition, filename, charset, raw_header(part, "Content-ID") is not None, cte)


def _param_text(value: object, problems: Problems, where: str) -> str:
    """A parameter value from the compat32 view, decoded to text."""
    if value is None:
        return ""
    if isinstance(value, tuple) and len(value) == 3:  # RFC 2231: (charset, language, value)
        charset, _language, text = value
        data = str(text).encode("latin-1", "replace")
        return decode_bytes(data, str(charset or "") or None, problems, where)
    data = str(value).encode("latin-1", "replace")
    return decode_header_bytes(data, problems, where)
