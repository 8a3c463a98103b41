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
"Data": half a million cells for the whole country) are serialised here as
XML and spliced into the sheets openpyxl writes (`_BulkRows`), because
openpyxl's own cell writer costs ~20 µs a cell.
"""

from __future__ import annotations

import enum
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from outputs.safe_text import xml_safe
from parsers.form import FormSpec, Question

__all__ = [
    "COMMENTS_SHEET",
    "DATA_SHEET",
    "MONTHS",
    "REPORTING_SHEET",
    "SUMMARY_SHEET",
    "build_county_workbook",
    "question_sheet_name",
]

TZ = ZoneInfo("Europe/Stockholm")

MONTHS: tuple[str, ...] = ("Januari", "Februari", "Mars", "April", "Maj", "Juni", "Juli",
                           "Augusti", "September", "Oktober", "November", "December")

COMMENTS_SHEET = "Kommentarer"
REPORTING_SHEET = "Inrapportering"
SUMMARY_SHEET = "Sammanfattning"
DATA_SHEET = "Data"

# Words for cells that hold no level (the legend explains them).
PENDING_WORD = "Väntas"
MISSING_WORD = "Saknas"
BLANK_WORD = "Ej angiven"
WITHHELD_WORD = "Granskas"
ON_TIME_WORD = "I tid"
LATE_WORD = "Sen"

WITHHELD_NOTE = "Svaret hålls inne i väntan på sekretessgranskning och visas när det har frigjorts."

_FIRST_MONTH_COL = 2  # column B; A holds the municipality
_MONTH_COLS = range(_FIRST_MONTH_COL, _FIRST_MONTH_COL + 12)
_LAST_MONTH_COL = _FIRST_MONTH_COL + 11

# Excel's limits and rules for sheet names.
_SHEET_MAX = 31
_SHEET_CHARS: dict[int, str] = {ord(k): v for k, v in
                                 {"/": "-", "\\": "-", "[": "(", "]": ")", ":": " ", "*": " ", "?": " "}.items()}
# Words that must not end a shortened sheet name ("1 Ordningsstörningar och").
_DANGLING = {"och", "eller", "samt", "i", "på", "av", "för", "med", "till", "mot", "om", "&", "-", "–"}

_CELL_MAX = 32767
_FORMULA_START = ("=", "+", "-", "@")


# --------------------------------------------------------------------------
# Sheet names
# --------------------------------------------------------------------------


def _clean_sheet_text(text: str) -> str:
    """Excel refuses []:*?/\\ in sheet names: slashes become "-", brackets "()", the rest go."""
    text = text.translate(_SHEET_CHARS)
    text = re.sub(r"-{2,}", "-", " ".join(text.split()))
    return text.strip("' ")


def _shorten(text: str, limit: int) -> str:
    """Cut at a word (or hyphen) boundary to at most `limit` characters, dropping dangling words."""
    if len(text) <= limit:
        return text
    tokens = re.findall(r"[^\s-]+[\s-]*", text)
    kept: list[str] = []
    for token in tokens:
        if len("".join(kept) + token.rstrip(" -")) > limit:
            break
        kept.append(token)
    while len(kept) > 2 and kept[-1].strip(" -,;.").lower() in _DANGLING | {""}:
        kept.pop()
    if len(kept) <= 1:  # one word longer than the limit: cut inside it
        return text[:limit].rstrip(",;. -–")
    return "".join(kept).rstrip(",;. -–")


def question_sheet_name(question: Question) -> str:
    """The sheet name of a question: "<number> <short name>", safe for Excel.

    "/" and the other characters Excel refuses ([]:*?\\) become "-"; a name
    longer than 31 characters is cut at a word boundary, unless one of the
    question's aliases fits whole and keeps more of the name. So
    "Ungdomar/skolor" gives "4 Ungdomar-skolor", "Ordningsstörningar och
    otrygghet" (too long) gives "1 Ordningsstörningar-otrygghet" (its alias),
    and "Alkohol, narkotika, doping och tobak" gives "5 Alkohol, narkotika, doping".
    """
    prefix = f"{question.number} "
    full = prefix + _clean_sheet_text(question.short)
    if len(full) <= _SHEET_MAX:
        return full
    best = _shorten(full, _SHEET_MAX)
    for alias in question.aliases:
        candidate = prefix + _clean_sheet_text(alias)
        if len(candidate) <= _SHEET_MAX and len(candidate) > len(best):
            best = candidate
    return best


# --------------------------------------------------------------------------
# What a cell shows
# --------------------------------------------------------------------------


class CellKind(enum.Enum):
    """What a (municipality, month, question) cell shows on a question sheet."""

    LEVEL = "level"
    NOT_DUE = "not_due"
    PENDING = "pending"
    MISSING = "missing"
    BLANK = "blank"  # the report came, the question has no level
    WITHHELD = "withheld"


def _came_in(report: MonthReport) -> bool:
    return report.state in (MonthState.ON_TIME, MonthState.LATE)


def _level_of(form: FormSpec, report: MonthReport, number: int) -> int | None:
    """The impact to show, never for a withheld question, only values on the scale."""
    if number in report.withheld:
        return None
    answer = report.answers.get(number)
    if answer is None or answer.impact is None:
        return None
    if not form.scale.min <= answer.impact <= form.scale.max:
        return None
    return answer.impact


def _classify(form: FormSpec, report: MonthReport, number: int) -> tuple[CellKind, int | None]:
    if not _came_in(report):
        kind = {MonthState.PENDING: CellKind.PENDING, MonthState.MISSING: CellKind.MISSING}
        return kind.get(report.state, CellKind.NOT_DUE), None
    if number in report.withheld:
        return CellKind.WITHHELD, None
    level = _level_of(form, report, number)
    return (CellKind.BLANK, None) if level is None else (CellKind.LEVEL, level)


def _comment_of(report: MonthReport, number: int) -> str:
    if number in report.withheld:
        return ""
    answer = report.answers.get(number)
    return answer.comment.strip() if answer else ""


def _answered(report: MonthReport, question: Question) -> bool:
    """A report's question counts as answered when it has a level, a comment, or is withheld."""
    if not _came_in(report):
        return False
    if question.number in report.withheld:
        return True
    answer = report.answers.get(question.number)
    return answer is not None and (answer.impact is not None or bool(answer.comment.strip()))


