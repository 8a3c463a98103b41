"""The suite closes with how many PostgreSQL tests passed, failed or were skipped (tests/conftest.py), so a run
whose overall "N passed" hides a PostgreSQL half that did not run says so, in one process and under xdist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.smtp import free_port

ROOT = Path(__file__).resolve().parents[2]

TESTS = '''import pytest
from tests.support import postgres


def test_asks_for_the_server():
    reason = postgres.available()
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_on_each_store(store):
    assert store == "sqlite"


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_row_locks_on_postgresql(store):
    if store == "sqlite":
        pytest.skip("the SQLite half of a test named for PostgreSQL")


def test_without_a_database():
    pass
'''


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_the_closing_line_counts_the_tests_on_the_database_server_only(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "test_stores.py").write_text(TESTS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    # Nobody listens there: the test that asks is skipped, whatever the machine's own server is doing.
    env["TEST_POSTGRES_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest",
                           *workers, str(tmp_path), "--rootdir", str(tmp_path), "-c", os.devnull],
                          env=env, capture_output=True, text=True, timeout=180, check=False, cwd=ROOT)
    assert "1 failed, 3 passed, 2 skipped" in done.stdout, done.stdout + done.stderr
    # The SQLite halves and the test without a database are not PostgreSQL tests.
    assert "PostgreSQL tests: 1 passed, 1 failed, 1 skipped" in done.stdout.splitlines(), done.stdout
