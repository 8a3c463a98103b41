"""Fixtures of the worker's tests: one Dovecot for the session (each test takes a folder of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import dovecot
from tests.support.dovecot import DovecotServer


@pytest.fixture(scope="session")
def shared_dovecot() -> Iterator[DovecotServer]:
    """A plain-text Dovecot on loopback for the whole session (skipped when it is not installed)."""
    if not dovecot.available():
        pytest.skip("Dovecot is not installed (./run tests installs it)")
    with dovecot.running_dovecot(tls=False) as server:
        yield server
