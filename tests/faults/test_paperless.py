"""One test for each failure seen in practice in paperless-ngx's mail importer, against real servers.

- #8939, #8944  a reused UID or a new UIDVALIDITY made new mail look already processed
- #13175        an outcome not recorded, so the same mail was fetched again every cycle
- #9436, #14042 overlapping runs imported one mail several times
- #2396         mail deleted although processing failed
- #8329         a failed mail never retried

The mailbox is Dovecot over IMAP (the worker talks to it through a TCP proxy
that counts FETCH commands and can cut a connection at a chosen command);
failures are made real by a database that refuses to file reports (a
trigger that fails the insert as a full disk would).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lagesbild.commands import poll_and_send
from tests.faults.conftest import sqlite_url
from tests.support import faults as F
from tests.support.dovecot import DovecotServer

TZ = ZoneInfo("Europe/Stockholm")
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


class Box:
    """A Dovecot folder, a proxy in front of Dovecot, a database and the worker's configuration."""

    def __init__(self, server: DovecotServer, folder: str, tmp_path: Path, store_url: str, smtp_port: int,
                 max_attempts: int = 5) -> None:
        self.server = server
        self.inbox = F.ImapInbox(server, folder)
        self.proxy = F.TcpProxy(("127.0.0.1", server.port))
        self.proxy.start()
        source = f"imap://lagesbild@127.0.0.1:{self.proxy.port}/{folder}"
        self.ws = F.Workspace(tmp_path, source, store_url, f"smtp://127.0.0.1:{smtp_port}",
                              imap_password=server.password, max_attempts=max_attempts)
        self.config = self.ws.load()
        self.engine = self.ws.engine()

    def poll(self, minutes: float) -> Any:
        return poll_and_send(self.config, at(minutes))

    def raw_rows(self) -> list[Any]:
        return F.rows(self.engine, "SELECT m.id, uidvalidity, uid, message_id, sha256, outcome, moved, attempts, "
                                   "next_attempt_at, reason, b.raw FROM raw_message m LEFT JOIN raw_message_body b "
                                   "ON b.raw_message_id = m.id ORDER BY m.id")

    def close(self) -> None:
        self.proxy.close()
        self.engine.dispose()


@pytest.fixture
def box(imap_server: DovecotServer, tmp_path: Path, smtp: tuple[int, F.SlowHandler],
        request: pytest.FixtureRequest) -> Any:
    folder = "P" + request.node.name.split("[")[0][-20:].replace("_", "")
    b = Box(imap_server, folder, tmp_path, sqlite_url(tmp_path / "lb.db"), smtp[0])
    yield b
    b.close()


# --------------------------------------------------------------------------
# #8939, #8944
# --------------------------------------------------------------------------


