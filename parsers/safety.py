"""Opening hostile zip containers and XML parts without getting hurt.

Every Office Open XML and OpenDocument file is a zip of XML parts, and every
one of them arrives from the internet. `open_zip` checks the central
directory before anything is decompressed (entry count, declared sizes,
compression ratio, encryption), `check_xml_parts` reads the prolog of each
XML part looking for a DTD (the carrier of "billion laughs" entity expansion
and of external entities that read local files), and `safe_xml` parses XML with
entity resolution, DTD loading and network access all off. Every refusal is a
`Refused` with a Swedish message for the municipal coordinator.

The zip checks live in `parsers.safe_zip`, the prolog scan in
`parsers.xml_prolog`; here are the checks of a whole package and the parsing.
"""

from __future__ import annotations

import zipfile
from typing import IO, Any

from lxml import etree

from parsers.limits import Limits, Refused
from parsers.safe_zip import BOMB_MESSAGE, CHUNK, CORRUPT_MESSAGE, SIZE_MISMATCH_MESSAGE, ZIP_ERRORS, iter_member
from parsers.xml_prolog import (
    DTD_MESSAGE,
    MAX_PROLOG_CHARS,
    UTF8_BOM,
    XML_SPACE,
    has_markup_declaration,
    looks_like_xml,
    scan_xml,
    without_space_before_declaration,
)

_XML_SUFFIXES = (".xml", ".rels", ".vml")
# Images are never parsed by any reader, and SVG files legitimately carry a
# DOCTYPE; they are not scanned.
_SKIP_SUFFIXES = (".svg", ".svgz", ".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf", ".bmp", ".tif")


# Parser options for any XML read from an uploaded file.
XML_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "load_dtd": False,
    "dtd_validation": False,
}


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
            if not name.endswith(_XML_SUFFIXES) and not looks_like_xml(head):
                continue
            budget -= scan_xml(head, chunks)
        finally:
            chunks.close()
        if whole is not None and len(head) == info.file_size < CHUNK:
            # The first read asked for more than the part holds, so it went to
            # the part's end and zipfile checked the CRC: these are exactly the
            # bytes `read_member` would return.
            whole[info.filename] = head
        if padded is not None and len(without_space_before_declaration(head)) != len(head):
            padded.add(info.filename)
        if budget < 0:
            raise Refused(BOMB_MESSAGE)
        scanned.append(info)
    return scanned


def safe_xml(data: bytes) -> etree._Element:
    """Parse one XML document from an uploaded file, refusing any DTD.

    Entities are never resolved, no DTD is loaded, nothing is fetched from
    the network, and libxml2's default size and depth limits stay on
    (`huge_tree=False`). A document with a DOCTYPE or entity declaration, or
    one that is not well-formed XML, is refused (`Refused`, Swedish message).
    """
    if has_markup_declaration(data):
        raise Refused(DTD_MESSAGE)
    data = without_space_before_declaration(data)
    parser = etree.XMLParser(**XML_PARSER_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Refused(CORRUPT_MESSAGE) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Refused(DTD_MESSAGE)
    return root


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
            body = head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head
            if len(body.lstrip(XML_SPACE)) >= len(b"<?xml"):
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
            raise Refused(SIZE_MISMATCH_MESSAGE) from exc
        except ZIP_ERRORS as exc:
            raise Refused(CORRUPT_MESSAGE) from exc