def _local(moment: datetime | None) -> datetime | None:
    """An Excel datetime: Europe/Stockholm wall time, no tzinfo (a naive value is taken as local)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(TZ).replace(tzinfo=None)
    return moment.replace(microsecond=0)


# --------------------------------------------------------------------------
# Styles: registered once as NamedStyles, assigned by name
# --------------------------------------------------------------------------

_FONT = "Calibri"
_THIN = Side(style="thin", color="BFBFBF")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_SIDE = Side(style="thin", color="808080")
_HEAD_BORDER = Border(left=_HEAD_SIDE, right=_HEAD_SIDE, top=_HEAD_SIDE, bottom=_HEAD_SIDE)
_CENTER = Alignment(horizontal="center", vertical="center")
_LEFT = Alignment(horizontal="left", vertical="center")
_WRAP_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)
_TOP = Alignment(vertical="top")


def _font(**kw: Any) -> Font:
    return Font(name=_FONT, size=kw.pop("size", 11), **kw)


def _solid(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


class S:
    """Names of the workbook's cell styles (all start with "Lägesbild")."""

    TITLE = "Lägesbild rubrik"
    NOTE = "Lägesbild not"
    HEAD = "Lägesbild kolumnrubrik"
    HEAD_LEFT = "Lägesbild radrubrik"
    NAME = "Lägesbild kommun"
    GROUP = "Lägesbild grupp"
    SECTION = "Lägesbild avsnitt"
    NOT_DUE = "Lägesbild tom"
    PENDING = "Lägesbild väntas"
    MISSING = "Lägesbild saknas"
    BLANK = "Lägesbild ej angiven"
    WITHHELD = "Lägesbild granskas"
    ON_TIME = "Lägesbild i tid"
    LATE = "Lägesbild sen"
    MISSING_REPORT = "Lägesbild saknas rapport"
    INT = "Lägesbild antal"
    PERCENT = "Lägesbild procent"
    DATETIME = "Lägesbild datum och tid"
    MONTH = "Lägesbild månad"
    TEXT = "Lägesbild text"
    TEXT_NOTE = "Lägesbild text kursiv"
    PLAIN = "Lägesbild cell"

    @staticmethod
    def level(value: int) -> str:
        return f"Lägesbild nivå {value}"

    @staticmethod
    def group_level(value: int) -> str:
        return f"Lägesbild grupp nivå {value}"


