"""Fixtures for the fault-injection suite: Dovecot, PostgreSQL schemas, a counting SMTP server."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store.db import make_engine, migrate
from tests.support import dovecot, postgres
from tests.support.dovecot import DovecotServer
from tests.support.faults import SlowHandler, smtp_server, with_options

needs_dovecot = pytest.mark.skipif(not dovecot.available(), reason="Dovecot is not installed (./run tests installs it)")
needs_postgres = pytest.mark.skipif(postgres.available() is not None, reason=str(postgres.available()))


@pytest.fixture(scope="session")
def imap_server() -> Iterator[DovecotServer]:
    """One Dovecot for the session (tests that stop it use `own_imap_server`)."""
    if not dovecot.available():
        pytest.skip("Dovecot is not installed (./run tests installs it)")
    with dovecot.running_dovecot(tls=False) as server:
        yield server


@pytest.fixture
def own_imap_server() -> Iterator[DovecotServer]:
    """A Dovecot of this test's own, free to be stopped and started."""
    if not dovecot.available():
        pytest.skip("Dovecot is not installed (./run tests installs it)")
    with dovecot.running_dovecot(tls=False) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[tuple[int, SlowHandler]]:
    """A recording SMTP server: (port, handler); handler.received is what was delivered."""
    with smtp_server() as pair:
        yield pair


@pytest.fixture
def pg_schema() -> Iterator[Callable[..., str]]:
    """Make fresh, migrated PostgreSQL schemas: `make(app="name", **options)` gives a URL tagged with
    application_name (so pg_terminate can find its sessions); all are dropped afterwards."""
    if postgres.available() is not None:
        pytest.skip(str(postgres.available()))
    drops: list[Callable[[], None]] = []

    def make(app: str | None = None, migrated: bool = True, **options: str) -> str:
        url, drop = postgres.fresh_schema("lbf")
        drops.append(drop)
        url = with_options(url, application_name=app or f"lbf_{secrets.token_hex(4)}", **options)
        if migrated:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()
        return url

    yield make
    for drop in drops:
        drop()


def sqlite_url(path: Path) -> str:
    """A migrated SQLite database at `path`."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every fault once in the default suite (two short SIGKILL cells among them); the `test_long_*`
    runs (52 kills per database, minutes of servers down) only in `./run faults`."""
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(_HERE) and item.name.startswith("test_long"):
            item.add_marker(pytest.mark.slow)
