"""MaildirSource against real Maildirs, written the way a delivery agent writes them."""

from __future__ import annotations

import itertools
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ground.errors import ConfigError, MailboxUnavailable
from ground.refs import MessageRef
from ingest.maildir import MaildirSource, folder_dirname, unique_name
from ingest.open import open_source
from ingest.settings import MailboxConfig
from ingest.source import Folder
from lagesbild.config import load_config
from tests.support import dovecot

FOLDERS = {Folder.PROCESSED: "Lägesbild/Behandlade", Folder.QUARANTINE: "Lägesbild/Karantän",
           Folder.ERROR: "Lägesbild/Fel", Folder.IGNORED: "Lägesbild/Ignorerade"}
_seq = itertools.count(1)


def deliver(root: Path, body: bytes, *, at: float | None = None, name: str | None = None) -> str:
    """Deliver like Postfix/Dovecot-LDA: write into tmp/, then rename into new/. Returns the file name."""
    name = name or f"{int(time.time())}.M{next(_seq)}P{os.getpid()}.testhost"
    tmp = root / "tmp" / name
    tmp.write_bytes(body)
    if at is not None:
        os.utime(tmp, (at, at))
    os.rename(tmp, root / "new" / name)
    return name


def mail(subject: str) -> bytes:
    return (f"From: a@vansbro.se\r\nTo: lagesbild@lst.se\r\nSubject: {subject}\r\n"
            f"Message-ID: <{subject}@vansbro.se>\r\n\r\nHej\r\n").encode()


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return tmp_path / "Maildir"


@pytest.fixture()
def source(root: Path) -> Iterator[MaildirSource]:
    s = MaildirSource(root, FOLDERS)
    s.list_refs()  # creates the Maildir
    yield s
    s.close()


def test_missing_root_is_created_owner_only(root: Path) -> None:
    src = MaildirSource(root, FOLDERS)
    assert src.list_refs() == []
    for d in (root, root / "new", root / "cur", root / "tmp"):
        assert d.is_dir()
        assert stat.S_IMODE(d.stat().st_mode) == 0o700


def test_name_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    src = MaildirSource(Path("sub/../Maildir"), FOLDERS)
    assert src.name == f"maildir:{tmp_path / 'Maildir'}"


def test_lists_new_and_cur_by_delivery_time_not_tmp(source: MaildirSource, root: Path) -> None:
    base = 1_700_000_000.0
    late = deliver(root, mail("late"), at=base + 60)
    early = deliver(root, mail("early"), at=base)
    # A message a mail reader has already seen: in cur/ with flags.
    seen = deliver(root, mail("seen"), at=base + 30)
    os.rename(root / "new" / seen, root / "cur" / f"{seen}:2,RS")
    # Same delivery second: the name decides.
    tie_b = deliver(root, mail("tie-b"), at=base + 90, name="1700000090.Mb.host")
    tie_a = deliver(root, mail("tie-a"), at=base + 90, name="1700000090.Ma.host")
    (root / "tmp" / "1700000100.Mpartial.host").write_bytes(b"half a mess")  # still being written
    (root / "new" / ".hidden").write_bytes(b"not mail")

    refs = source.list_refs()
    assert [r.uid for r in refs] == [early, seen, late, tie_a, tie_b]
    assert all(r == MessageRef(source.name, 0, r.uid) for r in refs)


def test_fetch_reads_bytes_and_delivery_time(source: MaildirSource, root: Path) -> None:
    at = 1_712_000_000.5
    body = mail("one") + b"\x00\xff binary is fine"
    name = deliver(root, body, at=at)
    [ref] = source.list_refs()
    [raw] = list(source.fetch([ref]))
    assert raw.ref == ref
    assert raw.raw == body
    assert raw.received_at == datetime.fromtimestamp(at, UTC)
    assert raw.received_at.tzinfo is UTC
    assert unique_name(name) == ref.uid


def test_fetch_finds_a_message_whose_flags_changed_and_skips_a_gone_one(source: MaildirSource, root: Path) -> None:
    a = deliver(root, mail("a"))
    b = deliver(root, mail("b"))
    refs = source.list_refs()
    os.rename(root / "new" / a, root / "cur" / f"{a}:2,S")  # a mail reader looked at it
    (root / "new" / b).unlink()  # someone deleted it
    got = list(source.fetch(refs))
    assert [r.ref.uid for r in got] == [a]
    assert got[0].raw == mail("a")


def test_mark_done_moves_into_dovecot_named_folder_with_seen_flag(source: MaildirSource, root: Path) -> None:
    name = deliver(root, mail("x"))
    [ref] = source.list_refs()
    source.mark_done(ref, Folder.PROCESSED)
    folder = root / ".L&AOQ-gesbild.Behandlade"
    assert (folder / "maildirfolder").is_file()
    assert all((folder / d).is_dir() for d in ("cur", "new", "tmp"))
    assert os.listdir(folder / "cur") == [f"{name}:2,S"]
    assert (folder / "cur" / f"{name}:2,S").read_bytes() == mail("x")
    assert not (root / "new" / name).exists()
    assert source.list_refs() == []


