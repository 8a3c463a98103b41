"""`check_xml_parts` reads only each XML part's prolog: what that still refuses, end to end.

A DTD is only allowed before the root element. These tests build real Word,
Excel and OpenDocument files with a DTD hidden behind the items a prolog may
hold (comments, processing instructions, a BOM, UTF-16), and with a DTD after
the root start tag, where the scan no longer looks: there the XML parsers
themselves must refuse, and `parse_bytes` must report it in Swedish.
"""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ElementTree
import zipfile

import defusedxml.ElementTree
import pytest
from lxml import etree
from odf.opendocument import OpenDocumentText
from odf.text import P

from parsers import parse_bytes
from parsers.limits import Limits, Refused
from parsers.result import Severity
from parsers.safe_zip import open_zip, read_member
from parsers.safety import XML_PARSER_OPTIONS, check_xml_parts
from parsers.xlsx import read_xlsx
from parsers.xml_prolog import MAX_PROLOG_CHARS
from tests.builders.docx_builder import rewrite_zip
from tests.builders.hostile import zip_members
from tests.builders.mail import form_answers, form_docx, form_xlsx

LIMITS = Limits()
DTD = '<!DOCTYPE x [<!ENTITY e "boom">]>'
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _check(data: bytes) -> list[str]:
    with open_zip(data, LIMITS) as zf:
        return [info.filename for info in check_xml_parts(zf, LIMITS)]


def _member(data: bytes, name: str) -> bytes:
    return dict(zip_members(data))[name]


def _docx_with_document(document: bytes) -> bytes:
    return rewrite_zip(form_docx(), {"word/document.xml": document})


def _after_root_start(xml: bytes, insert: bytes) -> bytes:
    """`xml` with `insert` placed right after the root element's start tag."""
    root = xml.index(b"<", xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0)
    end = xml.index(b">", root) + 1
    return xml[:end] + insert + xml[end:]


def _root_only(xml: bytes) -> bytes:
    """`xml` without its XML declaration (so a prolog can be put in front)."""
    return xml[xml.index(b"?>") + 2:].lstrip() if xml.startswith(b"<?xml") else xml


# -- a DTD hidden in the prolog is still found ---------------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        pytest.param(f"{DECL}<!-- <a -->{DTD}", id="after-comment-holding-<a"),
        pytest.param(f'{DECL}<!-- <a href="x"> </a> -- -->{DTD}', id="after-comment-with-markup"),
        pytest.param(f'{DECL}<?mso-application progid="Word.Document"?>{DTD}', id="after-processing-instruction"),
        pytest.param(f"{DECL}<?odd a > b <c ?>\n{DTD}", id="after-pi-holding->-and-<c"),
        pytest.param(f"\ufeff{DECL}\r\n\t <!--x-->\n<?y?>{DTD}", id="after-bom-whitespace-comment-pi"),
        pytest.param(f"{DECL}<!-- {DTD} -->", id="inside-a-comment"),
        pytest.param(f"{DECL}<![CDATA[x]]>", id="cdata-before-the-root"),
        pytest.param(f"{DECL}<! DOCTYPE x>", id="space-after-bang"),
    ],
)
def test_dtd_behind_prolog_items_is_refused(prolog: str) -> None:
    document = prolog.encode() + _root_only(_member(form_docx(), "word/document.xml"))
    with pytest.raises(Refused, match="DTD"):
        _check(_docx_with_document(document))


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_dtd_behind_a_comment_is_refused(codec: str) -> None:
    xml = f'<?xml version="1.0" encoding="UTF-16"?><!-- <a -->{DTD}<x>&e;</x>'
    with pytest.raises(Refused, match="DTD"):
        _check(_docx_with_document(xml.encode(codec)))


def test_utf16_dtd_after_a_prolog_longer_than_one_read_is_refused() -> None:
    # 40 000 characters are 80 000 bytes in UTF-16: the prolog spans two reads.
    xml = '<?xml version="1.0" encoding="UTF-16"?><!--' + "<a " * 13_000 + f"-->{DTD}<x/>"
    assert len(xml) < MAX_PROLOG_CHARS < len(xml.encode("utf-16"))
    with pytest.raises(Refused, match="DTD"):
        _check(_docx_with_document(xml.encode("utf-16")))
    clean = xml.replace(DTD, "").encode("utf-16")
    assert "word/document.xml" in _check(_docx_with_document(clean))


