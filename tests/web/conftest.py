"""Fixtures of the web page's tests: a migrated store (SQLite, or PostgreSQL where asked),
the default configuration, a fixed clock, and a signed-in client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.testclient import TestClient

from flow.accounts import Role, add_user
from flow.settings import Config
from lagesbild.config import load_config
from store.db import make_engine, migrate
from tests.store.conftest import TABLES
from tests.support import postgres
from web.app import create_app

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
PASSWORD = "rätt häst batteri klammer"


@pytest.fixture(scope="module")
def pg_module_url() -> Iterator[str]:
    """A migrated PostgreSQL schema for this test module; skipped when no server is reachable."""
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


def sqlite_engine(tmp_path: Path) -> Engine:
    """A migrated SQLite store in `tmp_path`."""
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'lagesbild.db'}")
    migrate(engine)
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite store."""
    eng = sqlite_engine(tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty store on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        eng = sqlite_engine(tmp_path)
    else:
        eng = make_engine(request.getfixturevalue("pg_module_url"))
        with eng.begin() as conn:
            conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    yield eng
    eng.dispose()


@pytest.fixture
def config() -> Config:
    """The built-in configuration (Dalarna's municipalities)."""
    return load_config(None)


def make_client(config: Config, engine: Engine, clock: Callable[[], datetime] = lambda: NOW) -> TestClient:
    """A client of the app over plain HTTP (as on loopback), so the session cookie travels."""
    return TestClient(create_app(config, engine, clock, secret_key="test", secure_cookies=False),
                      base_url="http://127.0.0.1")


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    """Post the sign-in form with the token the form carries; the response's status."""
    page = client.get("/logga-in")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    response = client.post("/logga-in", data={"csrf": token, "name": name, "password": password},
                           follow_redirects=False)
    return int(response.status_code)


@pytest.fixture
def leader(config: Config, engine: Engine) -> TestClient:
    """A client signed in as a leadership account of the configured county."""
    add_user(engine, "ledning", Role.LEADERSHIP, config.county.code, PASSWORD, NOW)
    client = make_client(config, engine)
    assert sign_in(client, "ledning") == 303
    return client