def test_8939_8944_new_uidvalidity_new_mail_is_handled_and_old_mail_not_again(
        box: Box, smtp: tuple[int, F.SlowHandler]) -> None:
    """The inbox folder is deleted and created again (UIDVALIDITY changes, UIDs start at 1 again), the
    old messages are put back as a restore would, and new mail arrives with the very UIDs the old mail
    had. The new mail must be handled (not taken for seen), the old mail not a second time: no second
    filing, no second reply, recognised by Message-ID and SHA-256 of its bytes."""
    old = F.letters(6, "uidv-old")
    box.inbox.deliver_all([lt.raw for lt in old])
    before = box.inbox.uidvalidity()
    box.proxy.cut_when(rb"UID MOVE", times=1)  # a batch stored, its move cut: some left in the inbox
    box.poll(0)
    assert box.inbox.waiting() >= 1, "the cut MOVE should leave handled messages in the inbox"
    first_rows = box.raw_rows()
    assert sorted(int(r.uid) for r in first_rows) == [1, 2, 3, 4, 5, 6]

    time.sleep(1.1)  # Dovecot derives a new UIDVALIDITY from the clock
    box.inbox.recreate()
    restored = [old[0], old[1], old[4]]  # put back from a backup: exact copies of handled mail
    new = F.letters(6, "uidv-new", start=6)
    box.inbox.deliver_all([lt.raw for lt in restored + new])
    after = box.inbox.uidvalidity()
    assert after != before, "Dovecot kept the UIDVALIDITY; the test needs a new one"

    box.poll(10)
    box.poll(20)
    rows = box.raw_rows()
    new_rows = [r for r in rows if r.uidvalidity == after]
    assert sorted(int(r.uid) for r in new_rows) == list(range(1, 10)), "UIDs restarted at 1"
    by_mid = {r.message_id: r for r in new_rows}
    for lt in new:  # handled, although their UIDs were "seen" under the old UIDVALIDITY
        assert by_mid[lt.message_id].outcome == F.OUTCOME[lt.kind], lt.message_id
    # Old mail: one handled copy per Message-ID + SHA-256; the restored copy is kept, marked, unanswered.
    for lt in restored:
        copies = [r for r in rows if r.message_id == lt.message_id]
        assert [r.uidvalidity for r in copies] == [before, after]
        assert len({r.sha256 for r in copies}) == 1
        assert copies[0].outcome == F.OUTCOME[lt.kind]
        assert copies[1].outcome == "ignored" and copies[1].reason.startswith(f"kopia av meddelande {copies[0].id}")
    assert box.inbox.waiting() == 0
    subs = F.rows(box.engine, "SELECT municipality, period, version FROM submission")
    assert len(subs) == sum(1 for lt in old + new if lt.kind == "form")
    assert max(s.version for s in subs) == 1, "an old report filed again"
    out = F.rows(box.engine, "SELECT kind, related_raw_message_id FROM outbox")
    assert not [o for o in out if o.kind == "duplicate_notice"], "a municipality told it sent the same again"
    assert len(out) == sum(1 for lt in old + new if F.REPLY[lt.kind])
    delivered = F.delivered_ids(smtp[1].received)
    assert len(delivered) == len(out) and max(delivered.values()) == 1


# --------------------------------------------------------------------------
# #13175
# --------------------------------------------------------------------------


def test_13175_a_handled_message_is_never_fetched_again(box: Box, smtp: tuple[int, F.SlowHandler]) -> None:
    """Count the bodies the worker asks Dovecot for. A handled message is fetched once, even when its
    move failed (the next cycle only moves it); a failed one is fetched again only when its retry is due."""
    batch = F.letters(8, "fetch")
    box.inbox.deliver_all([lt.raw for lt in batch])
    uid = {lt.message_id: i + 1 for i, lt in enumerate(batch)}
    forms = [lt for lt in batch if lt.kind == "form"]
    F.refuse_writes(box.engine, "submission")  # every form fails in the first cycle
    box.proxy.cut_when(rb"UID MOVE", times=1)  # and the first move is cut: stored, not moved
    first = box.poll(0)
    assert first.failed == len(forms)
    assert box.proxy.cuts == 1
    for minutes in (0.2, 0.4, 0.6):  # cycles before the first retry is due (after one minute)
        report = box.poll(minutes)
        assert report.failed == 0 and not report.outcomes
    assert max(box.proxy.fetched_uids().values()) == 1, "a message fetched again before it was due"
    F.allow_writes(box.engine, "submission")
    box.poll(2)
    for minutes in (3, 4, 60, 600):
        box.poll(minutes)
    fetched = box.proxy.fetched_uids()
    for lt in batch:
        expected = 2 if lt.kind == "form" else 1
        assert fetched[uid[lt.message_id]] == expected, (lt.message_id, lt.kind, fetched)
    F.verify(box.engine, box.inbox, batch, smtp[1].received, kills=0)


# --------------------------------------------------------------------------
# #9436, #14042
# --------------------------------------------------------------------------


