"""XML parts with something before their root element are read, never refused as damaged.

A workbook or document saved from SharePoint, Teams or OneDrive carries
`customXml/item1.xml` that starts with a processing instruction,
`<?mso-contentType?>`, before its root; other tools put a comment there, a
byte-order mark, or blank lines before the XML declaration. None of that
changes what the file says. These tests take real files (an openpyxl
workbook, a python-docx document, odfpy text and spreadsheet documents),
add the customXml parts SharePoint adds, or put such a prolog in front of
every XML part, and check that the parse is exactly the plain file's.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable

import pytest

from parsers import parse_bytes
from parsers.limits import Limits
from parsers.result import ParseResult
from parsers.safe_zip import open_zip
from parsers.safety import check_xml_parts, safe_iterparse, safe_xml
from parsers.xlsx import read_xlsx
from parsers.xml_prolog import without_space_before_declaration
from tests.builders.cases import CASES
from tests.builders.docx_builder import rewrite_zip
from tests.builders.mail import form_docx, form_xlsx

LIMITS = Limits()

# What SharePoint writes into a library document (trimmed, otherwise verbatim).
_ITEM1 = (
    b'<?xml version="1.0" encoding="utf-8"?><?mso-contentType?>'
    b'<FormTemplates xmlns="http://schemas.microsoft.com/sharepoint/v3/contenttype/forms">'
    b"<Display>DocumentLibraryForm</Display><Edit>DocumentLibraryForm</Edit>"
    b"<New>DocumentLibraryForm</New></FormTemplates>"
)
_ITEM2 = (
    b'<?xml version="1.0"?><p:properties xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties"'
    b' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><documentManagement/></p:properties>'
)
_ITEM3 = (
    b'<?xml version="1.0" encoding="utf-8"?><!--SharePoint content type-->'
    b'<ct:contentTypeSchema xmlns:ct="http://schemas.microsoft.com/office/2006/metadata/contentType"'
    b' ct:_="" ct:contentTypeName="Dokument" ct:contentTypeID="0x0101"/>'
)
_PROPS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n'
    b'<ds:datastoreItem ds:itemID="{6A1B2C3D-0000-4000-8000-000000000001}"'
    b' xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
    b"<ds:schemaRefs/></ds:datastoreItem>"
)
_PROPS_TYPE = b"application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
_CUSTOM_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
_PROPS_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXmlProps"


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def with_sharepoint_parts(data: bytes, main_rels: str, item1: bytes = _ITEM1) -> bytes:
    """`data` (an Office Open XML package) as saved from a SharePoint library.

    Adds customXml/item1..3.xml with their itemProps parts and relationships,
    the content-type overrides, and the main part's relationships to them.
    """
    members = _members(data)
    add: list[tuple[str, bytes]] = []
    overrides = b""
    rels = b""
    for n, item in enumerate((item1, _ITEM2, _ITEM3), start=1):
        add.append((f"customXml/item{n}.xml", item))
        add.append((f"customXml/itemProps{n}.xml", _PROPS.replace(b"0001}", b"000%d}" % n)))
        add.append(
            (
                f"customXml/_rels/item{n}.xml.rels",
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                b'<Relationship Id="rId1" Type="' + _PROPS_REL + b'" Target="itemProps%d.xml"/></Relationships>' % n,
            )
        )
        overrides += b'<Override PartName="/customXml/itemProps%d.xml" ContentType="%s"/>' % (n, _PROPS_TYPE)
        rels += b'<Relationship Id="rIdSp%d" Type="%s" Target="../customXml/item%d.xml"/>' % (n, _CUSTOM_REL, n)
    types = members["[Content_Types].xml"].replace(b"</Types>", overrides + b"</Types>")
    main = members[main_rels].replace(b"</Relationships>", rels + b"</Relationships>")
    # python-docx templates already carry one customXml item: replace it.
    edit: dict[str, bytes | None] = {name: None for name in members if name.startswith("customXml/")}
    edit.update({"[Content_Types].xml": types, main_rels: main})
    return rewrite_zip(data, edit, add)


def every_part(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """`data` with `change` applied to every XML part."""
    members = _members(data)
    edit: dict[str, bytes | None] = {
        name: change(raw) for name, raw in members.items() if name.endswith((".xml", ".rels"))
    }
    return rewrite_zip(data, edit)


_DECL_RE = re.compile(rb"^(\xef\xbb\xbf)?<\?xml[^>]*\?>")


def before_root(prolog: bytes) -> Callable[[bytes], bytes]:
    """Put `prolog` after the part's XML declaration (or first, when it has none)."""

    def change(raw: bytes) -> bytes:
        match = _DECL_RE.match(raw)
        end = match.end() if match else 0
        return raw[:end] + prolog + raw[end:]

    return change


def blank_lines_before_declaration(raw: bytes) -> bytes:
    if not raw.startswith(b"<?xml"):
        raw = b'<?xml version="1.0" encoding="UTF-8"?>' + raw
    return b"\r\n\r\n  \t" + raw


def with_bom(raw: bytes) -> bytes:
    return b"\xef\xbb\xbf" + raw


def reading(result: ParseResult) -> tuple[object, ...]:
    """Everything a parse says, for comparing two parses."""
    return (
        result.format,
        result.municipality,
        result.period,
        sorted((q, a.impact, a.comment) for q, a in result.answers.items()),
        sorted((i.field, i.severity, i.message) for i in result.issues),
    )


