"""OpenDocument readers on files built with odfpy and converted by LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from odf.config import ConfigItem, ConfigItemMapEntry, ConfigItemMapIndexed, ConfigItemSet
from odf.dc import Creator, Date
from odf.draw import Frame, TextBox
from odf.element import Element
from odf.namespaces import TEXTNS, XMLNS
from odf.office import Annotation, ChangeInfo
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.table import (
    CoveredTableCell,
    NamedExpressions,
    NamedRange,
    Table,
    TableCell,
    TableColumn,
    TableHeaderRows,
    TableRow,
)
from odf.text import (
    Change,
    ChangedRegion,
    Deletion,
    H,
    IndexBody,
    LineBreak,
    List,
    ListItem,
    Note,
    NoteBody,
    NoteCitation,
    P,
    S,
    Span,
    Tab,
    TableOfContent,
    TrackedChanges,
)

from parsers.document import Grid, NamedField, Paragraph
from parsers.limits import Limits, Refused
from parsers.odf import read_ods, read_odt

LIMITS = Limits()


def _save(doc: OpenDocumentText | OpenDocumentSpreadsheet) -> bytes:
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _p(text: str = "", *children: Element) -> Element:
    paragraph = P(text=text) if text else P()
    for child in children:
        paragraph.addElement(child)
    return paragraph


def _cell(text: str = "", **attrs: object) -> Element:
    cell = TableCell(**attrs)
    if text:
        cell.addElement(P(text=text))
    return cell


def _row(*cells: Element, **attrs: object) -> Element:
    row = TableRow(**attrs)
    for cell in cells:
        row.addElement(cell)
    return row


def _odt(*elements: Element) -> bytes:
    doc = OpenDocumentText()
    for element in elements:
        doc.text.addElement(element)
    return _save(doc)


def _blocks(data: bytes, limits: Limits = LIMITS) -> tuple[object, ...]:
    document = read_odt(data, limits)
    assert len(document.sections) == 1
    return document.sections[0].blocks


# -- ODT: paragraphs ------------------------------------------------------------------


def test_paragraph_inline_content() -> None:
    impact = _p("Påverkan:", S(c=3), Span(text="3"), Tab(), Span(text="(Oroande)"))
    impact.addElement(LineBreak())
    impact.addText("andra raden")
    assert _blocks(_odt(H(outlinelevel=1, text="Fråga 1, Ordningsstörningar"), impact, P())) == (
        Paragraph("Fråga 1, Ordningsstörningar"),
        Paragraph("Påverkan:   3\t(Oroande)\nandra raden"),
        Paragraph(""),
    )


def test_spans_nest_and_keep_their_text_in_order() -> None:
    outer = Span(text="Kommentar: ")
    inner = Span(text="inbrott")
    outer.addElement(inner)
    outer.addText(" i centrum")
    assert _blocks(_odt(_p("", outer, Span(text=".")))) == (Paragraph("Kommentar: inbrott i centrum."),)


def test_list_items_become_paragraphs_nested_lists_too() -> None:
    inner = List()
    deeper = ListItem()
    deeper.addElement(P(text="underpunkt"))
    inner.addElement(deeper)
    item = ListItem()
    item.addElement(P(text="Nattvandring"))
    item.addElement(inner)
    second = ListItem()
    second.addElement(P(text="Föräldramöte"))
    outer = List()
    outer.addElement(item)
    outer.addElement(second)
    assert _blocks(_odt(P(text="Kommentar:"), outer)) == (
        Paragraph("Kommentar:"),
        Paragraph("Nattvandring"),
        Paragraph("underpunkt"),
        Paragraph("Föräldramöte"),
    )


def test_text_box_is_read_where_it_stands() -> None:
    box = TextBox()
    box.addElement(P(text="Påverkan: 4"))
    box.addElement(P(text="Kommentar: hot"))
    frame = Frame(width="5cm", height="2cm", anchortype="as-char")
    frame.addElement(box)
    paragraph = _p("Fråga 2 ", frame)
    paragraph.addText(" efter rutan")
    assert _blocks(_odt(paragraph, P(text="Fråga 3"))) == (
        Paragraph("Fråga 2 "),
        Paragraph("Påverkan: 4"),
        Paragraph("Kommentar: hot"),
        Paragraph(" efter rutan"),
        Paragraph("Fråga 3"),
    )


def test_a_paragraph_holding_only_a_text_box_adds_no_blank_line() -> None:
    box = TextBox()
    box.addElement(P(text="i rutan"))
    frame = Frame(width="5cm", height="2cm", anchortype="paragraph")
    frame.addElement(box)
    assert _blocks(_odt(_p("", frame))) == (Paragraph("i rutan"),)


def test_comments_footnotes_and_table_of_contents_are_left_out() -> None:
    comment = Annotation()
    comment.addElement(Creator(text="Granskare"))
    comment.addElement(P(text="MARGINALKOMMENTAR"))
    note = Note(noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="FOTNOT"))
    note.addElement(body)
    toc = TableOfContent(name="Innehåll")
    index = IndexBody()
    index.addElement(P(text="Fråga 1, Ordningsstörningar ..... 1"))
    toc.addElement(index)
    paragraph = _p("Kommentar: lugnt", comment, note)
    paragraph.addText(" i stort")
    assert _blocks(_odt(toc, paragraph)) == (Paragraph("Kommentar: lugnt i stort"),)


def test_text_deleted_under_change_tracking_is_left_out() -> None:
    tracked = TrackedChanges()
    region = ChangedRegion(qattributes={(XMLNS, "id"): "ct1", (TEXTNS, "id"): "ct1"})
    deletion = Deletion()
    info = ChangeInfo()
    info.addElement(Creator(text="Handläggare"))
    info.addElement(Date(text="2026-10-30T10:00:00"))
    deletion.addElement(info)
    deletion.addElement(P(text="Påverkan: 5"))
    region.addElement(deletion)
    tracked.addElement(region)
    paragraph = _p("Påverkan: ", Change(changeid="ct1"))
    paragraph.addText("2")
    assert _blocks(_odt(tracked, paragraph)) == (Paragraph("Påverkan: 2"),)


def test_space_runs_are_capped() -> None:
    start = time.monotonic()
    blocks = _blocks(_odt(_p("a", S(c=10**9))))
    assert time.monotonic() - start < 2
    assert blocks == (Paragraph("a" + " " * 1000),)


# -- ODT: tables ----------------------------------------------------------------------


def test_table_with_merged_repeated_and_trailing_empty_cells() -> None:
    table = Table(name="Svar")
    table.addElement(TableColumn(numbercolumnsrepeated=4))
    header = TableHeaderRows()
    header.addElement(_row(_cell("Fråga"), _cell("Påverkan"), _cell("Kommentar"), _cell()))
    table.addElement(header)
    table.addElement(
        _row(
            _cell("Fråga 1", numberrowsspanned=2),
            _cell("3"),
            _cell("Lugnt", numbercolumnsspanned=2),
            CoveredTableCell(),
        )
    )
    hidden = CoveredTableCell()
    hidden.addElement(P(text="dold under sammanslagningen"))  # LibreOffice keeps it, never shows it
    table.addElement(_row(hidden, _cell("-", numbercolumnsrepeated=2), _cell()))
    table.addElement(_row(_cell("x", numbercolumnsrepeated=2), numberrowsrepeated=2))
    # What LibreOffice writes after the last used row: a million empty rows.
    table.addElement(_row(_cell(numbercolumnsrepeated=1024), numberrowsrepeated=1048570))
    start = time.monotonic()
    blocks = _blocks(_odt(P(text="före"), table, P(text="efter")))
    assert time.monotonic() - start < 2
    assert blocks == (
        Paragraph("före"),
        Grid(
            rows=(
                ("Fråga", "Påverkan", "Kommentar"),
                ("Fråga 1", "3", "Lugnt"),
                ("", "-", "-"),
                ("x", "x", ""),
                ("x", "x", ""),
            ),
            name="",
        ),
        Paragraph("efter"),
    )


def test_cell_with_several_paragraphs_and_a_list() -> None:
    cell = TableCell()
    cell.addElement(P(text="Kommentar:"))
    items = List()
    for text in ("Inbrott", "Bränder"):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    cell.addElement(items)
    table = Table(name="T")
    table.addElement(_row(_cell("Fråga 1"), cell))
    assert _blocks(_odt(table)) == (Grid(rows=(("Fråga 1", "Kommentar:\nInbrott\nBränder"),), name=""),)


def test_repeated_non_empty_rows_over_the_cap_are_refused() -> None:
    table = Table(name="T")
    table.addElement(_row(_cell("x", numbercolumnsrepeated=10), numberrowsrepeated=10**7))
    start = time.monotonic()
    with pytest.raises(Refused, match="Filen innehåller för stora tabeller"):
        read_odt(_odt(table), LIMITS)
    assert time.monotonic() - start < 2


def test_the_cell_cap_counts_all_tables_of_the_document() -> None:
    def table() -> Element:
        t = Table(name="T")
        t.addElement(_row(_cell("x", numbercolumnsrepeated=5), numberrowsrepeated=10))
        return t

    data = _odt(table(), table())
    assert len(_blocks(data, Limits(max_sheet_cells=100))) == 2
    with pytest.raises(Refused):
        read_odt(data, Limits(max_sheet_cells=99))


# -- ODT: broken files ----------------------------------------------------------------


def _replace_member(data: bytes, name: str, content: bytes | None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename == name:
                if content is not None:
                    dst.writestr(name, content, zipfile.ZIP_DEFLATED)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def test_missing_or_broken_content_is_refused_as_damaged() -> None:
    data = _odt(P(text="x"))
    with pytest.raises(Refused, match="skadad"):
        read_odt(_replace_member(data, "content.xml", None), LIMITS)
    with pytest.raises(Refused, match="skadad"):
        read_odt(_replace_member(data, "content.xml", b"<office:document-content"), LIMITS)


def test_a_spreadsheet_is_not_a_text() -> None:
    with pytest.raises(Refused, match="skadad"):
        read_odt(_save(OpenDocumentSpreadsheet()), LIMITS)
    with pytest.raises(Refused, match="skadad"):
        read_ods(_odt(P(text="x")), LIMITS)


# -- ODS ------------------------------------------------------------------------------


def _ods(*tables: Element, named: Element | None = None) -> bytes:
    doc = OpenDocumentSpreadsheet()
    for table in tables:
        doc.spreadsheet.addElement(table)
    if named is not None:
        doc.spreadsheet.addElement(named)
    return _save(doc)


def _sheet(name: str, *rows: Element) -> Element:
    table = Table(name=name)
    for row in rows:
        table.addElement(row)
    return table


def test_ods_values_come_from_office_attributes() -> None:
    data = _ods(
        _sheet(
            "Lägesbild",
            _row(_cell("Kommun:"), _cell("Säter")),
            _row(_cell("Månad:"), _cell("oktober 2026", valuetype="date", datevalue="2026-10-01")),
            _row(_cell("Fråga 1"), _cell("3,0", valuetype="float", value="3")),
            _row(_cell("Fråga 2"), _cell("2,5", valuetype="float", value="2.5")),
            _row(_cell("Andel"), _cell("50 %", valuetype="percentage", value="0.5")),
            _row(_cell("Klar"), _cell("SANT", valuetype="boolean", booleanvalue="true")),
            _row(_cell("Tid"), _cell("2026-10-01 13:45", valuetype="date", datevalue="2026-10-01T13:45:00")),
            _row(_cell("Text"), _cell("3", valuetype="string")),
            _row(_cell(numbercolumnsrepeated=1024), numberrowsrepeated=1048568),
        )
    )
    document = read_ods(data, LIMITS)
    assert [s.name for s in document.sections] == ["Lägesbild"]
    assert document.sections[0].blocks == (
        Grid(
            rows=(
                ("Kommun:", "Säter"),
                ("Månad:", "2026-10-01"),
                ("Fråga 1", "3"),
                ("Fråga 2", "2.5"),
                ("Andel", "0.5"),
                ("Klar", "TRUE"),
                ("Tid", "2026-10-01 13:45"),
                ("Text", "3"),
            ),
            name="Lägesbild",
        ),
    )


def test_ods_sheets_merged_cells_comments_and_empty_sheets() -> None:
    comment = Annotation()
    comment.addElement(P(text="CELLKOMMENTAR"))
    commented = _cell("Lugnt", numbercolumnsspanned=2)
    commented.addElement(comment)
    data = _ods(
        _sheet("Instruktioner", _row(_cell("Fyll i nästa blad."))),
        _sheet("Svar", _row(_cell("Fråga 1"), commented, CoveredTableCell(), _cell("4"))),
        _sheet("Tomt", _row(_cell(numbercolumnsrepeated=1024), numberrowsrepeated=1048576)),
    )
    document = read_ods(data, LIMITS)
    assert [s.name for s in document.sections] == ["Instruktioner", "Svar", "Tomt"]
    assert document.sections[1].blocks == (Grid(rows=(("Fråga 1", "Lugnt", "", "4"),), name="Svar"),)
    assert document.sections[2].blocks == ()


def _active_table_settings(doc: OpenDocumentSpreadsheet, name: str) -> None:
    views = ConfigItemSet(name="ooo:view-settings")
    indexed = ConfigItemMapIndexed(name="Views")
    entry = ConfigItemMapEntry()
    item = ConfigItem(name="ActiveTable", type="string")
    item.addText(name)
    entry.addElement(item)
    indexed.addElement(entry)
    views.addElement(indexed)
    doc.settings.addElement(views)


def test_ods_active_sheet_first_and_hidden_rows_and_columns_left_out() -> None:
    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(_sheet("Sep", _row(_cell("Fråga 1"), _cell("1"))))
    october = Table(name="Okt")
    october.addElement(TableColumn())
    october.addElement(TableColumn(numbercolumnsrepeated=2, visibility="collapse"))
    october.addElement(TableColumn(numbercolumnsrepeated=1021))
    october.addElement(_row(_cell("Fråga"), _cell("aug"), _cell("sep"), _cell("Påverkan")))
    october.addElement(_row(_cell("Fråga 1 (sep)"), _cell("x", numbercolumnsrepeated=3), visibility="collapse"))
    october.addElement(_row(_cell("Fråga 1"), _cell("1", numbercolumnsrepeated=2), _cell("3")))
    october.addElement(_row(_cell("filtrerad"), visibility="filter"))
    doc.spreadsheet.addElement(october)
    _active_table_settings(doc, "Okt")
    document = read_ods(_save(doc), LIMITS)
    assert [s.name for s in document.sections] == ["Okt", "Sep"]
    assert document.sections[0].blocks == (Grid(rows=(("Fråga", "Påverkan"), ("Fråga 1", "3")), name="Okt"),)


def test_ods_unknown_active_table_keeps_the_order() -> None:
    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(_sheet("A", _row(_cell("a"))))
    doc.spreadsheet.addElement(_sheet("B", _row(_cell("b"))))
    _active_table_settings(doc, "Finns inte")
    assert [s.name for s in read_ods(_save(doc), LIMITS).sections] == ["A", "B"]


def test_ods_named_single_cells_become_fields() -> None:
    named = NamedExpressions()
    named.addElement(NamedRange(name="Kommun", cellrangeaddress="$'Blad 1'.$B$1", basecelladdress="$'Blad 1'.$A$1"))
    named.addElement(NamedRange(name="Tom", cellrangeaddress="$'Blad 1'.$Z$99", basecelladdress="$'Blad 1'.$A$1"))
    named.addElement(
        NamedRange(name="Omrade", cellrangeaddress="$'Blad 1'.$A$1:.$B$2", basecelladdress="$'Blad 1'.$A$1")
    )
    named.addElement(NamedRange(name="Period", cellrangeaddress="$'Blad 1'.$B$3", basecelladdress="$'Blad 1'.$A$1"))
    data = _ods(
        _sheet(
            "Blad 1",
            _row(_cell("Kommun:"), _cell("Gagnef")),
            _row(_cell("dold"), visibility="collapse"),  # positions still count it
            _row(_cell("Månad:", numbercolumnsrepeated=2)),
        ),
        named=named,
    )
    assert read_ods(data, LIMITS).fields == [
        NamedField("Kommun", "Gagnef"),
        NamedField("Tom", ""),
        NamedField("Period", "Månad:"),
    ]


def test_ods_wide_repeated_values_are_refused_over_the_cap() -> None:
    data = _ods(_sheet("Blad1", _row(_cell("x", numbercolumnsrepeated=10**9))))
    start = time.monotonic()
    with pytest.raises(Refused, match="Filen"):
        read_ods(data, LIMITS)
    assert time.monotonic() - start < 2


# -- real files written by LibreOffice --------------------------------------------------


def _convert(tmp: Path, source: Path, target: str) -> bytes:
    out = tmp / f"out-{target}"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (out / f"{source.stem}.{target}").read_bytes()


def _word_form() -> bytes:
    document = docx.Document()
    document.add_paragraph("Underlaget inlämnat av kommun: Ludvika")
    document.add_heading("Fråga 1, Ordningsstörningar och otrygghet", level=2)
    document.add_paragraph("Påverkan: 3 (Oroande)")
    comment_paragraph = document.add_paragraph("Kommentar: Inbrott i centrum.")
    document.add_comment(comment_paragraph.runs, text="GRANSKARENS KOMMENTAR", author="Länsstyrelsen")
    document.add_paragraph("Bränder i soprum", style="List Bullet")
    document.add_paragraph("Klotter", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Fråga 2"
    table.cell(0, 1).text = "Påverkan"
    table.cell(0, 2).text = "Kommentar"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Hot och våld"
    table.cell(1, 2).text = "Inget"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _excel_form() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Lägesbild"
    ws.append(["Kommun:", "Ludvika"])
    ws.append(["Månad:", dt.date(2026, 10, 1)])
    ws["B2"].number_format = "mmmm yyyy"
    ws.append(["Fråga 1", 3, "Inbrott"])
    ws.append(["Fråga 2", "=B3-1", None])
    ws.merge_cells("C4:D4")
    ws["C4"] = "Sammanslagen"
    ws.append(["Fråga 3 (förra månaden)", 1, "gammalt"])
    ws.row_dimensions[5].hidden = True
    ws.append(["Fråga 3", 2, None])
    old = wb.create_sheet("September", 0)
    old["A1"] = "Kommun:"
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("lo")
    (tmp / "word.docx").write_bytes(_word_form())
    (tmp / "excel.xlsx").write_bytes(_excel_form())
    return {
        "odt": _convert(tmp, tmp / "word.docx", "odt"),
        "ods": _convert(tmp, tmp / "excel.xlsx", "ods"),
    }


@pytest.mark.libreoffice
def test_libreoffice_odt_from_a_word_form(libreoffice_files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(io.BytesIO(libreoffice_files["odt"])) as zf:
        content = zf.read("content.xml")
    assert b"GRANSKARENS KOMMENTAR" in content  # the comment is there, unread
    assert b"table:covered-table-cell" in content
    assert _blocks(libreoffice_files["odt"]) == (
        Paragraph("Underlaget inlämnat av kommun: Ludvika"),
        Paragraph("Fråga 1, Ordningsstörningar och otrygghet"),
        Paragraph("Påverkan: 3 (Oroande)"),
        Paragraph("Kommentar: Inbrott i centrum."),
        Paragraph("Bränder i soprum"),
        Paragraph("Klotter"),
        Grid(rows=(("Fråga 2", "Påverkan", "Kommentar"), ("Hot och våld", "", "Inget")), name=""),
    )


@pytest.mark.libreoffice
def test_libreoffice_ods_from_an_excel_form(libreoffice_files: dict[str, bytes]) -> None:
    document = read_ods(libreoffice_files["ods"], LIMITS)
    # A headless conversion has no view, so no ActiveTable: workbook order.
    assert [s.name for s in document.sections] == ["September", "Lägesbild"]
    assert document.sections[1].blocks == (
        Grid(
            rows=(
                ("Kommun:", "Ludvika", ""),
                ("Månad:", "2026-10-01", ""),
                ("Fråga 1", "3", "Inbrott"),
                ("Fråga 2", "2", "Sammanslagen"),
                ("Fråga 3", "2", ""),
            ),
            name="Lägesbild",
        ),
    )


def test_a_word_drop_down_converted_by_libreoffice_shows_its_chosen_entry() -> None:
    """LibreOffice keeps a Word legacy drop-down as a fieldmark: its entries, and the chosen one's index."""
    field = "urn:openoffice:names:experimental:ooo-ms-interop:xmlns:field:1.0"

    def mark(selected: str) -> str:
        entries = "".join(f'<field:param field:name="Dropdown_ListEntry" field:value="{v}"/>'
                          for v in ("Välj", "1 - Normalt", "2 - Avvikande", "3 - Oroande"))
        chosen = f'<field:param field:name="Dropdown_Selected" field:value="{selected}"/>' if selected else ""
        return (f'<field:fieldmark xmlns:field="{field}" text:name="x" '
                f'field:type="vnd.oasis.opendocument.field.FORMDROPDOWN">{entries}{chosen}</field:fieldmark>')

    for selected, shown in (("3", "Påverkan: 3 - Oroande"), ("0", "Påverkan: Välj"), ("", "Påverkan: ")):
        source = zipfile.ZipFile(io.BytesIO(_odt(_p("Påverkan: MARK"))))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info.filename)
                if info.filename == "content.xml":
                    data = data.replace(b"MARK", mark(selected).encode())
                target.writestr(info, data)
        assert _blocks(out.getvalue()) == (Paragraph(shown),)
