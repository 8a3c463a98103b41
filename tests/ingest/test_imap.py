"""ImapSource against a real Dovecot (tests/support/dovecot.py), mail delivered with IMAP APPEND."""

from __future__ import annotations

import itertools
import json
import shlex
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from imapclient import IMAPClient

from ground.errors import ConfigError, MailboxUnavailable
from ground.net import is_loopback
from ground.refs import MessageRef
from ingest.imap import ImapSource
from ingest.imap_connection import backoff_delay, parse_imap_url, plaintext_permitted
from ingest.oauth import EXCHANGE_SCOPE, ClientCredentialsProvider, CommandTokenProvider, token_provider
from ingest.open import open_source
from ingest.settings import MailboxConfig
from ingest.source import Folder
from lagesbild.config import load_config
from tests.support import dovecot
from tests.support.dovecot import OAUTH_USER, DovecotServer

pytestmark = pytest.mark.skipif(not dovecot.available(),
                                reason="Dovecot is not installed (apt-get install dovecot-imapd)")

_names = itertools.count(1)
_DEFAULTS: list[MailboxConfig] = []


def mailbox_config(url: str, **changes: Any) -> MailboxConfig:
    """The built-in [mailbox] defaults with `source` and `changes` replaced."""
    if not _DEFAULTS:
        _DEFAULTS.append(load_config(None).mailbox)
    return replace(_DEFAULTS[0], source=url, **changes)


def mail(tag: str, size: int = 0) -> bytes:
    return (f"From: kansliet@vansbro.se\r\nTo: lagesbild@lst.se\r\nSubject: Lägesbild {tag}\r\n"
            f"Message-ID: <{tag}@vansbro.se>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hej {tag}\r\n").encode() + b"x" * size


@pytest.fixture(scope="module")
def server() -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(tls=True) as s:
        yield s


@pytest.fixture(scope="module")
def plain_server() -> Iterator[DovecotServer]:
    with dovecot.running_dovecot(tls=False) as s:
        yield s


@pytest.fixture()
def fresh_server() -> Iterator[DovecotServer]:
    """A server of its own, for a test whose failed login would make Dovecot slow down the
    next logins from 127.0.0.1 (its anvil penalty: 4 s) on the shared one."""
    with dovecot.running_dovecot(tls=True) as s:
        yield s


@pytest.fixture()
def admin(server: DovecotServer) -> Iterator[IMAPClient]:
    """Another connection: the mail system delivering, or a person looking."""
    c = server.client()
    yield c
    c.logout()


@pytest.fixture()
def folder(admin: IMAPClient) -> str:
    """A fresh inbox folder for this test, so tests on the shared server do not see each other's mail."""
    name = f"Inkorg{next(_names)}"
    admin.create_folder(name)
    return name


@pytest.fixture()
def make_source(server: DovecotServer) -> Iterator[Callable[..., ImapSource]]:
    made: list[ImapSource] = []

    def make(folder: str, *, config: dict[str, Any] | None = None, **kwargs: Any) -> ImapSource:
        cfg = mailbox_config(server.url(folder), password=server.password, **(config or {}))
        kwargs.setdefault("ssl_context", server.ssl_context())
        src = ImapSource(cfg, **kwargs)
        made.append(src)
        return src

    yield make
    for src in made:
        src.close()


def uids_in(c: IMAPClient, folder: str, tag: str) -> list[int]:
    c.select_folder(folder, readonly=True)
    return list(c.search(["HEADER", "Message-ID", f"{tag}@vansbro.se"]))


# -- listing and fetching ---------------------------------------------------------


