"""The county's consolidated workbook for one year, rebuilt from a `CountyPicture`.

`build_county_workbook(picture) -> bytes` renders an .xlsx a county clerk
recognises as the county's own table (seed 003, "Hypotetisk samlad regional
lägesbild"), plus the sheets the clerk works from:

* one sheet per question with an impact ("1 Ordningsstörningar-otrygghet",
  "4 Ungdomar-skolor", …): title row, a legend row, a header row with
  "Kommun" and "Kvartal 1".."Kvartal 4" merged over their months, the Swedish
  month names, then one row per municipality whose cells hold the level word
  (Normalt … Kritiskt) in the form's colour. Cells that hold no level say why:
  blank (the month has not come), "Väntas" (not in, deadline not passed; light
  dotted pattern), "Saknas" (not in after the deadline; grey, italic),
  "Ej angiven" (the report came but gave no level), "Granskas" (held for a
  confidentiality review; hatched). Groups of municipalities follow as
  roll-ups: the highest level among the members that gave one that month.
* "Kommentarer": one row per answered (municipality, month, question), with
  an autofilter. Answered: the report came in and the question has a level,
  a comment, or is withheld.
* "Inrapportering": I tid / Sen / Saknas / Väntas per municipality and month,
  and reports expected, received, received on time, reporting rate and
  timeliness rate per municipality, per month and year to date.
* "Sammanfattning": per question and month, how many municipalities at each
  level, how many reported, and the highest level.
* "Data": long format for pivot tables, as an Excel table.

Withheld answers (`MonthReport.withheld`) are shown as "Granskas" and their
impact and comment are never written, even if the picture still carries them.

The same picture gives the same bytes: document properties carry a fixed
timestamp (1 January of the picture's year) and the zip entries a fixed date.

Speed (290 municipalities in about two seconds): every cell style is a
`NamedStyle` registered once and assigned by name, so no Font/Fill objects are
built per cell; and the body rows of the two long sheets ("Kommentarer",
"Data": half a million cells for the whole country) are serialised as XML
(`outputs/workbook_bulk.py`) and spliced into the sheets openpyxl writes,
because openpyxl's own cell writer costs ~20 µs a cell.

The sheets are written by their own modules: `workbook_questions`,
`workbook_comments`, `workbook_reporting`, `workbook_summary` and
`workbook_data`, on the helpers of `workbook_cells` (what a cell shows),
`workbook_styles` and `workbook_layout`.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from outputs.picture import CountyPicture
from outputs.workbook_bulk import BulkRows
from outputs.workbook_comments import answered_rows, write_comments_sheet
from outputs.workbook_data import write_data_sheet
from outputs.workbook_questions import question_sheet_name, write_question_sheet
from outputs.workbook_reporting import write_reporting_sheet
from outputs.workbook_styles import register_styles
from outputs.workbook_summary import write_summary_sheet

__all__ = [
    "COMMENTS_SHEET",
    "DATA_SHEET",
    "REPORTING_SHEET",
    "SUMMARY_SHEET",
    "build_county_workbook",
]

COMMENTS_SHEET = "Kommentarer"
REPORTING_SHEET = "Inrapportering"
SUMMARY_SHEET = "Sammanfattning"
DATA_SHEET = "Data"


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries all carry one date, so equal content gives equal bytes."""

    def __init__(self, file: io.BytesIO, stamp: tuple[int, int, int, int, int, int],
                 splices: dict[str, BulkRows]) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._stamp = stamp
        self.splices = dict(splices)  # archive name -> rows still to insert

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: str | bytes,  # type: ignore[override]
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        if isinstance(zinfo_or_arcname, str):
            bulk = self.splices.pop(zinfo_or_arcname, None)
            if bulk is not None:
                data = bulk.splice(data if isinstance(data, bytes) else data.encode("utf-8"))
            zinfo = zipfile.ZipInfo(zinfo_or_arcname, date_time=self._stamp)
            zinfo.compress_type = zipfile.ZIP_DEFLATED
            zinfo.external_attr = 0o600 << 16
            zinfo_or_arcname = zinfo
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None,
              compress_type: int | None = None, compresslevel: int | None = None) -> None:
        # openpyxl streams each worksheet through a temporary file; take its
        # bytes, not its modification time.
        with open(filename, "rb") as fh:
            self.writestr(str(arcname or filename), fh.read(), compress_type, compresslevel)


def build_county_workbook(picture: CountyPicture) -> bytes:
    """The county's consolidated workbook for `picture.year`, as .xlsx bytes.

    Sheets, in order: one per question with an impact (see
    `question_sheet_name`), then "Kommentarer", "Inrapportering",
    "Sammanfattning" and "Data". A question without an impact (the form's
    positive measures) has no level sheet; its comments are on "Kommentarer"
    and "Data". Municipalities appear in `picture.municipalities` order;
    reports for names not in that list are ignored, and so are group members
    outside the county. Deterministic: the same picture gives the same bytes.
    """
    form = picture.form
    wb = Workbook()
    register_styles(wb, form)
    impact_questions = [q for q in form.questions if q.impact]
    # Unique: question numbers are, and every name starts with its number.
    names = [question_sheet_name(q) for q in impact_questions]
    first = wb.active
    assert first is not None
    wb.remove(first)
    for question, name in zip(impact_questions, names, strict=True):
        write_question_sheet(wb.create_sheet(name), picture, question)
    rows = answered_rows(picture)
    bulk = [write_comments_sheet(wb.create_sheet(COMMENTS_SHEET), picture, rows)]
    write_reporting_sheet(wb.create_sheet(REPORTING_SHEET), picture)
    write_summary_sheet(wb.create_sheet(SUMMARY_SHEET), picture, impact_questions)
    bulk.append(write_data_sheet(wb.create_sheet(DATA_SHEET), picture, rows))
    wb.active = 0
    # openpyxl names worksheet parts by position: xl/worksheets/sheet<N>.xml.
    splices = {f"xl/worksheets/sheet{wb.worksheets.index(b.ws) + 1}.xml": b for b in bulk}

    stamp = datetime(picture.year, 1, 1)
    props = wb.properties
    props.creator = "Lägesbild"
    props.lastModifiedBy = "Lägesbild"
    props.title = f"Samlad regional lägesbild – {picture.county_name} {picture.year}"
    props.subject = form.title
    props.language = "sv-SE"
    props.created = stamp
    props.modified = stamp

    buffer = io.BytesIO()
    archive = _FixedZip(buffer, (max(picture.year, 1980), 1, 1, 0, 0, 0), splices)
    ExcelWriter(wb, archive).save()  # not wb.save(): that stamps "modified" with the clock
    if archive.splices:  # openpyxl changed how it names parts: fail loudly, never drop rows
        raise RuntimeError(f"rows not written to {sorted(archive.splices)}")
    return buffer.getvalue()
