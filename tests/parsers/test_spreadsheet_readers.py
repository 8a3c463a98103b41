"""Excel readers (.xlsx via openpyxl, .xls via xlrd) on workbooks built in code."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwt
from openpyxl.chart import BarChart, Reference
from openpyxl.workbook.defined_name import DefinedName

from parsers.document import Document, Grid, NamedField
from parsers.limits import Limits, Refused
from parsers.xls import read_xls
from parsers.xlsx import cell_text, make_grid, number_text, read_xlsx

LIMITS = Limits()

# The row-per-question layout most municipalities' Excel forms use, with the
# values a person types: numbers, a number typed as text, a level word, a
# decimal, an empty impact for Q7, a date in the "Månad:" cell.
FORM_ROWS: list[list[object]] = [
    ["Lägesbild sociala risker"],
    ["Kommun:", "Ludvika"],
    ["Månad:", dt.date(2026, 10, 1)],
    [],
    ["Fråga", "Påverkan", "Kommentar"],
    ["Fråga 1, Ordningsstörningar och otrygghet", 3, "Inbrott i centrum.\nBränder i soprum."],
    ["Fråga 2, Hot och våld", "2", "Inget särskilt"],
    ["Fråga 3, Extremism och kriminella nätverk", 1.0, None],
    ["Fråga 4, Ungdomar/skolor", 4, "Bråk vid skolan"],
    ["Fråga 5, Alkohol, narkotika, doping och tobak", 2.5, "  "],
    ["Fråga 6, Övrigt", "Oroande", "Hot mot politiker"],
    ["Fråga 7, Positiva åtgärder", None, "Nattvandring"],
]
FORM_GRID = (
    ("Lägesbild sociala risker", "", ""),
    ("Kommun:", "Ludvika", ""),
    ("Månad:", "2026-10-01", ""),
    ("", "", ""),
    ("Fråga", "Påverkan", "Kommentar"),
    ("Fråga 1, Ordningsstörningar och otrygghet", "3", "Inbrott i centrum.\nBränder i soprum."),
    ("Fråga 2, Hot och våld", "2", "Inget särskilt"),
    ("Fråga 3, Extremism och kriminella nätverk", "1", ""),
    ("Fråga 4, Ungdomar/skolor", "4", "Bråk vid skolan"),
    ("Fråga 5, Alkohol, narkotika, doping och tobak", "2.5", ""),
    ("Fråga 6, Övrigt", "Oroande", "Hot mot politiker"),
    ("Fråga 7, Positiva åtgärder", "", "Nattvandring"),
)


def _save(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _form_xlsx() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Lägesbild"
    for r, row in enumerate(FORM_ROWS, start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    ws["B3"].number_format = "mmmm yyyy"
    return wb


def _form_xls() -> bytes:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Lägesbild")
    date_style = xlwt.easyxf(num_format_str="MMMM YYYY")
    for r, row in enumerate(FORM_ROWS):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write(r, c, value, date_style)
            elif value is not None:
                ws.write(r, c, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _only_grid(document: Document, index: int = 0) -> Grid:
    blocks = document.sections[index].blocks
    assert len(blocks) == 1 and isinstance(blocks[0], Grid)
    return blocks[0]


# -- value to text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (3, "3"),
        (3.0, "3"),
        (-0.0, "0"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (1234567.25, "1234567.25"),
        (0.000012, "0.000012"),
        (True, "TRUE"),
        (False, "FALSE"),
        (dt.datetime(2026, 10, 1), "2026-10-01"),
        (dt.datetime(2026, 10, 1, 13, 45), "2026-10-01 13:45"),
        (dt.datetime(2026, 10, 1, 13, 45, 30), "2026-10-01 13:45:30"),
        (dt.date(2026, 10, 1), "2026-10-01"),
        (dt.time(8, 30), "08:30"),
        ("rad 1\r\nrad 2", "rad 1\nrad 2"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_number_text_keeps_big_integers_exact() -> None:
    assert number_text(10**20) == str(10**20)
    assert number_text(1e20) == "1e+20"


def test_make_grid_trims_trailing_empties_and_pads() -> None:
    grid = make_grid([["", "a", "", " "], ["b"], ["", "", ""], [" "]], "Blad1")
    assert grid == Grid(rows=(("", "a"), ("b", "")), name="Blad1")
    assert make_grid([["", " "], []]) is None


# -- .xlsx ----------------------------------------------------------------------------


def test_row_per_question_layout() -> None:
    document = read_xlsx(_save(_form_xlsx()), LIMITS)
    assert [s.name for s in document.sections] == ["Lägesbild"]
    assert _only_grid(document) == Grid(rows=FORM_GRID, name="Lägesbild")
    assert document.notes == []


def test_transposed_layout() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kommun: Falun", None, None])
    ws.append(["", "Fråga 1", "Fråga 2"])
    ws.append(["Påverkan", 5, "Kritiskt"])
    ws.append(["Kommentar", "Skottlossning", None])
    assert _only_grid(read_xlsx(_save(wb), LIMITS)).rows == (
        ("Kommun: Falun", "", ""),
        ("", "Fråga 1", "Fråga 2"),
        ("Påverkan", "5", "Kritiskt"),
        ("Kommentar", "Skottlossning", ""),
    )


def test_merged_cells_keep_the_value_in_the_top_left_cell_only() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Fråga 1"
    ws.merge_cells("A1:A2")
    ws["B1"] = "Kommentar: lugnt"
    ws.merge_cells("B1:D1")
    ws["B2"] = 3
    ws["E3"] = "slut"
    assert _only_grid(read_xlsx(_save(wb), LIMITS)).rows == (
        ("Fråga 1", "Kommentar: lugnt", "", "", ""),
        ("", "3", "", "", ""),
        ("", "", "", "", "slut"),
    )


def test_formatted_empty_cells_do_not_widen_the_grid() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Kommun:"
    ws["B1"] = "Mora"
    ws["Z500"].number_format = "0.00"  # styled, empty: present in the file
    ws["K40"] = "   "
    ws.append([])
    assert _only_grid(read_xlsx(_save(wb), LIMITS)).rows == (("Kommun:", "Mora"),)


def test_leading_empty_rows_and_columns_are_kept() -> None:
    wb = openpyxl.Workbook()
    wb.active["C3"] = "Fråga 1"
    assert _only_grid(read_xlsx(_save(wb), LIMITS)).rows == (
        ("", "", ""),
        ("", "", ""),
        ("", "", "Fråga 1"),
    )


def test_hidden_sheets_are_read_and_chart_sheets_skipped() -> None:
    wb = _form_xlsx()
    instructions = wb.create_sheet("Instruktioner", 0)
    instructions["A1"] = "Fyll i bladet Lägesbild."
    hidden = wb.create_sheet("Listor")
    hidden.sheet_state = "hidden"
    hidden.append(["Normalt", "Avvikande"])
    chart = BarChart()
    chart.add_data(Reference(wb["Lägesbild"], min_col=2, min_row=6, max_row=11))
    wb.create_chartsheet("Diagram").add_chart(chart)
    empty = wb.create_sheet("Tomt")
    assert empty.max_row == 1
    document = read_xlsx(_save(wb), LIMITS)
    assert [s.name for s in document.sections] == ["Instruktioner", "Lägesbild", "Listor", "Tomt"]
    assert _only_grid(document, 2).rows == (("Normalt", "Avvikande"),)
    assert document.sections[3].blocks == ()


def test_the_active_sheet_comes_first_and_hidden_rows_and_columns_are_left_out() -> None:
    wb = openpyxl.Workbook()
    september = wb.active
    september.title = "September"
    september["A1"] = "Fråga 1"
    september["B1"] = 1
    october = wb.create_sheet("Oktober")
    october.append(["Fråga", "Påverkan september", "Påverkan", "Kommentar"])
    october.append(["Fråga 1 (september)", 1, None, "gammalt svar"])
    october.append(["Fråga 1", 1, 3, "nytt svar"])
    october.row_dimensions[2].hidden = True
    october.column_dimensions["B"].hidden = True
    wb.active = 1
    document = read_xlsx(_save(wb), LIMITS)
    assert [s.name for s in document.sections] == ["Oktober", "September"]
    assert _only_grid(document).rows == (
        ("Fråga", "Påverkan", "Kommentar"),
        ("Fråga 1", "3", "nytt svar"),
    )


def test_a_hidden_range_of_columns_is_left_out() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Fråga 1", "aug", "sep", 3])
    ws.column_dimensions.group("B", "C", hidden=True)
    assert _only_grid(read_xlsx(_save(wb), LIMITS)).rows == (("Fråga 1", "3"),)


def test_single_cell_defined_names_become_fields() -> None:
    wb = _form_xlsx()
    wb.defined_names["Kommun"] = DefinedName("Kommun", attr_text="'Lägesbild'!$B$2")
    wb.defined_names["Period"] = DefinedName("Period", attr_text="Lägesbild!$B$3")
    wb.defined_names["Svar"] = DefinedName("Svar", attr_text="Lägesbild!$B$6:$C$12")
    wb.defined_names["Konstant"] = DefinedName("Konstant", attr_text="42")
    wb["Lägesbild"].print_area = "A1:C12"
    local = DefinedName("Fraga1", attr_text="Lägesbild!$B$6")
    wb["Lägesbild"].defined_names["Fraga1"] = local
    fields = read_xlsx(_save(wb), LIMITS).fields
    assert sorted(fields, key=lambda f: f.name) == [
        NamedField("Fraga1", "3"),
        NamedField("Kommun", "Ludvika"),
        NamedField("Period", "2026-10-01"),
    ]


def test_formula_without_cached_value_reads_empty_with_a_note() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Påverkan"
    ws["B1"] = "=1+2"
    ws["C1"] = "=B1*2"
    document = read_xlsx(_save(wb), LIMITS)
    assert _only_grid(document).rows == (("Påverkan",),)
    assert len(document.notes) == 1
    assert document.notes[0].startswith("2 celler med formler")


def test_too_many_cells_are_refused_before_loading() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in range(1, 31):
        for c in range(1, 11):
            ws.cell(r, c, r * c)
    data = _save(wb)
    assert read_xlsx(data, Limits(max_sheet_cells=300)).sections
    with pytest.raises(Refused, match="för många celler"):
        read_xlsx(data, Limits(max_sheet_cells=299))


def _patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            dst.writestr(info.filename, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_a_merged_range_over_the_whole_sheet_is_refused_quickly() -> None:
    # openpyxl would create 17 billion MergedCell objects for this range.
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    data = _patch_sheet(
        _save(wb),
        b"</sheetData>",
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    )
    start = time.monotonic()
    with pytest.raises(Refused, match="Filen innehåller för många celler"):
        read_xlsx(data, LIMITS)
    assert time.monotonic() - start < 2.0


def test_a_sheet_the_counting_pass_cannot_parse_is_refused_not_skipped() -> None:
    # libxml2 (huge_tree off) stops at a text node over 10 MB where openpyxl's
    # parser would go on to the merged range behind it.
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    junk = os.urandom(5_600_000).hex().encode()
    data = _patch_sheet(
        _patch_sheet(_save(wb), b"<sheetData>", b"<sheetPr><x>" + junk + b"</x></sheetPr><sheetData>"),
        b"</sheetData>",
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    )
    start = time.monotonic()
    with pytest.raises(Refused, match="Filen är skadad"):
        read_xlsx(data, LIMITS)
    assert time.monotonic() - start < 2.0


def test_a_stray_value_far_away_makes_the_sheet_too_large() -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Svar"
    wb.active["A1"] = "Fråga 1"
    wb.active["XFD1048576"] = "x"
    with pytest.raises(Refused, match='Bladet "Svar"'):
        read_xlsx(_save(wb), LIMITS)


def test_a_damaged_workbook_is_refused() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    data = _patch_sheet(_save(wb), b"<sheetData>", b"<sheetData><row><c r='A1'")
    with pytest.raises(Refused, match="skadad"):
        read_xlsx(data, LIMITS)


# -- .xls -------------------------------------------------------------------------------


def test_xls_gives_the_same_grid_as_xlsx() -> None:
    document = read_xls(_form_xls(), LIMITS)
    assert [s.name for s in document.sections] == ["Lägesbild"]
    assert _only_grid(document) == Grid(rows=FORM_GRID, name="Lägesbild")


def test_xls_cell_kinds_and_merged_cells() -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Svar", cell_overwrite_ok=True)
    ws.write_merge(0, 0, 0, 2, "Kommentar: allt lugnt")
    ws.write(0, 1, "dold under sammanslagningen")  # Excel never shows it
    ws.write(1, 0, True)
    ws.write(1, 1, 3.0)
    ws.write(1, 2, dt.datetime(2026, 10, 1, 13, 45), xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM"))
    ws.write(2, 0, dt.time(8, 30), xlwt.easyxf(num_format_str="HH:MM"))
    ws.write(2, 1, xlwt.Formula("1/0"))
    wb.add_sheet("Tomt")
    out = io.BytesIO()
    wb.save(out)
    document = read_xls(out.getvalue(), LIMITS)
    assert _only_grid(document).rows == (
        ("Kommentar: allt lugnt", "", ""),
        ("TRUE", "3", "2026-10-01 13:45"),
        ("08:30", "", ""),
    )
    assert document.sections[1].name == "Tomt"
    assert document.sections[1].blocks == ()


def test_xls_active_sheet_first_and_hidden_rows_and_columns_left_out() -> None:
    wb = xlwt.Workbook(encoding="utf-8")
    september = wb.add_sheet("September")
    september.write(0, 0, "Fråga 1")
    october = wb.add_sheet("Oktober")
    for r, row in enumerate([("Fråga", "sep", "Påverkan"), ("Fråga 1 (sep)", 1, 1), ("Fråga 1", 1, 3)]):
        for c, value in enumerate(row):
            october.write(r, c, value)
    october.row(1).hidden = True
    october.col(1).hidden = True
    october.sheet_visible = True  # what Excel sets on the sheet shown on opening
    wb.set_active_sheet(1)
    out = io.BytesIO()
    wb.save(out)
    document = read_xls(out.getvalue(), LIMITS)
    assert [s.name for s in document.sections] == ["Oktober", "September"]
    assert _only_grid(document).rows == (("Fråga", "Påverkan"), ("Fråga 1", "3"))


def _with_filepass(data: bytes) -> bytes:
    """Turn xlwt's INTERFACEHDR record (right after BOF) into FILEPASS (encryption)."""
    bof = data.find(b"\x09\x08\x10\x00")
    record = bof + 4 + 16
    assert struct.unpack_from("<H", data, record)[0] == 0x00E1
    return data[:record] + struct.pack("<H", 0x002F) + data[record + 2 :]