def test_list_and_fetch_leave_mail_unread_with_internaldate(make_source: Callable[..., ImapSource],
                                                             server: DovecotServer, admin: IMAPClient,
                                                             folder: str) -> None:
    stamps = [datetime(2026, 3, 31, 23, 59, 30, tzinfo=timezone(timedelta(hours=2))),
              datetime(2026, 4, 1, 8, 0, 0, tzinfo=UTC)]
    for i, at in enumerate(stamps):
        admin.append(folder, mail(f"list{i}"), flags=(), msg_time=at)
    src = make_source(folder)
    refs = src.list_refs()
    uidvalidity = admin.select_folder(folder, readonly=True)[b"UIDVALIDITY"]
    assert [r.uidvalidity for r in refs] == [uidvalidity, uidvalidity]
    assert src.name == server.url(folder)
    assert all(r.mailbox == src.name for r in refs)
    got = list(src.fetch(refs))
    assert [g.ref for g in got] == refs
    assert [g.raw for g in got] == [mail("list0"), mail("list1")]
    assert [g.received_at for g in got] == [s.astimezone(UTC) for s in stamps]
    assert all(g.received_at.utcoffset() == timedelta(0) for g in got)
    flags = admin.get_flags([int(r.uid) for r in refs])
    assert all(b"\\Seen" not in f for f in flags.values())  # BODY.PEEK[]


def test_fetch_works_in_batches(make_source: Callable[..., ImapSource], admin: IMAPClient, folder: str) -> None:
    for i in range(5):
        admin.append(folder, mail(f"batch{i}", size=1000 * i))
    src = make_source(folder, config={"batch_size": 2})
    refs = src.list_refs()
    assert len(refs) == 5
    stream = src.fetch(refs)
    first_two = [next(stream), next(stream)]
    # The third batch is not fetched yet: a message expunged now is simply not returned.
    admin.select_folder(folder)
    admin.delete_messages([int(refs[4].uid)])
    admin.uid_expunge([int(refs[4].uid)])
    rest = list(stream)
    assert [m.raw for m in first_two + rest] == [mail(f"batch{i}", size=1000 * i) for i in range(4)]


def test_big_messages_are_fetched_a_few_megabytes_at_a_time(make_source: Callable[..., ImapSource],
                                                            admin: IMAPClient, folder: str) -> None:
    # One FETCH holds all its bodies at once: a batch of 50 messages near the size cap would be
    # gigabytes. By the sizes the server gives, 6 MB messages come two to a FETCH (at most 16 MB).
    for i in range(4):
        admin.append(folder, mail(f"big{i}", size=6 * 1024 * 1024))
    src = make_source(folder, config={"batch_size": 50})
    refs = src.list_refs()
    stream = src.fetch(refs)
    first = next(stream)
    admin.select_folder(folder)
    admin.delete_messages([int(refs[2].uid), int(refs[3].uid)])  # not fetched yet: gone when asked for
    admin.uid_expunge([int(refs[2].uid), int(refs[3].uid)])
    rest = list(stream)
    assert [m.raw for m in [first, *rest]] == [mail(f"big{i}", size=6 * 1024 * 1024) for i in range(2)]


def test_deleted_messages_are_not_listed(make_source: Callable[..., ImapSource], admin: IMAPClient,
                                         folder: str) -> None:
    admin.append(folder, mail("keep"))
    admin.append(folder, mail("deleted"), flags=[b"\\Deleted"])
    src = make_source(folder)
    assert [m.raw for m in src.fetch(src.list_refs())] == [mail("keep")]


# -- moving ---------------------------------------------------------------------


def test_mark_done_moves_and_creates_swedish_folders(make_source: Callable[..., ImapSource], admin: IMAPClient,
                                                     folder: str) -> None:
    admin.append(folder, mail("move-a"))
    admin.append(folder, mail("move-b"))
    src = make_source(folder)
    a, b = src.list_refs()
    assert "MOVE" in src.capabilities
    src.mark_done(a, Folder.PROCESSED)
    src.mark_done(b, Folder.QUARANTINE)
    src.mark_done(a, Folder.PROCESSED)  # already moved: not an error
    names = {name for _flags, _delim, name in admin.list_folders()}
    assert {"Lägesbild.Behandlade", "Lägesbild.Karantän"} <= names  # Dovecot's "." hierarchy
    assert {"Lägesbild.Behandlade", "Lägesbild.Karantän"} <= {n for _f, _d, n in admin.list_sub_folders()}
    assert len(uids_in(admin, "Lägesbild.Behandlade", "move-a")) == 1
    assert len(uids_in(admin, "Lägesbild.Karantän", "move-b")) == 1
    assert uids_in(admin, folder, "move-a") == [] and uids_in(admin, folder, "move-b") == []
    assert src.list_refs() == []


