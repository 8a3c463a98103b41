"""The staff commands name who decided in the audit trail: `--by NAME`, else the OS user."""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from lagesbild.cli import main
from store import repo
from store.db import make_engine, read_transaction
from tests.builders import mail as mails


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for sub in ("new", "cur", "tmp"):
        (tmp_path / "Maildir" / sub).mkdir(parents=True)
    (tmp_path / "config.toml").write_text(
        '[mailbox]\nsource = "maildir:Maildir"\n[store]\nurl = "sqlite:///lb.db"\n[outbox]\n'
        'transport = "file:outbox"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _deliver(root: Path, raw: bytes, name: str) -> None:
    tmp = root / "Maildir" / "tmp" / name
    tmp.write_bytes(raw)
    stamp = datetime.fromisoformat("2026-10-28T09:00:00+01:00").timestamp()
    os.utime(tmp, (stamp, stamp))
    tmp.rename(root / "Maildir" / "new" / name)


def test_release_and_drop_write_who_decided(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _deliver(workspace, mails.build_mail("privat@example.org", "Lägesbild Rättvik", "Hej",
                                         [("r.docx", mails.form_docx("Rättvik"), mails.DOCX_TYPE)]), "1.M1P1.mx")
    _deliver(workspace, mails.build_mail("spam@example.net", "Köp nu", "Erbjudande"), "2.M2P1.mx")
    assert main(["poll", "--once", "--now", "2026-10-29T10:00"]) == 0
    capsys.readouterr()
    assert main(["quarantine", "list", "--json"]) == 0
    ids = {i["sender"]: i["id"] for i in json.loads(capsys.readouterr().out)}

    assert main(["quarantine", "release", str(ids["privat@example.org"]), "--municipality", "Rättvik",
                 "--by", "Anna Andersson", "--now", "2026-10-29T11:00"]) == 0
    assert main(["quarantine", "drop", str(ids["spam@example.net"]), "--reason", "skräppost"]) == 0

    engine = make_engine(f"sqlite:///{workspace / 'lb.db'}")
    with read_transaction(engine) as s:
        actors = {a.event: (a.actor, a.municipality) for a in repo.audit_trail(s) if a.event in ("released", "dropped")}
    engine.dispose()
    assert actors == {"released": ("Anna Andersson", "Rättvik"), "dropped": (getpass.getuser(), None)}
