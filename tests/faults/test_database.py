"""The database briefly away: PostgreSQL behind a proxy that goes down, its sessions terminated,
SQLite's write lock held by someone else, a store that refuses writes while mail is being sent.

What was not stored stays in the mailbox and is handled once the database is
back; nothing is stored, filed or answered twice.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import make_url

from flow.pipeline import poll_once
from flow.sending import Handovers, send_due
from ground.errors import LagesbildError
from lagesbild.commands import poll_and_send
from lagesbild.runtime import open_mailbox, open_outbox
from parsers import parse_bytes
from store.db import make_engine
from tests.faults.conftest import sqlite_url
from tests.support import faults as F

HANDED = Handovers()  # this test process's memory of mails handed over but not recorded

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def _later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _poll_until_settled(config: Any, engine: Any, inbox: Any, count: int, start_minutes: int = 10) -> int:
    """poll --once (in this process) at later and later times until all is done; how many cycles it took."""
    for i in range(8):
        with contextlib.suppress(LagesbildError):  # the cycle may fail as a whole; the next one tries again
            poll_and_send(config, _later(start_minutes * (2 ** i)))
        if F.settled(engine, inbox, count):
            return i + 1
    raise AssertionError(f"not done after 8 cycles: {F.snapshot(engine)}, {inbox.waiting()} in the inbox")


def test_postgresql_going_down_mid_batch(pg_schema: Any, tmp_path: Path, smtp: tuple[int, F.SlowHandler]) -> None:
    """`lagesbild run` on PostgreSQL through a proxy that stops for a few seconds: the worker carries on by itself."""
    url = pg_schema()
    with F.TcpProxy(("127.0.0.1", make_url(url).port or 5432)) as proxy:
        via_proxy = make_url(url).set(port=proxy.port).render_as_string(hide_password=False)
        inbox = F.MaildirInbox(tmp_path / "Maildir")
        batch = F.letters(16, "pgdown")
        for lt in batch:
            inbox.deliver(lt.raw)
        ws = F.Workspace(tmp_path, inbox.source, via_proxy, f"smtp://127.0.0.1:{smtp[0]}")
        watch = make_engine(url)  # the test looks past the proxy
        worker = ws.spawn("run")
        try:
            F.wait_for(lambda: F.snapshot(watch).stored >= 3, 120, "a few messages stored")
            proxy.stop()
            time.sleep(4)
            assert worker.poll() is None, "the worker died with its database"
            proxy.start()
            F.wait_for(lambda: F.settled(watch, inbox, len(batch)), 240, "the worker to finish after the outage")
        finally:
            code = F.terminate(worker)
        assert code == 0
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert "unavailable" in log or "connection" in log, "the outage was never noticed"
        verdict = F.verify(watch, inbox, batch, smtp[1].received, kills=0)
        watch.dispose()
    assert verdict.duplicates == 0


def test_postgresql_sessions_terminated_mid_batch(pg_schema: Any, tmp_path: Path,
                                                  smtp: tuple[int, F.SlowHandler]) -> None:
    """PostgreSQL ends the worker's sessions again and again (a restart, a failover) while it works."""
    url = pg_schema(app="lbf_terminated")
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(14, "pgterm")
    for lt in batch:
        inbox.deliver(lt.raw)
    ws = F.Workspace(tmp_path, inbox.source, url, f"smtp://127.0.0.1:{smtp[0]}")
    engine = make_engine(url.replace("lbf_terminated", "lbf_watcher"))
    ended = 0
    proc = ws.spawn("poll", "--once", "--now", T0.isoformat())
    F.wait_for(lambda: F.snapshot(engine).stored >= 1 or proc.poll() is not None, 120, "the first message stored")
    while proc.poll() is None:
        ended += F.pg_terminate(make_url(url).set(query={}).render_as_string(hide_password=False), "lbf_terminated")
        time.sleep(0.4)
    assert ended > 0, "no session was ever terminated"
    config = ws.load()
    _poll_until_settled(config, engine, inbox, len(batch))
    # A session ended between the hand-over and its record is the crash window: count each ending as a kill.
    verdict = F.verify(engine, inbox, batch, smtp[1].received, kills=ended)
    engine.dispose()
    assert verdict.messages == len(batch)


def test_sqlite_write_lock_held_for_a_while(tmp_path: Path, smtp: tuple[int, F.SlowHandler]) -> None:
    """Another process holds SQLite's write lock for 3 s mid-batch: the worker waits (busy timeout) and
    finishes the batch in the same cycle."""
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(10, "sqlitelock")
    for lt in batch:
        inbox.deliver(lt.raw)
    db = tmp_path / "lb.db"
    ws = F.Workspace(tmp_path, inbox.source, sqlite_url(db), f"smtp://127.0.0.1:{smtp[0]}")
    engine = ws.engine()
    held = threading.Event()

    def locker() -> None:
        F.wait_for(lambda: F.snapshot(engine).stored >= 2, 120, "two messages stored", every=0.05)
        with F.sqlite_write_lock(db):
            held.set()
            time.sleep(3)

    thread = threading.Thread(target=locker, daemon=True)
    thread.start()
    started = time.monotonic()
    result = poll_and_send(ws.load(), T0)
    thread.join(60)
    assert held.is_set(), "the lock was never taken"
    assert result.failed == 0 and sum(result.outcomes.values()) == len(batch)
    assert time.monotonic() - started >= 3
    F.verify(engine, inbox, batch, smtp[1].received, kills=0)