@pytest.mark.parametrize("ignored", [frozenset(), frozenset({"MOVE"})], ids=["move", "copy-expunge"])
def test_mark_done_many_moves_a_batch_to_its_folders_in_one_go(
        make_source: Callable[..., ImapSource], admin: IMAPClient, folder: str, ignored: frozenset[str]) -> None:
    # The target folders are shared by every test on this server: names of this case's own.
    n = {k: f"many-{'fallback' if ignored else 'move'}-{k}" for k in ("1", "2", "3", "4", "stays", "deleted")}
    for k in ("1", "2", "3", "4", "stays"):
        admin.append(folder, mail(n[k]))
    admin.append(folder, mail(n["deleted"]), flags=[b"\\Deleted"])
    src = make_source(folder, ignore_capabilities=ignored)
    one, two, three, four, stays = src.list_refs()
    src.mark_done(two, Folder.PROCESSED)  # moved earlier (a run that stopped before recording it)
    stale = MessageRef(one.mailbox, one.uidvalidity + 1, "999")  # from a listing before a new UIDVALIDITY
    src.mark_done_many([(one, Folder.PROCESSED), (two, Folder.PROCESSED), (three, Folder.QUARANTINE),
                        (four, Folder.PROCESSED), (stale, Folder.ERROR)])
    assert [len(uids_in(admin, "Lägesbild.Behandlade", n[k])) for k in ("1", "2", "4")] == [1, 1, 1]
    assert len(uids_in(admin, "Lägesbild.Karantän", n["3"])) == 1
    assert all(uids_in(admin, folder, n[k]) == [] for k in ("1", "2", "3", "4"))
    assert len(uids_in(admin, folder, n["deleted"])) == 1  # never expunged by us
    assert src.list_refs() == [stays]
    src.mark_done_many([(one, Folder.PROCESSED), (three, Folder.QUARANTINE)])  # all gone: nothing happens
    assert len(uids_in(admin, "Lägesbild.Behandlade", n["1"])) == 1
    assert len(uids_in(admin, "Lägesbild.Karantän", n["3"])) == 1


def test_folders_follow_the_servers_namespace() -> None:
    """A server whose folders live under "INBOX/" with "/" between levels (like Courier or Exchange's "/")."""
    namespace = "namespace inbox {\n  inbox = yes\n  separator = /\n  prefix = INBOX/\n}\n"
    with dovecot.running_dovecot(tls=False, extra_config=namespace) as srv:
        c = srv.client()
        c.append("INBOX", mail("ns"))
        src = ImapSource(mailbox_config(srv.url(), password=srv.password, allow_plaintext_loopback=True))
        [ref] = src.list_refs()
        src.mark_done(ref, Folder.PROCESSED)
        src.close()
        names = {name for _flags, _delim, name in c.list_folders()}
        assert "INBOX/Lägesbild/Behandlade" in names
        assert len(uids_in(c, "INBOX/Lägesbild/Behandlade", "ns")) == 1
        c.logout()


def test_copy_expunge_fallback_removes_only_that_message(make_source: Callable[..., ImapSource],
                                                         admin: IMAPClient, folder: str) -> None:
    admin.append(folder, mail("fb-move"))
    admin.append(folder, mail("fb-other"))
    # Someone has flagged another message \Deleted: a plain EXPUNGE would destroy it.
    admin.append(folder, mail("fb-someone-deleted"), flags=[b"\\Deleted"])
    src = make_source(folder, ignore_capabilities=frozenset({"MOVE"}))
    ref = src.list_refs()[0]
    src.mark_done(ref, Folder.ERROR)
    src.mark_done(ref, Folder.ERROR)  # the UID is gone now: nothing to do, no error
    assert "MOVE" not in src.capabilities and "UIDPLUS" in src.capabilities
    assert len(uids_in(admin, "Lägesbild.Fel", "fb-move")) == 1
    assert uids_in(admin, folder, "fb-move") == []
    assert len(uids_in(admin, folder, "fb-someone-deleted")) == 1
    assert len(uids_in(admin, folder, "fb-other")) == 1
    assert [m.raw for m in src.fetch(src.list_refs())] == [mail("fb-other")]


