"""Files the worker creates are the owner's alone, whatever the umask says.

`lagesbild poll --once` runs as a real process with umask 000 (the most
permissive there is), so a mode that comes out owner-only was set by the code,
not inherited: the SQLite database (and its WAL files) and its folder, the
Maildir and every folder it creates, and the outbox's .eml files.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from tests.builders import mail as mails

NOW = "2026-10-29T12:00"


def _run(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
    return subprocess.run([sys.executable, "-m", "lagesbild", *args, "--config", str(config), "--now", NOW],
                          capture_output=True, text=True, env=env, umask=0o000, timeout=120, check=False)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _deliver(maildir: Path, name: str, raw: bytes) -> None:
    (maildir / "tmp" / name).write_bytes(raw)
    os.rename(maildir / "tmp" / name, maildir / "new" / name)


def test_database_maildir_folders_and_outbox_files_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    config = tmp_path / "config.toml"
    config.write_text(f"""
signals = []
[mailbox]
source = "maildir:{data / 'Maildir'}"
[store]
url = "sqlite:///{data / 'db' / 'lagesbild.db'}"
[outbox]
transport = "file:{data / 'outbox'}"
""", encoding="utf-8")
    first = _run(config, "poll", "--once")
    assert first.returncode == 0, first.stderr
    maildir = data / "Maildir"
    _deliver(maildir, "1.M1P1.mx", mails.build_mail("samordnare@ludvika.se", "Lägesbild", "Hej",
                                                    [("l.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)]))
    _deliver(maildir, "2.M2P1.mx", mails.build_mail("okand@example.org", "Lägesbild", "Hej",
                                                    [("l.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE)]))
    _deliver(maildir, "3.M3P1.mx", mails.out_of_office("samordnare@mora.se"))
    second = _run(config, "poll", "--once", "--json")
    assert second.returncode == 0, second.stderr
    assert '"stored": 1' in second.stdout and '"quarantined": 1' in second.stdout and '"ignored": 1' in second.stdout

    # The database, its folder and the files SQLite keeps beside it.
    db = data / "db" / "lagesbild.db"
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700
    for sibling in db.parent.iterdir():
        assert _mode(sibling) & 0o077 == 0, (sibling.name, oct(_mode(sibling)))

    # The Maildir and the folders the worker made: Behandlade, Karantän, Ignorerade.
    made = [maildir, *[p for p in maildir.iterdir() if p.is_dir()]]
    assert {p.name for p in made} >= {"Maildir", "cur", "new", "tmp", ".L&AOQ-gesbild.Behandlade",
                                      ".L&AOQ-gesbild.Karant&AOQ-n", ".L&AOQ-gesbild.Ignorerade"}
    for folder in made:
        assert _mode(folder) == 0o700, (folder.name, oct(_mode(folder)))
        for sub in ("cur", "new", "tmp"):
            if (folder / sub).exists():
                assert _mode(folder / sub) == 0o700, (folder.name, sub)
        if (folder / "maildirfolder").exists():
            assert _mode(folder / "maildirfolder") == 0o600

    # The outbox: one private .eml per mail sent (a receipt, a notice to staff).
    outbox = data / "outbox"
    assert _mode(outbox) == 0o700
    sent = list(outbox.glob("*.eml"))
    assert len(sent) == 2
    for eml in sent:
        assert _mode(eml) == 0o600, (eml.name, oct(_mode(eml)))
