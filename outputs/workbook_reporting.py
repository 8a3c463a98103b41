"""The workbook's "Inrapportering" sheet: on time, late or missing per month, and the reporting rates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl.worksheet.worksheet import Worksheet

from outputs.picture import CountyPicture, MonthReport, MonthState
from outputs.workbook_cells import (
    LATE_WORD,
    MISSING_WORD,
    ON_TIME_WORD,
    PENDING_WORD,
    came_in,
    group_members,
)
from outputs.workbook_layout import (
    FIRST_MONTH_COL,
    column_label,
    last_period_col,
    month_header,
    name_width,
    period_columns,
    print_setup,
    put,
    put_notes,
    set_widths,
)
from outputs.workbook_styles import S

_COUNTED = (MonthState.ON_TIME, MonthState.LATE, MonthState.MISSING)


def _closed_months(picture: CountyPicture) -> frozenset[int]:
    """Months whose deadline has passed, as far as the picture tells.

    A late or missing report proves the deadline passed. A month where every
    municipality is in (on time or late) counts as closed too: even if its
    deadline is still ahead, its figures can no longer change. Later months
    being closed closes earlier ones.
    """
    closed: set[int] = set()
    for month in (p.number for p in picture.periods):
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
    return _Tally(1, int(came_in(report)), int(report.state is MonthState.ON_TIME))


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
    put(ws, row, col, tally.expected, S.INT)
    put(ws, row, col + 1, tally.received, S.INT)
    put(ws, row, col + 2, tally.on_time, S.INT)
    put(ws, row, col + 3, tally.reporting_rate, S.PERCENT)
    put(ws, row, col + 4, tally.timeliness_rate, S.PERCENT)


def write_reporting_sheet(ws: Worksheet, picture: CountyPicture) -> None:
    """Fill the "Inrapportering" sheet: each report's state, then the counts and rates."""
    closed = _closed_months(picture)
    per_period = "Hela länet per vecka" if picture.weekly else "Hela länet per månad"
    rule_text = picture.form.deadline.describe() if picture.weekly else "den sista vardagen i månaden"
    put(ws, 1, 1, f"Inrapportering – {picture.county_name} {picture.year}", S.TITLE)
    put(ws, 2, 1, "Teckenförklaring", S.SECTION)
    for col, state in enumerate((MonthState.ON_TIME, MonthState.LATE, MonthState.MISSING,
                                 MonthState.PENDING), start=FIRST_MONTH_COL):
        word, style = _STATE_CELL[state]
        put(ws, 2, col, word, style)
    month_header(ws, 3, "Kommun", extra=_TALLY_LABELS, picture=picture)
    columns = period_columns(picture)
    total_col = last_period_col(picture) + 1
    # The year-to-date block carries its own heading above the five totals.
    put(ws, 2, total_col, "Hittills i år", S.HEAD)
    ws.merge_cells(start_row=2, start_column=total_col, end_row=2, end_column=total_col + 4)

    per_muni: dict[str, list[_Tally]] = {}
    row = 5
    for name in picture.municipalities:
        put(ws, row, 1, name, S.NAME)
        tallies = []
        for month, col in columns:
            report = picture.report(name, month)
            word, style = _STATE_CELL[report.state]
            put(ws, row, col, word, style)
            tallies.append(_tally(report, month in closed))
        per_muni[name] = tallies
        _write_tally(ws, row, total_col, _sum(tallies))
        row += 1
    put(ws, row, 1, "Hela länet", S.GROUP)
    _write_tally(ws, row, total_col, _sum(t for ts in per_muni.values() for t in ts))
    row += 1
    if picture.groups:
        row += 1
        put(ws, row, 1, "Grupper", S.SECTION)
        row += 1
        for group in picture.groups:
            put(ws, row, 1, group.name, S.GROUP)
            _write_tally(ws, row, total_col,
                         _sum(t for m in group_members(picture, group) for t in per_muni[m]))
            row += 1

    row += 1
    put(ws, row, 1, per_period, S.HEAD_LEFT)
    for number, col in columns:
        put(ws, row, col, column_label(picture, number), S.HEAD)
    put(ws, row, total_col, "Hittills i år", S.HEAD)
    monthly = [_sum(per_muni[m][i] for m in picture.municipalities) for i in range(len(columns))]
    year = _sum(monthly)
    for k, label in enumerate(_TALLY_LABELS):
        r = row + 1 + k
        put(ws, r, 1, label, S.NAME)
        for i, (month, col) in enumerate(columns):
            value = _metric(monthly[i], k) if month in closed else None
            put(ws, r, col, value, S.PERCENT if k >= 3 else S.INT)
        put(ws, r, total_col, _metric(year, k), S.PERCENT if k >= 3 else S.INT)
    row += len(_TALLY_LABELS) + 2
    put_notes(ws, row, [
        "Förväntade: rapporter för månader vars sista inlämningsdag har passerat.  "
        "Inkomna: av dem, de som har kommit in.  Inkomna i tid: första versionen kom senast "
        "sista inlämningsdagen.",
        "Inrapporteringsgrad = inkomna ÷ förväntade.  Andel i tid = inkomna i tid ÷ förväntade "
        "(som WHO och DHIS2 räknar: en rapport som saknas är inte i tid).",
        f"{ON_TIME_WORD}: första versionen kom senast sista inlämningsdagen ({rule_text}); "
        f"en rättelse gör den inte sen.  {LATE_WORD}: kom efter sista inlämningsdagen.  "
        f"{MISSING_WORD}: har inte kommit.  {PENDING_WORD}: inte inkommen, sista dagen har inte passerat.",
    ])
    ws.freeze_panes = "B5"
    set_widths(ws, {1: name_width(picture, [per_period]), **{c: 8.5 if picture.weekly else 10.5 for _, c in columns},
                 **{total_col + j: w for j, w in enumerate((12, 11, 14, 20, 12))}})
    print_setup(ws, picture, rows="1:4", cols="A:A")


def _metric(tally: _Tally, k: int) -> float | int | None:
    return (tally.expected, tally.received, tally.on_time, tally.reporting_rate, tally.timeliness_rate)[k]