def test_without_uidplus_the_original_is_flagged_deleted(make_source: Callable[..., ImapSource],
                                                         admin: IMAPClient, folder: str) -> None:
    admin.append(folder, mail("nouidplus"))
    src = make_source(folder, ignore_capabilities=frozenset({"MOVE", "UIDPLUS"}))
    [ref] = src.list_refs()
    src.mark_done(ref, Folder.IGNORED)
    src.mark_done(ref, Folder.IGNORED)  # still in the folder, flagged: not copied twice
    assert len(uids_in(admin, "Lägesbild.Ignorerade", "nouidplus")) == 1
    [uid] = uids_in(admin, folder, "nouidplus")  # still there, but on its way out
    assert b"\\Deleted" in admin.get_flags([uid])[uid]
    assert src.list_refs() == []


def test_uidvalidity_change(make_source: Callable[..., ImapSource], admin: IMAPClient, folder: str) -> None:
    admin.append(folder, mail("before"))
    src = make_source(folder)
    [old] = src.list_refs()
    admin.select_folder("INBOX")
    admin.delete_folder(folder)  # the mailbox is recreated: every UID means something else now
    admin.create_folder(folder)
    admin.append(folder, mail("after"))
    [new] = src.list_refs()
    assert new.uidvalidity != old.uidvalidity
    assert new.uid == old.uid == "1"
    src.mark_done(old, Folder.PROCESSED)  # the old ref: left alone, the worker re-lists
    assert len(uids_in(admin, folder, "after")) == 1
    [raw] = src.fetch([old, new])
    assert raw.raw == mail("after")


# -- waiting for mail -------------------------------------------------------------


def test_idle_wakes_on_append_from_another_connection(make_source: Callable[..., ImapSource],
                                                      server: DovecotServer, folder: str) -> None:
    src = make_source(folder)
    src.list_refs()

    def deliver() -> None:
        c = server.client()
        c.append(folder, mail("idle"))
        c.logout()

    timer = threading.Timer(0.5, deliver)
    started = time.monotonic()
    timer.start()
    try:
        assert src.wait_for_new(30) is True
    finally:
        timer.join()
    assert time.monotonic() - started < 30  # in practice well under a second
    assert len(src.list_refs()) == 1


def test_idle_times_out_and_notices_mail_between_list_and_wait(make_source: Callable[..., ImapSource],
                                                               admin: IMAPClient, folder: str) -> None:
    src = make_source(folder)
    src.list_refs()
    started = time.monotonic()
    assert src.wait_for_new(1.0) is False
    assert 0.9 <= time.monotonic() - started < 5
    admin.append(folder, mail("between"))  # after the listing, before the wait
    started = time.monotonic()
    assert src.wait_for_new(20) is True
    assert time.monotonic() - started < 5


def test_a_watcher_that_never_listed_wakes_once_for_mail_already_there(make_source: Callable[..., ImapSource],
                                                                      admin: IMAPClient, folder: str) -> None:
    """The worker's watcher has a connection of its own that never lists: a mail that arrived between
    the ingest job's listing and the watcher's first look must wake it, not wait a poll interval."""
    admin.append(folder, mail("before the first look"))
    watcher = make_source(folder)
    started = time.monotonic()
    assert watcher.wait_for_new(20) is True
    assert time.monotonic() - started < 5
    started = time.monotonic()
    assert watcher.wait_for_new(1.0) is False, "woken once; nothing new since, so it waits"
    assert time.monotonic() - started >= 0.9


def test_a_watcher_that_never_listed_an_empty_folder_waits(make_source: Callable[..., ImapSource],
                                                           folder: str) -> None:
    started = time.monotonic()
    assert make_source(folder).wait_for_new(1.0) is False
    assert time.monotonic() - started >= 0.9


def test_without_idle_it_sleeps_the_timeout(make_source: Callable[..., ImapSource], folder: str) -> None:
    slept: list[float] = []
    src = make_source(folder, ignore_capabilities=frozenset({"IDLE"}), sleep=slept.append)
    assert src.wait_for_new(42) is True
    assert slept == [42]
    off = make_source(folder, config={"idle": False}, sleep=slept.append)
    assert off.wait_for_new(7) is True
    assert slept == [42, 7]


