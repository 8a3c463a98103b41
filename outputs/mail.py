"""Building outgoing RFC 5322 messages safely: headers, ids, bodies, attachments.

Everything here is pure: values in, an `EmailMessage` (or bytes) out. The
reply builders in `outputs/replies.py` use these helpers so that every
message gets the same header discipline:

* Text that came from outside (a subject a municipality wrote, a file name)
  is stripped of control characters and folded to one line before it goes
  into a header, so a subject carrying CR/LF cannot add headers.
* Message-IDs are generated with the county mailbox's domain; the ids a
  sender gave us are only copied into In-Reply-To/References when they look
  like ids (``<left@right>``, no spaces).
* Messages are serialised with `email.policy.SMTP` (CRLF line ends, headers
  RFC 2047-encoded, ASCII only), and text parts are quoted-printable, so the
  bytes pass any SMTP server, with or without 8BITMIME.
"""

from __future__ import annotations

import email.policy
import email.utils
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from email.header import Header, decode_header, make_header
from email.headerregistry import Address
from email.message import EmailMessage
from functools import lru_cache

from outputs.safe_text import BIDI_CONTROLS, safe_text

# refold_source="none": headers we set with `set_raw` (the message-id
# headers, folded by `fold_ids`) are written exactly as given. The default
# refolds any line over 78 characters and would turn a long message id into
# RFC 2047 encoded words, which no mail client matches to its thread.
POLICY = email.policy.SMTP.clone(refold_source="none")

# Autoreply etiquette: RFC 3834 Auto-Submitted, plus the header Exchange and
# Outlook honour so that they do not answer us with out-of-office replies.
AUTO_REPLIED = "auto-replied"
AUTO_GENERATED = "auto-generated"

# A References header keeps at most this many ids (the newest): RFC 5322
# allows trimming, and a thread forwarded for years should not grow forever.
MAX_REFERENCES = 20

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MSGID_RE = re.compile(r"<[^<>\s\"]{1,500}@[^<>\s\"]{1,400}>")
_FOLD_AT = 78
_MIME_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
}


