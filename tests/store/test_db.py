"""The engine, migrations and transactions, on SQLite and PostgreSQL."""

from __future__ import annotations

import multiprocessing
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from store import repo
from store.db import HEAD_REVISION, current_revision, head_revision, make_engine, migrate, transaction
from store.errors import StoreUnavailable
from store.models import metadata
from tests.store import workers
from tests.store.helpers import MAILBOX, NOW, insert

TABLES = {"raw_message", "raw_message_body", "submission", "answer", "submission_issue", "outbox", "audit_event",
          "job_lock", "user_account", "worker_cycle", "county_start"}


def test_migrate_from_empty_creates_every_table_and_is_idempotent(empty_url: str) -> None:
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
        assert current_revision(engine) == head_revision() == HEAD_REVISION == "0010"
        with transaction(engine) as s:
            insert(s, "kept")
        migrate(engine)  # a second start changes nothing and keeps the data
        assert current_revision(engine) == head_revision() == "0010"
        with transaction(engine) as s:
            assert set(repo.known_refs(s, MAILBOX, 0, ["kept"])) == {"kept"}
    finally:
        engine.dispose()


def test_a_start_on_a_migrated_database_does_not_load_alembic(tmp_path: Path) -> None:
    """Every command migrates on start; when there is nothing to do it must not pay for Alembic."""
    url = f"sqlite:///{tmp_path / 'lb.db'}"
    check = ("import sys; from store.db import make_engine, migrate; "
             f"migrate(make_engine({url!r})); print('alembic' in sys.modules)")
    first = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    again = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert (first.stdout.strip(), again.stdout.strip()) == ("True", "False")
    engine = make_engine(url)
    try:
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_migrations_match_the_models(engine: Engine) -> None:
    """The hand-written migrations and store/models.py describe the same schema."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_two_processes_migrating_at_once_both_succeed(empty_url: str) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=workers.run_migrate, args=(empty_url, barrier, results)) for _ in range(2)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
    assert outcomes == ["ok", "ok"]
    engine = make_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision() == "0010"
    finally:
        engine.dispose()


def test_sqlite_file_and_folder_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "lagesbild.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        with transaction(engine) as s:
            insert(s, "one")
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
            busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert (mode, fks, busy) == ("wal", 1, 30000)
        for f in path.parent.iterdir():  # the database, and its -wal and -shm companions
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    finally:
        engine.dispose()


def test_transaction_commits_on_success_and_rolls_back_on_error(engine: Engine) -> None:
    with transaction(engine) as s:
        insert(s, "committed")
    with pytest.raises(RuntimeError), transaction(engine) as s:
        insert(s, "rolled-back")
        raise RuntimeError("boom")
    with transaction(engine) as s:
        assert set(repo.known_refs(s, MAILBOX, 0, ["committed", "rolled-back"])) == {"committed"}


def test_datetimes_come_back_aware_utc_and_naive_ones_are_refused(engine: Engine) -> None:
    stockholm = NOW.astimezone(ZoneInfo("Europe/Stockholm"))
    with transaction(engine) as s:
        row = insert(s, "tz", received_at=stockholm)
    with transaction(engine) as s:
        got = repo.get_message(s, row.id)
    assert got is not None and got.received_at == NOW
    assert got.received_at is not None and got.received_at.utcoffset() == timedelta(0)
    with pytest.raises(sa_exc.StatementError, match="naive datetime"), transaction(engine) as s:
        insert(s, "naive", received_at=datetime(2026, 10, 29, 13, 3))


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(sa_exc.IntegrityError), transaction(engine) as s:
        repo.audit(s, 999, "received", "no such message", NOW)


def test_unreachable_postgresql_is_store_unavailable() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/test")  # nothing listens on port 1
    try:
        with pytest.raises(StoreUnavailable, match="unavailable"):
            migrate(engine)
        with pytest.raises(StoreUnavailable), transaction(engine) as s:
            repo.count_quarantined(s, "20")
    finally:
        engine.dispose()


def test_locked_sqlite_is_store_unavailable_after_the_busy_timeout(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lagesbild.db'}"
    holder, waiter = make_engine(url), make_engine(url, busy_timeout=0.2)
    try:
        migrate(holder)
        with transaction(holder) as s:
            insert(s, "held")  # the write lock is held until this block ends
            with pytest.raises(StoreUnavailable, match="locked"), transaction(waiter) as w:
                repo.count_quarantined(w, "20")
    finally:
        holder.dispose()
        waiter.dispose()


def test_password_and_schema_options(tmp_path: Path) -> None:
    engine = make_engine("postgresql://lagesbild@db.example/lb", "s3cret", schema="lb_x")
    assert engine.url.password == "s3cret" and engine.url.drivername == "postgresql+psycopg"
    engine.dispose()
    with pytest.raises(ValueError):
        make_engine("postgresql+psycopg://u@h/db", schema="x; DROP")
    with pytest.raises(ValueError):
        make_engine(f"sqlite:///{tmp_path / 'a.db'}", schema="lb_x")


def test_a_read_transaction_does_not_wait_for_another_process_writing_on_sqlite(tmp_path: Path) -> None:
    """`transaction` takes SQLite's write lock up front; a duplicate check or a status query in
    `read_transaction` must not queue behind another worker's write (WAL readers never wait)."""
    import sqlite3

    from store.db import read_transaction

    path = tmp_path / "lb.db"
    engine = make_engine(f"sqlite:///{path}", busy_timeout=0.3)
    migrate(engine)
    with transaction(engine) as s:
        row_id = insert(s, "1").id
    writer = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM job_lock")
        with read_transaction(engine) as s:
            assert repo.get_message(s, row_id) is not None
        with pytest.raises(StoreUnavailable), transaction(engine) as s:
            repo.get_message(s, row_id)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    engine.dispose()
