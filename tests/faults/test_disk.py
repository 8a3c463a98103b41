"""The disk for raw messages full: a real small file system (tmpfs) that fills up.

The raw messages live in the database, so the database's files go on a small
tmpfs (SQLite: the database file; PostgreSQL: a tablespace holding the
tables), a ballast file takes the last byte, and the worker runs. Messages it
cannot store must stay in the mailbox (nothing moved, nothing deleted) and be
handled exactly once when the ballast is removed. Needs root to mount (the
test is skipped otherwise).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ground.errors import LagesbildError
from lagesbild.commands import poll_and_send
from store.db import make_engine, migrate
from tests.support import faults as F
from tests.support import postgres

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)

# Room left on the disk: enough for the small writes (job locks, audit lines), not for the messages.
ROOM = 48 * 1024

pytestmark = pytest.mark.skipif(F.can_mount() is not None, reason=str(F.can_mount()))


def _cycles_while_full(config: Any, minutes: list[int]) -> list[str]:
    """poll --once (in this process) at these minutes after T0; what each said or raised."""
    said = []
    for m in minutes:
        try:
            result = poll_and_send(config, T0 + timedelta(minutes=m))
            said.append(result.summary())
        except LagesbildError as exc:
            said.append(f"error: {exc}")
    return said


def _check_nothing_lost_while_full(engine: Any, inbox: F.MaildirInbox, batch: list[F.Letter]) -> int:
    """Every letter is either still in the inbox or stored with its bytes; returns how many wait in the inbox."""
    where = inbox.where()
    waiting = where[inbox.inbox]
    stored = {r.message_id: r for r in F.rows(engine, "SELECT m.message_id, m.outcome, b.raw FROM raw_message m "
                                                      "LEFT JOIN raw_message_body b ON b.raw_message_id = m.id")}
    for lt in batch:
        row = stored.get(lt.message_id)
        if waiting[lt.message_id]:
            assert row is None or row.raw is not None, f"{lt.message_id}: a failure kept without its bytes"
            continue
        assert row is not None and row.outcome not in (None, "failed"), \
            f"{lt.message_id} left the inbox without being stored"
    return sum(waiting.values())


def _finish(config: Any, engine: Any, inbox: F.MaildirInbox, count: int) -> None:
    for i in range(8):  # later and later, past any retry pause
        with contextlib.suppress(LagesbildError):
            poll_and_send(config, T0 + timedelta(minutes=30 * (2 ** i)))
        if F.settled(engine, inbox, count):
            return
    raise AssertionError(f"not done once space was back: {F.snapshot(engine)}, {inbox.waiting()} waiting")


def test_sqlite_on_a_full_disk(tmp_path: Path, smtp: tuple[int, F.SlowHandler]) -> None:
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(12, "diskfull")
    with F.small_tmpfs(6 * 1024) as disk:
        url = f"sqlite:///{disk / 'lb.db'}"
        engine = make_engine(url)
        migrate(engine)
        ws = F.Workspace(tmp_path, inbox.source, url, f"smtp://127.0.0.1:{smtp[0]}")
        config = ws.load()
        for lt in batch[:2]:  # some mail handled while there is room
            inbox.deliver(lt.raw)
        poll_and_send(config, T0)
        for lt in batch[2:]:
            inbox.deliver(lt.raw)
        ballast = F.fill(disk, leave_bytes=ROOM)
        said = _cycles_while_full(config, [1, 5, 20])
        waiting = _check_nothing_lost_while_full(engine, inbox, batch)
        print(f"sqlite, disk full: {waiting} of {len(batch)} waiting in the inbox; cycles said {said}")
        assert waiting > 0, f"the full disk never refused a message: {said}"
        ballast.unlink()
        _finish(config, engine, inbox, len(batch))
        F.verify(engine, inbox, batch, smtp[1].received, kills=0)
        engine.dispose()


@pytest.fixture
def pg_on_small_disk() -> Iterator[tuple[str, Path]]:
    """A fresh PostgreSQL schema whose tables live in a tablespace on a 16 MB tmpfs."""
    if postgres.available() is not None:
        pytest.skip(str(postgres.available()))
    with F.small_tmpfs(16 * 1024) as disk:
        space = disk / "pg"
        space.mkdir()
        with F.pg_tablespace(postgres.server_url(), space) as tablespace:
            url, drop = postgres.fresh_schema("lbdisk")
            url = F.with_options(url, options=f"-cdefault_tablespace={tablespace}")
            try:
                yield url, disk
            finally:
                drop()  # before the tablespace goes: it must be empty


def test_postgresql_tablespace_on_a_full_disk(pg_on_small_disk: tuple[str, Path], tmp_path: Path,
                                              smtp: tuple[int, F.SlowHandler]) -> None:
    url, disk = pg_on_small_disk
    engine = make_engine(url)
    migrate(engine)
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(12, "pgdiskfull")
    ws = F.Workspace(tmp_path, inbox.source, url, f"smtp://127.0.0.1:{smtp[0]}")
    config = ws.load()
    for lt in batch[:2]:  # some mail handled while there is room
        inbox.deliver(lt.raw)
    poll_and_send(config, T0)
    for lt in batch[2:]:
        inbox.deliver(lt.raw)
    ballast = F.fill(disk, leave_bytes=ROOM)
    said = _cycles_while_full(config, [1, 5, 20])
    waiting = _check_nothing_lost_while_full(engine, inbox, batch)
    print(f"postgresql, disk full: {waiting} of {len(batch)} waiting in the inbox; cycles said {said}")
    assert waiting > 0, f"the full disk never refused a message: {said}"
    assert any("No space left" in s or "unavailable" in s or "failed" in s for s in said), said
    ballast.unlink()
    _finish(config, engine, inbox, len(batch))
    F.verify(engine, inbox, batch, smtp[1].received, kills=0)
    engine.dispose()