def _register_styles(wb: Workbook, form: FormSpec) -> None:
    """Add every named style once; cells then refer to them by name."""

    def add(name: str, *, font: Font | None = None, fill: PatternFill | None = None,
            border: Border | None = _GRID, alignment: Alignment | None = None,
            number_format: str = "General") -> None:
        style = NamedStyle(name=name, font=font or _font(), fill=fill or PatternFill(),
                           border=border or Border(), alignment=alignment or Alignment(),
                           number_format=number_format)
        wb.add_named_style(style)

    add(S.TITLE, font=_font(size=14, bold=True), border=None)
    add(S.NOTE, font=_font(size=9, italic=True, color="595959"), border=None)
    add(S.SECTION, font=_font(bold=True), border=None)
    header_fill = _solid("DDEBF7")
    add(S.HEAD, font=_font(bold=True), fill=header_fill, border=_HEAD_BORDER,
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
    add(S.HEAD_LEFT, font=_font(bold=True), fill=header_fill, border=_HEAD_BORDER, alignment=_LEFT)
    add(S.NAME, alignment=_LEFT)
    add(S.GROUP, font=_font(bold=True, italic=True), alignment=_LEFT)
    for level in form.scale.levels:
        add(S.level(level.value), fill=_solid(level.colour), alignment=_CENTER)
        add(S.group_level(level.value), font=_font(bold=True), fill=_solid(level.colour), alignment=_CENTER)
    add(S.NOT_DUE, alignment=_CENTER)
    add(S.PENDING, font=_font(color="7F7F7F"), alignment=_CENTER,
        fill=PatternFill(fill_type="gray0625", start_color="A6A6A6", end_color="FFFFFF"))
    add(S.MISSING, font=_font(italic=True, color="595959"), fill=_solid("D9D9D9"), alignment=_CENTER)
    add(S.BLANK, font=_font(italic=True, color="7F7F7F"), alignment=_CENTER)
    add(S.WITHHELD, font=_font(italic=True, color="404040"), alignment=_CENTER,
        fill=PatternFill(fill_type="lightUp", start_color="A6A6A6", end_color="F2F2F2"))
    # Timeliness uses Excel's own Good / Neutral / Bad colours.
    add(S.ON_TIME, font=_font(color="006100"), fill=_solid("C6EFCE"), alignment=_CENTER)
    add(S.LATE, font=_font(color="9C5700"), fill=_solid("FFEB9C"), alignment=_CENTER)
    add(S.MISSING_REPORT, font=_font(color="9C0006"), fill=_solid("FFC7CE"), alignment=_CENTER)
    add(S.INT, alignment=_CENTER, number_format="0")
    add(S.PERCENT, alignment=_CENTER, number_format="0.0 %")
    add(S.DATETIME, alignment=_TOP, number_format="yyyy-mm-dd hh:mm")
    add(S.MONTH, alignment=Alignment(horizontal="left", vertical="top"), number_format="[$-41D]mmmm yyyy")
    add(S.TEXT, alignment=_WRAP_TOP)
    add(S.TEXT_NOTE, font=_font(italic=True, color="595959"), alignment=_WRAP_TOP)
    add(S.PLAIN, alignment=_TOP)


_KIND_STYLE = {
    CellKind.NOT_DUE: S.NOT_DUE,
    CellKind.PENDING: S.PENDING,
    CellKind.MISSING: S.MISSING,
    CellKind.BLANK: S.BLANK,
    CellKind.WITHHELD: S.WITHHELD,
}
_KIND_WORD = {
    CellKind.NOT_DUE: None,
    CellKind.PENDING: PENDING_WORD,
    CellKind.MISSING: MISSING_WORD,
    CellKind.BLANK: BLANK_WORD,
    CellKind.WITHHELD: WITHHELD_WORD,
}


# --------------------------------------------------------------------------
# Writing cells
# --------------------------------------------------------------------------


def _safe_text(text: str) -> str:
    """Text Excel accepts: the text rule (outputs.safe_text: no XML-illegal character such as
    U+FFFE, no direction overrides), at most 32,767 characters."""
    text = ILLEGAL_CHARACTERS_RE.sub("", xml_safe(text))
    if len(text) > _CELL_MAX:
        text = text[:_CELL_MAX - 1] + "…"
    return text


def _put(ws: Worksheet, row: int, col: int, value: Any, style: str | None = None) -> Cell:
    """Write one cell; text is always text, never a formula or an error value.

    openpyxl stores a string starting with "=" as a formula and "#N/A" as an
    error; a municipality's comment must never become either (formula
    injection), so such a cell is forced back to a string and gets Excel's
    quote prefix, which also keeps it text if someone edits the cell.
    """
    cell: Cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = _safe_text(value)
    cell.value = value
    if style is not None:
        cell.style = style
    if isinstance(value, str) and (cell.data_type != "s" or value.startswith(_FORMULA_START)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def _header_footer_text(text: str) -> str:
    return text.replace("&", "&&")


def _print_setup(ws: Worksheet, picture: CountyPicture, *, rows: str | None, cols: str | None) -> None:
    """A4 landscape, fit to one page wide, titles repeated, county and year in header and footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.7, bottom=0.6, header=0.3, footer=0.3)
    if rows:
        ws.print_title_rows = rows
    if cols:
        ws.print_title_cols = cols
    county = _header_footer_text(picture.county_name)
    ws.oddHeader.left.text = county
    ws.oddHeader.center.text = "&A"
    ws.oddHeader.right.text = f"Lägesbild {picture.year}"
    ws.oddFooter.left.text = f"{county} – sociala risker {picture.year}"
    ws.oddFooter.right.text = "Sida &P av &N"


def _name_width(picture: CountyPicture, extra: Iterable[str] = ()) -> float:
    names = [*picture.municipalities, *(g.name for g in picture.groups), *extra]
    return min(max([len(n) for n in names] + [12]) + 3, 40)


def _month_header(ws: Worksheet, row: int, first_label: str, *, extra: Sequence[str] = ()) -> None:
    """Two header rows: `first_label` and "Kvartal 1..4" merged over months, then month names."""
    _put(ws, row, 1, first_label, S.HEAD_LEFT)
    _put(ws, row + 1, 1, None, S.HEAD_LEFT)
    ws.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=1)
    for q in range(4):
        start = _FIRST_MONTH_COL + 3 * q
        _put(ws, row, start, f"Kvartal {q + 1}", S.HEAD)
        ws.merge_cells(start_row=row, start_column=start, end_row=row, end_column=start + 2)
    for i, col in enumerate(_MONTH_COLS):
        _put(ws, row + 1, col, MONTHS[i], S.HEAD)
    for j, label in enumerate(extra):
        col = _LAST_MONTH_COL + 1 + j
        _put(ws, row, col, label, S.HEAD)
        _put(ws, row + 1, col, None, S.HEAD)
        ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)


def _notes(ws: Worksheet, row: int, lines: Iterable[str]) -> int:
    for line in lines:
        _put(ws, row, 1, line, S.NOTE)
        row += 1
    return row


# --------------------------------------------------------------------------
# Question sheets
# --------------------------------------------------------------------------


def _group_members(picture: CountyPicture, group: Group) -> list[str]:
    known = set(picture.municipalities)
    return [m for m in group.members if m in known]


# When no member of a group gave a level, the roll-up shows the most telling
# state among them, in this order.
_GROUP_FALLBACK = (CellKind.MISSING, CellKind.PENDING, CellKind.WITHHELD, CellKind.BLANK, CellKind.NOT_DUE)


def _group_cell(picture: CountyPicture, members: Sequence[str], month: int,
                number: int) -> tuple[CellKind, int | None]:
    kinds = [_classify(picture.form, picture.report(m, month), number) for m in members]
    levels = [lv for kind, lv in kinds if kind is CellKind.LEVEL and lv is not None]
    if levels:
        return CellKind.LEVEL, max(levels)
    present = {kind for kind, _ in kinds}
    for kind in _GROUP_FALLBACK:
        if kind in present:
            return kind, None
    return CellKind.NOT_DUE, None


def _write_level(ws: Worksheet, row: int, col: int, form: FormSpec, kind: CellKind,
                 level: int | None, *, group: bool = False) -> None:
    if kind is CellKind.LEVEL and level is not None:
        style = S.group_level(level) if group else S.level(level)
        _put(ws, row, col, form.scale.name_of(level), style)
    else:
        _put(ws, row, col, _KIND_WORD[kind], _KIND_STYLE[kind])


def _legend(ws: Worksheet, row: int, form: FormSpec) -> None:
    _put(ws, row, 1, "Teckenförklaring", S.SECTION)
    col = _FIRST_MONTH_COL
    for level in form.scale.levels:
        _put(ws, row, col, level.name, S.level(level.value))
        col += 1
    for kind in (CellKind.PENDING, CellKind.MISSING, CellKind.BLANK, CellKind.WITHHELD):
        _put(ws, row, col, _KIND_WORD[kind], _KIND_STYLE[kind])
        col += 1


def _legend_notes(form: FormSpec) -> list[str]:
    levels = ", ".join(f"{lv.value} {lv.name}" for lv in form.scale.levels)
    return [
        f"Nivå: kommunens bedömda påverkan, avvikelse från det normala ({levels}); "
        "senaste versionen av varje rapport.",
        f"{PENDING_WORD}: rapporten har inte kommit in och sista inlämningsdag har inte passerat.  "
        f"{MISSING_WORD}: ingen rapport fast sista inlämningsdag har passerat.",
        f"{BLANK_WORD}: rapporten kom in men ingen nivå angavs för frågan.  "
        f"{WITHHELD_WORD}: svaret hålls inne i väntan på sekretessgranskning.  "
        "Tom ruta: månaden har inte kommit än.",
    ]


def _question_sheet(ws: Worksheet, picture: CountyPicture, question: Question) -> None:
    form = picture.form
    _put(ws, 1, 1, f"Fråga {question.number}. {question.short} – {picture.county_name} {picture.year}", S.TITLE)
    _legend(ws, 2, form)
    _month_header(ws, 3, "Kommun")
    row = 5
    for name in picture.municipalities:
        _put(ws, row, 1, name, S.NAME)
        for month, col in enumerate(_MONTH_COLS, start=1):
            kind, level = _classify(form, picture.report(name, month), question.number)
            _write_level(ws, row, col, form, kind, level)
        row += 1
    notes: list[str] = []
    if picture.groups:
        row += 1
        _put(ws, row, 1, "Grupper (högsta nivå bland medlemmarna)", S.SECTION)
        row += 1
        for group in picture.groups:
            members = _group_members(picture, group)
            _put(ws, row, 1, group.name, S.GROUP)
            for month, col in enumerate(_MONTH_COLS, start=1):
                kind, level = _group_cell(picture, members, month, question.number)
                _write_level(ws, row, col, form, kind, level, group=True)
            notes.append(f"{group.name}: {', '.join(members) or '(inga kommuner i länet)'}.")
            row += 1
        notes.insert(0, "Grupper visar den högsta nivån bland de medlemmar som har angett en nivå "
                        "den månaden; har ingen angett en nivå visas Saknas, Väntas, Granskas eller "
                        "Ej angiven, i den ordningen.")
    row += 1
    row = _notes(ws, row, [f"Fråga {question.number}: {question.text}", *_legend_notes(form), *notes])
    ws.freeze_panes = "B5"
    _widths(ws, {1: _name_width(picture), **{c: 11.5 for c in _MONTH_COLS}})
    _print_setup(ws, picture, rows="1:4", cols="A:A")


# --------------------------------------------------------------------------
# Bulk rows written as XML
# --------------------------------------------------------------------------


class _BulkRows:
    """The body rows of a long sheet, serialised directly to worksheet XML.

    openpyxl spends ~20 µs writing each cell; the comments and data sheets of
    a county of 290 municipalities hold half a million cells, so their body
    rows are written here as plain `<row>` elements (inline strings, numbers,
    Excel date serials) and spliced into the sheet openpyxl writes, after its
    header rows. Style ids come from openpyxl itself (`Cell.style_id` of a
    probe cell), so they point at the same entries of the shared stylesheet.
    """

    def __init__(self, ws: Worksheet, first_row: int, ncols: int) -> None:
        self.ws = ws
        self.first_row = first_row
        self.next_row = first_row
        self.ncols = ncols
        self._letters = [get_column_letter(c) for c in range(1, ncols + 1)]
        self._ids: dict[tuple[str | None, bool], int] = {}
        self._parts: list[str] = []
        self._texts: dict[str, str] = {}  # names, labels and level words repeat on every row

    def _style_id(self, style: str | None, quoted: bool) -> int:
        key = (style, quoted)
        if key not in self._ids:
            probe = Cell(self.ws)  # never added to the sheet
            if style is not None:
                probe.style = style
            if quoted:
                probe.quotePrefix = True
            self._ids[key] = probe.style_id
        return self._ids[key]

    def add(self, cells: Sequence[tuple[Any, str | None]], height: float | None = None) -> None:
        """Append one row of (value, style name) pairs, from column A; `height` in points."""
        r = self.next_row
        out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
        for letter, (value, style) in zip(self._letters, cells, strict=False):
            quoted = isinstance(value, str) and value.startswith(_FORMULA_START)
            s = self._style_id(style, quoted) if style is not None or quoted else 0
            attr = f' s="{s}"' if s else ""
            if value is None or value == "":
                if s:
                    out.append(f'<c r="{letter}{r}"{attr}/>')
            elif isinstance(value, str):
                text = self._texts.get(value)
                if text is None:
                    text = escape(_safe_text(value.replace("\r\n", "\n").replace("\r", "\n")))
                    if len(value) < 200:
                        self._texts[value] = text
                out.append(f'<c r="{letter}{r}"{attr} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
            elif isinstance(value, datetime):
                out.append(f'<c r="{letter}{r}"{attr}><v>{to_excel(value):.16g}</v></c>')
            elif isinstance(value, bool):
                out.append(f'<c r="{letter}{r}"{attr} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, int | float):
                out.append(f'<c r="{letter}{r}"{attr}><v>{value:.16g}</v></c>')
            else:
                raise TypeError(f"cannot write {type(value).__name__} to a cell")
        out.append("</row>")
        self._parts.append("".join(out))
        self.next_row += 1

    @property
    def last_row(self) -> int:
        """The last row written (the row before `first_row` when none was)."""
        return self.next_row - 1

    def splice(self, xml: bytes) -> bytes:
        """Insert the rows into openpyxl's worksheet XML and widen its dimension."""
        body = "".join(self._parts).encode("utf-8")
        if b"</sheetData>" in xml:
            xml = xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
        elif b"<sheetData/>" in xml:
            xml = xml.replace(b"<sheetData/>", b"<sheetData>" + body + b"</sheetData>", 1)
        else:
            raise ValueError("worksheet XML without sheetData")
        last = max(self.last_row, 1)
        ref = f'<dimension ref="A1:{self._letters[-1]}{last}"/>'.encode()
        return re.sub(rb'<dimension ref="[^"]*"/>', ref, xml, count=1)


# --------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Row:
    """One answered (municipality, month, question)."""

    municipality: str
    month: int
    question: Question
    report: MonthReport
    level: int | None
    comment: str
    withheld: bool


def _answered_rows(picture: CountyPicture) -> list[_Row]:
    """Every answered cell, by municipality (county order), month, question."""
    rows = []
    for name in picture.municipalities:
        for month in range(1, 13):
            report = picture.report(name, month)
            if not _came_in(report):
                continue
            for question in picture.form.questions:
                if not _answered(report, question):
                    continue
                withheld = question.number in report.withheld
                level = _level_of(picture.form, report, question.number) if question.impact else None
                rows.append(_Row(name, month, question, report, level,
                                 _comment_of(report, question.number), withheld))
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


def _comments_sheet(ws: Worksheet, picture: CountyPicture, rows: Sequence[_Row]) -> _BulkRows:
    form = picture.form
    _put(ws, 1, 1, f"Kommentarer – {picture.county_name} {picture.year}", S.TITLE)
    _put(ws, 2, 1, "Senaste versionen av varje rapport. Svar som granskas för sekretess visas "
                   "utan nivå och kommentar. Inkom = när den senaste versionen kom in.", S.NOTE)
    headers = ("Kommun", "Månad", "Fråga", "Nivå", "Kommentar", "Inkom", "Version")
    for col, label in enumerate(headers, start=1):
        _put(ws, 3, col, label, S.HEAD)
    body = _BulkRows(ws, 4, len(headers))
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
            (datetime(picture.year, row.month, 1), S.MONTH),
            (_question_label(row.question), S.PLAIN),
            level,
            comment,
            (_local(report.latest_at or report.received_at), S.DATETIME),
            (report.version, S.INT),
        ), _row_height(comment[0], _COMMENT_WIDTH))
    ws.auto_filter.ref = f"A3:G{max(body.last_row, 3)}"
    ws.freeze_panes = "B4"
    _widths(ws, {1: _name_width(picture), 2: 15, 3: 36, 4: 12, 5: _COMMENT_WIDTH, 6: 17, 7: 9})
    _print_setup(ws, picture, rows="3:3", cols=None)
    return body