def _overlapping_runs(database: str, imap_server: DovecotServer, tmp_path: Path, smtp: tuple[int, F.SlowHandler],
                      url: str) -> None:
    folder = f"Overlap{database}"
    inbox = F.ImapInbox(imap_server, folder)
    batch = F.letters(14, f"overlap{database}")
    inbox.deliver_all([lt.raw for lt in batch])
    ws = F.Workspace(tmp_path, imap_server.url(folder), url, f"smtp://127.0.0.1:{smtp[0]}",
                     imap_password=imap_server.password)
    engine = ws.engine()
    procs = [ws.spawn("poll", "--once", log=f"poll{i}.log") for i in range(3)] + [ws.spawn("run")]
    try:
        for p in procs[:3]:
            p.wait(300)
        F.wait_for(lambda: F.settled(engine, inbox, len(batch)), 240, "everything handled")
    finally:
        assert F.terminate(procs[3]) == 0
    F.verify(engine, inbox, batch, smtp[1].received, kills=0)


def test_9436_14042_overlapping_runs_import_each_mail_once(imap_server: DovecotServer, tmp_path: Path,
                                                           smtp: tuple[int, F.SlowHandler], pg_schema: Any) -> None:
    """Three `lagesbild poll --once` and a `lagesbild run` started at the same moment on one mailbox
    and one PostgreSQL database: every mail stored, filed and answered once, each answer delivered once."""
    _overlapping_runs("postgresql", imap_server, tmp_path, smtp, pg_schema())


def test_long_9436_14042_overlapping_runs_on_sqlite(imap_server: DovecotServer, tmp_path: Path,
                                                    smtp: tuple[int, F.SlowHandler]) -> None:
    """The same on SQLite, where BEGIN IMMEDIATE serialises the writers."""
    _overlapping_runs("sqlite", imap_server, tmp_path, smtp, sqlite_url(tmp_path / "lb.db"))


# --------------------------------------------------------------------------
# #2396
# --------------------------------------------------------------------------


def test_2396_mail_is_never_deleted_when_processing_fails(imap_server: DovecotServer, tmp_path: Path,
                                                          smtp: tuple[int, F.SlowHandler], pg_schema: Any) -> None:
    """The database refuses to file reports (mid-transaction: the message row is written, the report
    insert fails). The mail stays in the inbox, its bytes are kept, nobody is answered; after
    max_attempts it is parked in Lägesbild/Fel (moved, never deleted) and staff get it attached."""
    b = Box(imap_server, "Fail2396", tmp_path, pg_schema(), smtp[0], max_attempts=3)
    try:
        batch = [F.letter(0, "p2396", "form"), F.letter(1, "p2396", "form"), F.letter(2, "p2396", "auto")]
        b.inbox.deliver_all([lt.raw for lt in batch])
        F.refuse_writes(b.engine, "submission")
        first = b.poll(0)
        assert first.failed == 2 and first.outcomes.get("ignored") == 1
        where = b.inbox.where()
        for lt in batch[:2]:
            assert where[b.inbox.inbox][lt.message_id] == 1, "a failed mail left the inbox"
        rows = {r.message_id: r for r in b.raw_rows()}
        for lt in batch[:2]:
            r = rows[lt.message_id]
            assert (r.outcome, r.attempts, r.moved) == ("failed", 1, False)
            assert r.raw is not None and F._same_mail(bytes(r.raw), lt.raw), "the bytes of a failed mail were lost"
        assert F.snapshot(b.engine).queued == 0 and smtp[1].received == [], "a failed mail was answered"
        b.poll(5)
        b.poll(30)  # the third failure parks them
        where = b.inbox.where()
        for lt in batch[:2]:
            assert where[b.inbox.inbox][lt.message_id] == 0
            assert where["Fel"][lt.message_id] == 1, "a parked mail must be in Lägesbild/Fel"
        notices = [F.read_eml(r.data) for r in smtp[1].received]
        assert len(notices) == 2 and all("kunde inte behandlas" in str(n["Subject"]) for n in notices)
        attached = {F.message_id_of(part.get_content()) if isinstance(part.get_content(), bytes)
                    else str(part.get_content()["Message-ID"])
                    for n in notices for part in n.iter_attachments()}
        assert {lt.message_id for lt in batch[:2]} <= attached
    finally:
        b.close()


