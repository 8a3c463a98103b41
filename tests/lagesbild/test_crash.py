"""SIGKILL at random moments: nothing lost, nothing doubled.

A real `lagesbild poll --once` process works through a Maildir of messages
and is killed with SIGKILL at random moments, then started again until the
mailbox is empty. Afterwards every message is stored exactly once and every
receipt is queued exactly once; a receipt may be *sent* twice only when the
kill fell between the transport taking it and the database recording it
(at most one duplicate per kill, documented in flow/sending.py).

The default suite runs a short version; `pytest -m slow` runs the long one.
"""

from __future__ import annotations

import email
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from email import policy
from pathlib import Path

import pytest

from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from store import repo
from store.db import make_engine, transaction
from tests.builders import mail as mails

FORM = default_form()
MUNICIPALITIES = ["Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika", "Mora", "Orsa",
                  "Rättvik", "Smedjebacken", "Säter", "Vansbro", "Älvdalen"]
DOMAINS = {"Borlänge": "borlange.se", "Rättvik": "rattvik.se", "Säter": "sater.se", "Älvdalen": "alvdalen.se"}


def _deliver(maildir: Path, count: int) -> None:
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    for i in range(count):
        name = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        period = Period(2026, 1 + (i // len(MUNICIPALITIES)) % 12)
        domain = DOMAINS.get(name, f"{name.lower()}.se")
        data = template_docx(FORM, name, period, sample_answers(FORM, name, period, seed=i))
        raw = mails.build_mail(f"samordnare@{domain}", f"Lägesbild {i}", "Hej",
                               [(f"{name}.docx", data, mails.DOCX_TYPE)], message_id=f"<crash-{i}@{domain}>")
        if rng.random() < 0.1:
            raw = mails.out_of_office(f"samordnare@{domain}")
        tmp = maildir / "tmp" / f"{i}.tmp"
        tmp.write_bytes(raw)
        tmp.rename(maildir / "new" / f"17900{i:05d}.M{i}P1.mx")


def _run_with_kills(root: Path, kills: int, seed: int) -> int:
    """Run poll --once, killing it `kills` times at random moments; then run to completion."""
    rng = random.Random(seed)
    env = {**os.environ, "LAGESBILD_CONFIG": str(root / "config.toml"), "LAGESBILD_NOW": "2026-12-01T10:00"}
    command = [sys.executable, "-m", "lagesbild", "poll", "--once"]
    done_kills = 0
    while done_kills < kills:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            done_kills += 1
        elif not list((root / "Maildir" / "new").iterdir()) and not list((root / "Maildir" / "cur").iterdir()):
            break
    for _ in range(5):  # finish the batch; a dead worker's job lock lapses after its lease
        result = subprocess.run(command + ["--now", "2026-12-01T11:00"], cwd=root, env=env, capture_output=True,
                                text=True, timeout=600)
        if result.returncode == 0 and not list((root / "Maildir" / "new").iterdir()):
            break
    return done_kills


def _check(root: Path, count: int, kills: int) -> None:
    maildir = root / "Maildir"
    assert not list((maildir / "new").iterdir()), "messages left in the inbox"
    assert not list((maildir / "cur").iterdir()), "messages left in the inbox"
    engine = make_engine(f"sqlite:///{root / 'lb.db'}")
    with transaction(engine) as s:
        stored = [v for v, _ in repo.raw_messages(s)]
        outbox = repo.due_mail(s, __import__("datetime").datetime(2031, 1, 1, tzinfo=__import__("datetime").UTC),
                               100000)
    uids = Counter(v.uid for v in stored)
    assert len(uids) == count, f"{count - len(uids)} messages lost"
    assert max(uids.values()) == 1, "a message was stored twice"
    assert all(v.moved for v in stored)
    assert not outbox, "mail left unsent"
    kept = sorted(maildir.glob(".*/cur/*"))
    assert len(kept) == count, "the mailbox should hold every message, moved"
    receipts: Counter[str] = Counter()
    for path in (root / "outbox").glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        receipts[str(msg["In-Reply-To"])] += 1
    answered = sum(1 for v in stored if str(v.outcome) in ("stored", "correction", "duplicate"))
    assert len(receipts) == answered, "every stored message gets its receipt"
    doubles = sum(n - 1 for n in receipts.values())
    assert doubles <= kills, f"{doubles} receipts sent twice after {kills} kills"


def _workspace(tmp_path: Path, count: int) -> Path:
    (tmp_path / "config.toml").write_text(
        'signals = []\n[mailbox]\nsource = "maildir:Maildir"\n[store]\nurl = "sqlite:///lb.db"\n[outbox]\n'
        'transport = "file:outbox"\nreplies_per_sender_per_hour = 10000\n', encoding="utf-8")
    _deliver(tmp_path / "Maildir", count)
    return tmp_path


def test_sigkill_during_a_batch_loses_and_doubles_nothing(tmp_path: Path) -> None:
    root = _workspace(tmp_path, 120)
    kills = _run_with_kills(root, kills=6, seed=1)
    _check(root, 120, kills)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_sigkill_many_times(tmp_path: Path, seed: int) -> None:
    root = _workspace(tmp_path, 300)
    kills = _run_with_kills(root, kills=8, seed=100 + seed)
    _check(root, 300, kills)
