"""A PostgreSQL schema of one's own for a test, on the local test server.

    url, drop = fresh_schema()        # raises Unavailable when there is no server
    engine = make_engine(url)         # every table lands in the new schema
    ...
    engine.dispose(); drop()

The server is 127.0.0.1:5432, database `test`, trust auth, user `postgres`
(else `root`); $TEST_POSTGRES_URL (e.g. postgresql+psycopg://me@db:5432/test)
points elsewhere. The returned URL carries the schema as `search_path`
(`?options=-csearch_path%3Dlb_...`), so any code given only the URL (the CLI,
a child process) uses that schema too.

With LAGESBILD_REQUIRE_POSTGRES=1 (set by ./run tests, which starts a
server first) a missing server fails the test instead of skipping it, so a
PostgreSQL suite that silently did not run cannot pass CI.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Callable

import psycopg
import pytest
from sqlalchemy.engine import make_url

# Read once at import, during collection: the suite's autouse fixture clears LAGESBILD_* before each test.
REQUIRED = os.environ.get("LAGESBILD_REQUIRE_POSTGRES", "") == "1"

_CANDIDATES = ("postgresql+psycopg://postgres@127.0.0.1:5432/test",
               "postgresql+psycopg://root@127.0.0.1:5432/test")


class Unavailable(Exception):
    """No PostgreSQL server to test against (the message says why)."""


def _conninfo(url: str) -> str:
    u = make_url(url)
    parts = {"host": u.host or "127.0.0.1", "port": str(u.port or 5432), "dbname": u.database or "test",
             "user": u.username or "", "password": u.password or ""}
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


@functools.cache
def server_url() -> str:
    """The base URL of a reachable server (cached); raises Unavailable with the reason."""
    candidates = [os.environ["TEST_POSTGRES_URL"]] if os.environ.get("TEST_POSTGRES_URL") else list(_CANDIDATES)
    reasons = []
    for url in candidates:
        try:
            with psycopg.connect(_conninfo(url), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return url
        except psycopg.Error as exc:
            reasons.append(f"{make_url(url).render_as_string(hide_password=True)}: {str(exc).strip()}")
    raise Unavailable("no PostgreSQL server for the tests (" + "; ".join(reasons) + ")")


# The tests that asked for the server (node ids, this process), so the suite can say how many PostgreSQL
# tests ran (tests/conftest.py); a test whose name or parameter says PostgreSQL counts anyway.
ASKED: set[str] = set()


def _asked() -> None:
    current = os.environ.get("PYTEST_CURRENT_TEST")  # "tests/x.py::test_y (setup)" while a test runs
    if current:
        ASKED.add(current.rsplit(" (", 1)[0])


def available() -> str | None:
    """None when a server is reachable, else the reason (for pytest.skip).

    When the server is required (LAGESBILD_REQUIRE_POSTGRES=1) its absence fails the calling test, or the
    collection when called at import, rather than returning a reason to skip.
    """
    _asked()
    try:
        server_url()
    except Unavailable as exc:
        if REQUIRED:
            pytest.fail(f"LAGESBILD_REQUIRE_POSTGRES=1, but {exc}", pytrace=False)
        return str(exc)
    return None


def fresh_schema(prefix: str = "lb") -> tuple[str, Callable[[], None]]:
    """Create an empty schema `<prefix>_<random>`; return a URL using it, and a function that drops it.

    Dispose every engine on the URL before calling the drop function.
    """
    _asked()
    base = server_url()
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(_conninfo(base), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{name}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(
        hide_password=False)

    def drop() -> None:
        with psycopg.connect(_conninfo(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    return url, drop
