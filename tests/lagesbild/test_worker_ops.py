"""What county IT sees of a running worker (`lagesbild run` on a Maildir and a file outbox): its metrics
scraped over HTTP and in a node_exporter textfile, its heartbeat in `lagesbild status`, one log line per
message, and systemd's notify protocol on a real unix datagram socket: READY, watchdog pings while the
loop moves on and none while it is blocked, STOPPING."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail as mails
from tests.support.smtp import free_port

FORM = default_form()
OCT = Period(2026, 10)
NOW = "2026-10-29T10:00"


def _config(root: Path, extra: str = "") -> Path:
    for sub in ("new", "cur", "tmp"):
        (root / "Maildir" / sub).mkdir(parents=True, exist_ok=True)
    path = root / "config.toml"
    path.write_text('signals = []\n[mailbox]\nsource = "maildir:Maildir"\npoll_interval_seconds = 1\n'
                    '[store]\nurl = "sqlite:///lb.db"\n[outbox]\ntransport = "file:outbox"\n' + extra,
                    encoding="utf-8")
    return path


def _deliver(root: Path, town: str, name: str) -> None:
    form = template_docx(FORM, town, OCT, sample_answers(FORM, town, OCT, 0))
    raw = mails.build_mail(f"samordnare@{town.lower()}.se", "Lägesbild", "Hej", [("f.docx", form, mails.DOCX_TYPE)])
    tmp = root / "Maildir" / "tmp" / name
    tmp.write_bytes(raw)
    stamp = time.time() - 3600
    os.utime(tmp, (stamp, stamp))
    tmp.rename(root / "Maildir" / "new" / name)


def _start(root: Path, env_extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "LAGESBILD_CONFIG": str(root / "config.toml"), **(env_extra or {})}
    for var in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM"):
        if var not in (env_extra or {}):
            env.pop(var, None)
    return subprocess.Popen([sys.executable, "-m", "lagesbild", "run", "--now", NOW], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    return output


def _until(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:  # the worker is not listening yet
            pass
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_metrics_heartbeat_and_the_log_line_of_a_running_worker(tmp_path: Path) -> None:
    port = free_port()
    textfile = tmp_path / "node" / "lagesbild.prom"
    textfile.parent.mkdir()
    _config(tmp_path, f'[metrics]\nlisten = "127.0.0.1:{port}"\ntextfile = "node/lagesbild.prom"\n')
    proc = _start(tmp_path)
    try:
        def scrape() -> str:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
                return str(response.read().decode("utf-8"))

        _until(lambda: _sample(scrape(), "lagesbild_last_cycle_age_seconds") not in (None, -1.0))
        _deliver(tmp_path, "Mora", "1.M1P1.mx")
        _until(lambda: _sample(scrape(), 'lagesbild_replies_sent_total{kind="receipt"}') == 1.0)
        metrics = scrape()
        assert _sample(metrics, 'lagesbild_messages_total{outcome="stored"}') == 1.0
        assert _sample(metrics, "lagesbild_parse_seconds_count") == 1.0
        assert 0 < (_sample(metrics, "lagesbild_parse_seconds_sum") or 0) < 60
        assert _sample(metrics, 'lagesbild_errors_total{job="ingest"}') == 0.0
        assert (_sample(metrics, "lagesbild_outbox_backlog"), _sample(metrics, "lagesbild_parked_messages"),
                _sample(metrics, "lagesbild_quarantined_messages")) == (0.0, 0.0, 0.0)
        assert 0 <= (_sample(metrics, "lagesbild_last_cycle_age_seconds") or -1) < 30
        _until(lambda: 'lagesbild_messages_total{outcome="stored"} 1.0' in textfile.read_text(encoding="utf-8"))

        status = subprocess.run([sys.executable, "-m", "lagesbild", "status", "--period", "2026-10", "--json",
                                 "--now", NOW], cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "LAGESBILD_CONFIG": str(tmp_path / "config.toml")}, check=True)
        worker = json.loads(status.stdout)["worker"]
        assert worker["last_cycle"] is not None and worker["last_cycle"]["error"] is None
        assert (worker["outbox_backlog"], worker["parked"], worker["quarantined"]) == (0, 0, 0)
        assert json.loads(status.stdout)["municipalities"][0]["name"]  # the contract's keys are all still there
    finally:
        output = _stop(proc)
    lines = [line for line in output.splitlines() if " message id=" in line]
    assert len(lines) == 1, output
    assert lines[0].split(": ", 1)[1].startswith("message id=1 uid=")
    assert " municipality=Mora outcome=stored seconds=" in lines[0]
    assert "Running job" not in output and "executed successfully" not in output  # no scheduler chatter
    assert output.count("ingest:") == 1  # quiet cycles say nothing


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(0.2)
    yield sock
    sock.close()


def _received(sock: socket.socket, seconds: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recv(4096).decode("utf-8"))
        except TimeoutError:
            continue
    return got


def _until_received(sock: socket.socket, prefix: str, seconds: float = 60) -> list[str]:
    """What arrives until a datagram starting with `prefix` (included); fails after `seconds`."""
    got: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recv(4096).decode("utf-8"))
        except TimeoutError:
            continue
        if got[-1].startswith(prefix):
            return got
    raise AssertionError(f"no {prefix} within {seconds} s: {got}")


def test_the_watchdog_is_pinged_while_the_loop_moves_on_and_not_while_it_is_blocked(
        tmp_path: Path, notify_socket: socket.socket) -> None:
    _config(tmp_path, "[watchdog]\nstall_seconds = 2\n")
    proc = _start(tmp_path, {"NOTIFY_SOCKET": str(tmp_path / "notify.sock"), "WATCHDOG_USEC": "1000000"})
    try:
        assert _until_received(notify_socket, "READY=1")[0].startswith("READY=1")  # nothing before it
        assert _received(notify_socket, 3).count("WATCHDOG=1") >= 4  # every half second
        # Block the loop: hold SQLite's write lock, which the next ingest cycle waits for (up to 30 s).
        db = sqlite3.connect(tmp_path / "lb.db", timeout=30, isolation_level=None)
        db.execute("BEGIN EXCLUSIVE")
        try:
            # A cycle starts and has made no progress 2 s later: the worker says so (on a busy machine
            # it may first say the cycle has not started in time, which is a stall too)...
            _until_received(notify_socket, "STATUS=stalled: ingest has made no progress", 25)
            blocked = _received(notify_socket, 2.5)  # ...and pings no more
        finally:
            db.execute("ROLLBACK")
            db.close()
        assert "WATCHDOG=1" not in blocked, blocked
        _until_received(notify_socket, "WATCHDOG=1", 30)  # the cycle went on: pings again
    finally:
        output = _stop(proc)
    assert "STOPPING=1" in _received(notify_socket, 1)
    assert "watchdog: ingest has made no progress" in output


def test_mail_arriving_during_a_cycle_gets_another_cycle_at_once() -> None:
    from lagesbild.worker import IngestTurns

    turns = IngestTurns()
    assert turns.wake()  # nothing runs: start the job
    turns.begin()
    assert not turns.wake()  # a cycle runs: it repeats instead (the scheduler would skip a second start)
    assert turns.another()  # ...once
    assert not turns.another()  # no mail during that one: the turn ends
    assert turns.wake()
    turns.begin()
    turns.end()  # a cycle that raised still ends the turn
    assert turns.wake()


def test_a_worker_locked_out_of_its_mailbox_says_so_once_and_again_when_it_is_free(tmp_path: Path) -> None:
    """A lease another (live) worker holds keeps this one waiting, quietly but not silently: one warning
    when it starts waiting, one when the mailbox is free again, not one per cycle."""
    from zoneinfo import ZoneInfo

    from lagesbild.config import load_config
    from lagesbild.runtime import LEASES, open_mailbox, open_store

    config = load_config(_config(tmp_path))
    engine = open_store(config)
    _deliver(tmp_path, "Mora", "1.M1P1.mx")

    def cycles() -> int:
        with sqlite3.connect(tmp_path / "lb.db", timeout=5) as db:
            return int(db.execute("SELECT count(*) FROM worker_cycle").fetchone()[0])

    outbox = tmp_path / "outbox"
    # This test process is the other worker: alive, so its lease is not taken over.
    with LEASES.hold(engine, f"poll:{open_mailbox(config).name}", datetime(2026, 10, 29, 10, tzinfo=ZoneInfo(
            "Europe/Stockholm"))) as held:
        assert held
        proc = _start(tmp_path)
        try:
            _until(lambda: cycles() >= 3)  # a cycle a second, each locked out
            assert not outbox.exists() or not list(outbox.glob("*.eml"))
        except BaseException:
            _stop(proc)
            raise
    try:
        _until(lambda: len(list(outbox.glob("*.eml"))) == 1)  # released: the next cycle reads the mail
    finally:
        output = _stop(proc)
        engine.dispose()
    waiting = "ingest: another worker holds the mailbox's job lock; waiting until it is released or expires"
    assert output.count(waiting) == 1, output
    assert output.count("ingest: the mailbox's job lock is free again") == 1, output
    assert output.index(waiting) < output.index(" message id=1 ") < output.index("job lock is free again")