def test_text_before_the_root_falls_back_to_a_full_scan() -> None:
    # Not XML as any reader sees it, so the whole part is scanned as before.
    with pytest.raises(Refused, match="DTD"):
        _check(_docx_with_document(b"junk " + b"x" * 100_000 + DTD.encode() + b"<x/>"))
    assert "word/document.xml" in _check(_docx_with_document(b"junk <x>" + b"y" * 100_000 + b"</x>"))


def test_a_prolog_over_the_bound_is_refused() -> None:
    for filler in (" ", "<!-- a -->", "<?pi?>"):
        padding = filler * (MAX_PROLOG_CHARS // len(filler) + 1)
        document = DECL.encode() + padding.encode() + _root_only(_member(form_docx(), "word/document.xml"))
        with pytest.raises(Refused, match="ovanligt lång inledning"):
            _check(_docx_with_document(document))


def test_ordinary_prologs_pass_and_every_part_is_listed() -> None:
    root = _root_only(_member(form_docx(), "word/document.xml"))
    near_bound = " " * (MAX_PROLOG_CHARS - len(DECL) - 100)
    for prolog in (
        "",
        DECL,
        f"\ufeff{DECL}\r\n",
        f'{DECL}<?mso-application progid="Word.Document"?><!-- saved by a tool: a < b -->\n',
        DECL + near_bound,
    ):
        data = _docx_with_document(prolog.encode() + root)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml_parts = [i.filename for i in zf.infolist() if not i.filename.endswith((".jpeg", ".png"))]
        assert _check(data) == xml_parts


# -- a DTD after the root start tag: refused by the parse that follows ---------------


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(b'<a><!DOCTYPE x [<!ENTITY e "b">]><b>&e;</b></a>', id="inside-the-root"),
        pytest.param(b'<a/><!DOCTYPE x [<!ENTITY e "b">]>', id="after-the-root"),
        pytest.param(b'<a><!ENTITY e "b"><b/></a>', id="entity-inside-the-root"),
    ],
)
def test_every_parser_we_use_rejects_a_dtd_after_the_root_start(document: bytes) -> None:
    """Why the prolog is enough: libxml2 and expat stop at such a declaration."""
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(document, etree.XMLParser(**XML_PARSER_OPTIONS))
    with pytest.raises(etree.XMLSyntaxError):
        for _ in etree.iterparse(io.BytesIO(document), events=("end",), **XML_PARSER_OPTIONS):
            pass
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(document)
    with pytest.raises(ElementTree.ParseError):
        defusedxml.ElementTree.fromstring(document)  # what openpyxl parses with


def _padding(size: int) -> bytes:
    # A comment is allowed anywhere in element content; this one pushes what
    # follows past the first read of the part.
    return b"<!--" + b"x" * size + b"-->"


@pytest.mark.parametrize("padding", [0, 100_000], ids=["in-the-first-read", "past-the-first-read"])
def test_docx_with_a_dtd_after_the_root_start_is_refused_in_swedish(padding: int) -> None:
    document = _member(form_docx(), "word/document.xml")
    hostile = _after_root_start(document, _padding(padding) + DTD.encode())
    data = _docx_with_document(hostile)
    assert "word/document.xml" in _check(data)  # past the prolog: left to the parser
    result = parse_bytes(data, "Ludvika.docx")
    assert result.unreadable
    assert [i.severity for i in result.issues] == [Severity.ERROR]
    assert "DTD" in result.issues[0].message and "Filen" in result.issues[0].message
    assert all(a.impact is None and a.comment == "" for a in result.answers.values())


@pytest.mark.parametrize("padding", [0, 100_000], ids=["in-the-first-read", "past-the-first-read"])
def test_xlsx_with_a_dtd_after_the_root_start_is_refused_in_swedish(padding: int) -> None:
    data = form_xlsx()
    sheet = _member(data, "xl/worksheets/sheet1.xml")
    edited = _after_root_start(sheet, _padding(padding) + DTD.encode())
    hostile = rewrite_zip(data, {"xl/worksheets/sheet1.xml": edited})
    assert "xl/worksheets/sheet1.xml" in _check(hostile)
    result = parse_bytes(hostile, "Ludvika.xlsx")
    assert result.unreadable
    assert [i.severity for i in result.issues] == [Severity.ERROR]
    # The cell count parses the sheet with lxml before openpyxl sees it: not well-formed.
    assert "Filen är skadad" in result.issues[0].message
    assert all(a.impact is None and a.comment == "" for a in result.answers.values())