# --------------------------------------------------------------------------
# Reporting (timeliness and completeness)
# --------------------------------------------------------------------------

_COUNTED = (MonthState.ON_TIME, MonthState.LATE, MonthState.MISSING)


def _closed_months(picture: CountyPicture) -> frozenset[int]:
    """Months whose deadline has passed, as far as the picture tells.

    A late or missing report proves the deadline passed. A month where every
    municipality is in (on time or late) counts as closed too: even if its
    deadline is still ahead, its figures can no longer change. Later months
    being closed closes earlier ones.
    """
    closed: set[int] = set()
    for month in range(1, 13):
        states = [picture.report(m, month).state for m in picture.municipalities]
        if any(s in (MonthState.LATE, MonthState.MISSING) for s in states) or (
                states and all(s in _COUNTED for s in states)):
            closed.add(month)
    if closed:
        closed.update(range(1, max(closed)))
    return frozenset(closed)


@dataclass(frozen=True, slots=True)
class _Tally:
    expected: int = 0
    received: int = 0
    on_time: int = 0

    def __add__(self, other: _Tally) -> _Tally:
        return _Tally(self.expected + other.expected, self.received + other.received,
                      self.on_time + other.on_time)

    @property
    def reporting_rate(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


def _tally(report: MonthReport, closed: bool) -> _Tally:
    if not closed or report.state not in _COUNTED:
        return _Tally()
    return _Tally(1, int(_came_in(report)), int(report.state is MonthState.ON_TIME))


def _sum(tallies: Iterable[_Tally]) -> _Tally:
    total = _Tally()
    for t in tallies:
        total = total + t
    return total


_STATE_CELL = {
    MonthState.ON_TIME: (ON_TIME_WORD, S.ON_TIME),
    MonthState.LATE: (LATE_WORD, S.LATE),
    MonthState.MISSING: (MISSING_WORD, S.MISSING_REPORT),
    MonthState.PENDING: (PENDING_WORD, S.PENDING),
    MonthState.NOT_DUE: (None, S.NOT_DUE),
}

_TALLY_LABELS = ("Förväntade", "Inkomna", "Inkomna i tid", "Inrapporteringsgrad", "Andel i tid")


def _write_tally(ws: Worksheet, row: int, col: int, tally: _Tally) -> None:
    _put(ws, row, col, tally.expected, S.INT)
    _put(ws, row, col + 1, tally.received, S.INT)
    _put(ws, row, col + 2, tally.on_time, S.INT)
    _put(ws, row, col + 3, tally.reporting_rate, S.PERCENT)
    _put(ws, row, col + 4, tally.timeliness_rate, S.PERCENT)


def _reporting_sheet(ws: Worksheet, picture: CountyPicture) -> None:
    closed = _closed_months(picture)
    _put(ws, 1, 1, f"Inrapportering – {picture.county_name} {picture.year}", S.TITLE)
    _put(ws, 2, 1, "Teckenförklaring", S.SECTION)
    for col, state in enumerate((MonthState.ON_TIME, MonthState.LATE, MonthState.MISSING,
                                 MonthState.PENDING), start=_FIRST_MONTH_COL):
        word, style = _STATE_CELL[state]
        _put(ws, 2, col, word, style)
    _month_header(ws, 3, "Kommun", extra=_TALLY_LABELS)
    total_col = _LAST_MONTH_COL + 1
    # The year-to-date block carries its own heading above the five totals.
    _put(ws, 2, total_col, "Hittills i år", S.HEAD)
    ws.merge_cells(start_row=2, start_column=total_col, end_row=2, end_column=total_col + 4)

    per_muni: dict[str, list[_Tally]] = {}
    row = 5
    for name in picture.municipalities:
        _put(ws, row, 1, name, S.NAME)
        tallies = []
        for month, col in enumerate(_MONTH_COLS, start=1):
            report = picture.report(name, month)
            word, style = _STATE_CELL[report.state]
            _put(ws, row, col, word, style)
            tallies.append(_tally(report, month in closed))
        per_muni[name] = tallies
        _write_tally(ws, row, total_col, _sum(tallies))
        row += 1
    _put(ws, row, 1, "Hela länet", S.GROUP)
    _write_tally(ws, row, total_col, _sum(t for ts in per_muni.values() for t in ts))
    row += 1
    if picture.groups:
        row += 1
        _put(ws, row, 1, "Grupper", S.SECTION)
        row += 1
        for group in picture.groups:
            _put(ws, row, 1, group.name, S.GROUP)
            _write_tally(ws, row, total_col,
                         _sum(t for m in _group_members(picture, group) for t in per_muni[m]))
            row += 1

    row += 1
    _put(ws, row, 1, "Hela länet per månad", S.HEAD_LEFT)
    for col in _MONTH_COLS:
        _put(ws, row, col, MONTHS[col - _FIRST_MONTH_COL], S.HEAD)
    _put(ws, row, total_col, "Hittills i år", S.HEAD)
    monthly = [_sum(per_muni[m][i] for m in picture.municipalities) for i in range(12)]
    year = _sum(monthly)
    for k, label in enumerate(_TALLY_LABELS):
        r = row + 1 + k
        _put(ws, r, 1, label, S.NAME)
        for i, col in enumerate(_MONTH_COLS):
            month = i + 1
            value = _metric(monthly[i], k) if month in closed else None
            _put(ws, r, col, value, S.PERCENT if k >= 3 else S.INT)
        _put(ws, r, total_col, _metric(year, k), S.PERCENT if k >= 3 else S.INT)
    row += len(_TALLY_LABELS) + 2
    _notes(ws, row, [
        "Förväntade: rapporter för månader vars sista inlämningsdag har passerat.  "
        "Inkomna: av dem, de som har kommit in.  Inkomna i tid: första versionen kom senast "
        "sista inlämningsdagen.",
        "Inrapporteringsgrad = inkomna ÷ förväntade.  Andel i tid = inkomna i tid ÷ förväntade "
        "(som WHO och DHIS2 räknar: en rapport som saknas är inte i tid).",
        f"{ON_TIME_WORD}: första versionen kom senast sista inlämningsdagen (den sista vardagen i månaden); "
        f"en rättelse gör den inte sen.  {LATE_WORD}: kom efter sista inlämningsdagen.  "
        f"{MISSING_WORD}: har inte kommit.  {PENDING_WORD}: inte inkommen, sista dagen har inte passerat.",
    ])
    ws.freeze_panes = "B5"
    _widths(ws, {1: _name_width(picture, ["Hela länet per månad"]), **{c: 10.5 for c in _MONTH_COLS},
                 **{total_col + j: w for j, w in enumerate((12, 11, 14, 20, 12))}})
    _print_setup(ws, picture, rows="1:4", cols="A:A")


def _metric(tally: _Tally, k: int) -> float | int | None:
    return (tally.expected, tally.received, tally.on_time, tally.reporting_rate, tally.timeliness_rate)[k]


# --------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------


def _summary_sheet(ws: Worksheet, picture: CountyPicture, questions: Sequence[Question]) -> None:
    form = picture.form
    _put(ws, 1, 1, f"Sammanfattning – {picture.county_name} {picture.year}", S.TITLE)
    _put(ws, 2, 1, "Antal kommuner per nivå och månad, antal inkomna rapporter och den högsta "
                   "nivån i länet. Svar som granskas eller saknar nivå räknas inte till någon nivå.",
         S.NOTE)
    _month_header(ws, 3, "Fråga / nivå")
    reports = {(m, month): picture.report(m, month)
               for m in picture.municipalities for month in range(1, 13)}
    came = [sum(_came_in(reports[(m, month)]) for m in picture.municipalities) for month in range(1, 13)]
    due = [any(reports[(m, month)].state is not MonthState.NOT_DUE for m in picture.municipalities)
           for month in range(1, 13)]
    row = 5
    for question in questions:
        _put(ws, row, 1, f"Fråga {question.number}. {question.short}", S.SECTION)
        row += 1
        counts = [[0] * 12 for _ in form.scale.levels]
        for i in range(12):
            for m in picture.municipalities:
                level = _level_of(form, reports[(m, i + 1)], question.number)
                if level is not None:
                    counts[level - form.scale.min][i] += 1
        for k, step in enumerate(form.scale.levels):
            _put(ws, row, 1, step.name, S.level(step.value))
            for i, col in enumerate(_MONTH_COLS):
                _put(ws, row, col, counts[k][i] if due[i] else None, S.INT)
            row += 1
        _put(ws, row, 1, "Med angiven nivå", S.NAME)
        for i, col in enumerate(_MONTH_COLS):
            _put(ws, row, col, sum(c[i] for c in counts) if due[i] else None, S.INT)
        row += 1
        _put(ws, row, 1, "Inkomna rapporter", S.NAME)
        for i, col in enumerate(_MONTH_COLS):
            _put(ws, row, col, came[i] if due[i] else None, S.INT)
        row += 1
        _put(ws, row, 1, "Högsta nivå", S.NAME)
        for i, col in enumerate(_MONTH_COLS):
            top = max((form.scale.levels[k].value for k in range(len(counts)) if counts[k][i]), default=None)
            if top is None:
                _put(ws, row, col, None, S.NOT_DUE)
            else:
                _put(ws, row, col, form.scale.name_of(top), S.level(top))
        row += 2
    ws.freeze_panes = "B5"
    _widths(ws, {1: 38, **{c: 11.5 for c in _MONTH_COLS}})
    _print_setup(ws, picture, rows="1:4", cols="A:A")


# --------------------------------------------------------------------------
# Data (long format)
# --------------------------------------------------------------------------

DATA_HEADERS: tuple[str, ...] = ("År", "Månad", "Period", "Kommun", "Fråga", "Frågenamn", "Påverkan",
                                 "Nivå", "Kommentar", "Inkom", "Först inkom", "Version", "Status",
                                 "Granskas")


def _data_sheet(ws: Worksheet, picture: CountyPicture, rows: Sequence[_Row]) -> _BulkRows:
    form = picture.form
    for col, label in enumerate(DATA_HEADERS, start=1):
        _put(ws, 1, col, label, S.HEAD)
    body = _BulkRows(ws, 2, len(DATA_HEADERS))
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
        body.add((
            (picture.year, None), (row.month, None), (f"{picture.year:04d}-{row.month:02d}", None),
            (row.municipality, None), (row.question.number, None), (row.question.short, None),
            (level, None), (word, None), (row.comment, S.PLAIN),
            (_local(report.latest_at or report.received_at), S.DATETIME),
            (_local(report.received_at), S.DATETIME),
            (report.version, None), (status, None), ("ja" if row.withheld else "nej", None),
        ))
    # An Excel table needs a data row; an empty year gets one empty row.
    last_col = get_column_letter(len(DATA_HEADERS))
    table = Table(displayName=f"Lagesbild{picture.year}", ref=f"A1:{last_col}{max(body.last_row, 2)}")
    # Columns named here, so openpyxl need not read (and create) every cell of the range.
    table.tableColumns = [TableColumn(id=i, name=h) for i, h in enumerate(DATA_HEADERS, start=1)]
    table.autoFilter = AutoFilter(ref=table.ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True,
                                          showColumnStripes=False, showFirstColumn=False,
                                          showLastColumn=False)
    ws.add_table(table)
    ws.freeze_panes = "E2"
    _widths(ws, {1: 7, 2: 8, 3: 10, 4: _name_width(picture), 5: 8, 6: 34, 7: 10, 8: 12, 9: 70,
                 10: 17, 11: 17, 12: 9, 13: 9, 14: 10})
    _print_setup(ws, picture, rows="1:1", cols=None)
    return body


# --------------------------------------------------------------------------
# The workbook
# --------------------------------------------------------------------------


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries all carry one date, so equal content gives equal bytes."""

    def __init__(self, file: io.BytesIO, stamp: tuple[int, int, int, int, int, int],
                 splices: dict[str, _BulkRows]) -> None:
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
    _register_styles(wb, form)
    impact_questions = [q for q in form.questions if q.impact]
    # Unique: question numbers are, and every name starts with its number.
    names = [question_sheet_name(q) for q in impact_questions]
    first = wb.active
    assert first is not None
    wb.remove(first)
    for question, name in zip(impact_questions, names, strict=True):
        _question_sheet(wb.create_sheet(name), picture, question)
    rows = _answered_rows(picture)
    bulk = [_comments_sheet(wb.create_sheet(COMMENTS_SHEET), picture, rows)]
    _reporting_sheet(wb.create_sheet(REPORTING_SHEET), picture)
    _summary_sheet(wb.create_sheet(SUMMARY_SHEET), picture, impact_questions)
    bulk.append(_data_sheet(wb.create_sheet(DATA_SHEET), picture, rows))
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