# --------------------------------------------------------------------------
# #8329
# --------------------------------------------------------------------------


def test_8329_a_failed_mail_is_retried_after_its_pause_and_stored(box: Box, smtp: tuple[int, F.SlowHandler]) -> None:
    """A mail that failed for a passing reason is retried when its pause is over (not before), and is
    stored and answered once the cause is gone."""
    batch = [F.letter(i, "p8329", "form") for i in range(3)]
    box.inbox.deliver_all([lt.raw for lt in batch])
    F.refuse_writes(box.engine, "submission")
    assert box.poll(0).failed == 3
    assert box.poll(1.5).failed == 3  # retried after the first pause (1 min): still failing
    rows = box.raw_rows()
    assert {r.attempts for r in rows} == {2}
    F.allow_writes(box.engine, "submission")
    early = box.poll(2.5)  # the second pause is 2 minutes: not yet
    assert early.waiting == 3 and not early.outcomes
    done = box.poll(4)
    assert done.outcomes == {"stored": 3} and done.sent == 3
    F.verify(box.engine, box.inbox, batch, smtp[1].received, kills=0)


def test_8329_a_parked_mail_put_back_in_the_inbox_is_handled(box: Box, smtp: tuple[int, F.SlowHandler]) -> None:
    """After max_attempts a mail is parked in Lägesbild/Fel. Moved back to the inbox once the cause is
    fixed, it is handled: a parked mail is not marked as seen forever."""
    lt = F.letter(0, "p8329park", "form")
    box.inbox.deliver(lt.raw)
    F.refuse_writes(box.engine, "submission")
    for minutes in (0, 2, 5, 10, 30):  # five failures: parked
        box.poll(minutes)
    assert box.inbox.where()["Fel"][lt.message_id] == 1
    F.allow_writes(box.engine, "submission")
    with box.inbox._client() as c:  # staff drag it back into the inbox
        c.select_folder("Lägesbild.Fel")
        c.move(c.search(["HEADER", "Message-ID", lt.message_id]), box.inbox.inbox)
    report = box.poll(60)
    assert report.outcomes == {"stored": 1}
    assert box.inbox.where()["Behandlade"][lt.message_id] == 1
    receipts = [F.read_eml(r.data) for r in smtp[1].received if "Kvittens" in str(F.read_eml(r.data)["Subject"])]
    assert len(receipts) == 1


def test_8329_a_parked_mail_is_filed_by_reprocess_as_staff_are_told(box: Box, smtp: tuple[int, F.SlowHandler]) -> None:
    """The parked notice says: fix the cause and run `lagesbild reprocess`. Doing so files the report and
    queues the receipt the sender never got; a second run changes nothing."""
    from flow.operations import reprocess
    from lagesbild.commands import poll_and_send

    lt = F.letter(0, "p8329reprocess", "form")
    box.inbox.deliver(lt.raw)
    F.refuse_writes(box.engine, "submission")
    for minutes in (0, 2, 5, 10, 30):
        box.poll(minutes)
    assert box.inbox.where()["Fel"][lt.message_id] == 1
    F.allow_writes(box.engine, "submission")
    report = reprocess(box.engine, box.config, at(60))
    assert report.parked_handled == 1 and not report.failures
    assert len(F.rows(box.engine, "SELECT id FROM submission")) == 1, "the parked report was never filed"
    assert [r.outcome for r in box.raw_rows()] == ["stored"]
    poll_and_send(box.config, at(61))  # sends what reprocess queued
    receipts = [F.read_eml(r.data) for r in smtp[1].received if "Kvittens" in str(F.read_eml(r.data)["Subject"])]
    assert len(receipts) == 1 and receipts[0]["To"] == F.read_eml(lt.raw)["From"]
    again = reprocess(box.engine, box.config, at(62))
    assert again.parked_handled == 0 and again.unchanged == 1
    assert len(F.rows(box.engine, "SELECT id FROM submission")) == 1
