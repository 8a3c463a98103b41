"""Job locks after faults: a dead worker's lease, a lease whose release failed, two threads of one worker.

Found by the SIGKILL trials and fixed in lagesbild/runtime.py:
- a worker restarted after SIGKILL did nothing for 15 minutes (the dead one's lease);
- the ingest job's sending and the outbox job, two threads of one `lagesbild run`, both "held" the
  outbox lease (one owner per process) and sent the same mail twice when the SMTP server was slow;
- on PostgreSQL a lock named after a long IMAP URL did not fit job_lock.name (VARCHAR 64), so every
  poll of e.g. a Microsoft 365 shared mailbox failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from ground.errors import StoreUnavailable
from lagesbild.runtime import holder_gone, job_lock
from store import repo
from store.db import make_engine, transaction
from store.leases import lock_key, worker_id
from tests.faults.conftest import sqlite_url
from tests.support import faults as F

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)

_HOLD = """
import sys, time
from datetime import datetime, UTC
from store.db import make_engine
from lagesbild.runtime import job_lock
with job_lock(make_engine(sys.argv[1]), sys.argv[2], datetime(2026, 11, 2, 8, 0, tzinfo=UTC)) as held:
    print("held" if held else "refused", flush=True)
    time.sleep(600)
"""


def _holder(url: str, name: str) -> subprocess.Popen[str]:
    """Another process that takes the lock `name` and keeps it."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLD, url, name], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(F.ROOT)}, start_new_session=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "lb.db")
    return str(request.getfixturevalue("pg_schema")())


def test_a_dead_workers_lease_is_taken_over_a_live_ones_is_not(url: str) -> None:
    engine = make_engine(url)
    proc = _holder(url, "outbox")
    try:
        with job_lock(engine, "outbox", NOW) as held:
            assert not held, "a live worker's lease was taken"
    finally:
        F.kill_group(proc)
    with job_lock(engine, "outbox", NOW) as held:
        assert held, "the lease of a worker killed with SIGKILL was not taken over"
    engine.dispose()


def test_a_lease_of_another_host_or_an_older_version_waits_for_expiry(url: str) -> None:
    engine = make_engine(url)
    with transaction(engine) as s:
        repo.try_lock(s, "a", "elsewhere:4242:123:abcdef012345:token", NOW, timedelta(minutes=15))
        repo.try_lock(s, "b", "myhost:4242", NOW, timedelta(minutes=15))  # the format before the fix
    for name in ("a", "b"):
        with job_lock(engine, name, NOW) as held:
            assert not held
        with job_lock(engine, name, NOW + timedelta(minutes=16)) as held:
            assert held, "an expired lease must be free for anyone"
    engine.dispose()


def test_two_threads_of_one_worker_exclude_each_other(url: str) -> None:
    engine = make_engine(url)
    inside = threading.Event()
    leave = threading.Event()

    def first() -> None:
        with job_lock(engine, "outbox", NOW) as held:
            assert held
            inside.set()
            leave.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    try:
        with job_lock(engine, "outbox", NOW) as held:
            assert not held, "two threads of one process held the outbox lease at once"
    finally:
        leave.set()
        thread.join(30)
    with job_lock(engine, "outbox", NOW) as held:
        assert held
    engine.dispose()


def test_a_lease_whose_release_failed_is_taken_back(url: str, tmp_path: Path) -> None:
    """The database went away just as a job ended: the release failed and the lease stayed. The same
    worker must not lock itself out until the lease expires (15 minutes)."""
    name = "poll:maildir:/srv/lagesbild/Maildir"
    if url.startswith("sqlite"):
        engine = make_engine(url, busy_timeout=0.2)
        with pytest.raises(StoreUnavailable), job_lock(engine, name, NOW) as held:
            assert held
            away: Any = F.sqlite_write_lock(Path(make_url(url).database or ""))
            away.__enter__()  # someone else holds the write lock when the job ends
        away.__exit__(None, None, None)
    else:
        with F.TcpProxy(("127.0.0.1", make_url(url).port or 5432)) as proxy:
            engine = make_engine(make_url(url).set(port=proxy.port).render_as_string(hide_password=False))
            with pytest.raises(StoreUnavailable), job_lock(engine, name, NOW) as held:
                assert held
                proxy.stop()  # the database goes away when the job ends
            proxy.start()
            with job_lock(engine, name, NOW) as held:
                assert held, "the worker locked itself out with its own stale lease"
            engine.dispose()
            return
    with job_lock(engine, name, NOW) as held:
        assert held, "the worker locked itself out with its own stale lease"
    engine.dispose()


def test_lock_names_from_long_urls_fit_the_column(url: str) -> None:
    engine = make_engine(url)
    name = "poll:imaps://lagesbild.dalarna%40lansstyrelsen.se@outlook.office365.com:993/INBOX"
    assert len(lock_key(name)) <= 64 and lock_key(name) != lock_key(name + "2")
    with job_lock(engine, name, NOW) as held:
        assert held
        with job_lock(engine, name, NOW) as again:
            assert not again
    engine.dispose()


def test_holder_gone_judges_only_processes_it_can_see() -> None:
    me = worker_id()
    assert holder_gone(f"{me}:token"), "a lease of this process that it does not hold now is stale"
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    host, _, start, machine = me.split(":")
    try:
        stat = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[-1].split()
        alive = f"{host}:{proc.pid}:{stat[19]}:{machine}:t"
        assert not holder_gone(alive)
        assert holder_gone(f"{host}:{proc.pid}:{int(stat[19]) - 1}:{machine}:t"), "a reused pid is not the holder"
        assert not holder_gone(f"{host}:{proc.pid}:{stat[19]}:000000000000:t"), "another pid namespace or boot"
        assert not holder_gone(f"otherhost:{proc.pid}:{stat[19]}:{machine}:t")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    time.sleep(0.1)
    assert holder_gone(alive)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_long_slow_smtp_and_the_outbox_job_never_send_twice(tmp_path: Path) -> None:
    """`lagesbild run` with a slow SMTP server (3 s a mail): the ingest job is still sending when the
    30-second outbox job starts. Before the fix both sent the same replies."""
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(14, "slowsmtp")
    for lt in batch:
        inbox.deliver(lt.raw)
    with F.smtp_server(delay=3.0) as (port, handler):
        ws = F.Workspace(tmp_path, inbox.source, sqlite_url(tmp_path / "lb.db"), f"smtp://127.0.0.1:{port}")
        engine = ws.engine()
        worker = ws.spawn("run")
        try:
            F.wait_for(lambda: F.settled(engine, inbox, len(batch)), 300, "every reply sent")
        finally:
            assert F.terminate(worker) == 0
        verdict = F.verify(engine, inbox, batch, handler.received, kills=0)
    assert verdict.duplicates == 0
