"""Opening hostile zip containers and XML parts without getting hurt.

Every Office Open XML and OpenDocument file is a zip of XML parts, and every
one of them arrives from the internet. `open_zip` checks the central
directory before anything is decompressed (entry count, declared sizes,
compression ratio, encryption), `check_xml_parts` reads the prolog of each
XML part looking for a DTD (the carrier of "billion laughs" entity expansion
and of external entities that read local files), and `safe_xml` parses XML with
entity resolution, DTD loading and network access all off. Every refusal is a
`Refused` with a Swedish message for the municipal coordinator.
"""

from __future__ import annotations

import codecs
import enum
import io
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import IO, Any

from lxml import etree

from parsers.limits import Limits, Refused

PASSWORD_MESSAGE = (
    "Filen är lösenordsskyddad och kan därför inte läsas. "
    "Ta bort lösenordet (öppna filen, välj Arkiv > Info > Skydda dokument) och skicka igen."
)
CORRUPT_MESSAGE = (
    "Filen är skadad och kunde inte öppnas (den kan ha blivit avkortad när den skickades). "
    "Öppna den, spara den på nytt och skicka igen."
)
_BOMB_MESSAGE = (
    "Filen innehåller en del som packas upp till en orimlig storlek (en möjlig zip-bomb) "
    "och läses därför inte. Spara dokumentet på nytt och skicka igen."
)
_SIZE_MISMATCH_MESSAGE = (
    "Filen är skadad: en del i den har fel storlek eller kontrollsumma. Spara den på nytt och skicka igen."
)
_DTD_MESSAGE = (
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
_COMPRESSION_MESSAGE = (
    "Filen är packad på ett sätt som inte stöds. Spara dokumentet på nytt i Word, Excel "
    "eller LibreOffice och skicka igen."
)

# A member must be both this large and this compressed to count as a bomb;
# small parts of repetitive XML legitimately compress very well.
BOMB_MIN_BYTES = 1024 * 1024
_CHUNK = 64 * 1024
_SUPPORTED_COMPRESSION = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
_XML_SUFFIXES = (".xml", ".rels", ".vml")
# Images are never parsed by any reader, and SVG files legitimately carry a
# DOCTYPE; they are not scanned.
_SKIP_SUFFIXES = (".svg", ".svgz", ".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf", ".bmp", ".tif")
# A markup declaration: <!DOCTYPE, <!ENTITY, <!ELEMENT, <!ATTLIST, <!NOTATION.
# Comments (<!--) and CDATA (<![CDATA[) do not match.
_DECL_BYTES_RE = re.compile(rb"<!\s*[A-Za-z]")
_DECL_TEXT_RE = re.compile(r"<!\s*[A-Za-z]")
_OVERLAP = 16
_UTF8_BOM = b"\xef\xbb\xbf"
_XML_SPACE = b" \t\r\n"
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

# Everything zipfile and its decompressors raise on a damaged archive.
ZIP_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    zipfile.LargeZipFile,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    KeyError,
    IndexError,
    OverflowError,
    struct.error,
    RuntimeError,  # an encrypted member read without its password
)

# Parser options for any XML read from an uploaded file.
XML_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
}


