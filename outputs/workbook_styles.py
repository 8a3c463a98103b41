"""The county workbook's cell styles, registered once as named styles and assigned by name."""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

from outputs.workbook_cells import CellKind
from parsers.form import FormSpec

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


def register_styles(wb: Workbook, form: FormSpec) -> None:
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


KIND_STYLE = {
    CellKind.NOT_DUE: S.NOT_DUE,
    CellKind.PENDING: S.PENDING,
    CellKind.MISSING: S.MISSING,
    CellKind.BLANK: S.BLANK,
    CellKind.WITHHELD: S.WITHHELD,
}
