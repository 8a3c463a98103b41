"""A value read from a spreadsheet names its cell ("blad "Svar", cell C8"), or its row when it came from
several cells, in the sheet's own numbering: hidden rows and columns (left out of the reading) and repeated
rows (.ods) are counted. Over real .xlsx, .ods and .xls files; every cell named holds the value read."""

from __future__ import annotations

import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers import parse_bytes
from parsers.form import default_form
from parsers.result import ParseResult
from parsers.sheet_place import column_letters
from tests.builders.other_builder import build_ods, build_xls
from tests.builders.xlsx_builder import XLSX_LAYOUTS, build_xlsx
from tests.parsers.test_sources import FILLED

FORM = default_form()
HIDDEN_ROW = 6  # last month's answers, hidden: not read, but counted
HIDDEN_COLUMN = 2  # B: likewise


def parse(data: bytes, name: str) -> ParseResult:
    result = parse_bytes(data, name)
    assert not result.has_errors, result.issues
    return result


def _rows() -> list[list[object]]:
    """Kommun and period on top, three empty rows, a hidden row, then Fråga | (hidden) | Påverkan | Kommentar."""
    rows: list[list[object]] = [["Kommun", None, "Ludvika"], ["Period", None, "oktober 2026"], [], [], [],
                                ["Förra månaden", 5, "Allt var lugnt"], ["Fråga", "Förra", "Påverkan", "Kommentar"]]
    for q in FORM.questions:
        rows.append([f"{q.number}. {q.short}", 5, q.number % 4 + 1 if q.impact else None, f"Svar {q.number}."])
    return rows


def _xlsx_hidden() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Svar"
    for r, row in enumerate(_rows(), start=1):
        for c, value in enumerate(row, start=1):
            ws.cell(r, c, value)
    ws.row_dimensions[HIDDEN_ROW].hidden = True
    ws.column_dimensions[column_letters(HIDDEN_COLUMN)].hidden = True
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ods_hidden() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    ods = OpenDocumentSpreadsheet()
    table = Table(name="Svar")
    table.addElement(TableColumn())
    table.addElement(TableColumn(visibility="collapse"))
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    rows = _rows()
    for r, row in enumerate(rows, start=1):
        if r in (4, 5):
            continue  # the empty rows 3-5 are one row repeated three times, as LibreOffice writes them
        tr = TableRow(numberrowsrepeated=3) if r == 3 else TableRow(
            visibility="collapse") if r == HIDDEN_ROW else TableRow()
        for value in row:
            cell = TableCell(valuetype="float", value=value) if isinstance(value, int) else TableCell(
                valuetype="string") if value is not None else TableCell()
            if value is not None:
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)
    ods.spreadsheet.addElement(table)
    out = io.BytesIO()
    ods.write(out)
    return out.getvalue()


@pytest.mark.parametrize("build, name", [(_xlsx_hidden, "svar.xlsx"), (_ods_hidden, "svar.ods")])
def test_hidden_and_repeated_rows_and_columns_count_in_the_cell_named(build: object, name: str) -> None:
    result = parse(build(), name)  # type: ignore[operator]
    first = 8  # question 1 stands in row 8 of the sheet, its level in column C and its comment in D
    for q in FORM.questions:
        answer = result.answers[q.number]
        assert answer.comment == f"Svar {q.number}."  # the hidden column's 5 was not read
        assert answer.comment_source is not None
        assert answer.comment_source.place == f"blad \"Svar\", cell D{first + q.number - 1}"
        if q.impact:
            assert answer.impact == q.number % 4 + 1
            assert answer.impact_source is not None
            assert answer.impact_source.place == f"blad \"Svar\", cell C{first + q.number - 1}"


def _cell_value(book: openpyxl.Workbook, place: str) -> object:
    sheet, cell = place.split('"')[1], place.rsplit("cell ", 1)[1]
    return book[sheet][cell].value


@pytest.mark.parametrize("layout", sorted(XLSX_LAYOUTS))
def test_every_cell_a_source_names_holds_the_value_read(layout: str) -> None:
    data = build_xlsx(FILLED, layout)
    book = openpyxl.load_workbook(io.BytesIO(data))
    result = parse(data, "rapport.xlsx")
    named = 0
    for number, answer in result.answers.items():
        if answer.impact_source is not None and "cell " in answer.impact_source.place:
            held = str(_cell_value(book, answer.impact_source.place))
            assert str(answer.impact) in held, (number, answer.impact_source, held)
            named += 1
        if answer.comment_source is not None and "cell " in answer.comment_source.place:
            held = str(_cell_value(book, answer.comment_source.place))
            assert answer.comment.split("\n")[0] in " ".join(held.split()), (number, answer.comment_source, held)
            named += 1
    assert named >= 6, "most values of a sheet come from one cell each"


def test_level_columns_name_the_ticked_cell_and_two_ticks_name_their_row() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Svar"
    ws.append(["Kommun:", "Ludvika"])
    ws.append(["Period:", "oktober 2026"])
    ws.append(["Fråga", "1", "2", "3", "4", "5", "Kommentar"])
    for q in FORM.questions:
        # Question 2 is ticked twice: no one cell holds its level.
        ticks = [("X" if q.impact and (level == 3 or q.number == 2 and level == 4) else None)
                 for level in range(1, 6)]
        ws.append([f"{q.number}. {q.short}", *ticks, f"Svar {q.number}."])
    ws.append([])
    ws.append(["Kontaktperson:", "Anna", "Berg"])
    out = io.BytesIO()
    wb.save(out)

    result = parse_bytes(out.getvalue(), "svar.xlsx")

    assert [i.field for i in result.issues] == ["q2.impact"]  # "3 och 4": flagged, not guessed
    source = result.answers[1].impact_source
    assert result.answers[1].impact == 3 and source is not None
    assert source.place == "blad \"Svar\", cell D4"  # the X under "3" in question 1's row
    two = result.answers[2].impact_source
    assert result.answers[2].impact is None and two is not None
    assert two.place == "blad \"Svar\", rad 5" and "X i kolumn 3 | X i kolumn 4" in two.text
    assert result.answers[6].comment_source is not None
    assert result.answers[6].comment_source.place == "blad \"Svar\", cell G9"


@given(st.integers(min_value=1, max_value=18_278))
def test_column_letters_count_as_a_spreadsheet_does(number: int) -> None:
    letters = column_letters(number)
    assert letters.isalpha() and letters.isupper() and 1 <= len(letters) <= 3
    back = 0
    for letter in letters:
        back = back * 26 + ord(letter) - ord("A") + 1
    assert back == number
    assert (column_letters(1), column_letters(26), column_letters(27), column_letters(703)) == ("A", "Z", "AA", "AAA")


def test_an_ods_and_an_xls_sheet_name_the_same_cells_as_the_xlsx_one() -> None:
    xlsx = parse(build_xlsx(FILLED), "rapport.xlsx")
    places = [(a.impact_source, a.comment_source) for a in xlsx.answers.values()]
    assert places[0][0] is not None and places[0][0].place.endswith("cell B7")
    for other in (parse(build_ods(FILLED), "rapport.ods"), parse(build_xls(FILLED), "rapport.xls")):
        assert [(a.impact_source, a.comment_source) for a in other.answers.values()] == places
