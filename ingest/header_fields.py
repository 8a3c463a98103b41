"""Addresses, message ids and dates read from a message's headers, guessing nothing about a sender."""

from __future__ import annotations

import email.message
import email.utils
import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from email import policy
from email.errors import InvalidHeaderDefect

from ingest.headers import EMAIL_ERRORS, Problems, decode_header, fix_surrogates, no_controls, raw_header, raw_headers

# An address header longer than this is not handed to the structured header
# parser, whose worst cases grow faster than linearly on crafted input (2 KB:
# ~0.1 s at worst); only the first few headers of a name are read.
_MAX_STRUCTURED_HEADER = 2000
_MAX_ADDRESS_HEADERS = 5

_ADDR_SPLIT_RE = re.compile(r"[\s<>(),;:\"\[\]]+")
# Legal in a quoted local part, but never in an address a municipality uses;
# an address holding them came out of a header too odd to trust.
_ODD_ADDR_CHARS = frozenset(' \t"(),;:<>[]\\')


def _address_like(raw: str) -> list[str]:
    """Tokens shaped like local@domain (linear: a split, no backtracking regex)."""
    return [t for t in _ADDR_SPLIT_RE.split(raw) if t.count("@") == 1 and not t.startswith("@")
            and not t.endswith("@")]


def header_addresses(msg: email.message.Message, name: str, problems: Problems) -> list[tuple[str, str]]:
    """(display name, lower-cased address) for every address in the `name` headers.

    For From, Reply-To and Sender nothing is guessed: a header the
    structured parser cannot read, or one it could only read by ignoring
    another address in it ("a@x <b@y>"), gives nothing, since a wrong sender
    is worse than none. For To and Cc anything shaped like an address is
    picked out of an unreadable header.
    """
    strict = name.lower() in ("from", "reply-to", "sender")
    out: list[tuple[str, str]] = []
    for raw in raw_headers(msg, name)[:_MAX_ADDRESS_HEADERS]:
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
            addr = no_controls(fix_surrogates(addr)).strip().lower()
            if addr.count("@") != 1 or addr.startswith("@") or addr.endswith("@") or _ODD_ADDR_CHARS & set(addr):
                problems.add(f"{name} holds something that is not a usable address")
                continue
            display = no_controls(fix_surrogates(display)).strip()
            if "=?" in display:
                display = decode_header(display, problems, name)
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
    except EMAIL_ERRORS:
        return None
    return found, invalid


_MSGID_RE = re.compile(r"<[^<>\s]+>")


def msg_ids(value: str) -> list[str]:
    """Every "<...>" message id in a header value (In-Reply-To, References), in order."""
    return _MSGID_RE.findall(no_controls(value))


def read_message_id(msg: email.message.Message, raw: bytes, problems: Problems) -> str:
    """The Message-ID as "<...>": angle brackets added to a bare token, else a synthetic one from `raw`'s hash."""
    value = raw_header(msg, "Message-ID")
    if value:
        ids = msg_ids(value)
        if ids:
            return ids[0]
        token = value.strip()
        if token and " " not in token and "<" not in token and ">" not in token and token.isascii():
            problems.add("Message-ID without angle brackets")
            return f"<{no_controls(token)}>"
        problems.add("malformed Message-ID; a synthetic one is used")
    else:
        problems.add("no Message-ID; a synthetic one is used")
    return f"<{hashlib.sha256(raw).hexdigest()}@lagesbild.invalid>"


def _parse_date(text: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(text.strip())
    except EMAIL_ERRORS:
        return None
    if when is None:
        return None
    # "-0000" (zone unknown) parses naive; RFC 5322 says the time is UTC then.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def date_header(msg: email.message.Message, problems: Problems) -> datetime | None:
    """The sender's Date: header (aware; "-0000" read as UTC), or None when absent or unreadable."""
    value = raw_header(msg, "Date")
    if value is None:
        return None
    when = _parse_date(value)
    if when is None:
        problems.add("unreadable Date header")
    return when


def received_date(msg: email.message.Message, problems: Problems) -> datetime | None:
    """The date of the topmost Received: header that carries a readable one."""
    for index, value in enumerate(raw_headers(msg, "Received")):
        if ";" not in value:
            continue
        when = _parse_date(value.rsplit(";", 1)[1])
        if when is not None:
            if index:
                problems.add("the newest Received header has no readable date; an older one is used")
            return when
    return None