def clean_header_text(text: str, limit: int = 200) -> str:
    """`text` on one line, without control characters, at most `limit` characters.

    Used for every header value that came from outside (a subject someone
    wrote, a municipality's name): CR and LF become spaces, so no header can
    be smuggled in; runs of whitespace become one space.
    """
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch not in BIDI_CONTROLS)  # they reorder what a reader sees
    text = " ".join(safe_text(_CONTROL_RE.sub(" ", text)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


# An internationalised address (RFC 6531: "åsa.lind@avesta.se"): one @, no spaces, no characters with
# a meaning in an address header. The email package refuses a non-ASCII local part outright.
_INTL_ADDRESS_RE = re.compile(r'[^\s@<>()\[\],;:\\"]{1,64}@[^\s@<>()\[\],;:\\"]{1,253}')


def address_header(addr_spec: str, display_name: str = "") -> Address:
    """An `Address` for a header; raises ValueError for anything but one plain address.

    Non-ASCII addresses are accepted (they go out with SMTPUTF8; see `to_bytes` and
    `needs_smtputf8`)."""
    if _CONTROL_RE.search(addr_spec) or _CONTROL_RE.search(display_name):
        raise ValueError(f"control characters in address {addr_spec!r}")
    spec = addr_spec.strip()
    if not spec.isascii():
        if not _INTL_ADDRESS_RE.fullmatch(spec) or spec.startswith(".") or ".." in spec:
            raise ValueError(f"not an e-mail address: {addr_spec!r}")
        username, _, domain = spec.rpartition("@")
        return Address(display_name=clean_header_text(display_name), username=username, domain=domain)
    try:
        address = Address(display_name=clean_header_text(display_name), addr_spec=addr_spec.strip())
    except (ValueError, IndexError) as exc:  # the header parser raises IndexError on some garbage
        raise ValueError(f"not an e-mail address: {addr_spec!r}") from exc
    if not address.username or not address.domain:
        raise ValueError(f"not an e-mail address: {addr_spec!r}")
    return address


def domain_of(address: str) -> str:
    """The domain of an address ("lansstyrelsen.se" for "lagesbild@lansstyrelsen.se")."""
    domain = address.rpartition("@")[2].strip().lower()
    if not domain:
        raise ValueError(f"no domain in address {address!r}")
    return domain


def new_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID on `domain`."""
    return email.utils.make_msgid(domain=domain)


def message_ids(text: str) -> list[str]:
    """The well-formed message ids in `text` ("<a@b> <c@d>"), in order, without repeats."""
    seen: list[str] = []
    for found in _MSGID_RE.findall(text or ""):
        if found not in seen:
            seen.append(found)
    return seen


def fold_ids(name: str, ids: Sequence[str]) -> str:
    """`ids` joined for header `name`, folded between ids so lines stay within 78 characters.

    An id longer than a line gets a line of its own (RFC 5322 allows 998);
    an id is never split or encoded.
    """
    lines: list[str] = []
    current = ""
    width = len(name) + 2
    for mid in ids:
        fits = width + len(current) + (1 if current else 0) + len(mid) <= _FOLD_AT
        # Start a new line when this id does not fit, unless the line is
        # still empty and the id would not fit on a line of its own either.
        if not fits and (current or 1 + len(mid) <= _FOLD_AT):
            lines.append(current)
            current, width = mid, 1
        else:
            current = f"{current} {mid}" if current else mid
    lines.append(current)
    return "\n ".join(lines)


def reference_chain(original_references: Iterable[str], original_message_id: str) -> tuple[str | None, list[str]]:
    """(In-Reply-To, References) for a reply.

    References are the original's references followed by its own id (RFC
    5322 3.6.4), trimmed to the newest `MAX_REFERENCES`; anything that does
    not look like a message id is dropped. In-Reply-To is None when the
    original had no usable Message-ID.
    """
    own = message_ids(original_message_id)
    parent = own[0] if own else None
    refs: list[str] = []
    for item in original_references:
        for mid in message_ids(item):
            if mid not in refs and mid != parent:
                refs.append(mid)
    if parent:
        refs.append(parent)
    return parent, refs[-MAX_REFERENCES:]


def new_message(
    *,
    sender_name: str,
    sender_address: str,
    to: Sequence[str],
    subject: str,
    now: datetime,
    auto_submitted: str,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
) -> EmailMessage:
    """An empty message with the headers every message we send carries.

    From, To, Subject (cleaned), Date, Message-ID (on the sender's domain),
    Auto-Submitted and X-Auto-Response-Suppress: All; In-Reply-To and
    References when given. `now` must be timezone-aware.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if not to:
        raise ValueError("a message needs at least one recipient")
    msg = EmailMessage(policy=POLICY)
    set_addresses(msg, "From", [address_header(sender_address, sender_name)])
    set_addresses(msg, "To", [address_header(a) for a in to])
    msg.set_raw("Subject", encoded_text("Subject", clean_header_text(subject, limit=250)))
    msg.set_raw("Date", email.utils.format_datetime(now))
    msg.set_raw("Message-ID", new_message_id(domain_of(sender_address)))
    if in_reply_to:
        msg.set_raw("In-Reply-To", fold_ids("In-Reply-To", message_ids(in_reply_to)))
    if references:
        msg.set_raw("References", fold_ids("References", [m for r in references for m in message_ids(r)]))
    msg.set_raw("Auto-Submitted", auto_submitted)
    msg.set_raw("X-Auto-Response-Suppress", "All")
    msg.set_raw("MIME-Version", "1.0")
    return msg


# Headers are encoded and folded here, not by the email package's modern
# policy: its folder (email._header_value_parser._refold_parse_tree) took
# ~7 ms for one reply with a Swedish subject and sender name, a third of all
# the time spent on an incoming report. email.header.Header does RFC 2047 in
# microseconds; headers set with `set_raw` are written as given (POLICY).


def encoded_text(name: str, text: str) -> str:
    """An unstructured header value (a subject) RFC 2047-encoded when not ASCII, folded within 78 columns."""
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, maxlinelen=_FOLD_AT, header_name=name).encode(linesep="\n")


def _mailbox(address: Address) -> str:
    name = address.display_name
    if not name:
        return address.addr_spec
    if name.isascii():
        return email.utils.formataddr((name, address.addr_spec))  # quotes the name when it needs it
    return _encoded_mailbox(name, address.addr_spec)


@lru_cache(maxsize=256)
def _encoded_mailbox(name: str, addr_spec: str) -> str:
    # A name that is not ASCII is folded by the email package once and remembered (the county's
    # sender name is the same on every mail): its encoded words split at spaces, which every
    # reader, the email package included, joins back exactly; email.header.Header splits mid-word.
    folded: str = POLICY.header_factory("From", str(Address(name, addr_spec=addr_spec))).fold(policy=POLICY)
    return folded.removeprefix("From: ").rstrip("\r\n").replace("\r\n", "\n")


def set_addresses(msg: EmailMessage, name: str, addresses: Sequence[Address]) -> None:
    """Set an address header (From, To, Cc, Reply-To) from checked addresses (see `address_header`)."""
    msg.set_raw(name, ",\n ".join(_mailbox(a) for a in addresses))


def set_body(msg: EmailMessage, text: str, html: str | None = None) -> None:
    """Set the plain-text body (always) and an optional HTML alternative.

    Quoted-printable keeps the bytes 7-bit clean and the Swedish text still
    readable in a raw .eml file.
    """
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")


def mime_type_of(filename: str) -> tuple[str, str]:
    """(maintype, subtype) for an attachment, from its extension.

    Mail (.eml) is attached opaquely as application/octet-stream: a
    quarantined message must reach staff byte for byte, not be re-parsed and
    re-serialised as message/rfc822.
    """
    ext = ("." + filename.rsplit(".", 1)[1].lower()) if "." in filename else ""
    guessed = _MIME_TYPES.get(ext) or (mimetypes.guess_type(filename)[0] if ext != ".eml" else None)
    if not guessed or guessed.startswith(("message/", "multipart/")):
        guessed = "application/octet-stream"
    maintype, _, subtype = guessed.partition("/")
    return maintype, subtype


def attach(msg: EmailMessage, filename: str, data: bytes) -> None:
    """Attach `data` as a file called `filename` (cleaned; RFC 2231-encoded when not ASCII)."""
    name = clean_header_text(filename, limit=150).replace("/", "-").replace("\\", "-") or "bilaga"
    maintype, subtype = mime_type_of(name)
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)