# -- failures and reconnecting ------------------------------------------------------


def test_server_stopped_then_back(tmp_path: Path) -> None:
    with dovecot.running_dovecot(tls=False) as srv:
        c = srv.client()
        c.append("INBOX", mail("restart"))
        c.logout()
        slept: list[float] = []
        src = ImapSource(mailbox_config(srv.url(), password=srv.password, allow_plaintext_loopback=True),
                         sleep=slept.append, backoff_base=1.0, backoff_max=4.0)
        assert len(src.list_refs()) == 1
        srv.stop()
        for _ in range(5):
            with pytest.raises(MailboxUnavailable) as info:
                src.list_refs()
            assert isinstance(info.value.__cause__, Exception)
        assert src.failures == 5
        assert slept == [1.0, 2.0, 4.0, 4.0]  # before each reconnect attempt; none before the first failure
        srv.start()
        [ref] = src.list_refs()
        assert src.failures == 0
        assert [m.raw for m in src.fetch([ref])] == [mail("restart")]
        src.close()


def test_a_session_dropped_while_unused_is_replaced_quietly() -> None:
    with dovecot.running_dovecot(tls=False) as srv:
        slept: list[float] = []
        src = ImapSource(mailbox_config(srv.url(), password=srv.password, allow_plaintext_loopback=True),
                         sleep=slept.append, probe_after=0.0)
        assert src.list_refs() == []
        srv.stop()  # e.g. the server's idle timeout, or a restart at night
        srv.start()
        assert src.list_refs() == []  # NOOP failed, so it reconnected at once
        assert src.failures == 0 and slept == []
        src.close()


def test_server_stopping_during_idle_raises_soon() -> None:
    with dovecot.running_dovecot(tls=False) as srv:
        src = ImapSource(mailbox_config(srv.url(), password=srv.password, allow_plaintext_loopback=True),
                         sleep=lambda s: None)
        src.list_refs()
        timer = threading.Timer(0.5, srv.stop)
        started = time.monotonic()
        timer.start()
        try:
            with pytest.raises(MailboxUnavailable):
                src.wait_for_new(30)
        finally:
            timer.join()
        assert time.monotonic() - started < 15
        src.close()


def test_backoff_schedule() -> None:
    assert [backoff_delay(n) for n in range(9)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert backoff_delay(10_000) == 60


def test_wrong_password_is_refused_without_echoing_it(fresh_server: DovecotServer) -> None:
    server = fresh_server
    src = ImapSource(mailbox_config(server.url(), password="hemligt-fel-lösen"), ssl_context=server.ssl_context())
    with pytest.raises(MailboxUnavailable) as info:
        src.list_refs()
    assert "lagesbild" in str(info.value) and "refused" in str(info.value)
    assert "hemligt-fel-lösen" not in str(info.value)


def test_missing_password_names_the_setting(server: DovecotServer) -> None:
    with pytest.raises(ConfigError, match="password_env"):
        ImapSource(mailbox_config(server.url(), password=None))


# -- TLS ---------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "allowed", "expected"), [
    ("127.0.0.1", True, True), ("127.8.9.10", True, True), ("::1", True, True), ("localhost", True, True),
    ("127.0.0.1", False, False), ("10.0.0.5", True, False), ("192.0.2.1", True, False),
    ("mail.dalarna.se", True, False), ("::ffff:10.0.0.1", True, False), ("localhost.evil.se", True, False),
])
def test_plaintext_only_for_allowed_loopback(host: str, allowed: bool, expected: bool) -> None:
    assert plaintext_permitted(host, allowed) is expected
    assert is_loopback(host) is (host in ("127.0.0.1", "127.8.9.10", "::1", "localhost"))


def test_starttls_is_used_and_checks_the_certificate(server: DovecotServer, folder: str) -> None:
    src = ImapSource(mailbox_config(server.url(folder), password=server.password),
                     ssl_context=server.ssl_context())
    assert src.list_refs() == []
    src.close()
    login_lines = [ln for ln in server.log_text().splitlines() if "Login: user=<lagesbild>" in ln]
    assert login_lines and all(", TLS," in ln for ln in login_lines)
    # The system trust store does not know the test CA: refused, not downgraded.
    untrusted = ImapSource(mailbox_config(server.url(folder), password=server.password))
    with pytest.raises(MailboxUnavailable, match="(?i)certificate"):
        untrusted.list_refs()


