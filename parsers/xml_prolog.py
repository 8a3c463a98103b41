"""An XML part's prolog scanned for DTDs and entity declarations (in any encoding) before a parser sees it."""

from __future__ import annotations

import codecs
import enum
import re
from collections.abc import Callable, Iterator

from parsers.limits import Refused
from parsers.safe_zip import CHUNK

DTD_MESSAGE = (
    "Filen innehåller XML-konstruktioner (DTD eller entiteter) som aldrig finns i vanliga "
    "Word-, Excel- eller OpenDocument-filer och läses därför inte av säkerhetsskäl. "
    "Spara dokumentet på nytt i Word, Excel eller LibreOffice och skicka igen."
)
_PROLOG_MESSAGE = (
    "Filen innehåller XML med en ovanligt lång inledning, något som aldrig finns i vanliga "
    "Word-, Excel- eller OpenDocument-filer, och läses därför inte av säkerhetsskäl. "
    "Spara dokumentet på nytt i Word, Excel eller LibreOffice och skicka igen."
)
_ENCODING_MESSAGE = (
    "Filen innehåller XML i en teckenkodning som inte används av Word, Excel eller "
    "LibreOffice och läses därför inte. Spara dokumentet på nytt och skicka igen."
)


# A markup declaration: <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, <!NOTATION.
# Comments (<!--) and CDATA (<![CDATA[) do not match.
_DECL_BYTES_RE = re.compile(rb"<!\s*[A-Za-z]")
_DECL_TEXT_RE = re.compile(r"<!\s*[A-Za-z]")
_OVERLAP = 16
UTF8_BOM = b"\xef\xbb\xbf"
XML_SPACE = b" \t\r\n"
# The items a prolog may hold before the root element besides a DOCTYPE:
# whitespace, the XML declaration and other processing instructions, and
# comments. Every XML parser ends a processing instruction at its first "?>"
# and a comment at its first "-->".
_PROLOG_ITEMS_RE = re.compile(r"(?:[ \t\r\n]+|<\?.*?\?>|<!--.*?-->)*", re.S)
# Office writes a prolog of about 60 bytes; one this long is made to hide something.
MAX_PROLOG_CHARS = 64 * 1024
_ENCODING_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
# Encodings Office and LibreOffice write, plus harmless ASCII supersets. A
# declaration outside this list (UTF-7, EBCDIC code pages) could hide "<!"
# from a byte scan, so it is refused rather than trusted.
_ALLOWED_ENCODINGS = frozenset(
    {"utf-8", "utf8", "us-ascii", "ascii", "utf-16", "utf-16le", "utf-16be", "utf-32"}
    | {f"iso-8859-{n}" for n in range(1, 16)}
    | {f"windows-{n}" for n in range(1250, 1259)}
    | {f"cp{n}" for n in range(1250, 1259)}
    | {"latin1", "latin-1", "iso8859-1", "iso_8859-1"}
)