def test_encrypted_xls_is_refused_as_password_protected() -> None:
    with pytest.raises(Refused, match="lösenordsskyddad"):
        read_xls(_with_filepass(_form_xls()), LIMITS)


def test_damaged_xls_is_refused() -> None:
    data = _form_xls()
    with pytest.raises(Refused, match="Filen är skadad"):
        read_xls(data[: len(data) // 2], LIMITS)
    with pytest.raises(Refused, match="Filen är skadad"):
        read_xls(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000, LIMITS)


def test_xls_sheet_over_the_cell_cap_is_refused() -> None:
    with pytest.raises(Refused, match='Bladet "Lägesbild"'):
        read_xls(_form_xls(), Limits(max_sheet_cells=10))


# -- real files written by LibreOffice: cached formula values, names, .xls -------------


def _convert(tmp: Path, source: Path, target: str) -> bytes:
    out = tmp / f"out-{target.split(':')[0]}"
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
    return (out / f"{source.stem}.{target.split(':')[0]}").read_bytes()


@pytest.fixture(scope="module")
def libreoffice_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The form with formulas and names, recalculated and saved by LibreOffice."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice not installed")
    tmp = tmp_path_factory.mktemp("lo")
    wb = _form_xlsx()
    ws = wb["Lägesbild"]
    ws["D5"] = "Summa"
    ws["D6"] = "=SUM(B6:B9)"  # 3 + 1 + 4 (the "2" typed as text is skipped)
    ws["D7"] = "=B10/5"
    ws["D8"] = '="Fråga "&"8"'
    ws["D9"] = "=B6>2"
    ws.merge_cells("C11:D11")
    wb.defined_names["Kommun"] = DefinedName("Kommun", attr_text="'Lägesbild'!$B$2")
    source = tmp / "form.xlsx"
    source.write_bytes(_save(wb))
    return {
        "xlsx": _convert(tmp, source, "xlsx:Calc Office Open XML"),
        "xls": _convert(tmp, source, "xls:MS Excel 97"),
    }


LO_GRID = tuple(
    row + extra
    for row, extra in zip(
        FORM_GRID,
        [("",), ("",), ("",), ("",), ("Summa",), ("8",), ("0.5",), ("Fråga 8",), ("TRUE",)] + [("",)] * 3,
        strict=True,
    )
)


@pytest.mark.libreoffice
def test_libreoffice_xlsx_has_cached_formula_values(libreoffice_files: dict[str, bytes]) -> None:
    document = read_xlsx(libreoffice_files["xlsx"], LIMITS)
    assert _only_grid(document).rows == LO_GRID
    assert document.fields == [NamedField("Kommun", "Ludvika")]
    assert document.notes == []


@pytest.mark.libreoffice
def test_libreoffice_xls_reads_like_the_xlsx(libreoffice_files: dict[str, bytes]) -> None:
    document = read_xls(libreoffice_files["xls"], LIMITS)
    assert _only_grid(document).rows == LO_GRID
    assert document.fields == [NamedField("Kommun", "Ludvika")]
