"""The `engine` fixture: every store test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL gets one schema per test module (migrated once, emptied before each
test, dropped after the module); its tests are skipped, with the reason, only
when no server is reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from store.db import make_engine, migrate
from tests.support import postgres

TABLES = "raw_message, submission, answer, submission_issue, outbox, audit_event, job_lock, user_account, worker_cycle"


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A migrated PostgreSQL schema for this test module."""
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema()
    engine = make_engine(url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    yield url
    drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'data' / 'lagesbild.db'}")
        migrate(eng)
    else:
        eng = make_engine(request.getfixturevalue("pg_module_url"))
        with eng.begin() as conn:
            conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield eng
    eng.dispose()


@pytest.fixture
def url(engine: Engine) -> str:
    """The URL of `engine`, for child processes."""
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with nothing in it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'new' / 'lagesbild.db'}"
        return
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema()
    yield url
    drop()