def test_sqlite_locked_longer_than_the_worker_waits(tmp_path: Path, smtp: tuple[int, F.SlowHandler]) -> None:
    """The write lock held longer than the worker's busy timeout: the messages it could not store stay in
    the mailbox (or wait for a retry) and are handled once the lock is gone."""
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(10, "sqlitelong")
    for lt in batch:
        inbox.deliver(lt.raw)
    db = tmp_path / "lb.db"
    ws = F.Workspace(tmp_path, inbox.source, sqlite_url(db), f"smtp://127.0.0.1:{smtp[0]}")
    config = ws.load()
    impatient = make_engine(ws.store_url, busy_timeout=0.3)  # the pipeline as configured with a short wait

    held = threading.Event()

    def locker() -> None:
        F.wait_for(lambda: F.snapshot(impatient).stored >= 2, 120, "two messages stored", every=0.05)
        with F.sqlite_write_lock(db):
            held.set()
            time.sleep(4)

    reads = itertools.count(1)

    def parse_once_locked(data: bytes, filename: str, form: Any, limits: Any) -> Any:
        # The forms of later batches wait until the lock is held, so the lock falls mid-poll however
        # fast the first batches were stored.
        if next(reads) > 6:
            assert held.wait(60), "the lock was never taken"
        return parse_bytes(data, filename, form, limits)

    thread = threading.Thread(target=locker, daemon=True)
    thread.start()
    report = poll_once(open_mailbox(config), impatient, config, T0, parse=parse_once_locked)
    thread.join(60)
    assert report.failures, "no message met the locked database"
    assert inbox.waiting() > 0, "messages not stored must stay in the mailbox"
    _poll_until_settled(config, impatient, inbox, len(batch))
    F.verify(impatient, inbox, batch, smtp[1].received, kills=0)


def _replies_queued(database: str, tag: str, tmp_path: Path, smtp: tuple[int, F.SlowHandler],
                    request: pytest.FixtureRequest) -> tuple[F.MaildirInbox, list[F.Letter], Any, Any]:
    """Six letters polled once into a fresh store: their replies are queued, nothing sent yet."""
    url = sqlite_url(tmp_path / "lb.db") if database == "sqlite" else request.getfixturevalue("pg_schema")()
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(6, tag)
    for lt in batch:
        inbox.deliver(lt.raw)
    ws = F.Workspace(tmp_path, inbox.source, url, f"smtp://127.0.0.1:{smtp[0]}")
    config, engine = ws.load(), ws.engine()
    poll_once(open_mailbox(config), engine, config, T0)
    assert F.snapshot(engine).queued == sum(1 for lt in batch if F.REPLY[lt.kind])
    return inbox, batch, config, engine


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_store_refusing_writes_never_sends_the_same_mail_again(database: str, tmp_path: Path,
                                                                  smtp: tuple[int, F.SlowHandler],
                                                                  request: pytest.FixtureRequest) -> None:
    """Reads work, writes fail (a full disk, a read-only failover): mail must not go out cycle after
    cycle because its sending can never be recorded. Found by this suite; fixed in flow/sending.py."""
    inbox, batch, config, engine = _replies_queued(database, f"refuse{database}", tmp_path, smtp, request)
    F.refuse_writes(engine, "outbox", "UPDATE")
    for minute in range(5):  # five outbox cycles while the store refuses to record anything
        with contextlib.suppress(Exception):  # the store's refusal, whatever its type; what matters is what was sent
            send_due(engine, open_outbox(config), config, _later(minute), HANDED)
    resent = F.delivered_ids(smtp[1].received)
    assert sum(resent.values()) - len(resent) == 0, f"mail sent again and again: {resent.most_common(2)}"
    F.allow_writes(engine, "outbox", "UPDATE")
    send_due(engine, open_outbox(config), config, _later(10), HANDED)
    verdict = F.verify(engine, inbox, batch, smtp[1].received, kills=1)
    assert verdict.duplicates == 0
    assert F.snapshot(engine).queued == 0


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_store_failing_right_after_a_hand_over_never_sends_that_mail_again(
        database: str, tmp_path: Path, smtp: tuple[int, F.SlowHandler], request: pytest.FixtureRequest) -> None:
    """The database stops taking writes in the instant between the SMTP server's 250 and the record
    of the sending (no crash: the worker lives on). Once the store is back the sending is recorded,
    and the mail is not handed over a second time."""
    inbox, batch, config, engine = _replies_queued(database, f"afterhandover{database}", tmp_path, smtp, request)

    def refuse_after_second() -> None:
        if len(smtp[1].received) == 2:
            F.refuse_writes(engine, "outbox", "UPDATE")

    smtp[1].on_taken = refuse_after_second
    with pytest.raises(Exception):  # noqa: B017 - the store's refusal, whatever its type
        send_due(engine, open_outbox(config), config, _later(1), HANDED)
    assert len(smtp[1].received) == 2
    for minute in range(2, 5):  # while the store still refuses: nothing more goes out, nothing again
        with pytest.raises(Exception):  # noqa: B017
            send_due(engine, open_outbox(config), config, _later(minute), HANDED)
    assert len(smtp[1].received) == 2
    smtp[1].on_taken = None
    F.allow_writes(engine, "outbox", "UPDATE")
    send_due(engine, open_outbox(config), config, _later(10), HANDED)
    verdict = F.verify(engine, inbox, batch, smtp[1].received, kills=0)
    assert verdict.duplicates == 0
    assert F.snapshot(engine).queued == 0
