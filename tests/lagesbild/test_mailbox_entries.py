"""One bad entry never blocks the mailbox, and no message is too big to survive (issue 14, items 8 and 9).

On Dovecot over IMAP with a PostgreSQL store and an aiosmtpd server, and on a
real Maildir: a message file the server cannot read, a Maildir file whose
name is not UTF-8, and a message over `[mailbox] max_message_mb` are each
handled in their own trap while the mail around them is filed.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from flow.pipeline import poll_once
from flow.reports import export_period
from ingest.maildir import MaildirSource
from ingest.settings import configured_folders
from lagesbild.config import load_config
from parsers import parse_bytes
from parsers.result import Period
from store import repo
from store.db import make_engine, migrate, transaction
from tests.builders import mail as mails
from tests.support import dovecot, postgres
from tests.support.dovecot import DovecotServer
from tests.support.world import World, at, body_of, world_on

pytestmark = pytest.mark.skipif(not dovecot.available(), reason="Dovecot is not installed (./run tests installs it)")
OCT = Period(2026, 10)


def form(municipality: str, domain: str, n: int = 0) -> bytes:
    return mails.build_mail(f"samordnare@{domain}", "Lägesbild oktober", "Hej!",
                            [(f"{municipality}.docx", mails.form_docx(municipality), mails.DOCX_TYPE)],
                            message_id=f"<entry-{n}@{domain}>")


@pytest.fixture(scope="module")
def imap() -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(tls=False) as server:
        yield server


def _message_files(w: World) -> list[str]:
    md = dovecot.maildir_of(w.imap)
    return sorted(glob.glob(str(md / f".{w.folder}" / "new" / "*")) + glob.glob(str(md / f".{w.folder}" / "cur" / "*")))


def test_a_message_the_server_cannot_read_is_trapped_alone_and_parked(imap: DovecotServer, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with world_on(imap, tmp_path, monkeypatch, mailbox={"max_attempts": 2}) as w:
        w.deliver(form("Avesta", "avesta.se", 1), at("2026-10-29T09:00"))
        w.deliver(form("Falun", "falun.se", 2), at("2026-10-29T09:01"))
        w.deliver(form("Mora", "mora.se", 3), at("2026-10-29T09:02"))
        [falun] = [f for f in _message_files(w) if b"@falun.se" in Path(f).read_bytes()]
        os.chmod(falun, 0)  # Dovecot (running as another user) drops the connection on it
        code, out = w.poll("2026-10-29T10:00")
        assert code == 1  # one message failed and waits for a retry
        assert out["outcomes"] == {"stored": 2, "failed": 1}
        assert sorted(e["municipality"] for e in w.export("2026-10")) == ["Avesta", "Mora"]
        code, out = w.poll("2026-10-29T10:00:30")
        assert (code, out["outcomes"], out["waiting"]) == (0, {}, 1)  # not yet due: the others are not held up
        code, out = w.poll("2026-10-29T16:00")  # due again: fails again, parked, staff told
        assert out["outcomes"] == {"failed": 1}
        notices = [m for to, m in w.sent() if str(m["Subject"]).startswith("Lägesbild: meddelande kunde inte")]
        [notice] = notices
        assert "kunde inte hämtas ur brevlådan" in body_of(notice)
        assert "Lägesbild.Fel" not in body_of(notice) and "Lägesbild/Fel" in body_of(notice)


def test_a_message_over_the_size_cap_is_parked_unread_and_staff_told(imap: DovecotServer, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    big = mails.build_mail("samordnare@ludvika.se", "Lägesbild med stor bilaga", "Hej!",
                           [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE),
                            ("film.bin", os.urandom(2 * 1024 * 1024), "application/octet-stream")])
    with world_on(imap, tmp_path, monkeypatch, mailbox={"max_message_mb": 1}) as w:
        parked_before = len(w.folder_uids("Lägesbild.Fel"))  # the folder is shared by this module's tests
        w.deliver(big, at("2026-10-29T09:00"))
        w.deliver(form("Avesta", "avesta.se", 4), at("2026-10-29T09:01"))
        code, out = w.poll("2026-10-29T10:00")
        assert code == 0  # parked for good and staff told: an outcome, not a failure waiting for a retry
        assert out["outcomes"] == {"stored": 1, "parked": 1}
        assert [e["municipality"] for e in w.export("2026-10")] == ["Avesta"]
        [notice] = [m for to, m in w.sent() if to == ["lagesbild-handlaggare@lansstyrelsen-dalarna.example"]]
        text = body_of(notice)
        assert "större än gränsen 1 MB" in text and "max_message_mb" in text
        assert not list(notice.iter_attachments())  # never read, so never forwarded either
        assert len(w.folder_uids("Lägesbild.Fel")) == parked_before + 1  # moved out of the inbox, not deleted
        assert w.folder_uids(w.folder) == []


def test_a_message_whose_size_the_server_cannot_give_is_trapped_alone_then_parked(
        imap: DovecotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Dovecot takes a Maildir message's size from its file name (",S=…"): on one whose name lies it
    # fails the whole FETCH of sizes and dates, for the batch. Only that message may pay for it.
    big = mails.build_mail("samordnare@ludvika.se", "Lägesbild med stor bilaga", "Hej!",
                           [("Ludvika.docx", mails.form_docx("Ludvika"), mails.DOCX_TYPE),
                            ("film.bin", os.urandom(2 * 1024 * 1024), "application/octet-stream")],
                           message_id="<size-lies@ludvika.se>")
    with world_on(imap, tmp_path, monkeypatch, mailbox={"max_message_mb": 1, "max_attempts": 2}) as w:
        parked_before = len(w.folder_uids("Lägesbild.Fel"))
        w.deliver(big, at("2026-10-29T09:00"))
        [path] = [Path(f) for f in _message_files(w)]
        os.rename(path, path.with_name(re.sub(r",W=\d+", "", re.sub(r",S=\d+", ",S=1000", path.name))))
        w.deliver(form("Avesta", "avesta.se", 8), at("2026-10-29T09:01"))
        code, out = w.poll("2026-10-29T10:00")
        assert (code, out["outcomes"]) == (1, {"stored": 1, "failed": 1})  # the mail after it is filed
        assert [e["municipality"] for e in w.export("2026-10")] == ["Avesta"]
        code, out = w.poll("2026-10-29T16:00")  # due again: fails again, parked, staff told
        assert out["outcomes"] == {"failed": 1}
        [notice] = [m for to, m in w.sent() if str(m["Subject"]).startswith("Lägesbild: meddelande kunde inte")]
        assert "kunde inte hämtas ur brevlådan" in body_of(notice) and not list(notice.iter_attachments())
        assert len(w.folder_uids("Lägesbild.Fel")) == parked_before + 1
        assert w.folder_uids(w.folder) == []


def test_a_maildir_name_that_is_not_utf8_is_stored_losslessly_on_postgresql(tmp_path: Path) -> None:
    reason = postgres.available()
    if reason:
        pytest.skip(reason)
    url, drop = postgres.fresh_schema("lbmd")
    try:
        engine = make_engine(url)
        migrate(engine)
        config = load_config(None)
        maildir = tmp_path / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (maildir / sub).mkdir(parents=True)
        odd = b"1790000001.M1P1.mx\xe5\xff"  # Latin-1 "å" and a stray byte: not UTF-8
        (maildir / "new").joinpath(os.fsdecode(odd)).write_bytes(form("Orsa", "orsa.se", 5))
        (maildir / "new" / "1790000002.M2P1.mx").write_bytes(form("Rättvik", "rattvik.se", 6))
        source = MaildirSource(maildir, configured_folders(config.mailbox))
        report = poll_once(source, engine, config, at("2026-10-29T10:00"), parse=parse_bytes)
        assert (dict(report.outcomes), report.failures) == ({"stored": 2}, [])
        assert sorted(e["municipality"] for e in export_period(engine, config, OCT)) == ["Orsa", "Rättvik"]
        with transaction(engine) as s:
            uids = {v.uid for v, _ in repo.raw_messages(s)}
        assert os.fsdecode(odd) in uids  # read back exactly as listed
        again = poll_once(source, engine, config, at("2026-10-29T10:05"), parse=parse_bytes)
        assert (dict(again.outcomes), again.moved_only, again.failures) == ({}, 0, [])
        assert os.listdir(maildir / "new") == []
        engine.dispose()
    finally:
        drop()


# VmHWM, not ru_maxrss: the latter keeps the forking test process's size across exec.
_MEMORY_PROBE = r"""
import sys
from lagesbild.cli import main
code = main(["poll", "--once", "--json", "--config", sys.argv[1], "--now", "2026-10-29T10:00"])
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print("PEAK", int(hwm.split()[1]) * 1024, file=sys.stderr)
sys.exit(code)
"""


def test_a_100_mb_message_in_a_maildir_is_never_read_and_memory_stays_small(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    head = mails.build_mail("samordnare@ludvika.se", "Stor", "Hej!")
    with open(maildir / "new" / "1790000001.M1P1.mx", "wb") as fh:
        fh.write(head)
        fh.write(b"A" * (100 * 1024 * 1024))
    (maildir / "new" / "1790000002.M2P1.mx").write_bytes(form("Gagnef", "gagnef.se", 7))
    config = tmp_path / "config.toml"
    config.write_text(f'signals = []\n[mailbox]\nsource = "maildir:{maildir}"\n[store]\nurl = "sqlite:///'
                      f'{tmp_path / "lb.db"}"\n[outbox]\ntransport = "file:{tmp_path / "out"}"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(config)], capture_output=True, text=True,
                          timeout=300, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    peak = int(done.stderr.split("PEAK")[1].split()[0])
    assert peak < 300 * 1024 * 1024, peak  # the 827 MB of issue 14 came from reading it whole
    assert '"parked": 1' in done.stdout and '"stored": 1' in done.stdout
    assert len(os.listdir(maildir / ".L&AOQ-gesbild.Fel" / "cur")) == 1


def test_a_uid_that_vanishes_between_listing_and_fetching_is_skipped(imap: DovecotServer, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from ingest.imap import ImapSource

    with world_on(imap, tmp_path, monkeypatch) as w:
        for n, (name, domain) in enumerate((("Avesta", "avesta.se"), ("Falun", "falun.se"), ("Mora", "mora.se"))):
            w.deliver(form(name, domain, 10 + n), at("2026-10-29T09:00"))
        config = load_config(w.config_path)
        source = ImapSource(replace(config.mailbox, password=imap.password))
        refs = source.list_refs()
        admin = imap.client()
        admin.select_folder(w.folder)
        admin.delete_messages([int(refs[1].uid)])  # someone moves it away meanwhile
        admin.expunge()
        admin.logout()
        fetched = list(source.fetch(refs))
        source.close()
        assert [m.ref.uid for m in fetched] == [refs[0].uid, refs[2].uid]
        assert all(not m.problem and m.raw for m in fetched)
