"""The one pause rule every retry uses (messages, outgoing mail, IMAP reconnects)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from ground.retry import doubling

FIRST = timedelta(minutes=1)
CAP = timedelta(hours=6)


def test_the_pause_doubles_from_the_first_up_to_the_cap() -> None:
    assert [doubling(n, FIRST, CAP) for n in (0, 1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 1, 2, 4, 8)]
    assert doubling(9, FIRST, CAP) == timedelta(minutes=256)
    assert doubling(10, FIRST, CAP) == CAP


@given(st.integers(min_value=-10, max_value=10**9))
def test_the_pause_never_shrinks_and_never_passes_the_cap(attempt: int) -> None:
    pause, later = doubling(attempt, FIRST, CAP), doubling(attempt + 1, FIRST, CAP)
    assert FIRST <= pause <= later <= CAP
