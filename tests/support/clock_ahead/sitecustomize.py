"""Moves a Python subprocess's clock ahead in a clock-ahead test run (see tests/support/clock.py)."""

import os

if os.environ.get("TEST_CLOCK_AHEAD_DAYS"):
    from datetime import UTC, datetime, timedelta

    import time_machine

    _days = int(os.environ["TEST_CLOCK_AHEAD_DAYS"])
    time_machine.travel(datetime.now(UTC) + timedelta(days=_days), tick=True).start()