def test_implicit_tls_on_imaps(server: DovecotServer, admin: IMAPClient, folder: str) -> None:
    admin.append(folder, mail("imaps"))
    src = ImapSource(mailbox_config(server.url(folder, scheme="imaps"), password=server.password),
                     ssl_context=server.ssl_context())
    assert [m.raw for m in src.fetch(src.list_refs())] == [mail("imaps")]
    src.close()


def test_no_starttls_refused_unless_plaintext_loopback_allowed(plain_server: DovecotServer) -> None:
    strict = ImapSource(mailbox_config(plain_server.url(), password=plain_server.password))
    with pytest.raises(MailboxUnavailable, match="STARTTLS") as info:
        strict.list_refs()
    assert "allow_plaintext_loopback" in str(info.value)
    assert not [ln for ln in plain_server.log_text().splitlines() if "Login:" in ln]  # never sent the password
    relaxed = ImapSource(mailbox_config(plain_server.url(), password=plain_server.password,
                                        allow_plaintext_loopback=True))
    assert relaxed.list_refs() == []
    relaxed.close()


def test_url_parsing() -> None:
    u = parse_imap_url("imap://lagesbild%40lansstyrelsen.se@outlook.office365.com:993/Inkorg/Rapporter")
    assert (u.user, u.host, u.port, u.folder, u.implicit_tls) == (
        "lagesbild@lansstyrelsen.se", "outlook.office365.com", 993, "Inkorg/Rapporter", True)
    assert parse_imap_url("imap://u@h").port == 143 and not parse_imap_url("imap://u@h").implicit_tls
    assert parse_imap_url("imaps://u@h/").port == 993 and parse_imap_url("imaps://u@h/").folder == "INBOX"
    with pytest.raises(ConfigError):
        parse_imap_url("imap://host-without-user/INBOX")


# -- XOAUTH2 ----------------------------------------------------------------------


def _token_script(tmp_path: Path, token: str, exit_code: int = 0) -> str:
    script = tmp_path / "token.py"
    script.write_text("import sys, pathlib\n"
                      "pathlib.Path(sys.argv[1]).write_text(' '.join(sys.argv[2:]))\n"
                      f"print({token!r}, file=sys.stderr)\n"
                      f"print('  ' + {token!r} + '  ')\n"
                      f"sys.exit({exit_code})\n")
    return shlex.join([sys.executable, str(script), str(tmp_path / "ran.txt"), "--scope", "imap mail"])


def test_xoauth2_with_token_command(server: DovecotServer, admin: IMAPClient, tmp_path: Path) -> None:
    oauth_admin = server.client(OAUTH_USER)
    oauth_admin.append("INBOX", mail("oauth"))
    oauth_admin.logout()
    cfg = mailbox_config(server.url(user=OAUTH_USER), auth="xoauth2", password=None,
                         oauth_token_command=_token_script(tmp_path, server.oauth_token))
    src = ImapSource(cfg, ssl_context=server.ssl_context())
    assert [m.raw for m in src.fetch(src.list_refs())] == [mail("oauth")]
    src.close()
    assert (tmp_path / "ran.txt").read_text() == "--scope imap mail"  # run without a shell, words kept
    assert f"user=<{OAUTH_USER}>, method=XOAUTH2" in server.log_text()


def test_xoauth2_wrong_token_is_refused_without_echoing_it(fresh_server: DovecotServer, tmp_path: Path) -> None:
    server = fresh_server
    cfg = mailbox_config(server.url(user=OAUTH_USER), auth="xoauth2",
                         oauth_token_command=_token_script(tmp_path, "not-the-token-123"))
    src = ImapSource(cfg, ssl_context=server.ssl_context())
    with pytest.raises(MailboxUnavailable, match="XOAUTH2") as info:
        src.list_refs()
    assert "not-the-token-123" not in str(info.value)


