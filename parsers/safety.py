"""Opening hostile zip containers and XML parts without getting hurt.

Every Office Open XML and OpenDocument file is a zip of XML parts, and every
one of them arrives from the internet. `open_zip` checks the central
directory before anything is decompressed (entry count, declared sizes,
compression ratio, encryption), `check_xml_parts` streams each XML part once
looking for a DTD (the carrier of "billion laughs" entity expansion and of
external entities that read local files), and `safe_xml` parses XML with
entity resolution, DTD loading and network access all off. Every refusal is a
`Refused` with a Swedish message for the municipal coordinator.
"""

from __future__ import annotations

import codecs
import io
import lzma
import re
import struct
import zipfile
import zlib
from collections.abc import Generator, Iterator
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


def check_xml_parts(zf: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Stream every XML part once and refuse the file if any holds a DTD.

    Office Open XML and OpenDocument parts never contain a DOCTYPE or entity
    declaration, so any markup declaration (`<!DOCTYPE`, `<!ENTITY`, ...) is
    hostile: nested entity expansion ("billion laughs") or an external entity
    reading a local file. Parts named *.xml, *.rels, *.vml are scanned, and so
    is any other non-image member that starts like XML (a main part renamed
    through the relationships). UTF-16/32 parts are decoded before scanning;
    an XML declaration naming an unusual encoding (UTF-7, EBCDIC) is refused.
    Reading is capped at each member's declared size (see `iter_member`).

    Returns the members it scanned, so a reader that walks XML parts itself
    never touches one that was not checked.
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
        head = next(chunks, b"")
        if not name.endswith(_XML_SUFFIXES) and not _looks_like_xml(head):
            chunks.close()
            continue
        budget -= _scan_xml(head, chunks)
        if budget < 0:
            raise Refused(_BOMB_MESSAGE)
        scanned.append(info)
    return scanned


def _looks_like_xml(head: bytes) -> bool:
    start = head[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return start.startswith(b"<")


def _scan_xml(head: bytes, rest: Iterator[bytes]) -> int:
    """Scan one part for markup declarations; returns the bytes read."""
    encoding = _detect_encoding(head)
    chunks = _chain(head, rest)
    return _scan_bytes(chunks) if encoding is None else _scan_text(chunks, encoding)


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
    parser = etree.XMLParser(**XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Refused(_DTD_MESSAGE)
    return root


def safe_iterparse(source: IO[bytes], tag: str | tuple[str, ...] | None = None) -> Any:
    """`lxml.etree.iterparse` over `source` ("end" events) with the safe options.

    Use on a part that `check_xml_parts` has already scanned; clear elements
    as you go to keep memory flat.
    """
    return etree.iterparse(source, events=("end",), tag=tag, **XML_PARSER_OPTIONS)
