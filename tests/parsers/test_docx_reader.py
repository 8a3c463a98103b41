"""The Word reader: real .docx files built with python-docx, XML edited where it has no API."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from lxml import etree

from parsers.document import Document, Grid, NamedField, Paragraph
from parsers.docx import read_docx
from parsers.limits import Limits, Refused

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math"'
)


def r(text: str, rpr: str = "") -> str:
    return f'<w:r>{rpr and f"<w:rPr>{rpr}</w:rPr>"}<w:t xml:space="preserve">{text}</w:t></w:r>'


def p(*inner: str) -> str:
    return "<w:p>" + "".join(inner) + "</w:p>"


def save(d: docx.document.Document) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def build(*fragments: str, setup: Callable[[docx.document.Document], None] | None = None) -> bytes:
    """A .docx whose body is exactly `fragments` (raw WordprocessingML) before its sectPr."""
    d = docx.Document()
    body = d.element.body
    sect = body.find(qn("w:sectPr"))
    for child in list(body):
        if child is not sect:
            body.remove(child)
    for fragment in fragments:
        for el in list(parse_xml(f"<w:wrap {NS}>{fragment}</w:wrap>")):
            sect.addprevious(el)
    if setup is not None:
        setup(d)
    return save(d)


def read(data: bytes) -> Document:
    return read_docx(data, Limits())


def blocks(data: bytes) -> list[Paragraph | Grid]:
    doc = read(data)
    assert len(doc.sections) == 1
    return list(doc.sections[0].blocks)


def texts(data: bytes) -> list[str]:
    """Paragraph texts, empty ones left out."""
    return [b.text for b in blocks(data) if isinstance(b, Paragraph) and b.text.strip()]


# ---------------------------------------------------------------- runs and paragraphs


def test_paragraph_order_and_run_characters() -> None:
    data = build(
        p(r("Fråga 1, Ordningsstörningar"), r(" och otrygghet:")),
        p(
            r("Påverkan:"),
            "<w:r><w:tab/><w:t>3</w:t><w:br/><w:t>rad två</w:t><w:cr/><w:t>rad tre</w:t></w:r>",
            "<w:r><w:t>icke</w:t><w:noBreakHyphen/><w:t>brytande</w:t><w:softHyphen/></w:r>",
        ),
        p(),
        p(r("Kommentar: lugnt")),
    )
    assert blocks(data) == [
        Paragraph("Fråga 1, Ordningsstörningar och otrygghet:"),
        Paragraph("Påverkan: 3\nrad två\nrad treicke-brytande"),
        Paragraph(""),
        Paragraph("Kommentar: lugnt"),
    ]


def test_python_docx_document_reads_like_word_shows_it() -> None:
    d = docx.Document()
    d.add_heading("Mall för lägesbildsinsamling - Sociala risker", level=1)
    para = d.add_paragraph("Underlaget inlämnat av kommun: ")
    para.add_run("Ludvika").bold = True
    d.add_paragraph("Juli månad 2026")
    assert texts(save(d)) == [
        "Mall för lägesbildsinsamling - Sociala risker",
        "Underlaget inlämnat av kommun: Ludvika",
        "Juli månad 2026",
    ]


def test_hyperlink_smarttag_customxml_and_ruby_keep_their_text() -> None:
    data = build(
        p(
            '<w:hyperlink r:id="rId99">' + r("länk") + "</w:hyperlink>",
            '<w:smartTag w:uri="urn:x" w:element="place">' + r(" Falun") + "</w:smartTag>",
            '<w:customXml w:element="kommun">' + r(" Mora") + "</w:customXml>",
            "<w:r><w:ruby><w:rt>" + r("yomi") + "</w:rt><w:rubyBase>" + r(" bas")
            + "</w:rubyBase></w:ruby></w:r>",
        )
    )  # fmt: skip
    assert texts(data) == ["länk Falun Mora bas"]


def test_hidden_text_is_dropped() -> None:
    data = build(p(r("Synlig"), r(" dold", "<w:vanish/>"), r(" text")))
    assert texts(data) == ["Synlig text"]


def test_math_text_is_kept() -> None:
    data = build(p(r("Kvot: "), "<m:oMath><m:r><m:t>3/5</m:t></m:r></m:oMath>"))
    assert texts(data) == ["Kvot: 3/5"]


# ---------------------------------------------------------------- tracked changes


def test_tracked_changes_read_as_accepted() -> None:
    meta = 'w:id="{}" w:author="Anna" w:date="2026-10-01T10:00:00Z"'
    data = build(
        p(
            r("Påverkan: "),
            f"<w:del {meta.format(1)}><w:r><w:delText>2</w:delText></w:r></w:del>",
            f"<w:ins {meta.format(2)}>" + r("4") + "</w:ins>",
        ),
        p(
            r("Kommentar:"),
            f"<w:moveFrom {meta.format(3)}>" + r(" flyttad") + "</w:moveFrom>",
            r(" kvar"),
            f"<w:moveTo {meta.format(4)}>" + r(" flyttad") + "</w:moveTo>",
        ),
    )
    assert texts(data) == ["Påverkan: 4", "Kommentar: kvar flyttad"]


def test_deleted_table_row_is_dropped() -> None:
    d = docx.Document()
    table = d.add_table(rows=2, cols=1)
    table.cell(0, 0).text = "kvar"
    table.cell(1, 0).text = "struken"
    tr_pr = table.rows[1]._tr.get_or_add_trPr()
    tr_pr.append(parse_xml(f'<w:del {NS} w:id="9" w:author="A" w:date="2026-01-01T00:00:00Z"/>'))
    assert blocks(save(d)) == [Grid((("kvar",),))]


# ---------------------------------------------------------------- tables


def test_merged_cells_line_up() -> None:
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Fråga 1"
    table.cell(0, 2).text = "Påverkan"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Kommentar"
    table.cell(1, 1).text = "a"
    table.cell(1, 2).text = "3"
    table.cell(2, 1).text = "b"
    assert blocks(save(d)) == [
        Grid(
            (
                ("Fråga 1", "", "Påverkan"),
                ("Kommentar", "a", "3"),
                ("", "b", ""),
            )
        )
    ]


def test_cell_paragraphs_join_with_newline_and_nested_table_is_flattened() -> None:
    d = docx.Document()
    table = d.add_table(rows=1, cols=2)
    left = table.cell(0, 0)
    left.text = "Kommentar:"
    left.add_paragraph("första raden")
    left.add_paragraph("andra raden")
    right = table.cell(0, 1)
    right.text = "Påverkan"
    inner = right.add_table(rows=2, cols=3)
    for col, value in enumerate(("☐ 1", "☒ 2", "")):
        inner.cell(0, col).text = value
    inner.cell(1, 0).text = "Oroande"
    assert blocks(save(d)) == [Grid((("Kommentar:\nförsta raden\nandra raden", "Påverkan\n☐ 1 | ☒ 2\nOroande"),))]


def test_rows_are_padded_and_gridbefore_shifts_cells() -> None:
    row1 = "<w:tr>" + "".join(f"<w:tc>{p(r(t))}</w:tc>" for t in ("a", "b", "c")) + "</w:tr>"
    row2 = f'<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc>{p(r("y"))}</w:tc></w:tr>'
    assert blocks(build(f"<w:tbl>{row1}{row2}</w:tbl>")) == [Grid((("a", "b", "c"), ("", "y", "")))]


def test_deepest_nesting_the_xml_parser_allows_reads_without_recursion_error() -> None:
    inner = p(r("kärna"))
    for _ in range(83):  # 3 XML levels per table: just under libxml2's depth limit of 256
        inner = f"<w:tbl><w:tr><w:tc>{inner}</w:tc></w:tr></w:tbl>"
    (grid,) = blocks(build(inner))
    assert isinstance(grid, Grid) and grid.rows == (("kärna",),)


def test_hostile_grid_span_is_capped_and_cell_limit_refuses() -> None:
    cell = f'<w:tc><w:tcPr><w:gridSpan w:val="100000"/></w:tcPr>{p(r("x"))}</w:tc>'
    data = build(f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>")
    (grid,) = blocks(data)
    assert isinstance(grid, Grid)
    assert grid.rows[0][0] == "x" and len(grid.rows[0]) == 63
    with pytest.raises(Refused):
        read_docx(data, Limits(max_sheet_cells=50))


# ---------------------------------------------------------------- content controls


def sdt(props: str, content: str) -> str:
    return f"<w:sdt><w:sdtPr>{props}</w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>"


PLACEHOLDER = r("Klicka eller tryck här för att ange text.", '<w:rStyle w:val="Platshllartext"/>')


def checkbox(tag: str, checked: bool) -> str:
    state = "1" if checked else "0"
    glyph = "☒" if checked else "☐"
    return sdt(
        f'<w:tag w:val="{tag}"/><w14:checkbox><w14:checked w14:val="{state}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>',
        r(glyph, '<w:rFonts w:ascii="MS Gothic" w:hAnsi="MS Gothic"/>'),
    )


def test_run_level_content_controls() -> None:
    data = build(
        p(r("Kommun: "), sdt('<w:alias w:val="Kommun"/><w:tag w:val="kommun"/><w:text/>',
                             r("Ludvika"))),
        p(r("Påverkan: "), sdt(
            '<w:tag w:val="q1.impact"/><w:dropDownList>'
            '<w:listItem w:displayText="Välj ett objekt." w:value=""/>'
            '<w:listItem w:displayText="3 - Oroande" w:value="3"/></w:dropDownList>',
            r("3 - Oroande"))),
        p(r("Kommentar: "), sdt('<w:alias w:val="Kommentar 1"/><w:showingPlcHdr/><w:text/>',
                                PLACEHOLDER)),
        p(r("Påverkan: "), sdt('<w:tag w:val="q2.impact"/><w:showingPlcHdr/><w:comboBox/>',
                               r("Välj ett objekt."))),
        p(r("Datum: "), sdt('<w:tag w:val="datum"/><w:date><w:dateFormat w:val="yyyy-MM-dd"/>'
                            "</w:date>", r("2026-10-31"))),
        p(r("Utan namn: "), sdt("<w:text/>", r("fritt"))),
        p(checkbox("q3.1", False), r("1 "), checkbox("q3.2", True), r("2")),
    )  # fmt: skip
    doc = read(data)
    assert [b.text for b in doc.sections[0].blocks if isinstance(b, Paragraph)] == [
        "Kommun: Ludvika",
        "Påverkan: 3 - Oroande",
        "Kommentar: ",
        "Påverkan: ",
        "Datum: 2026-10-31",
        "Utan namn: fritt",
        "☐1 ☒2",
    ]
    assert doc.fields == [
        NamedField("kommun", "Ludvika"),
        NamedField("q1.impact", "3 - Oroande"),
        NamedField("Kommentar 1", ""),
        NamedField("q2.impact", ""),
        NamedField("datum", "2026-10-31"),
        NamedField("q3.1", "☐", checked=False),
        NamedField("q3.2", "☒", checked=True),
    ]


def test_placeholder_text_without_flag_counts_as_empty() -> None:
    data = build(p(r("Kommentar: "), sdt('<w:tag w:val="k"/>', PLACEHOLDER)))
    doc = read(data)
    assert doc.sections[0].blocks == (Paragraph("Kommentar: "),)
    assert doc.fields == [NamedField("k", "")]


def test_placeholder_phrases_left_as_text_or_field_result_are_dropped() -> None:
    fillin = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FILLIN "" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + r("Klicka eller tryck här för att ange text.")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    data = build(
        p(r("Kommentar: "), fillin),
        p(r("Påverkan: Välj ett objekt.")),
        p(r("Klicka här för att ange text. Se bilaga.")),
    )
    assert blocks(data) == [
        Paragraph("Kommentar: "),
        Paragraph("Påverkan: "),
        Paragraph(" Se bilaga."),
    ]


def test_block_cell_and_row_level_content_controls() -> None:
    cell_sdt = sdt('<w:tag w:val="cell"/>', f"<w:tc>{p(r('i cellen'))}</w:tc>")
    cell_box = sdt(
        '<w:tag w:val="cellbox"/><w14:checkbox><w14:checked w14:val="1"/></w14:checkbox>',
        f"<w:tc>{p(r('☒'))}</w:tc>",
    )
    row_sdt = sdt(
        '<w:alias w:val="Rad"/>',
        "<w:tr>" + f"<w:tc>{p(r('rad'))}</w:tc><w:tc>{p(r('två'))}</w:tc></w:tr>",
    )
    row_placeholder = sdt(
        '<w:tag w:val="tomrad"/><w:showingPlcHdr/>',
        "<w:tr>" + f"<w:tc>{p(PLACEHOLDER)}</w:tc><w:tc>{p(PLACEHOLDER)}</w:tc></w:tr>",
    )
    data = build(
        sdt('<w:tag w:val="block"/>', p(r("första")) + p(r("andra"))),
        sdt('<w:tag w:val="tomt"/><w:showingPlcHdr/>', p(PLACEHOLDER)),
        f"<w:tbl><w:tr>{cell_sdt}{cell_box}</w:tr>{row_sdt}{row_placeholder}</w:tbl>",
    )
    doc = read(data)
    assert doc.sections[0].blocks == (
        Paragraph("första"),
        Paragraph("andra"),
        Paragraph(""),
        Grid((("i cellen", "☒"), ("rad", "två"), ("", ""))),
    )
    assert doc.fields == [
        NamedField("block", "första\nandra"),
        NamedField("tomt", ""),
        NamedField("cell", "i cellen"),
        NamedField("cellbox", "☒", checked=True),
        NamedField("Rad", "rad | två"),
        NamedField("tomrad", ""),
    ]


def test_tag_is_preferred_over_alias_and_nested_controls_keep_document_order() -> None:
    inner = sdt('<w:tag w:val="inre"/>', r("text"))
    data = build(p(sdt('<w:alias w:val="Titel"/><w:tag w:val="yttre"/>', r("före ") + inner)))
    assert read(data).fields == [NamedField("yttre", "före text"), NamedField("inre", "text")]


# ---------------------------------------------------------------- legacy form fields


def legacy(ff: str, instr: str, result: str | None = None) -> str:
    out = f'<w:r><w:fldChar w:fldCharType="begin"><w:ffData>{ff}</w:ffData></w:fldChar></w:r>'
    out += f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
    if result is not None:
        out += '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + result
    return out + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'


def test_legacy_form_fields() -> None:
    text_ff = '<w:name w:val="Kommun"/><w:enabled/><w:calcOnExit w:val="0"/><w:textInput/>'
    empty_ff = '<w:name w:val="Text2"/><w:enabled/><w:textInput/>'
    box = '<w:name w:val="{}"/><w:enabled/><w:checkBox><w:sizeAuto/>{}</w:checkBox>'
    dd = (
        '<w:name w:val="Niva"/><w:enabled/><w:ddList>{}'
        '<w:listEntry w:val="1 Normalt"/><w:listEntry w:val="2 Avvikande"/>'
        '<w:listEntry w:val="3 Oroande"/></w:ddList>'
    )
    data = build(
        p(r("Kommun: "), legacy(text_ff, "FORMTEXT", r("Ludvika") + r(" kommun"))),
        p(r("Namn: "), legacy(empty_ff, "FORMTEXT", r("\u2002" * 5))),
        p(
            legacy(box.format("K1", '<w:default w:val="0"/>'), "FORMCHECKBOX"),
            r("1 "),
            legacy(box.format("K2", '<w:default w:val="0"/><w:checked/>'), "FORMCHECKBOX"),
            r("2 "),
            legacy(box.format("K3", '<w:default w:val="1"/>'), "FORMCHECKBOX"),
            r("3 "),
            legacy(box.format("K4", '<w:default w:val="1"/><w:checked w:val="0"/>'),
                   "FORMCHECKBOX"),
            r("4"),
        ),
        p(r("Nivå: "), legacy(dd.format('<w:result w:val="2"/>'), "FORMDROPDOWN",
                              r("gammalt"))),
        p(r("Nivå: "), legacy(dd.format(""), "FORMDROPDOWN")),
    )  # fmt: skip
    doc = read(data)
    assert [b.text for b in doc.sections[0].blocks if isinstance(b, Paragraph)] == [
        "Kommun: Ludvika kommun",
        "Namn: " + "\u2002" * 5,
        "☐1 ☒2 ☒3 ☐4",
        "Nivå: 3 Oroande",
        "Nivå: 1 Normalt",
    ]
    assert doc.fields == [
        NamedField("Kommun", "Ludvika kommun"),
        NamedField("Text2", ""),
        NamedField("K1", "☐", checked=False),
        NamedField("K2", "☒", checked=True),
        NamedField("K3", "☒", checked=True),
        NamedField("K4", "☐", checked=False),
        NamedField("Niva", "3 Oroande"),
        NamedField("Niva", "1 Normalt"),
    ]


def test_field_instructions_never_show_but_results_do() -> None:
    page = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE \\* MERGEFORMAT </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("2") +
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )  # fmt: skip
    nested = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText> IF </w:instrText></w:r>' + page +
        '<w:r><w:instrText> = 2 "ja" "nej" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>' + r("ja") +
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )  # fmt: skip
    simple = '<w:fldSimple w:instr=" DATE \\@ &quot;yyyy-MM-dd&quot; ">' + r("2026-10-31")
    data = build(
        p(r("Sida "), page),
        p(r("Villkor: "), nested),
        p(r("Datum: "), simple + "</w:fldSimple>"),
        p(r("Öppet fält "), '<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
          "<w:r><w:instrText>REF x</w:instrText></w:r>"),
        p(r("nästa stycke")),
    )  # fmt: skip
    assert texts(data) == [
        "Sida 2",
        "Villkor: ja",
        "Datum: 2026-10-31",
        "Öppet fält ",
        "nästa stycke",
    ]


# ---------------------------------------------------------------- symbols


def test_wingdings_symbols_become_checkboxes() -> None:
    def sym(char: str, font: str = "Wingdings") -> str:
        return f'<w:r><w:sym w:font="{font}" w:char="{char}"/></w:r>'

    data = build(
        p(sym("F0A8"), r("1 "), sym("F06F"), r("2 "), sym("F0FE"), r("3 "), sym("F0FD"),
          r("4 "), sym("F078"), r("5")),
        p(sym("F0FC"), r(" klart "), sym("F04A"), r(" "), sym("2612", "Segoe UI Symbol"),
          r(" "), sym("F054", "Wingdings 2"), sym("F0A3", "Wingdings 2")),
        p(r("o", '<w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/>'), r("1 "),
          r("þ", '<w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/>'), r("2")),
    )  # fmt: skip
    assert texts(data) == ["☐1 ☐2 ☒3 ☒4 ☒5", "✓ klart  ☒ ☒☐", "☐1 ☒2"]


def test_symbol_font_applies_only_to_the_characters_it_draws() -> None:
    # ASCII is drawn in w:ascii (Wingdings here), "å" in w:hAnsi (an ordinary font).
    data = build(p(r("oå", '<w:rFonts w:ascii="Wingdings" w:hAnsi="Calibri"/>'), r(" 3")))
    assert texts(data) == ["☐å 3"]


# ---------------------------------------------------------------- text boxes


TEXTBOX = (
    '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
    '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" '
    'behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">'
    '<wp:extent cx="100" cy="100"/><wp:docPr id="1" name="Textruta 1"/><a:graphic>'
    '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
    "<wps:wsp><wps:txbx><w:txbxContent>{body}</w:txbxContent></wps:txbx></wps:wsp>"
    "</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    '<mc:Fallback><w:pict><v:shape id="Textruta 1"><v:textbox><w:txbxContent>{body}'
    "</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
)


def test_text_box_read_once_after_its_anchor_paragraph() -> None:
    box = TEXTBOX.format(body=p(r("Påverkan: 2")) + p(r("i rutan")))
    vml = (
        "<w:r><w:pict><v:shape><v:textbox><w:txbxContent>"
        + p(r("gammal ruta"))
        + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
    )
    data = build(p(r("Fråga 2"), box, r(" Hot och våld")), p(r("efter"), vml), p(r("sist")))
    assert texts(data) == [
        "Fråga 2 Hot och våld",
        "Påverkan: 2",
        "i rutan",
        "efter",
        "gammal ruta",
        "sist",
    ]


def test_text_box_in_table_cell_joins_the_cell_text() -> None:
    box = TEXTBOX.format(body=p(r("ur rutan")))
    data = build(f"<w:tbl><w:tr><w:tc>{p(r('cell'), box)}</w:tc></w:tr></w:tbl>")
    assert blocks(data) == [Grid((("cell\nur rutan",),))]


# ---------------------------------------------------------------- parts that are not read


def test_page_headers_come_first_and_footers_comments_and_notes_add_no_text() -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "Sidhuvud"
    d.sections[0].footer.paragraphs[0].text = "Sidfot"
    para = d.add_paragraph("Kommentar: ")
    run = para.add_run("lugn månad")
    d.add_comment(run, text="Granska detta", author="Länsstyrelsen")
    para._p.append(parse_xml(f'<w:r {NS}><w:footnoteReference w:id="1"/><w:endnoteReference w:id="1"/></w:r>'))
    assert texts(save(d)) == ["Sidhuvud", "Kommentar: lugn månad"]


def test_alt_chunk_is_noted_not_read() -> None:
    doc = read(build(p(r("före")), '<w:altChunk r:id="rId42"/>', p(r("efter"))))
    assert doc.sections[0].blocks == (Paragraph("före"), Paragraph("efter"))
    assert len(doc.notes) == 1 and "inbäddat innehåll" in doc.notes[0]


# ---------------------------------------------------------------- list numbering


def test_numbered_list_items_get_their_number_bullets_do_not() -> None:
    d = docx.Document()
    d.add_paragraph("Ordningsstörningar", style="List Number")
    d.add_paragraph("Hot och våld", style="List Number")
    d.add_paragraph("en punkt", style="List Bullet")
    d.add_paragraph("", style="List Number")  # empty: counted but shows no lone "3."
    d.add_paragraph("Ungdomar/skolor", style="List Number")
    assert [b.text for b in blocks(save(d)) if isinstance(b, Paragraph)] == [
        "1. Ordningsstörningar",
        "2. Hot och våld",
        "en punkt",
        "",
        "4. Ungdomar/skolor",
    ]


def test_list_numbering_from_styles_follows_each_files_own_styles() -> None:
    # What a styles part says is remembered between files by its exact bytes:
    # a file whose List Number style has no numbering must not borrow it.
    d = docx.Document()
    d.add_paragraph("Ordningsstörningar", style="List Number")
    d.add_paragraph("Hot och våld", style="List Number")
    data = save(d)

    def unnumbered(name: str, raw: bytes) -> bytes:
        if name != "word/styles.xml":
            return raw
        root = etree.fromstring(raw)
        (style,) = root.findall(f"{{{W}}}style[@{{{W}}}styleId='ListNumber']")
        for numpr in style.iter(f"{{{W}}}numPr"):
            numpr.getparent().remove(numpr)
        out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return out

    plain = _rewrite(data, unnumbered)
    assert texts(data) == ["1. Ordningsstörningar", "2. Hot och våld"]
    assert texts(plain) == ["Ordningsstörningar", "Hot och våld"]
    assert texts(data) == ["1. Ordningsstörningar", "2. Hot och våld"]


def _add_lists(d: docx.document.Document) -> None:
    numbering = d.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {NS} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="Fråga %1:"/><w:suff w:val="space"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/>'
        '<w:lvlText w:val="%2)"/></w:lvl>'
        '<w:lvl w:ilvl="2"><w:start w:val="4"/><w:numFmt w:val="upperRoman"/>'
        '<w:lvlText w:val="%1.%3"/><w:suff w:val="nothing"/></w:lvl>'
        "</w:abstractNum>"
    )
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(f'<w:num {NS} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    numbering.append(parse_xml(f'<w:num {NS} w:numId="91"><w:abstractNumId w:val="90"/></w:num>'))
    numbering.append(
        parse_xml(
            f'<w:num {NS} w:numId="92"><w:abstractNumId w:val="90"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
    )


def test_numbering_formats_levels_and_restarts() -> None:
    def item(num: int, ilvl: int, text: str) -> str:
        ppr = f'<w:pPr><w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num}"/></w:numPr></w:pPr>'
        return f"<w:p>{ppr}{r(text)}</w:p>"

    data = build(
        item(90, 0, "Ordningsstörningar"),
        item(90, 1, "inbrott"),
        item(90, 1, "bränder"),
        item(90, 2, "romerskt"),
        item(91, 0, "Hot och våld"),  # another instance of the list continues it
        item(90, 1, "hot"),  # the deeper level restarted
        item(92, 0, "Omstart"),  # an instance with startOverride restarts
        '<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="0"/></w:numPr></w:pPr>' + r("avstängd") + "</w:p>",
        setup=_add_lists,
    )
    assert texts(data) == [
        "Fråga 1: Ordningsstörningar",
        "a) inbrott",
        "b) bränder",
        "1.IVromerskt",
        "Fråga 2: Hot och våld",
        "a) hot",
        "Fråga 1: Omstart",
        "avstängd",
    ]


# ---------------------------------------------------------------- package variants


def _rewrite(data: bytes, edit: Callable[[str, bytes], bytes | None]) -> bytes:
    """Copy a zip, passing each member through `edit` (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = edit(info.filename, src.read(info))
            if new is not None:
                dst.writestr(info.filename, new, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _simple_docx() -> bytes:
    d = docx.Document()
    d.add_paragraph("Fråga 1, Ordningsstörningar och otrygghet:")
    d.add_paragraph("Påverkan: 3")
    return save(d)


def test_docm_reads_the_same_and_macros_are_ignored() -> None:
    def to_docm(name: str, raw: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return raw.replace(
                b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                b"application/vnd.ms-word.document.macroEnabled.main+xml",
            )
        return raw

    data = _rewrite(_simple_docx(), to_docm)
    with zipfile.ZipFile(io.BytesIO(data), "a") as zf:
        zf.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    assert texts(data) == ["Fråga 1, Ordningsstörningar och otrygghet:", "Påverkan: 3"]


def test_strict_ooxml_namespace_reads_the_same() -> None:
    def to_strict(name: str, raw: bytes) -> bytes:
        return raw.replace(
            b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
            b"http://purl.oclc.org/ooxml/wordprocessingml/main",
        )

    data = _rewrite(_simple_docx(), to_strict)
    assert texts(data) == ["Fråga 1, Ordningsstörningar och otrygghet:", "Påverkan: 3"]


def test_main_part_is_found_through_the_package_relationships() -> None:
    moved = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_simple_docx())) as src, zipfile.ZipFile(moved, "w") as dst:
        for info in src.infolist():
            name, raw = info.filename, src.read(info)
            if name in ("[Content_Types].xml", "_rels/.rels"):
                raw = raw.replace(b"word/document.xml", b"word/huvud.xml")
            name = {
                "word/document.xml": "word/huvud.xml",
                "word/_rels/document.xml.rels": "word/_rels/huvud.xml.rels",
            }.get(name, name)
            dst.writestr(name, raw)
    assert texts(moved.getvalue()) == [
        "Fråga 1, Ordningsstörningar och otrygghet:",
        "Påverkan: 3",
    ]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"Det h\xc3\xa4r \xc3\xa4r ingen zip-fil", id="not-a-zip"),
        pytest.param(b"PK\x03\x04" + b"\x00" * 40, id="truncated-zip"),
    ],
)
def test_non_zip_is_refused(data: bytes) -> None:
    with pytest.raises(Refused) as caught:
        read(data)
    assert str(caught.value).strip()


