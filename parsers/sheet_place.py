"""Where in a sheet a typed line was read: "cell C12", or "rad 12" for a whole row.

`parsers.grid_lines` tells each line it reads from a sheet its cell; the
grid's `row_numbers` and `column_numbers` (`parsers.document.Grid`) turn a
position in the grid into the sheet's own numbering, hidden rows and columns
counted. A table in a text document has no sheet numbers and gets no place
here (`parsers.lines` names it "tabell N").
"""

from __future__ import annotations

from collections.abc import Callable

from parsers.document import Grid
from parsers.typed_line import Line

# (the grid's row, its column or None for the whole row) -> "cell C12", "rad 12", or "".
Where = Callable[[int, int | None], str]
RowWhere = Callable[[int | None], str]  # the same within one row


def nowhere(_row: int, _column: int | None) -> str:
    """No place: a grid that is not a sheet."""
    return ""


def in_row(where: Where, row: int) -> RowWhere:
    """`where` within one row of the grid."""
    return lambda column: where(row, column)


def placed(lines: list[Line], place: str) -> list[Line]:
    """`lines` told where they were read (those not told already)."""
    for line in lines:
        line.place = line.place or place
    return lines


def flipped_place(where: Where, top: int, left: int) -> Where:
    """`where` for a block of the grid read with its rows as columns (questions across the sheet), whose
    first cell is the grid's (`top`, `left`): a whole row of it is a sheet's column, which gets no place."""
    def place(row: int, column: int | None) -> str:
        return "" if column is None else where(top + column, left + row)
    return place


def sheet_place(grid: Grid) -> Where:
    """Where a grid's cell stands in its sheet: "cell C12", or "rad 12" for a whole row; nothing for a table
    that is not a sheet (no sheet numbers)."""
    if not grid.row_numbers:
        return nowhere

    def place(row: int, column: int | None) -> str:
        if not 0 <= row < len(grid.row_numbers):
            return ""
        if column is not None and 0 <= column < len(grid.column_numbers):
            return f"cell {column_letters(grid.column_numbers[column])}{grid.row_numbers[row]}"
        return f"rad {grid.row_numbers[row]}"
    return place


def column_letters(number: int) -> str:
    """A sheet's column number as its letters: 1 -> "A", 26 -> "Z", 27 -> "AA"."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
