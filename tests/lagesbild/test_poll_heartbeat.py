"""`lagesbild poll --once` (a worker driven by cron or a timer) writes the heartbeat `lagesbild run` writes:
`status` shows its cycle, and a cycle whose mailbox was away with its error."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from lagesbild.cli import main
from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from tests.builders import mail as mails
from tests.support.smtp import free_port

FORM = default_form()
OCT = Period(2026, 10)


def _workspace(root: Path, mailbox: str) -> None:
    for sub in ("new", "cur", "tmp"):
        (root / "Maildir" / sub).mkdir(parents=True)
    (root / "config.toml").write_text(
        f'signals = []\n[mailbox]\n{mailbox}\n[store]\nurl = "sqlite:///lb.db"\n[outbox]\ntransport = "file:outbox"\n',
        encoding="utf-8")


def _deliver(root: Path, town: str) -> None:
    form = template_docx(FORM, town, OCT, sample_answers(FORM, town, OCT, 0))
    raw = mails.build_mail(f"samordnare@{town.lower()}.se", "Lägesbild", "Hej", [("f.docx", form, mails.DOCX_TYPE)])
    tmp = root / "Maildir" / "tmp" / "1.M1P1.mx"
    tmp.write_bytes(raw)
    stamp = datetime.fromisoformat("2026-10-28T09:00:00+01:00").timestamp()
    os.utime(tmp, (stamp, stamp))
    tmp.rename(root / "Maildir" / "new" / tmp.name)


def _worker(capsys: pytest.CaptureFixture[str], now: str) -> dict[str, object]:
    capsys.readouterr()
    assert main(["status", "--period", "2026-10", "--json", "--now", now]) == 0
    worker: dict[str, object] = json.loads(capsys.readouterr().out)["worker"]
    return worker


def test_a_poll_writes_its_cycle_and_status_shows_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _workspace(tmp_path, 'source = "maildir:Maildir"')
    monkeypatch.chdir(tmp_path)
    assert _worker(capsys, "2026-10-29T09:00")["last_cycle"] is None  # nothing has polled yet
    _deliver(tmp_path, "Orsa")
    assert main(["poll", "--once", "--now", "2026-10-29T10:00"]) == 0
    last = _worker(capsys, "2026-10-29T10:05")["last_cycle"]
    assert isinstance(last, dict)
    assert last["started_at"] == "2026-10-29T10:00:00+01:00"
    assert last["finished_at"].startswith("2026-10-29T10:00:")
    # Age counts from the cycle's end: --now plus however long the poll took on this machine (seconds under load).
    took = datetime.fromisoformat(last["finished_at"]) - datetime.fromisoformat(last["started_at"])
    assert abs(last["age_seconds"] - (300 - took.total_seconds())) <= 1 and 240 <= last["age_seconds"] <= 300
    assert (last["messages"], last["failed"], last["sent"], last["error"]) == (1, 0, 1, None)  # the receipt went
    # The people's view says the same.
    capsys.readouterr()
    assert main(["status", "--period", "2026-10", "--now", "2026-10-29T10:05"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # as one line: the console wraps at its width
    assert "Worker: last cycle finished 2026-10-29T10:00:" in out and "1 messages, 0 failed, 1 mail sent" in out

    # A later quiet poll is the new last cycle.
    assert main(["poll", "--once", "--now", "2026-10-29T11:00"]) == 0
    last = _worker(capsys, "2026-10-29T11:00")["last_cycle"]
    assert isinstance(last, dict)
    assert last["started_at"] == "2026-10-29T11:00:00+01:00" and last["messages"] == 0


def test_a_poll_whose_mailbox_is_away_writes_its_cycle_with_the_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()  # nothing listens on it
    _workspace(tmp_path, f'source = "imap://lagesbild@127.0.0.1:{port}/INBOX"\nallow_plaintext_loopback = true')
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LAGESBILD_IMAP_PASSWORD", "secret")
    assert main(["poll", "--once", "--now", "2026-10-29T10:00"]) != 0
    last = _worker(capsys, "2026-10-29T10:01")["last_cycle"]
    assert isinstance(last, dict)
    assert last["started_at"] == "2026-10-29T10:00:00+01:00" and last["messages"] == 0
    assert isinstance(last["error"], str) and f"127.0.0.1:{port}" in last["error"], last["error"]
