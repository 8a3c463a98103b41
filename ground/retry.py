"""The one rule for pausing between tries: double the pause after every failure, up to a cap."""

from __future__ import annotations

from datetime import timedelta


def doubling(attempt: int, first: timedelta, cap: timedelta) -> timedelta:
    """The pause after failed try number `attempt`: `first`, twice that, four times … at most `cap`.

    An `attempt` below 1 counts as 1: the first pause is never shorter than `first`.
    """
    exponent = min(max(attempt, 1) - 1, 30)  # 2**30 × any sane `first` is far past any cap
    return min(first * (1 << exponent), cap)
