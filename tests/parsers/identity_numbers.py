"""A hypothesis strategy for real-looking Swedish identity numbers, shared by the screen's tests."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from parsers.personal import luhn_check_digit


@st.composite
def real_number(draw: st.DrawFn) -> tuple[str, bool, str]:
    """(the century's two digits, a samordningsnummer?, the ten digits with a valid date and check digit)."""
    day = draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2025, 12, 31)))
    samordning = draw(st.booleans())
    dd = day.day + (60 if samordning else 0)
    nine = f"{day.year % 100:02d}{day.month:02d}{dd:02d}{draw(st.integers(0, 999)):03d}"
    return str(day.year // 100), samordning, nine + str(luhn_check_digit(nine))
