"""Excel workbooks filled in the ways municipalities use spreadsheets for the form.

Layouts (all from the same `Filled` data as the Word builders):

- "rows":       "Kommun:"/"Månad:" header cells, then Fråga | Påverkan (1-5) | Kommentar
- "transposed": questions across the columns, Påverkan and Kommentar as rows
- "merged":     an "Instruktioner" first sheet; the answers on the second sheet
                with merged cells for the question text and the comment
- "formulas":   impact = MAX() of sub-scores (Polis/Skola/Socialtjänst), the
                municipality a formula pointing at a settings sheet, the period
                a DATE() formula; meant to be recalculated by LibreOffice so the
                file carries cached values (see other_builder.libreoffice)

The grid content is computed once (`grid_rows`) so the .xls and .ods builders
write exactly the same cells.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import date, datetime

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from tests.builders import (
    INTRO,
    LEVELS,
    TITLE,
    Entry,
    Filled,
    Stated,
    resolve_markup,
    short_name,
    template_heading,
)
from tests.builders.docx_builder import box_row, rewrite_zip

CellValue = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Sheet:
    """One worksheet: cell rows, merged ranges ("A1:D1"), formats by coordinate."""

    name: str
    rows: tuple[tuple[CellValue, ...], ...]
    merges: tuple[str, ...] = ()
    number_formats: tuple[tuple[str, str], ...] = ()
    widths: tuple[float, ...] = (48, 18, 80)
    hidden: bool = False


def _comment_text(e: Entry) -> str:
    # Alt+Enter line breaks inside one cell; bullets as typed.
    return "\n".join(resolve_markup(p) for p in e.comment)


def impact_cell(e: Entry, f: Filled) -> CellValue:
    """What the coordinator put in the impact cell."""
    if e.raw is not None:
        return e.raw  # type: ignore[return-value]
    if e.ticks is not None:
        return box_row(e.ticks, e.box)
    if e.typed is None:
        return None
    text = resolve_markup(e.typed)
    if text.isdigit() and "numbers_as_text" not in f.noise:
        return int(text)
    return text


def _stated_cells(s: Stated | None, default_label: str) -> tuple[CellValue, CellValue] | None:
    if s is None:
        return None
    label = (s.label or default_label) + ":"
    return (label, s.raw if s.raw is not None else (s.value or None))  # type: ignore[return-value]


def grid_rows(f: Filled) -> tuple[tuple[CellValue, ...], ...]:
    """The "rows" layout as plain cell rows (shared by xlsx, xls and ods)."""
    rows: list[tuple[CellValue, ...]] = [(TITLE,), ()]
    for cells in (_stated_cells(f.municipality, "Kommun"), _stated_cells(f.period, "Månad")):
        if cells is not None:
            rows.append(cells)
    rows.append(())
    previous = "previous_column" in f.noise
    header: tuple[CellValue, ...] = ("Fråga", "Påverkan (1-5)", "Kommentar")
    if "alias_labels" in f.noise:
        header = ("Område", "Bedömd påverkan (1-5)", "Beskrivning")
    if previous:
        # A copy of last month's sheet: last month's impact kept in a column of its own.
        header = (header[0], "Påverkan förra månaden", *header[1:])
    rows.append(header)
    for e in f.entries:
        heading = e.heading or f"{e.q}. {short_name(e.q)}"
        impact: CellValue = ("-" if "q7_dash" in f.noise else None) if e.q == 7 else impact_cell(e, f)
        paras = [resolve_markup(p) for p in e.comment]
        first = paras[0] if "split_comment_rows" in f.noise and paras else _comment_text(e)
        before: tuple[CellValue, ...] = ()
        if previous:
            before = (None if e.q == 7 else (e.q % 3) + 2,)
        rows.append((heading, *before, impact, first or None))
        if "split_comment_rows" in f.noise:
            # The comment continued on the next rows, only in the comment column.
            rows += [(None, *(None for _ in before), None, p) for p in paras[1:]]
    return tuple(rows)


def _sheets_rows(f: Filled) -> list[Sheet]:
    rows = grid_rows(f)
    fmts = []
    for i, row in enumerate(rows, start=1):
        if len(row) > 1 and isinstance(row[1], (date, datetime)):
            fmts.append((f"B{i}", "mmmm yyyy"))
    return [Sheet("Lägesbild", rows, number_formats=tuple(fmts))]


def _sheets_transposed(f: Filled) -> list[Sheet]:
    rows: list[tuple[CellValue, ...]] = []
    for cells in (_stated_cells(f.municipality, "Kommun"), _stated_cells(f.period, "Månad")):
        if cells is not None:
            rows.append(cells)
    rows.append(())
    rows.append(("Fråga", *[e.heading or short_name(e.q) for e in f.entries]))
    rows.append(("Påverkan", *[None if e.q == 7 else impact_cell(e, f) for e in f.entries]))
    rows.append(("Kommentar", *[_comment_text(e) or None for e in f.entries]))
    return [Sheet("Lägesbild", tuple(rows), widths=(14,) + (30,) * len(f.entries))]


def _sheets_merged(f: Filled) -> list[Sheet]:
    instr: list[tuple[CellValue, ...]] = [(TITLE,), ()]
    instr += [(t,) for t in INTRO]
    instr += [(), ("Påverkan anges på en skala 1-5:",)]
    instr += [(v, name) for v, name in LEVELS.items()]
    instr += [(), ("Frågorna:",)]
    instr += [(f"{q}. {short_name(q)}",) for q in range(1, 8)]
    instr += [(), ("Fyll i bladet Lägesbild och skicka till länsstyrelsen.",)]
    rows: list[tuple[CellValue, ...]] = [(TITLE,)]
    merges = ["A1:D1"]
    for cells in (_stated_cells(f.municipality, "Kommun"), _stated_cells(f.period, "Månad")):
        if cells is not None:
            rows.append(cells)
            merges.append(f"B{len(rows)}:D{len(rows)}")
    rows.append(())
    for e in f.entries:
        rows.append((e.heading or template_heading(e.q),))
        merges.append(f"A{len(rows)}:D{len(rows)}")
        if e.q != 7:
            rows.append(("Påverkan:", impact_cell(e, f)))
        rows.append(("Kommentar:", _comment_text(e) or None))
        merges.append(f"B{len(rows)}:D{len(rows)}")
        rows.append(())
    return [Sheet("Instruktioner", tuple(instr), widths=(90, 20)),
            Sheet("Lägesbild", tuple(rows), tuple(merges), widths=(14, 30, 30, 30))]


def _sheets_formulas(f: Filled) -> list[Sheet]:
    """Formulas whose cached values only exist after a recalculation (LibreOffice)."""
    settings: list[tuple[CellValue, ...]] = [("Inställning", "Värde")]
    rows: list[tuple[CellValue, ...]] = [(TITLE,), ()]
    fmts: list[tuple[str, str]] = []
    if f.municipality is not None:
        settings.append(("Kommun", f.municipality.value))
        rows.append((f"{f.municipality.label or 'Kommun'}:", "=Inställningar!B2"))
    if f.period is not None:
        if f.period.ym is not None:
            year, month = f.period.ym
            rows.append((f"{f.period.label or 'Månad'}:", f"=DATE({year},{month},1)"))
            fmts.append((f"B{len(rows)}", "mmmm yyyy"))
        else:
            rows.append((f"{f.period.label or 'Månad'}:", f.period.value))
    rows.append(())
    rows.append(("Fråga", "Påverkan (1-5)", "Kommentar", "Polis", "Skola", "Socialtjänst"))
    for e in f.entries:
        r = len(rows) + 1
        heading = e.heading or f"{e.q}. {short_name(e.q)}"
        if e.q == 7:
            rows.append((heading, None, _comment_text(e) or None))
            continue
        value = impact_cell(e, f)
        if isinstance(value, int):
            # Sub-scores whose maximum is the answer; the others lower.
            subs = (value, max(1, value - 1), max(1, value - 2))
            rows.append((heading, f"=MAX(D{r}:F{r})", _comment_text(e) or None, *subs))
        else:
            rows.append((heading, value, _comment_text(e) or None))
    return [Sheet("Lägesbild", tuple(rows), number_formats=tuple(fmts),
                  widths=(40, 16, 70, 8, 8, 12)),
            Sheet("Inställningar", tuple(settings), widths=(20, 20))]


def _sheets_wide(f: Filled) -> list[Sheet]:
    """Nr | Område | Fråga | Påverkan | Kommentar | Källa, and a contact line under the table."""
    rows: list[tuple[CellValue, ...]] = [(TITLE,), ()]
    for cells in (_stated_cells(f.municipality, "Kommun"), _stated_cells(f.period, "Månad")):
        if cells is not None:
            rows.append(cells)
    rows.append(())
    rows.append(("Nr", "Område", "Fråga", "Påverkan", "Kommentar", "Källa"))
    sources = ("Polisen", "Skolan", "Socialtjänsten", "Bostadsbolaget", "Fältgruppen")
    for i, e in enumerate(f.entries):
        text = template_heading(e.q).split(": ", 1)[-1] if e.q != 7 else template_heading(7)[9:]
        impact: CellValue = None if e.q == 7 else impact_cell(e, f)
        rows.append((e.q, e.heading or short_name(e.q), text, impact, _comment_text(e) or None,
                     sources[i % len(sources)]))
    rows += [(), ("Kontakt: trygghetssamordnaren, växel 0243-740 00",),
              ("Skickas till länsstyrelsen senast sista vardagen i månaden.",)]
    return [Sheet("Lägesbild", tuple(rows), widths=(5, 28, 60, 10, 70, 16))]


def _sheets_blank_first(f: Filled) -> list[Sheet]:
    """The untouched template on a first sheet "Mall", the answers on a sheet named for the month."""
    blank = Filled(tuple(Entry(e.q) for e in f.entries),
                   Stated("Kommun", "", None), Stated("Månad", "", None))
    month = f.period.value.split()[0].capitalize() if f.period and f.period.value else "Lägesbild"
    return [Sheet("Mall", grid_rows(blank)), replace(_sheets_rows(f)[0], name=month)]


XLSX_LAYOUTS = {
    "wide": _sheets_wide,
    "blank_first": _sheets_blank_first,
    "rows": _sheets_rows,
    "transposed": _sheets_transposed,
    "merged": _sheets_merged,
    "formulas": _sheets_formulas,
}


def sheets(f: Filled, kind: str = "rows") -> list[Sheet]:
    """The sheets of layout `kind` for a filled form."""
    return XLSX_LAYOUTS[kind](f)


_COLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def render_xlsx(sheet_list: list[Sheet], *, dropdown: bool = False) -> bytes:
    """Write sheets with openpyxl: bold headers, wrapped comments, optional level dropdown."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sh in sheet_list:
        ws = wb.create_sheet(sh.name)
        for r, row in enumerate(sh.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str) and ("\n" in value or len(value) > 60):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
                if r == 1 or value in ("Fråga", "Påverkan (1-5)", "Kommentar", "Påverkan"):
                    cell.font = Font(bold=True)
        for rng in sh.merges:
            ws.merge_cells(rng)
        for coord, fmt in sh.number_formats:
            ws[coord].number_format = fmt
        for i, width in enumerate(sh.widths):
            ws.column_dimensions[_COLS[i]].width = width
        ws.sheet_properties.tabColor = "1F4E79"
        if dropdown and sh.name == "Lägesbild":
            dv = DataValidation(type="list", allow_blank=True,
                                formula1='"' + ",".join(f"{v} – {n}" for v, n in LEVELS.items()) + '"')
            ws.add_data_validation(dv)
            dv.add("B6:B20")
        ws.freeze_panes = None
        if sh.hidden:
            ws.sheet_state = "hidden"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
            for cell in row:
                if cell.value in ("Fråga", "Påverkan (1-5)", "Kommentar"):
                    cell.fill = header_fill
    wb.properties.creator = "Kommunal samordnare"
    wb.properties.title = "Lägesbild sociala risker"
    if len(wb.worksheets) > 1:
        wb.active = 1 if wb.worksheets[0].title == "Instruktioner" else 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_xlsx(f: Filled, kind: str = "rows", *, macro: bool = False, dropdown: bool = False) -> bytes:
    """A filled form as .xlsx (or .xlsm when `macro`)."""
    data = render_xlsx(sheets(f, kind), dropdown=dropdown)
    return to_xlsm(data) if macro else data


_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def to_xlsm(data: bytes) -> bytes:
    """Mark a workbook as macro-enabled (.xlsm) by its main content type."""
    import zipfile

    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml").decode()
    return rewrite_zip(data, {"[Content_Types].xml": types.replace(_XLSX_MAIN, _XLSM_MAIN).encode()})


__all__ = ["Sheet", "XLSX_LAYOUTS", "build_xlsx", "grid_rows", "impact_cell", "render_xlsx",
           "sheets", "to_xlsm"]
