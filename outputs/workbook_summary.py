"""The workbook's "Sammanfattning" sheet: per question and month, how many municipalities at each level."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture, MonthState
from outputs.workbook_cells import came_in, level_of
from outputs.workbook_layout import month_header, period_columns, print_setup, put, set_widths
from outputs.workbook_styles import S
from parsers.form import Question


def write_summary_sheet(ws: Worksheet, picture: CountyPicture, questions: Sequence[Question]) -> None:
    """Fill the "Sammanfattning" sheet for the questions with an impact."""
    form = picture.form
    put(ws, 1, 1, f"Sammanfattning – {picture.county_name} {picture.year}", S.TITLE)
    put(ws, 2, 1, "Antal kommuner per nivå och månad, antal inkomna rapporter och den högsta "
                   "nivån i länet. Svar som granskas eller saknar nivå räknas inte till någon nivå.",
         S.NOTE)
    month_header(ws, 3, "Fråga / nivå", picture=picture)
    columns = period_columns(picture)
    numbers = [number for number, _ in columns]
    cols = [col for _, col in columns]
    reports = {(m, month): picture.report(m, month)
               for m in picture.municipalities for month in numbers}
    came = [sum(came_in(reports[(m, month)]) for m in picture.municipalities) for month in numbers]
    due = [any(reports[(m, month)].state is not MonthState.NOT_DUE for m in picture.municipalities)
           for month in numbers]
    row = 5
    for question in questions:
        put(ws, row, 1, f"Fråga {question.number}. {question.short}", S.SECTION)
        row += 1
        counts = [[0] * len(numbers) for _ in form.scale.levels]
        for i, number in enumerate(numbers):
            for m in picture.municipalities:
                level = level_of(form, reports[(m, number)], question.number)
                if level is not None:
                    counts[level - form.scale.min][i] += 1
        for k, step in enumerate(form.scale.levels):
            put(ws, row, 1, step.name, S.level(step.value))
            for i, col in enumerate(cols):
                put(ws, row, col, counts[k][i] if due[i] else None, S.INT)
            row += 1
        put(ws, row, 1, "Med angiven nivå", S.NAME)
        for i, col in enumerate(cols):
            put(ws, row, col, sum(c[i] for c in counts) if due[i] else None, S.INT)
        row += 1
        put(ws, row, 1, "Inkomna rapporter", S.NAME)
        for i, col in enumerate(cols):
            put(ws, row, col, came[i] if due[i] else None, S.INT)
        row += 1
        put(ws, row, 1, "Högsta nivå", S.NAME)
        for i, col in enumerate(cols):
            top = max((form.scale.levels[k].value for k in range(len(counts)) if counts[k][i]), default=None)
            if top is None:
                put(ws, row, col, None, S.NOT_DUE)
            else:
                put(ws, row, col, form.scale.name_of(top), S.level(top))
        row += 2
    ws.freeze_panes = "B5"
    set_widths(ws, {1: 38, **{c: 9.5 if picture.weekly else 11.5 for c in cols}})
    print_setup(ws, picture, rows="1:4", cols="A:A")
