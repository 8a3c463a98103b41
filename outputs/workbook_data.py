"""The workbook's "Data" sheet: every answered cell in long format, as an Excel table for pivot tables."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture, MonthState
from outputs.workbook_bulk import BulkRows
from outputs.workbook_cells import BLANK_WORD, LATE_WORD, ON_TIME_WORD, WITHHELD_WORD, local_time
from outputs.workbook_comments import AnsweredRow
from outputs.workbook_layout import name_width, print_setup, put, set_widths
from outputs.workbook_styles import S
from parsers.form import FormSpec

DATA_HEADERS: tuple[str, ...] = ("År", "Månad", "Period", "Kommun", "Fråga", "Frågenamn", "Påverkan",
                                 "Nivå", "Kommentar", "Inkom", "Först inkom", "Version", "Status",
                                 "Granskas")
#: The last column on a form that asks for the area (the EST checklist): the report's area, blank for none.
AREA_HEADER = "Område"


def data_headers(form: FormSpec) -> tuple[str, ...]:
    """The Data sheet's columns: `DATA_HEADERS`, and "Område" last on a form that asks for the area."""
    return DATA_HEADERS + ((AREA_HEADER,) if form.labels.area else ())


def write_data_sheet(ws: Worksheet, picture: CountyPicture, rows: Sequence[AnsweredRow]) -> BulkRows:
    """Fill the "Data" sheet and its Excel table; its body rows are returned to be spliced in."""
    form = picture.form
    headers = data_headers(form)
    with_area = len(headers) > len(DATA_HEADERS)
    for col, label in enumerate(headers, start=1):
        put(ws, 1, col, label, S.HEAD)
    body = BulkRows(ws, 2, len(headers))
    for row in rows:
        report = row.report
        level = row.level
        if row.withheld:
            word: str | None = WITHHELD_WORD
        elif level is not None:
            word = form.scale.name_of(level)
        else:
            word = BLANK_WORD if row.question.impact else None
        status = ON_TIME_WORD if report.state is MonthState.ON_TIME else LATE_WORD
        period = picture.period_at(row.month)  # a week: its Thursday's month, and "2026-W43"
        cells: tuple[tuple[object, str | None], ...] = (
            (picture.year, None), (period.month, None), (str(period), None),
            (row.municipality, None), (row.question.number, None), (row.question.short, None),
            (level, None), (word, None), (row.comment, S.PLAIN),
            (local_time(report.latest_at or report.received_at), S.DATETIME),
            (local_time(report.received_at), S.DATETIME),
            (report.version, None), (status, None), ("ja" if row.withheld else "nej", None),
        )
        body.add(cells + (((report.area, S.PLAIN),) if with_area else ()))
    # An Excel table needs a data row; an empty year gets one empty row.
    last_col = get_column_letter(len(headers))
    table = Table(displayName=f"Lagesbild{picture.year}", ref=f"A1:{last_col}{max(body.last_row, 2)}")
    # Columns named here, so openpyxl need not read (and create) every cell of the range.
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(headers, start=1)]
    table.autoFilter = AutoFilter(ref=table.ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True,
                                          showColumnStripes=False, showFirstColumn=False,
                                          showLastColumn=False)
    ws.add_table(table)
    ws.freeze_panes = "E2"
    set_widths(ws, {1: 7, 2: 8, 3: 10, 4: name_width(picture), 5: 8, 6: 34, 7: 10, 8: 12, 9: 70,
                 10: 17, 11: 17, 12: 9, 13: 9, 14: 10, **({15: 24} if with_area else {})})
    print_setup(ws, picture, rows="1:1", cols=None)
    return body
