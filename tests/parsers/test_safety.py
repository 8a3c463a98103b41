"""Hostile containers and XML: real bombs built here, each refused quickly in Swedish."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import docx
import openpyxl
import pytest
from odf.opendocument import OpenDocumentText
from odf.text import P

from parsers.limits import Limits, Refused
from parsers.odf import read_odt
from parsers.safe_zip import open_zip, read_member
from parsers.safety import check_xml_parts, safe_xml
from parsers.xlsx import read_xlsx

LIMITS = Limits()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>
"""


@contextmanager
def refused_quickly(match: str = "Filen") -> Iterator[list[Refused]]:
    """Assert the block raises `Refused` (Swedish text) in under two seconds."""
    caught: list[Refused] = []
    start = time.monotonic()
    with pytest.raises(Refused) as info:
        yield caught
    elapsed = time.monotonic() - start
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
    assert match in str(info.value)
    assert "Filen" in str(info.value)
    caught.append(info.value)


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("Fråga 1, Ordningsstörningar och otrygghet")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    replace = dict(replace)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = replace.pop(info.filename, None)
            dst.writestr(info.filename, src.read(info) if content is None else content, zipfile.ZIP_DEFLATED)
        for name, content in replace.items():
            dst.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


def _check(data: bytes, limits: Limits = LIMITS) -> None:
    with open_zip(data, limits) as zf:
        check_xml_parts(zf, limits)


@pytest.fixture(scope="module")
def zero_bomb() -> bytes:
    """A docx-shaped zip whose document.xml is a 200 MB run of zeros (~1 MB packed)."""
    base = _docx()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst,
    ):
        for info in src.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, src.read(info))
        with dst.open("word/document.xml", "w") as fh:
            chunk = b"\x00" * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
    return out.getvalue()


# -- what must pass ----------------------------------------------------------------


def test_ordinary_office_and_opendocument_files_pass() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "<!-- not markup --> <![CDATA[ x ]]>"
    xlsx = io.BytesIO()
    wb.save(xlsx)
    odt = OpenDocumentText()
    odt.text.addElement(P(text="Fråga 1"))
    odt_bytes = io.BytesIO()
    odt.save(odt_bytes)
    for data in (_docx(), xlsx.getvalue(), odt_bytes.getvalue()):
        _check(data)


def test_comments_cdata_and_svg_doctype_are_not_refused() -> None:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><!-- saved by a tool -->'
        b"<w:document xmlns:w='x'><![CDATA[ a <b> ]]></w:document>"
    )
    # Word stores inserted SVG images as they came, DOCTYPE and all; no
    # reader parses images, so they must not get a form refused.
    svg = b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x.dtd"><svg/>'
    _check(_rezip(_docx(), {"word/document.xml": document, "word/media/image1.svg": svg}))


# -- zip bombs and containers ---------------------------------------------------------


def test_two_hundred_megabytes_of_zeros_is_refused(zero_bomb: bytes) -> None:
    assert len(zero_bomb) < 2 * 1024 * 1024
    with refused_quickly("packas upp"):
        open_zip(zero_bomb, LIMITS)


def test_compression_ratio_alone_refuses_a_bomb_under_the_size_cap() -> None:
    data = _rezip(_docx(), {"word/media/image1.png": b"\x00" * (20 * 1024 * 1024)})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert sum(i.file_size for i in zf.infolist()) < LIMITS.max_unzipped_bytes
    with refused_quickly("zip-bomb"):
        open_zip(data, LIMITS)


def test_small_well_compressed_parts_are_not_bombs() -> None:
    # 900 KB of one repeated row compresses ~1000:1 but is under 1 MB.
    data = _rezip(_docx(), {"word/styles.xml": b"<a/>" + b" " * (900 * 1024)})
    _check(data)


def test_total_declared_size_over_the_cap_is_refused() -> None:
    limits = Limits(max_unzipped_bytes=1024 * 1024)
    data = _zip({f"xl/media/image{i}.bin": bytes(range(256)) * 2048 for i in range(3)})
    with refused_quickly("packas upp"):
        open_zip(data, limits)


def test_five_thousand_entries_are_refused() -> None:
    data = _zip({f"word/part{i}.xml": b"<a/>" for i in range(5000)}, zipfile.ZIP_STORED)
    with refused_quickly("för många delar"):
        open_zip(data, LIMITS)


def _set_encrypted_flag(data: bytes) -> bytes:
    """Set general-purpose bit 0 (encrypted) on every member, local and central."""
    out = bytearray(data)
    at = out.find(b"PK\x03\x04")
    while at >= 0:
        (flags,) = struct.unpack_from("<H", out, at + 6)
        struct.pack_into("<H", out, at + 6, flags | 0x1)
        at = out.find(b"PK\x03\x04", at + 4)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        (flags,) = struct.unpack_from("<H", out, at + 8)
        struct.pack_into("<H", out, at + 8, flags | 0x1)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_encrypted_member_is_refused_as_password_protected() -> None:
    data = _set_encrypted_flag(_zip({"word/document.xml": b"<w:document/>"}))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.infolist()[0].flag_bits & 0x1
    with refused_quickly("lösenordsskyddad"):
        open_zip(data, LIMITS)


def test_truncated_zip_is_refused() -> None:
    data = _docx()
    with refused_quickly("skadad"):
        open_zip(data[: len(data) - 200], LIMITS)


