"""SIGKILL at random moments, on SQLite and PostgreSQL, from a Maildir and from Dovecot, for
`lagesbild poll --once` and for the worker `lagesbild run`.

One trial: a few new letters arrive, a worker process starts, and at a random
moment (mostly while it is handling mail, sometimes while it starts) it is
killed with SIGKILL together with every child it forked. After each kill the
store must hold no message twice, no report filed twice and no reply queued
twice, and the SMTP server (aiosmtpd, counting) must have received at most
one duplicate per kill so far: the documented window between the transport
taking a mail and the database recording it (flow/sending.py). At the
end a restarted worker must finish everything by itself: every letter stored
exactly once with its outcome, moved to its folder, answered exactly once.

The short run (`-k "not test_long"`) has two cells of 2 kills each;
`test_long_sigkill_many_trials` runs all eight cells with FAULTS_KILLS kills
each (default 13: 52 per database); scripts/faults.sh runs everything and
prints the summary.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import sqlite_url
from tests.support import faults as F
from tests.support.dovecot import DovecotServer

PER_TRIAL = 4  # letters arriving before each trial
SLOW_KILLS = int(os.environ.get("FAULTS_KILLS", "13"))  # per cell; four cells per database


def _record(label: str, tally: F.Tally) -> None:
    """Print the cell's figures, and append them to $FAULTS_SUMMARY (JSON lines) for scripts/faults.sh."""
    print(tally.line(label))
    path = os.environ.get("FAULTS_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"cell": label, **{k: v for k, v in vars(tally).items() if k != "notes"}}) + "\n")


def _kill_at_random(proc: Any, engine: Any, rng: random.Random) -> bool:
    """Kill `proc` at a random moment: one time in five anywhere in its first seconds, else at a random
    moment after it began to change the store. False when it ended by itself first."""
    if rng.random() < 0.2:
        deadline = time.monotonic() + rng.uniform(0.0, 4.0)
    else:
        before = F.snapshot(engine)
        start = time.monotonic()
        while proc.poll() is None and time.monotonic() - start < 60:
            now = F.snapshot(engine)
            if (now.stored, now.queued, now.sent) != (before.stored, before.queued, before.sent):
                break
            time.sleep(0.05)
        deadline = time.monotonic() + rng.uniform(0.0, 1.5)
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    if proc.poll() is not None:
        return False
    F.kill_group(proc)
    return True


def run_cell(ws: F.Workspace, inbox: Any, handler: F.SlowHandler, process: str, kills: int, seed: int,
             tag: str) -> F.Tally:
    """Trials of `process` ("poll" or "run") until it has been killed `kills` times (a `poll --once` may end
    by itself before its kill comes: that trial counts, the kill does not), then a restarted worker
    finishes; returns the figures."""
    rng = random.Random(seed)
    engine = ws.engine()
    tally = F.Tally()
    batch: list[F.Letter] = []
    started = time.monotonic()
    while tally.kills < kills and tally.trials < 4 * kills:
        new = F.letters(PER_TRIAL, tag, start=len(batch))
        batch += new
        for lt in new:
            inbox.deliver(lt.raw)
        proc = ws.spawn("poll", "--once") if process == "poll" else ws.spawn("run")
        if _kill_at_random(proc, engine, rng):
            tally.kills += 1
            snap = F.snapshot(engine)
            tally.unmoved_after_kill += snap.unmoved > 0
            tally.queued_after_kill += snap.queued > 0
        else:
            proc.wait()
        tally.trials += 1
        F.verify(engine, inbox, batch, handler.received, tally.kills, settled_now=False)
    assert tally.kills == kills, f"only {tally.kills} of {tally.trials} trials ended in a kill"
    # The restart: a worker that finishes by itself (the dead one's job locks are taken over).
    if process == "poll":
        for _ in range(3):
            ws.spawn("poll", "--once").wait(600)
            if F.settled(engine, inbox, len(batch)):
                break
    else:
        cycles_before = F.cycles(engine)
        proc = ws.spawn("run")
        try:
            F.wait_for(lambda: F.cycles(engine) > cycles_before and F.settled(engine, inbox, len(batch)), 300,
                       "the restarted worker to finish")
        finally:
            code = F.terminate(proc)
        assert code == 0, f"the worker exited with {code} on SIGTERM"
    verdict = F.verify(engine, inbox, batch, handler.received, tally.kills)
    tally.duplicates = verdict.duplicates
    tally.messages = len(batch)
    tally.seconds = time.monotonic() - started
    engine.dispose()
    return tally


def _workspace(tmp_path: Path, database: str, mailbox: str, smtp_port: int, pg_schema: Any,
               imap: DovecotServer | None, tag: str) -> tuple[F.Workspace, Any]:
    if mailbox == "maildir":
        inbox: Any = F.MaildirInbox(tmp_path / "Maildir")
        source, password = inbox.source, None
    else:
        assert imap is not None
        inbox = F.ImapInbox(imap, f"Kill{tag}")
        source, password = imap.url(inbox.inbox), imap.password
    url = sqlite_url(tmp_path / "lb.db") if database == "sqlite" else pg_schema()
    ws = F.Workspace(tmp_path / "ws", source, url, f"smtp://127.0.0.1:{smtp_port}", imap_password=password)
    return ws, inbox


CELLS = [(db, mb, pr) for db in ("sqlite", "postgresql") for mb in ("maildir", "imap") for pr in ("poll", "run")]


@pytest.mark.parametrize(("database", "mailbox", "process"),
                         [("sqlite", "maildir", "poll"), ("postgresql", "imap", "run")])
def test_sigkill_loses_and_doubles_nothing(database: str, mailbox: str, process: str, tmp_path: Path,
                                           smtp: tuple[int, F.SlowHandler], request: pytest.FixtureRequest) -> None:
    imap = request.getfixturevalue("imap_server") if mailbox == "imap" else None
    pg = request.getfixturevalue("pg_schema") if database == "postgresql" else None
    tag = f"k{database[0]}{mailbox[0]}{process[0]}"
    ws, inbox = _workspace(tmp_path, database, mailbox, smtp[0], pg, imap, tag)
    tally = run_cell(ws, inbox, smtp[1], process, kills=2, seed=7, tag=tag)
    _record(f"{database}/{mailbox}/{process} (short)", tally)


@pytest.mark.slow
@pytest.mark.parametrize(("database", "mailbox", "process"), CELLS)
def test_long_sigkill_many_trials(database: str, mailbox: str, process: str, tmp_path: Path,
                             request: pytest.FixtureRequest) -> None:
    """The long version. The SMTP server waits a little between taking a mail and saying 250, so some
    kills fall between the hand-over and its record: the duplicates allowed, counted."""
    imap = request.getfixturevalue("imap_server") if mailbox == "imap" else None
    pg = request.getfixturevalue("pg_schema") if database == "postgresql" else None
    tag = f"s{database[0]}{mailbox[0]}{process[0]}"
    with F.smtp_server(ack_delay=0.15) as (port, handler):
        ws, inbox = _workspace(tmp_path, database, mailbox, port, pg, imap, tag)
        seed = int(os.environ.get("FAULTS_SEED", "2026")) + CELLS.index((database, mailbox, process))
        tally = run_cell(ws, inbox, handler, process, kills=SLOW_KILLS, seed=seed, tag=tag)
    _record(f"{database}/{mailbox}/{process}", tally)