def test_odt_with_a_dtd_after_the_root_start_is_refused_in_swedish() -> None:
    odt = OpenDocumentText()
    odt.text.addElement(P(text="Kommun: Ludvika"))
    out = io.BytesIO()
    odt.save(out)
    content = _member(out.getvalue(), "content.xml")
    data = rewrite_zip(out.getvalue(), {"content.xml": _after_root_start(content, DTD.encode())})
    result = parse_bytes(data, "Ludvika.odt")
    assert result.unreadable
    assert "DTD" in result.issues[0].message


def test_the_unchanged_forms_still_read() -> None:
    # The control for the tests above: the same files without the DTD.
    expected = form_answers()
    for data, name in ((form_docx(), "Ludvika.docx"), (form_xlsx(), "Ludvika.xlsx")):
        result = parse_bytes(data, name)
        assert not result.has_errors, result.issues
        assert result.municipality == "Ludvika"
        assert {n: (a.impact, a.comment) for n, a in result.answers.items()} == {
            n: (a.impact, a.comment) for n, a in expected.items()
        }


# -- damaged parts: still refused where they are read --------------------------------


def _shrink_declared_size(data: bytes, name: str, new_size: int) -> bytes:
    """Make the zip declare a smaller uncompressed size for `name` than it has."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, name_len_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        at = out.find(signature)
        while at >= 0:
            (name_len,) = struct.unpack_from("<H", out, at + name_len_at)
            if out[at + name_at:at + name_at + name_len] == encoded:
                struct.pack_into("<I", out, at + size_at, new_size)
            at = out.find(signature, at + 4)
    return bytes(out)


def test_large_sheet_longer_than_declared_is_refused_by_the_cell_count() -> None:
    # check_xml_parts reads only the first 64 KB of this part; the cell count
    # reads all of it and must refuse it exactly as the full scan did.
    data = form_xlsx()
    sheet = _member(data, "xl/worksheets/sheet1.xml")
    padded = _after_root_start(sheet, _padding(200_000))
    damaged = _shrink_declared_size(rewrite_zip(data, {"xl/worksheets/sheet1.xml": padded}),
                                    "xl/worksheets/sheet1.xml", len(padded) - 10)
    _check(damaged)  # the damage is past the part's first read
    with pytest.raises(Refused, match="fel storlek eller kontrollsumma"):
        read_xlsx(damaged, LIMITS)
    result = parse_bytes(damaged, "Ludvika.xlsx")
    assert result.unreadable and "fel storlek" in result.issues[0].message


def test_large_document_longer_than_declared_is_refused_by_the_word_reader() -> None:
    document = _member(form_docx(), "word/document.xml")
    padded = _after_root_start(document, _padding(200_000))
    damaged = _shrink_declared_size(_docx_with_document(padded), "word/document.xml", len(padded) - 10)
    result = parse_bytes(damaged, "Ludvika.docx")
    assert result.unreadable and "fel storlek" in result.issues[0].message


def test_small_part_longer_than_declared_is_still_refused_by_the_scan() -> None:
    # A part that fits in the first read is read whole, CRC check included,
    # even when no reader opens it.
    data = rewrite_zip(form_docx(), {}, add=[("customXml/item9.xml", b"<a>" + b"<b/>" * 2000 + b"</a>")])
    with pytest.raises(Refused, match="fel storlek"):
        _check(_shrink_declared_size(data, "customXml/item9.xml", 100))


def test_parts_read_whole_by_the_scan_are_kept_as_a_reader_would_read_them() -> None:
    # The Word reader takes small parts from the scan instead of inflating
    # them again; a part too large for one read is not kept (nor CRC checked).
    document = _member(form_docx(), "word/document.xml")
    data = _docx_with_document(_after_root_start(document, _padding(200_000)))
    whole: dict[str, bytes] = {}
    with open_zip(data, LIMITS) as zf:
        check_xml_parts(zf, LIMITS, whole)
        assert "[Content_Types].xml" in whole and "word/_rels/document.xml.rels" in whole
        assert "word/document.xml" not in whole
        for name, raw in whole.items():
            assert raw == read_member(zf, name, LIMITS.max_unzipped_bytes), name
