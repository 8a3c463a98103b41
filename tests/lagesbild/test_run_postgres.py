"""./run tests brings its own PostgreSQL: scripts/postgres.sh on another port in a folder of its own.

The machine's server on 5432 is never touched: every cluster here listens on a free port and lives in a
temporary folder, and is stopped by the same script at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "postgres.sh"


def _installed() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


pytestmark = pytest.mark.skipif(not _installed(), reason="no PostgreSQL server installed (Debian package postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _script(*words: str) -> subprocess.CompletedProcess[str]:
    command = f"source {SCRIPT} && " + " ".join(f"'{w}'" for w in words)
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def folder() -> Iterator[Path]:
    # Not pytest's tmp_path: as root the cluster belongs to the user postgres, who must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="lagesbild-pg-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        _script("stop_postgres", str(root / "pg"))
        shutil.rmtree(root, ignore_errors=True)


def test_ensure_postgres_makes_starts_and_reuses_a_trust_cluster_with_a_test_database(folder: Path) -> None:
    port = _free_port()
    first = _script("ensure_postgres", str(port), str(folder / "pg"))
    assert first.returncode == 0, first.stderr
    assert "creating a PostgreSQL cluster" in first.stderr
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="test", connect_timeout=5) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("test",)

    again = _script("ensure_postgres", str(port), str(folder / "pg"))  # listening now: left alone
    assert again.returncode == 0 and again.stderr == ""

    assert _script("stop_postgres", str(folder / "pg")).returncode == 0
    restarted = _script("ensure_postgres", str(port), str(folder / "pg"))  # the cluster is kept, only started
    assert restarted.returncode == 0, restarted.stderr
    assert "creating" not in restarted.stderr and "starting PostgreSQL" in restarted.stderr
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="test", connect_timeout=5) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_a_running_server_that_refuses_the_tests_is_opened_for_them(folder: Path) -> None:
    """As a fresh Debian cluster: scram on TCP, peer-like trust only on its Unix socket, no database test."""
    port, data = _free_port(), folder / "pg"
    bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    data.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run([*owner, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
                    "--auth-host=scram-sha-256"], check=True, capture_output=True, timeout=120)
    subprocess.run([*owner, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-o",
                    f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{data}'", "start"],
                   check=True, capture_output=True, timeout=120)
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="test", connect_timeout=5).close()

    done = _script("ensure_postgres", str(port), str(data))
    assert done.returncode == 0, done.stderr
    assert "refuses the tests; adding database test and a trust line" in done.stderr
    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="test", connect_timeout=5) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("test",)
    # Other databases still ask for the password: only postgres@test from 127.0.0.1 is trusted.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=5).close()
    again = _script("ensure_postgres", str(port), str(data))
    assert again.returncode == 0 and again.stderr == ""


def test_ensure_postgres_leaves_a_folder_that_is_not_its_own_alone(folder: Path) -> None:
    (folder / "pg").mkdir()
    (folder / "pg" / "notes.txt").write_text("mine")
    done = _script("ensure_postgres", str(_free_port()), str(folder / "pg"))
    assert done.returncode == 1 and "not touching it" in done.stderr
    assert (folder / "pg" / "notes.txt").read_text() == "mine"


def test_a_required_but_missing_server_fails_instead_of_skipping(tmp_path: Path) -> None:
    (tmp_path / "test_needs_pg.py").write_text(
        "import pytest\nfrom tests.support import postgres\n\n"
        "def test_pg():\n    reason = postgres.available()\n    if reason:\n        pytest.skip(reason)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    env["TEST_POSTGRES_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{_free_port()}/test"  # nobody listens
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(tmp_path),
            "--rootdir", str(tmp_path), "-c", os.devnull]
    env["PYTHONPATH"] = str(ROOT)
    skipped = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, check=False, cwd=ROOT)
    assert "1 skipped" in skipped.stdout, skipped.stdout
    failed = subprocess.run(args, env={**env, "LAGESBILD_REQUIRE_POSTGRES": "1"}, capture_output=True, text=True,
                            timeout=120, check=False, cwd=ROOT)
    assert failed.returncode == 1 and "1 failed" in failed.stdout, failed.stdout
    assert "LAGESBILD_REQUIRE_POSTGRES=1, but no PostgreSQL server" in failed.stdout