def _shrink_declared_size(data: bytes, name: str, new_size: int) -> bytes:
    """Make the zip declare a smaller uncompressed size for `name` than it has."""
    out = bytearray(data)
    encoded = name.encode()
    at = out.find(b"PK\x03\x04")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 26)[0]
        if out[at + 30 : at + 30 + name_len] == encoded:
            struct.pack_into("<I", out, at + 22, new_size)
        at = out.find(b"PK\x03\x04", at + 4)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", out, at + 28)[0]
        if out[at + 46 : at + 46 + name_len] == encoded:
            struct.pack_into("<I", out, at + 24, new_size)
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_member_larger_than_declared_is_refused() -> None:
    body = b"<w:document>" + b"<w:p>Fr\xc3\xa5ga</w:p>" * 20000 + b"</w:document>"
    data = _shrink_declared_size(_zip({"word/document.xml": body}), "word/document.xml", 100)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("word/document.xml").file_size == 100
    with refused_quickly("fel storlek"):
        _check(data)
    with refused_quickly("fel storlek"), open_zip(data, LIMITS) as zf:
        read_member(zf, "word/document.xml", 10**6)


def test_garbled_compressed_data_is_refused_as_damaged() -> None:
    data = bytearray(_zip({"word/document.xml": b"<w:document>" + b"<w:p/>" * 5000 + b"</w:document>"}))
    name_len, extra_len = struct.unpack_from("<HH", data, 26)
    (size,) = struct.unpack_from("<I", data, 18)
    start = 30 + name_len + extra_len
    data[start : start + size] = b"\xff" * size
    with refused_quickly("skadad"):
        _check(bytes(data))


def test_read_member_refuses_a_part_declared_too_large() -> None:
    data = _zip({"content.xml": b"<a/>" * 1000})
    with refused_quickly("för stor del"), open_zip(data, LIMITS) as zf:
        read_member(zf, "content.xml", 100)


# -- DTDs: entity expansion and external entities --------------------------------------


def test_billion_laughs_in_word_document_is_refused() -> None:
    data = _rezip(_docx(), {"word/document.xml": BILLION_LAUGHS})
    with refused_quickly("DTD"):
        _check(data)


def test_external_entity_in_word_document_is_refused() -> None:
    data = _rezip(_docx(), {"word/document.xml": EXTERNAL_ENTITY})
    with refused_quickly("DTD"):
        _check(data)


def test_dtd_in_a_relationships_part_is_refused() -> None:
    rels = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]><Relationships/>'
    with refused_quickly("DTD"):
        _check(_rezip(_docx(), {"word/_rels/document.xml.rels": rels}))


def test_dtd_in_a_part_with_an_odd_name_is_refused() -> None:
    # The relationships may point the main part at any name.
    with refused_quickly("DTD"):
        _check(_rezip(_docx(), {"word/main.dat": EXTERNAL_ENTITY}))


def test_dtd_split_across_read_chunks_is_found() -> None:
    body = b'<?xml version="1.0"?>' + b" " * (64 * 1024 - 23) + b"<!DOCTYPE x []><x/>"
    with refused_quickly("DTD"):
        _check(_zip({"content.xml": body}))


def test_utf16_part_cannot_hide_a_doctype() -> None:
    body = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    for encoded in (body.encode("utf-16"), body.encode("utf-16-le"), body.encode("utf-16-be")):
        with refused_quickly("DTD"):
            _check(_zip({"word/document.xml": encoded}))


def test_utf7_declaration_is_refused() -> None:
    body = b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x+AD4-<x/>'
    with refused_quickly("teckenkodning"):
        _check(_zip({"word/document.xml": body}))


def test_readers_check_their_xml_before_parsing() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    xlsx = io.BytesIO()
    wb.save(xlsx)
    hostile_xlsx = _rezip(xlsx.getvalue(), {"xl/sharedStrings.xml": BILLION_LAUGHS})
    with refused_quickly("DTD"):
        read_xlsx(hostile_xlsx, LIMITS)

    odt = OpenDocumentText()
    odt.text.addElement(P(text="x"))
    odt_bytes = io.BytesIO()
    odt.save(odt_bytes)
    hostile_odt = _rezip(odt_bytes.getvalue(), {"content.xml": EXTERNAL_ENTITY})
    with refused_quickly("DTD"):
        read_odt(hostile_odt, LIMITS)


# -- safe_xml ---------------------------------------------------------------------------


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_safe_xml_refuses_any_dtd(document: bytes) -> None:
    with refused_quickly("DTD") as caught:
        safe_xml(document)
    assert "root:" not in str(caught)


def test_safe_xml_parses_ordinary_xml_without_network_or_entities() -> None:
    root = safe_xml('<a xmlns="urn:x"><b>Fråga &amp; svar &#229;</b></a>'.encode())
    assert root.findtext("{urn:x}b") == "Fråga & svar å"


@pytest.mark.parametrize("document", [b"<a><b></a>", b"", b"\xff\xfe\x00garbage", b"<a>&undefined;</a>"])
def test_safe_xml_refuses_malformed_xml_as_damaged(document: bytes) -> None:
    with refused_quickly("skadad"):
        safe_xml(document)


def test_safe_xml_refuses_very_deep_nesting() -> None:
    # huge_tree=False keeps libxml2's depth limit: a stack-exhaustion attempt
    # is a damaged file, not a crash.
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    check: Callable[[bytes], object] = safe_xml
    with refused_quickly("skadad"):
        check(deep)