def odf_file(extension: str) -> tuple[str, bytes]:
    case = next(c for c in CASES if c.filename.endswith(extension) and not c.needs_libreoffice)
    return case.filename, case.build()


PROLOGS = {
    "processing-instruction": before_root(b"<?mso-contentType?>"),
    "comment": before_root(b"<!-- Saved from SharePoint -->"),
    "pi-comment-whitespace": before_root(
        b'\r\n<?mso-contentType?>\n<!--x-->\t<?mso-application progid="Excel.Sheet"?>\n'
    ),
    "bom": with_bom,
    "blank-lines-before-declaration": blank_lines_before_declaration,
}


def sources() -> dict[str, tuple[str, bytes]]:
    return {
        "xlsx": ("Lägesbild Ludvika oktober 2026.xlsx", form_xlsx()),
        "docx": ("Lägesbild Ludvika oktober 2026.docx", form_docx()),
        "odt": odf_file(".odt"),
        "ods": odf_file(".ods"),
    }


# --- SharePoint's customXml parts -------------------------------------------------


@pytest.mark.parametrize(
    "kind, main_rels", [("xlsx", "xl/_rels/workbook.xml.rels"), ("docx", "word/_rels/document.xml.rels")]
)
def test_sharepoint_custom_xml_is_read_as_the_plain_file(kind: str, main_rels: str) -> None:
    name, data = sources()[kind]
    saved = with_sharepoint_parts(data, main_rels)
    assert _members(saved)["customXml/item1.xml"].startswith(
        b'<?xml version="1.0" encoding="utf-8"?><?mso-contentType?>'
    )
    plain = parse_bytes(data, name)
    assert not [i for i in plain.issues if i.field == "file"]
    assert reading(parse_bytes(saved, name)) == reading(plain)


@pytest.mark.parametrize(
    "item1",
    [
        pytest.param(_ITEM1, id="declaration-then-pi"),
        pytest.param(_ITEM1[_ITEM1.index(b"?>") + 2 :], id="pi-first"),
        pytest.param(
            b"\xef\xbb\xbf" + _ITEM1.replace(b"<?mso-contentType?>", b"<?mso-contentType?><!-- c -->"),
            id="bom-pi-comment",
        ),
        pytest.param(b"\n" + _ITEM1, id="newline-before-declaration"),
    ],
)
def test_workbook_cell_count_passes_the_custom_xml_prolog(item1: bytes) -> None:
    """The streaming cell count (before openpyxl) met the root's earlier siblings and crashed."""
    saved = with_sharepoint_parts(form_xlsx(), "xl/_rels/workbook.xml.rels", item1)
    document = read_xlsx(saved, LIMITS)
    assert document.sections and document.text_lines() == read_xlsx(form_xlsx(), LIMITS).text_lines()


# --- the same prolog in front of every XML part ----------------------------------------


@pytest.mark.parametrize("prolog", list(PROLOGS))
@pytest.mark.parametrize("kind", ["xlsx", "docx", "odt", "ods"])
def test_every_part_with_an_odd_prolog_is_read_as_the_plain_file(kind: str, prolog: str) -> None:
    name, data = sources()[kind]
    odd = every_part(data, PROLOGS[prolog])
    assert reading(parse_bytes(odd, name)) == reading(parse_bytes(data, name))


# --- the helpers in parsers.safety ------------------------------------------------------


def test_whitespace_before_the_declaration_is_dropped_and_nothing_else() -> None:
    decl = b'<?xml version="1.0"?><a/>'
    assert without_space_before_declaration(b"\r\n " + decl) == decl
    assert without_space_before_declaration(b"\xef\xbb\xbf\n" + decl) == b"\xef\xbb\xbf" + decl
    assert without_space_before_declaration(b"\n<a/>") == b"\n<a/>"  # already well-formed
    utf16 = "\n<?xml version='1.0' encoding='UTF-16'?><a/>".encode("utf-16-le")
    assert without_space_before_declaration(utf16) == utf16
    assert safe_xml(b"\n\n" + decl).tag == "a"


def test_iterparse_gives_the_root_whose_siblings_stay() -> None:
    xml = b'\n  <?xml version="1.0"?><?mso-contentType?><!-- c --><root><c/><c/></root><!-- after -->'
    ends = [elem.tag for _event, elem in safe_iterparse(io.BytesIO(xml))]
    assert ends == ["c", "c", "root"]


def test_long_blank_run_before_the_declaration_in_a_stream() -> None:
    xml = b" " * 20_000 + b'<?xml version="1.0"?><root/>'

    class Trickle(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            return super().read(min(size or 1000, 1000) if size and size > 0 else 1000)

    assert [elem.tag for _event, elem in safe_iterparse(Trickle(xml))] == ["root"]


def test_prolog_scan_accepts_sharepoint_parts() -> None:
    saved = with_sharepoint_parts(form_docx(), "word/_rels/document.xml.rels")
    with open_zip(saved, LIMITS) as zf:
        names = [info.filename for info in check_xml_parts(zf, LIMITS)]
    assert {"customXml/item1.xml", "customXml/item2.xml", "customXml/item3.xml"} <= set(names)
