"""The workbook's "Kommentarer" sheet, and the answered rows it shares with the data sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture, MonthReport
from outputs.workbook_bulk import BulkRows
from outputs.workbook_cells import (
    BLANK_WORD,
    WITHHELD_NOTE,
    WITHHELD_WORD,
    came_in,
    comment_of,
    is_answered,
    level_of,
    local_time,
)
from outputs.workbook_layout import name_width, print_setup, put, set_widths
from outputs.workbook_styles import S
from parsers.form import Question


@dataclass(frozen=True, slots=True)
class AnsweredRow:
    """One answered (municipality, month, question); `month` is the period's number (a week's for a weekly form)."""

    municipality: str
    month: int
    question: Question
    report: MonthReport
    level: int | None
    comment: str
    withheld: bool


def answered_rows(picture: CountyPicture) -> list[AnsweredRow]:
    """Every answered cell, by municipality (county order), month, question."""
    rows = []
    for name in picture.municipalities:
        for month in (p.number for p in picture.periods):
            report = picture.report(name, month)
            if not came_in(report):
                continue
            for question in picture.form.questions:
                if not is_answered(report, question):
                    continue
                withheld = question.number in report.withheld
                level = level_of(picture.form, report, question.number) if question.impact else None
                rows.append(AnsweredRow(name, month, question, report, level,
                                 comment_of(report, question.number), withheld))
    return rows


def _question_label(question: Question) -> str:
    return f"{question.number} {question.short}"


_COMMENT_WIDTH = 80
_LINE_POINTS = 15.0


def _row_height(text: str | None, width: int) -> float | None:
    """A row height that shows a wrapped comment whole, or None for one line.

    Set explicitly because not every program re-measures wrapped rows on
    opening; estimated from the column width in characters (a little
    generous: Calibri fits somewhat more than `width` characters).
    """
    if not text:
        return None
    lines = sum(max(1, -(-len(part) // width)) for part in text.split("\n"))
    return None if lines <= 1 else min(lines * _LINE_POINTS, 409.0)


def write_comments_sheet(ws: Worksheet, picture: CountyPicture, rows: Sequence[AnsweredRow]) -> BulkRows:
    """Fill the "Kommentarer" sheet; its body rows are returned to be spliced in."""
    form = picture.form
    put(ws, 1, 1, f"Kommentarer – {picture.county_name} {picture.year}", S.TITLE)
    put(ws, 2, 1, "Senaste versionen av varje rapport. Svar som granskas för sekretess visas "
                   "utan nivå och kommentar. Inkom = när den senaste versionen kom in.", S.NOTE)
    headers: tuple[str, ...] = ("Kommun", "Vecka" if picture.weekly else "Månad", "Fråga", "Nivå", "Kommentar",
                                "Inkom", "Version")
    with_area = bool(form.labels.area)
    if with_area:
        headers += (form.labels.area[0],)  # "Område": the report's area, last so the other columns stay put
    for col, label in enumerate(headers, start=1):
        put(ws, 3, col, label, S.HEAD)
    body = BulkRows(ws, 4, len(headers))
    for row in rows:
        report = row.report
        level: tuple[Any, str | None]
        if row.withheld:
            level, comment = (WITHHELD_WORD, S.WITHHELD), (WITHHELD_NOTE, S.TEXT_NOTE)
        else:
            if row.level is not None:
                level = (form.scale.name_of(row.level), S.level(row.level))
            elif row.question.impact:
                level = (BLANK_WORD, S.BLANK)
            else:
                level = (None, S.PLAIN)
            comment = (row.comment, S.TEXT)
        body.add((
            (row.municipality, S.PLAIN),
            (str(picture.period_at(row.month)), S.PLAIN) if picture.weekly
            else (datetime(picture.year, row.month, 1), S.MONTH),
            (_question_label(row.question), S.PLAIN),
            level,
            comment,
            (local_time(report.latest_at or report.received_at), S.DATETIME),
            (report.version, S.INT),
            *(((report.area, S.PLAIN),) if with_area else ()),
        ), _row_height(comment[0], _COMMENT_WIDTH))
    ws.auto_filter.ref = f"A3:{'H' if with_area else 'G'}{max(body.last_row, 3)}"
    ws.freeze_panes = "B4"
    set_widths(ws, {1: name_width(picture), 2: 15, 3: 36, 4: 12, 5: _COMMENT_WIDTH, 6: 17, 7: 9,
                 **({8: 24} if with_area else {})})
    print_setup(ws, picture, rows="3:3", cols=None)
    return body