def open_zip(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """Open a zip container after checking its central directory.

    Refused (with a Swedish message) before anything is decompressed: a
    damaged archive, more than `limits.max_zip_entries` members, a total
    declared uncompressed size over `limits.max_unzipped_bytes`, a member over
    1 MB with a compression ratio above `limits.max_compression_ratio` (a zip
    bomb), an encrypted member, or an unusual compression method. A member
    that inflates beyond its declared size is caught while it is read:
    zipfile stops at the declared size and the CRC check then fails, which
    `read_member`/`check_xml_parts` turn into a refusal.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_ERRORS as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    try:
        _check_directory(zf, limits)
    except Refused:
        zf.close()
        raise
    return zf


def _check_directory(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise Refused(
            f"Filen innehåller för många delar (fler än {limits.max_zip_entries}) för att kunna "
            "läsas. Spara den på nytt som ett vanligt dokument och skicka igen."
        )
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Refused(PASSWORD_MESSAGE)
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise Refused(_COMPRESSION_MESSAGE)
        inflated_cap = limits.max_compression_ratio * max(info.compress_size, 1)
        if info.file_size > BOMB_MIN_BYTES and info.file_size > inflated_cap:
            raise Refused(_BOMB_MESSAGE)
        total += info.file_size
    if total > limits.max_unzipped_bytes:
        mb = limits.max_unzipped_bytes // (1024 * 1024)
        raise Refused(
            f"Filen blir för stor när den packas upp (över {mb} MB) för att kunna läsas. "
            "Ta bort stora bilder eller bilagor ur dokumentet och skicka igen."
        )


def iter_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Generator[bytes, None, None]:
    """Yield a member's decompressed bytes in chunks, never more than declared.

    A member whose real content is larger than its declared size, or whose
    CRC does not match, is refused as damaged.
    """
    remaining = info.file_size
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(min(_CHUNK, remaining + 1))
                if not chunk:
                    return
                remaining -= len(chunk)
                if remaining < 0:
                    raise Refused(_SIZE_MISMATCH_MESSAGE)
                yield chunk
    except Refused:
        raise
    except zipfile.BadZipFile as exc:
        # zipfile stops at the declared size, so a member longer than
        # declared shows up here as a CRC mismatch.
        raise Refused(_SIZE_MISMATCH_MESSAGE) from exc
    except ZIP_ERRORS as exc:
        raise Refused(CORRUPT_MESSAGE) from exc


def read_member(zf: zipfile.ZipFile, name: str | zipfile.ZipInfo, max_bytes: int) -> bytes:
    """Read one member whole, refusing it if it declares more than `max_bytes`."""
    try:
        info = name if isinstance(name, zipfile.ZipInfo) else zf.getinfo(name)
    except KeyError as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    if info.file_size > max_bytes:
        mb = max(1, max_bytes // (1024 * 1024))
        raise Refused(
            f"Filen innehåller en för stor del ({info.filename}, över {mb} MB) för att kunna "
            "läsas. Ta bort stora bilder eller tabeller och skicka igen."
        )
    return b"".join(iter_member(zf, info))


def check_xml_parts(
    zf: zipfile.ZipFile,
    limits: Limits,
    whole: dict[str, bytes] | None = None,
    padded: set[str] | None = None,
) -> list[zipfile.ZipInfo]:
    """Read the prolog of every XML part and refuse the file if any holds a DTD.

    Office Open XML and OpenDocument parts never contain a DOCTYPE or entity
    declaration, so any markup declaration (`<!DOCTYPE`, `<!ENTITY`, ...) is
    hostile: nested entity expansion ("billion laughs") or an external entity
    reading a local file. Parts named *.xml, *.rels, *.vml are checked, and so
    is any other non-image member that starts like XML (a main part renamed
    through the relationships). UTF-16/32 parts are decoded before scanning;
    an XML declaration naming an unusual encoding (UTF-7, EBCDIC) is refused.

    Only the prolog is read: everything before the root element's start tag.
    A DTD is only allowed there (XML 1.0, production `prolog`); a `<!DOCTYPE`
    or `<!ENTITY` anywhere later is a well-formedness error on which libxml2
    (lxml) and expat (openpyxl via defusedxml) stop, so no entity can be
    declared or expanded from there. The prolog is skipped item by item (XML
    declaration, processing instructions, comments, whitespace, a BOM); any
    other `<!` in it is refused, as is a prolog over `MAX_PROLOG_CHARS`. A
    part with text before its root is not XML any parser reads; it is
    scanned in full, as before.

    So a large part is no longer read to its end here, and a damaged end (a
    wrong CRC, more data than declared) is not noticed here. That only
    matters for a part some reader reads, and every such read checks it: Word
    and OpenDocument parts go through `read_member`, spreadsheet parts through
    `safe_iterparse` (the cell count before openpyxl opens the file), and
    openpyxl's own reads are CRC-checked by zipfile. A part that fits in the
    first chunk (64 KB) is still read whole here, CRC check included. No
    read goes past a member's declared size, and `open_zip` caps their total.

    Returns the members it checked, so a reader that walks XML parts itself
    never touches one that was not checked. With `whole`, the parts it read
    to their end (CRC checked) are also kept there by member name, so a
    reader can take their bytes from there instead of inflating them again.
    With `padded`, the names of the parts with whitespace before their XML
    declaration are added to it (see `without_space_before_declaration`), so
    a reader whose library is strict about that can hand it a repaired copy.
    """
    budget = limits.max_unzipped_bytes
    scanned: list[zipfile.ZipInfo] = []
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename.lower()
        if name.endswith(_SKIP_SUFFIXES):
            continue
        chunks = iter_member(zf, info)
        try:
            head = next(chunks, b"")
            if not name.endswith(_XML_SUFFIXES) and not _looks_like_xml(head):
                continue
            budget -= _scan_xml(head, chunks)
        finally:
            chunks.close()
        if whole is not None and len(head) == info.file_size < _CHUNK:
            # The first read asked for more than the part holds, so it went to
            # the part's end and zipfile checked the CRC: these are exactly the
            # bytes `read_member` would return.
            whole[info.filename] = head
        if padded is not None and len(without_space_before_declaration(head)) != len(head):
            padded.add(info.filename)
        if budget < 0:
            raise Refused(_BOMB_MESSAGE)
        scanned.append(info)
    return scanned


def _looks_like_xml(head: bytes) -> bool:
    start = head[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return start.startswith(b"<")


class _Prolog(enum.Enum):
    """What follows the prolog items read so far."""

    ROOT = "root"  # the root element's start tag
    MORE = "more"  # nothing yet: the data read ends inside the prolog
    TEXT = "text"  # something no prolog holds (not XML as any reader sees it)


def _scan_xml(head: bytes, rest: Iterator[bytes]) -> int:
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
            raise Refused(_DTD_MESSAGE)
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
        raise Refused(_DTD_MESSAGE)
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
            raise Refused(_DTD_MESSAGE)
        tail = chunk[-_OVERLAP:]
    return size


def _scan_text(chunks: Iterator[bytes], encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)("replace")
    size, tail = 0, ""
    for chunk in chunks:
        size += len(chunk)
        window = tail + decoder.decode(chunk)
        if _DECL_TEXT_RE.search(window):
            raise Refused(_DTD_MESSAGE)
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
    encoding = _detect_encoding(data[:_CHUNK])
    if encoding is None:
        return _DECL_BYTES_RE.search(data) is not None
    return _DECL_TEXT_RE.search(data.decode(encoding, "replace")) is not None


def safe_xml(data: bytes) -> etree._Element:
    """Parse one XML document from an uploaded file, refusing any DTD.

    Entities are never resolved, no DTD is loaded, nothing is fetched from
    the network, and libxml2's default size and depth limits stay on
    (`huge_tree=False`). A document with a DOCTYPE or entity declaration, or
    one that is not well-formed XML, is refused (`Refused`, Swedish message).
    """
    if has_markup_declaration(data):
        raise Refused(_DTD_MESSAGE)
    data = without_space_before_declaration(data)
    parser = etree.XMLParser(**XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Refused(_DTD_MESSAGE)
    return root


def without_space_before_declaration(data: bytes) -> bytes:
    """`data` without the whitespace some generators write before the XML declaration.

    "\\n<?xml ...?>" is not well-formed (the declaration must come first), and
    libxml2 stops on it, yet the part means exactly what it says without the
    whitespace. A UTF-8 byte-order mark stays in front. Data in any other
    form (UTF-16, no declaration, no leading whitespace) is returned as is:
    whitespace before a root element without a declaration is already allowed.
    """
    bom = _UTF8_BOM if data.startswith(_UTF8_BOM) else b""
    body = data[len(bom):]
    stripped = body.lstrip(_XML_SPACE)
    if len(stripped) == len(body) or not stripped.startswith(b"<?xml"):
        return data
    return bom + stripped


def safe_iterparse(source: IO[bytes], tag: str | tuple[str, ...] | None = None) -> Any:
    """`lxml.etree.iterparse` over `source` ("end" events) with the safe options.

    Use on a part that `check_xml_parts` has already scanned; clear elements
    as you go to keep memory flat. Only elements give events: a comment or
    processing instruction before the root is no event, but it is the root's
    sibling (`getprevious()`), and the root has no parent. Whitespace before
    the XML declaration is skipped (see `without_space_before_declaration`).
    A zip member read through it is refused like one read by `iter_member`
    when it is damaged (wrong CRC, more data than declared, broken
    compressed data).
    """
    return etree.iterparse(_CheckedReader(source), events=("end",), tag=tag, **XML_PARSER_OPTIONS)


class _CheckedReader:
    """A file object whose zip errors refuse the file, with `iter_member`'s messages.

    `check_xml_parts` reads only the start of a large part, so the CRC of a
    spreadsheet part is first checked here, where it is read to its end.
    The first read also drops whitespace before an XML declaration.
    """

    def __init__(self, source: IO[bytes]) -> None:
        self._source = source
        self._started = False

    def read(self, size: int = -1) -> bytes:
        if not self._started:
            self._started = True
            return self._first(size)
        return self._read(size)

    def _first(self, size: int) -> bytes:
        # Read on until something other than a BOM and whitespace is seen
        # (enough to tell "<?xml"), so a declaration after many blank lines
        # is still found; the prolog scan (`check_xml_parts`) caps that run.
        head = self._read(size)
        while len(head) <= MAX_PROLOG_CHARS:
            body = head[len(_UTF8_BOM):] if head.startswith(_UTF8_BOM) else head
            if len(body.lstrip(_XML_SPACE)) >= len(b"<?xml"):
                break
            more = self._read(size)
            if not more:
                break
            head += more
        return without_space_before_declaration(head)

    def _read(self, size: int) -> bytes:
        try:
            return self._source.read(size)
        except zipfile.BadZipFile as exc:
            # zipfile stops at the declared size, so a longer member fails its CRC.
            raise Refused(_SIZE_MISMATCH_MESSAGE) from exc
        except ZIP_ERRORS as exc:
            raise Refused(CORRUPT_MESSAGE) from exc