def test_zip_without_word_document_is_refused_in_swedish() -> None:
    data = _rewrite(_simple_docx(), lambda n, raw: None if n == "word/document.xml" else raw)
    with pytest.raises(Refused, match="Word-dokument"):
        read(data)
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(Refused, match="Word-dokument"):
        read(other.getvalue())


def test_broken_xml_is_refused_in_swedish() -> None:
    data = _rewrite(
        _simple_docx(),
        lambda n, raw: raw[: len(raw) // 2] if n == "word/document.xml" else raw,
    )
    with pytest.raises(Refused, match="skadad"):
        read(data)


def test_broken_numbering_is_refused_even_when_no_paragraph_is_numbered() -> None:
    # Its list levels are only read when a paragraph needs them, but the
    # part itself is parsed up front, as before.
    data = _rewrite(
        _simple_docx(),
        lambda n, raw: raw[: len(raw) // 2] if n == "word/numbering.xml" else raw,
    )
    with pytest.raises(Refused, match="skadad"):
        read(data)


def test_entity_declaration_is_refused() -> None:
    def add_dtd(name: str, raw: bytes) -> bytes:
        if name != "word/document.xml":
            return raw
        head, _, rest = raw.partition(b"?>")
        return head + b'?><!DOCTYPE w:document [<!ENTITY x "boom">]>' + rest

    with pytest.raises(Refused):
        read(_rewrite(_simple_docx(), add_dtd))


# ---------------------------------------------------------------- speed


def _soffice_convert(src: Path, out_dir: Path, target: str, profile: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
         "--convert-to", target, "--outdir", str(out_dir), str(src)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    (result,) = out_dir.iterdir()
    return result


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_docx_saved_by_libreoffice_reads_the_same(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Underlaget inlämnat av kommun: Falun")
    d.add_paragraph("Fråga 1, Ordningsstörningar och otrygghet:")
    d.add_paragraph("Påverkan:\t3 (Oroande)")
    d.add_paragraph("Kommentar: inbrott i förråd")
    d.add_paragraph("Hot och våld", style="List Number")
    d.add_paragraph("Ungdomar/skolor", style="List Number")
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Fråga 2"
    table.cell(0, 2).text = "Påverkan: 2"
    table.cell(1, 0).text = "Kommentar:"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "lugnt"
    box = '<w:name w:val="{}"/><w:enabled/><w:checkBox><w:sizeAuto/>{}</w:checkBox>'
    dd = (
        '<w:name w:val="Niva"/><w:enabled/><w:ddList><w:result w:val="2"/>'
        '<w:listEntry w:val="1 Normalt"/><w:listEntry w:val="2 Avvikande"/>'
        '<w:listEntry w:val="3 Oroande"/></w:ddList>'
    )
    fragments = [
        p(r("Fråga 3: "), legacy('<w:name w:val="F3"/><w:textInput/>', "FORMTEXT", r("klotter"))),
        p(
            legacy(box.format("K1", '<w:default w:val="0"/>'), "FORMCHECKBOX"),
            r("1 "),
            legacy(box.format("K2", '<w:default w:val="0"/><w:checked/>'), "FORMCHECKBOX"),
            r("2"),
        ),
        p(r("Påverkan: "), legacy(dd, "FORMDROPDOWN")),
        p(r("Kommentar: "), sdt('<w:tag w:val="k"/><w:showingPlcHdr/><w:text/>', PLACEHOLDER)),
        p(r("Val: "), sdt('<w:tag w:val="v"/><w:dropDownList/>', r("4 - Allvarligt"))),
        p(checkbox("c1", False), r("1 "), checkbox("c2", True), r("2")),
        p(r("Ankare"), TEXTBOX.format(body=p(r("i rutan"))), r(" slut")),
    ]
    for fragment in fragments:
        for el in parse_xml(f"<w:wrap {NS}>{fragment}</w:wrap>"):
            d.element.body.append(el)
    d.element.body.append(d.element.body.find(qn("w:sectPr")))  # keep sectPr last
    original = tmp_path / "form.docx"
    original.write_bytes(save(d))
    profile = tmp_path / "profile"
    odt = _soffice_convert(original, tmp_path / "odt", "odt", profile)
    again = _soffice_convert(odt, tmp_path / "docx", "docx:MS Word 2007 XML", profile)

    def content(data: bytes) -> list[object]:
        return [b for b in blocks(data) if not (isinstance(b, Paragraph) and not b.text.strip())]

    expected = content(original.read_bytes())
    assert expected == [
        Paragraph("Underlaget inlämnat av kommun: Falun"),
        Paragraph("Fråga 1, Ordningsstörningar och otrygghet:"),
        Paragraph("Påverkan: 3 (Oroande)"),
        Paragraph("Kommentar: inbrott i förråd"),
        Paragraph("1. Hot och våld"),
        Paragraph("2. Ungdomar/skolor"),
        Grid((("Fråga 2", "", "Påverkan: 2"), ("Kommentar:", "lugnt", ""))),
        Paragraph("Fråga 3: klotter"),
        Paragraph("☐1 ☒2"),
        Paragraph("Påverkan: 3 Oroande"),
        Paragraph("Kommentar: "),
        Paragraph("Val: 4 - Allvarligt"),
        Paragraph("☐1 ☒2"),
        Paragraph("Ankare slut"),
        Paragraph("i rutan"),
    ]
    assert content(again.read_bytes()) == expected
