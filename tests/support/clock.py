"""The test suite with the clock moved ahead: a date bomb fails today, not in a year.

`pytest --clock-ahead DAYS` (see `./run tests`) moves the clock of the test
process, and of every Python process it starts, DAYS ahead and lets it run on
(time-machine, ticking). A test that passes only on the day it was written —
mail dated in October checked against the real clock — fails at once.

Servers that keep their own clock (Dovecot's INTERNALDATE, LibreOffice,
Chromium) cannot be moved with it; tests that start them are skipped in that
run (`skip_if_clock_ahead`), and run in the ordinary one.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

#: Set in the environment so that Python subprocesses move their clock too.
ENV = "TEST_CLOCK_AHEAD_DAYS"
#: Holds the `sitecustomize` that moves a subprocess's clock.
HOOK_DIR = Path(__file__).with_name("clock_ahead")


def days_ahead() -> int:
    """How many days the clock is moved ahead in this run (0: the real clock)."""
    try:
        return max(0, int(os.environ.get(ENV, "0") or 0))
    except ValueError:
        return 0


def move_ahead(days: int) -> None:
    """Move this process's clock `days` ahead, ticking, and make its Python subprocesses follow."""
    if days <= 0:
        return
    os.environ[ENV] = str(days)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(HOOK_DIR) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([str(HOOK_DIR), *paths])
    start_travel(days)


def start_travel(days: int) -> None:
    """Start the ticking clock `days` ahead in this process (once)."""
    if not _travellers:
        traveller = time_machine.travel(datetime.now(UTC) + timedelta(days=days), tick=True)
        traveller.start()
        _travellers.append(traveller)


_travellers: list[time_machine.travel] = []


def skip_if_clock_ahead(what: str) -> None:
    """Skip the calling test in a clock-ahead run: `what` keeps the real clock."""
    if days_ahead():
        pytest.skip(f"{what} keeps the real clock; runs in the ordinary run")
