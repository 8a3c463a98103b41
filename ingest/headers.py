"""Header values as sent: taken raw, decoded defensively, and the list of problems a reading collects.

Values are read raw and decoded here (RFC 2047 encoded-words, raw 8-bit
UTF-8 or Windows-1252, unknown charset names), so one odd header costs a
line in `Problems`, not the message.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email.message
import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from email.errors import MessageError

# What the standard library's email code is known to raise on hostile input
# (header parser index errors, bad dates, unknown codecs, deep recursion).
# Caught only around calls into that code, never around our own logic.
EMAIL_ERRORS = (MessageError, ValueError, TypeError, IndexError, KeyError, AttributeError,
                LookupError, OverflowError, UnicodeError, AssertionError, RecursionError)

MAX_PROBLEMS = 50


@dataclass(slots=True)
class Problems:
    """Distinct problem lines in order, capped so a hostile message cannot flood the log."""

    items: list[str] = field(default_factory=list)
    dropped: int = 0

    def add(self, text: str) -> None:
        """Note `text`, once; past the cap, one line says that more were left out."""
        if text in self.items:
            return
        if len(self.items) < MAX_PROBLEMS - 1:
            self.items.append(text)
        elif self.dropped == 0:
            self.dropped = 1
            self.items.append("more problems than are listed")


# ---------------------------------------------------------------------------
# Raw headers
# ---------------------------------------------------------------------------


def raw_headers(part: email.message.Message, name: str) -> list[str]:
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


def raw_header(part: email.message.Message, name: str) -> str | None:
    """The first raw value of header `name` (see `raw_headers`), or None when there is none."""
    values = raw_headers(part, name)
    return values[0] if values else None


def to_bytes(text: str) -> bytes:
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


def decode_bytes(data: bytes, charset: str | None, problems: Problems, where: str) -> str:
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


def decode_header_bytes(data: bytes, problems: Problems, where: str) -> str:
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
            out.append(decode_bytes(b"".join(pending), pending_charset, problems, where))
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


def _raw_text(data: bytes, problems: Problems, where: str) -> str:
    if data.isascii():
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        problems.add(f"raw 8-bit text in {where} is not UTF-8; read as Windows-1252")
        return _guess_decode(data)


def decode_header(raw: str, problems: Problems, where: str) -> str:
    """A raw header value as display text: decoded, control characters removed, NFC, stripped."""
    text = decode_header_bytes(to_bytes(raw), problems, where)
    return unicodedata.normalize("NFC", no_controls(text, keep="\t")).strip()


def no_controls(text: str, keep: str = "") -> str:
    """`text` without control characters and lone surrogates, except those in `keep`."""
    return "".join(ch for ch in text if ch in keep or unicodedata.category(ch) not in ("Cc", "Cs"))


def fix_surrogates(text: str) -> str:
    """A string from the header parser that still carries raw bytes as surrogates."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _guess_decode(text.encode("utf-8", "surrogateescape"))
