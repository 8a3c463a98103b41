"""The mail servers go away and come back: Dovecot stopped mid-batch, the SMTP server down, then refusing.

Nothing may be lost or doubled, and the worker must carry on by itself once
the server is back: mail that could not be sent is deferred, then sent once.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lagesbild.commands import poll_and_send
from tests.faults.conftest import sqlite_url
from tests.support import faults as F
from tests.support.dovecot import DovecotServer
from tests.support.smtp import TEMPORARY

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def test_imap_server_stopped_and_restarted_mid_batch(own_imap_server: DovecotServer, tmp_path: Path,
                                                     smtp: tuple[int, F.SlowHandler]) -> None:
    """`lagesbild run` keeps going through a Dovecot restart: what was fetched is stored, the rest waits."""
    inbox = F.ImapInbox(own_imap_server, "Restart")
    # Enough mail that the worker is still at it when the server stops: batches of three, and a batch
    # now takes one IMAP move, so sixteen letters could all be stored before the stop.
    batch = F.letters(48, "imaprestart")
    inbox.deliver_all([lt.raw for lt in batch])
    ws = F.Workspace(tmp_path, own_imap_server.url("Restart"), sqlite_url(tmp_path / "lb.db"),
                     f"smtp://127.0.0.1:{smtp[0]}", imap_password=own_imap_server.password)
    engine = ws.engine()
    worker = ws.spawn("run")
    try:
        F.wait_for(lambda: F.snapshot(engine).stored >= 3, 120, "the worker to store a few messages", every=0.05)
        own_imap_server.stop()
        down_at = F.snapshot(engine)
        time.sleep(4)
        assert worker.poll() is None, "the worker died with its mailbox"
        during = F.snapshot(engine)
        own_imap_server.start()
        later = F.letters(4, "imaprestart", start=48)
        inbox.deliver_all([lt.raw for lt in later])
        batch += later
        F.wait_for(lambda: F.settled(engine, inbox, len(batch)), 180, "the worker to finish after the restart")
    finally:
        code = F.terminate(worker)
    assert code == 0
    assert down_at.stored < len(batch) - 4, "the server went away before the batch was done"
    assert during.stored < len(batch)
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "ingest could not run" in log or "not moved yet" in log, "the outage was never noticed"
    verdict = F.verify(engine, inbox, batch, smtp[1].received, kills=0)
    assert verdict.duplicates == 0


def test_smtp_down_then_refusing_then_back_sends_each_mail_once(tmp_path: Path) -> None:
    """SMTP unreachable: replies are deferred (not lost, not retried before their pause); a 451 defers
    again; when the server takes mail each reply is delivered exactly once."""
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(8, "smtpdown")
    for lt in batch:
        inbox.deliver(lt.raw)
    with F.smtp_server() as (port, handler), F.TcpProxy(("127.0.0.1", port)) as proxy:
        ws = F.Workspace(tmp_path, inbox.source, sqlite_url(tmp_path / "lb.db"),
                         f"smtp://127.0.0.1:{proxy.port}")
        config = ws.load()
        engine = ws.engine()
        proxy.stop()
        first = poll_and_send(config, T0)
        replies = sum(1 for lt in batch if F.REPLY[lt.kind])
        assert sum(first.outcomes.values()) == len(batch)
        assert (first.sent, first.deferred) == (0, replies)
        assert F.snapshot(engine).queued == replies

        proxy.start()
        early = poll_and_send(config, T0 + timedelta(seconds=30))
        assert (early.sent, early.deferred) == (0, 0), "a deferred mail was retried before its pause"

        handler.inner.data_reply = TEMPORARY  # the server is back but says "try again later"
        refused = poll_and_send(config, T0 + timedelta(minutes=2))
        assert (refused.sent, refused.deferred) == (0, replies)
        assert handler.received == []

        handler.inner.data_reply = None
        assert poll_and_send(config, T0 + timedelta(minutes=3)).sent == 0  # the second pause is 2 minutes
        back = poll_and_send(config, T0 + timedelta(minutes=5))
        assert back.sent == replies
        assert poll_and_send(config, T0 + timedelta(hours=2)).sent == 0
        verdict = F.verify(engine, inbox, batch, handler.received, kills=0)
    assert verdict.duplicates == 0
    assert len(handler.received) == replies


@pytest.mark.slow
def test_long_worker_sends_deferred_mail_by_itself_when_smtp_returns(tmp_path: Path) -> None:
    """`lagesbild run` with the SMTP server down for a while: it stores everything, defers the
    replies, and sends each once after the server is back (the first pause is a minute)."""
    inbox = F.MaildirInbox(tmp_path / "Maildir")
    batch = F.letters(10, "smtprun")
    for lt in batch:
        inbox.deliver(lt.raw)
    with F.smtp_server() as (port, handler), F.TcpProxy(("127.0.0.1", port)) as proxy:
        proxy.stop()
        ws = F.Workspace(tmp_path, inbox.source, sqlite_url(tmp_path / "lb.db"),
                         f"smtp://127.0.0.1:{proxy.port}")
        engine = ws.engine()
        worker = ws.spawn("run")
        try:
            replies = sum(1 for lt in batch if F.REPLY[lt.kind])
            F.wait_for(lambda: F.snapshot(engine).queued == replies and inbox.waiting() == 0, 180,
                       "every message stored with its reply queued")
            time.sleep(5)
            assert handler.received == []
            proxy.start()
            F.wait_for(lambda: F.settled(engine, inbox, len(batch)), 240, "the deferred replies to go out")
        finally:
            code = F.terminate(worker)
        assert code == 0
        verdict = F.verify(engine, inbox, batch, handler.received, kills=0)
    assert verdict.duplicates == 0


def test_the_idle_watcher_idles_and_wakes_the_worker(own_imap_server: DovecotServer, tmp_path: Path,
                                                     smtp: tuple[int, F.SlowHandler]) -> None:
    """`lagesbild run` on IMAP with IDLE: between arrivals it waits (no ingest cycles beyond the
    interval), and a new mail is handled within seconds. Found by the overlapping-runs test: the
    watcher's own connection had never listed the folder, so it reported "changed" at once, every time,
    and woke the ingest job in a tight loop (thousands of skipped runs a minute); fixed in ingest/imap.py."""
    inbox = F.ImapInbox(own_imap_server, "Idle")
    ws = F.Workspace(tmp_path, own_imap_server.url("Idle"), sqlite_url(tmp_path / "lb.db"),
                     f"smtp://127.0.0.1:{smtp[0]}", imap_password=own_imap_server.password, poll_interval=300)
    engine = ws.engine()
    log = tmp_path / "worker.log"
    worker = ws.spawn("run")
    try:
        F.wait_for(lambda: F.cycles(engine) > 0, 120, "the first ingest cycle")
        time.sleep(6)
        quiet = log.read_text(errors="replace")
        assert F.cycles(engine) <= 2 and "skipped: maximum" not in quiet, "the worker does not idle"
        lt = F.letter(0, "idlewake", "form")
        inbox.deliver(lt.raw)
        took = F.wait_for(lambda: len(smtp[1].received) == 1, 60, "the receipt of a mail that arrived")
        assert took < 20, f"IDLE did not wake the worker ({took:.1f} s; the interval is 300 s)"
    finally:
        assert F.terminate(worker) == 0
    F.verify(engine, inbox, [lt], smtp[1].received, kills=0)