# For a message to or from an internationalised address: headers stay UTF-8 (RFC 6532), so the
# server must offer SMTPUTF8 (the transport checks); everything else is as under POLICY.
POLICY_UTF8 = email.policy.SMTPUTF8.clone(refold_source="none")


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as SMTP-ready bytes (CRLF line ends); UTF-8 headers when an address needs them."""
    try:
        return msg.as_bytes(policy=POLICY)
    except UnicodeEncodeError:
        return msg.as_bytes(policy=POLICY_UTF8)


def needs_smtputf8(sender: str, recipients: Sequence[str]) -> bool:
    """Whether sending from `sender` to `recipients` needs the server's SMTPUTF8 (RFC 6531)."""
    return not all(a.isascii() for a in (sender, *recipients))


def raw_header_values(msg: EmailMessage, name: str) -> list[str]:
    """The values of header `name` as stored, without the email package parsing them again
    (`msg[name]` runs its header parser, ~0.3 ms a header); addresses in them are plain ASCII."""
    lname = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == lname]


def header_text(msg: EmailMessage, name: str) -> str:
    """The first value of header `name`, RFC 2047 decoded ("" when absent)."""
    values = raw_header_values(msg, name)
    if not values:
        return ""
    return str(make_header(decode_header(" ".join(values[0].split()))))


def envelope(msg: EmailMessage) -> tuple[str, list[str]]:
    """(envelope sender, envelope recipients) from From, To, Cc and Bcc."""
    senders = email.utils.getaddresses(raw_header_values(msg, "From"))
    sender = senders[0][1] if senders else ""
    recipients: list[str] = []
    for header in ("To", "Cc", "Bcc"):
        for _, addr in email.utils.getaddresses(raw_header_values(msg, header)):
            if addr and addr not in recipients:
                recipients.append(addr)
    return sender, recipients