def test_token_command_failures(tmp_path: Path) -> None:
    with pytest.raises(MailboxUnavailable, match="exit status 3") as info:
        CommandTokenProvider(_token_script(tmp_path, "leaky-token", exit_code=3)).token()
    assert "leaky-token" not in str(info.value)
    with pytest.raises(ConfigError, match="not found"):
        CommandTokenProvider("/nonexistent/get-token").token()
    with pytest.raises(MailboxUnavailable, match="within"):
        CommandTokenProvider(shlex.join([sys.executable, "-c", "import time; time.sleep(5)"]), timeout=0.3).token()
    with pytest.raises(MailboxUnavailable, match="one token"):
        CommandTokenProvider(shlex.join([sys.executable, "-c", "print()"])).token()
    with pytest.raises(ConfigError):
        CommandTokenProvider("'unbalanced")


class _FakeEntra:
    """A local HTTPS token endpoint speaking just enough of Microsoft Entra ID for MSAL."""

    def __init__(self, server: DovecotServer, access_token: str, secret: str) -> None:
        self.requests: list[dict[str, list[str]]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                base = f"https://127.0.0.1:{fake.port}/tenant-1"
                self._json(200, {"authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                 "token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0"})

            def do_POST(self) -> None:
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                fake.requests.append(form)
                if form.get("client_secret") != [secret]:
                    self._json(401, {"error": "invalid_client",
                                     "error_description": "AADSTS7000215: Invalid client secret provided."})
                    return
                self._json(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": access_token})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(server.root / "cert.pem", server.root / "key.pem")
        self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def provider(self, server: DovecotServer, secret: str) -> ClientCredentialsProvider:
        return ClientCredentialsProvider("tenant-1", "client-1", secret,
                                         authority_host=f"https://127.0.0.1:{self.port}", verify=str(server.ca_cert))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_xoauth2_with_client_credentials(server: DovecotServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # requests lets these variables override the CA bundle MSAL is given.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    entra = _FakeEntra(server, access_token=server.oauth_token, secret="app-secret-987")
    try:
        tokens = entra.provider(server, "app-secret-987")
        src = ImapSource(mailbox_config(server.url(user=OAUTH_USER), auth="xoauth2"),
                         ssl_context=server.ssl_context(), tokens=tokens)
        src.list_refs()
        src.close()
        assert tokens.token() == server.oauth_token  # from MSAL's cache: no second request
        [form] = entra.requests
        assert form["grant_type"] == ["client_credentials"]
        assert form["client_id"] == ["client-1"]
        assert form["scope"] == [EXCHANGE_SCOPE]

        with pytest.raises(MailboxUnavailable, match="AADSTS7000215") as info:
            entra.provider(server, "wrong-secret-555").token()
        assert "wrong-secret-555" not in str(info.value)
    finally:
        entra.close()


def test_xoauth2_configuration_errors() -> None:
    base = mailbox_config("imaps://u%40lst.se@outlook.office365.com/INBOX", auth="xoauth2")
    with pytest.raises(ConfigError, match="oauth_tenant_id"):
        token_provider(base)
    with pytest.raises(ConfigError, match="oauth_client_secret_env"):
        token_provider(replace(base, oauth_tenant_id="t", oauth_client_id="c"))
    assert isinstance(token_provider(replace(base, oauth_tenant_id="t", oauth_client_id="c",
                                             oauth_client_secret="s")), ClientCredentialsProvider)
    assert isinstance(token_provider(replace(base, oauth_token_command="get-token")), CommandTokenProvider)


# -- the factory ---------------------------------------------------------------------


def test_open_source_chooses_imap(server: DovecotServer) -> None:
    src = open_source(mailbox_config(server.url("Inkorg"), password="x"))
    assert isinstance(src, ImapSource)
    assert src.name == server.url("Inkorg")
    with pytest.raises(ConfigError, match="password_env"):
        open_source(mailbox_config(server.url(), password=None))


def test_foreign_refs_are_refused(make_source: Callable[..., ImapSource], folder: str) -> None:
    src = make_source(folder)
    with pytest.raises(ValueError):
        src.mark_done(MessageRef("imap://other@host:143/INBOX", 1, "1"), Folder.PROCESSED)
    with pytest.raises(ValueError):
        list(src.fetch([MessageRef(src.name, 1, "not-a-uid")]))
