"""The engine, the schema migrations and the unit of work.

    engine = make_engine(config.store.url, config.store.password)
    migrate(engine)                      # every start; safe from two processes at once
    with transaction(engine) as s:       # commits on success, rolls back on error
        repo.insert_raw(s, ...)

SQLite (the embedded default) runs in WAL mode with foreign keys on and a
30-second busy timeout; every transaction starts with BEGIN IMMEDIATE, so two
workers never read a snapshot and then fail to upgrade it to a write (SQLite's
"database is locked" without waiting). The file and its folder are created
owner-only. PostgreSQL connections are checked before use (pool_pre_ping).

An unreachable or locked database raises ground.errors.StoreUnavailable.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

from ground.errors import ConfigError, StoreUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest migration, known without reading the migrations (tests check it against them): a start
# that finds the database there skips Alembic altogether, which with what it imports costs a few
# hundred milliseconds of every command.
HEAD_REVISION = "0010"

_SCHEMA_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# One advisory lock key for "someone is migrating this database" (a stable 63-bit number).
_MIGRATE_LOCK = int.from_bytes(hashlib.sha256(b"lagesbild.store.migrate").digest()[:8], "big") >> 1


def make_engine(url: str, password: str | None = None, *, schema: str | None = None,
                busy_timeout: float = 30.0) -> Engine:
    """An engine for `url` (sqlite:///PATH or postgresql+psycopg://user@host/db).

    `password` fills in a PostgreSQL URL that has none (it comes from the
    environment, never from the file). `schema` (PostgreSQL only) puts every
    table in that schema via search_path; tests use it to get a database of
    their own. `busy_timeout` is how long SQLite waits for another writer.
    Does not connect; raises StoreUnavailable when a SQLite file cannot be created.
    """
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if schema is not None:
            raise ValueError("schema is for PostgreSQL only")
        return _sqlite_engine(u, busy_timeout)
    if u.get_backend_name() != "postgresql":
        raise ValueError(f"unsupported database URL {u.render_as_string(hide_password=True)!r}")
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")  # psycopg 3 is the driver we ship with
    if password and not u.password:
        u = u.set(password=password)
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if schema is not None:
        if not _SCHEMA_RE.fullmatch(schema):
            raise ValueError(f"not a plain schema name: {schema!r}")
        connect_args["options"] = f"-csearch_path={schema}"
    try:
        return create_engine(u, pool_pre_ping=True, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        # The driver is an extra: a plain `pip install lagesbild` has SQLite only.
        raise ConfigError(f"[store] url: {u.drivername} needs the PostgreSQL driver {exc.name or ''}, which is not "
                          "installed; install lagesbild[postgres] (pip install 'lagesbild[postgres]')") from exc


def _sqlite_engine(u: URL, busy_timeout: float) -> Engine:
    path = u.database or ""
    if path and path != ":memory:" and not path.startswith("file:"):
        _create_private_file(Path(path))
    engine = create_engine(u, connect_args={"timeout": busy_timeout})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite, so "begin" below decides how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            _set_wal(cursor, busy_timeout)
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL; a power cut loses at most the last commit
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front (waiting up to busy_timeout) instead of failing on upgrade;
        # a reading transaction takes none (in WAL mode readers never wait for the writer).
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")

    return engine


def _set_wal(cursor: Any, busy_timeout: float) -> None:
    # Switching a new database to WAL needs it to itself, and SQLite answers "locked" at once,
    # without its busy handler, while another process opens it too (two workers started
    # together on a fresh install): try again for the busy timeout.
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _create_private_file(path: Path) -> None:
    """Create the database file (and its folder) readable by the owner only."""
    try:
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the database file {path}: {exc.strerror}") from exc


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn "the database is away or locked" into StoreUnavailable; everything else passes."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError) as exc:
        raise StoreUnavailable(f"the database is unavailable: {_first_line(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        if exc.connection_invalidated:
            raise StoreUnavailable(f"the database connection was lost: {_first_line(exc)}") from exc
        raise


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0]


def _alembic_config(connection: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    # ConfigParser interpolation: a "%" in the install path must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration this code knows."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine) -> None:
    """Bring the schema up to the newest migration (a no-op when it is there already).

    Runs in one transaction. On PostgreSQL a transaction-scoped advisory lock
    makes a second process wait and then find nothing to do; on SQLite
    BEGIN IMMEDIATE does the same.
    """
    with translate_errors(), engine.connect() as conn:
        if _stored_revision(conn) == HEAD_REVISION:
            return
    from alembic import command

    with translate_errors(), engine.connect() as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATE_LOCK})
        command.upgrade(_alembic_config(conn), "head")


def _stored_revision(conn: Connection) -> str | None:
    """The revision recorded in the database, read without Alembic (None: none, or several)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return str(rows[0]) if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None: not migrated yet)."""
    from alembic.runtime.migration import MigrationContext

    with translate_errors(), engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_READ_ONLY = "lagesbild_read_only"


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Session]:
    """A session for reads only, in one transaction (one consistent view).

    On SQLite it does not take the write lock that `transaction` takes up
    front, so a status query or a duplicate check never waits for another
    process's write. Writing in it is a mistake; SQLite may refuse it.
    """
    with translate_errors(), Session(engine.execution_options(**{_READ_ONLY: True}),
                                     expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back if it raises.

    Objects loaded in it stay readable after the commit (expire_on_commit off),
    but the verbs in store.repo return plain values anyway.
    """
    with translate_errors(), Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