def looks_like_xml(head: bytes) -> bool:
    """Does a member not named like XML start like XML (a main part renamed through the relationships)?"""
    start = head[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return start.startswith(b"<")


class _Prolog(enum.Enum):
    """What follows the prolog items read so far."""

    ROOT = "root"  # the root element's start tag
    MORE = "more"  # nothing yet: the data read ends inside the prolog
    TEXT = "text"  # something no prolog holds (not XML as any reader sees it)


def scan_xml(head: bytes, rest: Iterator[bytes]) -> int:
    """Check one part's prolog for markup declarations; returns the bytes read."""
    encoding = _detect_encoding(head)
    decode: Callable[[bytes], str]
    if encoding is None:
        # ASCII-compatible bytes: Latin-1 turns each byte into one character,
        # so "<!" and every position stay as they are in the bytes.
        decode, bom = _latin1, "\xef\xbb\xbf"
    else:
        decode, bom = codecs.getincrementaldecoder(encoding)("replace").decode, "\ufeff"
    raw = [head]
    text = decode(head)
    while True:
        state, end = _prolog_end(text, bom)
        if _DECL_TEXT_RE.search(text, 0, end):
            # Also inside comments and processing instructions, as before.
            raise Refused(DTD_MESSAGE)
        if end > MAX_PROLOG_CHARS:
            raise Refused(_PROLOG_MESSAGE)
        if state is not _Prolog.MORE:
            break
        chunk = next(rest, None)
        if chunk is None:
            return sum(map(len, raw))  # the part ended inside its prolog: all of it was scanned
        raw.append(chunk)
        text += decode(chunk)
    if state is _Prolog.ROOT:
        return sum(map(len, raw))
    # Text before the root element: no parser reads this as XML, but scan
    # all of it as before rather than reason about what it might be.
    chunks = _chain(b"".join(raw), rest)
    return _scan_bytes(chunks) if encoding is None else _scan_text(chunks, encoding)


def _latin1(data: bytes) -> str:
    return data.decode("latin-1")


def _prolog_end(text: str, bom: str) -> tuple[_Prolog, int]:
    """What follows the prolog items at the start of `text`, and how far to scan.

    A `<!` that does not open a comment is refused on sight: in a prolog it
    can only be a DOCTYPE, or markup no parser accepts there.
    """
    start = len(bom) if text.startswith(bom) else 0
    match = _PROLOG_ITEMS_RE.match(text, start)
    end = match.end() if match else start
    ahead = text[end:end + 4]
    if ahead.startswith("<!"):
        if "<!--".startswith(ahead):
            return _Prolog.MORE, len(text)  # a comment not finished in the data read
        raise Refused(DTD_MESSAGE)
    if ahead.startswith("<?") or ahead in ("", "<"):
        return _Prolog.MORE, len(text)
    if ahead.startswith("<"):
        return _Prolog.ROOT, end
    return _Prolog.TEXT, end


def _scan_bytes(chunks: Iterator[bytes]) -> int:
    # ASCII-compatible encodings write "<!" as these very bytes, so no decoding.
    size, tail = 0, b""
    for chunk in chunks:
        size += len(chunk)
        if _DECL_BYTES_RE.search(tail + chunk):
            raise Refused(DTD_MESSAGE)
        tail = chunk[-_OVERLAP:]
    return size


def _scan_text(chunks: Iterator[bytes], encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    size, tail = 0, ""
    for chunk in chunks:
        size += len(chunk)
        window = tail + decoder.decode(chunk)
        if _DECL_TEXT_RE.search(window):
            raise Refused(DTD_MESSAGE)
        tail = window[-_OVERLAP:]
    return size


def _chain(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield head
    yield from rest


def _detect_encoding(head: bytes) -> str | None:
    """The codec needed to see markup in this part; None for ASCII-compatible bytes.

    Follows the autodetection table of the XML specification (appendix F).
    """
    boms = (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    )
    for bom, encoding in boms:
        if head.startswith(bom):
            return encoding
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head[:2] == b"\x00\x00":
        return "utf-32-be"
    elif head[1:4] == b"\x00\x00\x00":
        return "utf-32-le"
    elif head[:1] == b"\x00":
        return "utf-16-be"
    elif head[1:2] == b"\x00":
        return "utf-16-le"
    elif head.startswith(b"\x4c\x6f\xa7\x94"):  # "<?xm" in EBCDIC
        raise Refused(_ENCODING_MESSAGE)
    declared = _ENCODING_DECL_RE.match(head[:1024])
    if declared and declared.group(1).decode("ascii").lower() not in _ALLOWED_ENCODINGS:
        raise Refused(_ENCODING_MESSAGE)
    return None


def has_markup_declaration(data: bytes) -> bool:
    """True if an XML document contains a DOCTYPE or other markup declaration."""
    encoding = _detect_encoding(data[:CHUNK])
    if encoding is None:
        return _DECL_BYTES_RE.search(data) is not None
    return _DECL_TEXT_RE.search(data.decode(encoding, "replace")) is not None


def without_space_before_declaration(data: bytes) -> bytes:
    """`data` without the whitespace some generators write before the XML declaration.

    "\\n<?xml ...?>" is not well-formed (the declaration must come first), and
    libxml2 stops on it, yet the part means exactly what it says without the
    whitespace. A UTF-8 byte-order mark stays in front. Data in any other
    form (UTF-16, no declaration, no leading whitespace) is returned as is:
    whitespace before a root element without a declaration is already allowed.
    """
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    body = data[len(bom):]
    stripped = body.lstrip(XML_SPACE)
    if len(stripped) == len(body) or not stripped.startswith(b"<?xml"):
        return data
    return bom + stripped