def test_mark_done_keeps_flags_and_is_idempotent(source: MaildirSource, root: Path) -> None:
    name = deliver(root, mail("flagged"))
    os.rename(root / "new" / name, root / "cur" / f"{name}:2,FR")
    [ref] = source.list_refs()
    source.mark_done(ref, Folder.QUARANTINE)
    source.mark_done(ref, Folder.QUARANTINE)  # already moved: not an error
    source.mark_done(MessageRef(source.name, 0, "1.never.existed"), Folder.ERROR)
    quarantine = root / ".L&AOQ-gesbild.Karant&AOQ-n" / "cur"
    assert os.listdir(quarantine) == [f"{name}:2,FRS"]


def test_folder_names_follow_maildir_plus_plus() -> None:
    assert folder_dirname("Lägesbild/Behandlade") == ".L&AOQ-gesbild.Behandlade"
    assert folder_dirname("Lägesbild/Karantän") == ".L&AOQ-gesbild.Karant&AOQ-n"
    assert folder_dirname("/Fel/") == ".Fel"
    assert folder_dirname("R&D") == ".R&-D"
    with pytest.raises(ValueError):
        folder_dirname("/")


def test_foreign_ref_is_refused(source: MaildirSource) -> None:
    with pytest.raises(ValueError):
        source.mark_done(MessageRef("maildir:/elsewhere", 0, "x"), Folder.PROCESSED)
    with pytest.raises(ValueError):
        source.mark_done(MessageRef(source.name, 0, "../escape"), Folder.PROCESSED)


def test_io_errors_are_mailbox_unavailable(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    with pytest.raises(MailboxUnavailable):
        MaildirSource(not_a_dir, FOLDERS).list_refs()

    root = tmp_path / "Maildir"
    src = MaildirSource(root, FOLDERS)
    src.list_refs()
    deliver(root, mail("y"))
    (root / ".L&AOQ-gesbild.Fel").write_text("a file where the folder should be")
    [ref] = src.list_refs()
    with pytest.raises(MailboxUnavailable):
        src.mark_done(ref, Folder.ERROR)


def test_wait_for_new_times_out_when_nothing_arrives(source: MaildirSource, root: Path) -> None:
    deliver(root, mail("old"))
    source.list_refs()  # already listed: not news
    started = time.monotonic()
    assert source.wait_for_new(0.7) is False
    assert 0.6 <= time.monotonic() - started < 3


def test_wait_for_new_wakes_on_delivery(source: MaildirSource, root: Path) -> None:
    source.list_refs()
    timer = threading.Timer(0.3, deliver, args=(root, mail("new")))
    timer.start()
    started = time.monotonic()
    try:
        assert source.wait_for_new(10) is True
    finally:
        timer.join()
    assert time.monotonic() - started < 5


def test_wait_for_new_notices_mail_that_came_after_the_listing(source: MaildirSource, root: Path) -> None:
    source.list_refs()
    deliver(root, mail("between"))
    started = time.monotonic()
    assert source.wait_for_new(10) is True
    assert time.monotonic() - started < 1


def _config(source: str) -> MailboxConfig:
    return replace(load_config(None).mailbox, source=source)


def test_open_source_chooses_maildir(root: Path) -> None:
    src = open_source(_config(f"maildir:{root}"))
    assert isinstance(src, MaildirSource)
    assert src.name == f"maildir:{root}"
    deliver_root = src.root
    src.list_refs()
    deliver(deliver_root, mail("z"))
    [ref] = src.list_refs()
    src.mark_done(ref, Folder.IGNORED)
    assert len(os.listdir(root / ".L&AOQ-gesbild.Ignorerade" / "cur")) == 1
    with pytest.raises(ConfigError):
        open_source(_config("pop3://host/"))


@pytest.mark.skipif(not dovecot.available(), reason="Dovecot is not installed (apt-get install dovecot-imapd)")
def test_dovecot_sees_what_mark_done_filed() -> None:
    """The folder layout is Dovecot's own: a message filed by MaildirSource shows up over IMAP."""
    with dovecot.running_dovecot(tls=False) as server:
        c = server.client()
        c.create_folder("Lägesbild.Behandlade")  # Dovecot makes the folder once, as a person might have
        c.logout()
        root = dovecot.maildir_of(server)
        src = MaildirSource(root, FOLDERS)
        src.list_refs()
        deliver(root, mail("via-dovecot"))
        [ref] = src.list_refs()
        src.mark_done(ref, Folder.PROCESSED)
        src.mark_done(MessageRef(src.name, 0, ref.uid), Folder.PROCESSED)
        dovecot.chown_tree(root)  # the delivery agent would have run as the mail user
        c = server.client()
        try:
            names = {name for _flags, _delim, name in c.list_folders()}
            assert "Lägesbild.Behandlade" in names
            c.select_folder("Lägesbild.Behandlade", readonly=True)
            uids = c.search(["HEADER", "Message-ID", "via-dovecot@vansbro.se"])
            assert len(uids) == 1
            assert b"\\Seen" in c.get_flags(uids)[uids[0]]
            assert c.fetch(uids, ["BODY.PEEK[]"])[uids[0]][b"BODY[]"] == mail("via-dovecot")
        finally:
            c.logout()
