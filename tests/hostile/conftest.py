"""The canary server every hostile case is checked against, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hostile.box import TIMINGS, Canary, print_timings, start_canary, stop_canary


@pytest.fixture(scope="module")
def canary(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Canary]:
    """A canary server for the module; afterwards the timings of its cases (module-level GROUP)."""
    server = start_canary(tmp_path_factory.mktemp("canary"))
    yield server
    stop_canary(server)
    group = request.module.GROUP
    print_timings([r for r in TIMINGS if r.case.group == group])
