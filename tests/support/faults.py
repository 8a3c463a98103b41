"""Fault injection for the worker: real processes, real servers, real faults.

    proxy = TcpProxy(("127.0.0.1", 5432)); proxy.start()   # the worker talks to proxy.port
    proxy.stop()                                            # "the server is down": refused, cut
    proxy.cut_when(rb"UID MOVE")                            # drop the connection on that command
    proxy.fetched_uids()                                    # IMAP bodies the worker asked for

- `TcpProxy` relays TCP in its own thread (asyncio). Stopping it refuses new
  connections and cuts open ones, as a server that went away does; it can
  also cut a connection when the client sends a matching line (a MOVE that
  never reached the server) and counts IMAP `UID FETCH ... BODY.PEEK[]`.
- `letters()` builds a batch of distinct mails, each with its own Message-ID
  and expected outcome: forms (stored), out-of-office (ignored), unknown
  senders (quarantined), mail without a form (rejected).
- `MaildirInbox` / `ImapInbox` deliver mail and tell where each Message-ID is.
- `Workspace` writes the worker's config.toml and runs `lagesbild poll --once`
  or `lagesbild run` as processes in their own session; `kill_group` SIGKILLs
  a process with every child it forked.
- `verify()` checks what must hold after any fault; `snapshot()` records
  what a kill left half done.
- `small_tmpfs()`, `pg_tablespace()`: a disk that really fills up.
- `sqlite_write_lock()`: another connection holding SQLite's write lock.
- `pg_terminate()`: PostgreSQL ends the worker's sessions (a restart, a failover).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import functools
import hashlib
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from lagesbild.samples import sample_answers, template_docx
from parsers.form import default_form
from parsers.result import Period
from store.db import make_engine
from tests.builders import mail as mails

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
MUNICIPALITIES = ("Avesta", "Borlänge", "Falun", "Gagnef", "Hedemora", "Leksand", "Ludvika", "Mora", "Orsa",
                  "Rättvik", "Smedjebacken", "Säter", "Vansbro", "Älvdalen")
DOMAINS = {"Borlänge": "borlange.se", "Rättvik": "rattvik.se", "Säter": "sater.se", "Älvdalen": "alvdalen.se"}
# Where each kind of letter ends up, and which mail it causes (None: none).
FOLDER = {"form": "Behandlade", "noform": "Behandlade", "auto": "Ignorerade", "stranger": "Karantän"}
OUTCOME = {"form": "stored", "noform": "rejected", "auto": "ignored", "stranger": "quarantined"}
REPLY = {"form": "receipt", "noform": "error_reply", "auto": None, "stranger": "quarantine_notice"}


# --------------------------------------------------------------------------
# A TCP proxy that can go down
# --------------------------------------------------------------------------


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_FETCH_RE = re.compile(rb"^\S+ UID FETCH ([0-9:,*]+) \(.*BODY\.PEEK\[\]", re.IGNORECASE)


def _uid_set(spec: bytes) -> list[int]:
    out: list[int] = []
    for part in spec.decode().split(","):
        if ":" in part:
            lo, hi = part.split(":")
            out.extend(range(int(lo), int(hi) + 1))
        elif part.isdigit():
            out.append(int(part))
    return out


class TcpProxy:
    """Relays 127.0.0.1:`port` to `target`. `stop()` is the server going away; `start()` brings it back.

    Every line the client sends is kept (`client_lines`), so a test can count
    commands; `cut_when(pattern)` drops the connection, before forwarding, the
    next `times` times a client line matches.
    """

    def __init__(self, target: tuple[str, int], port: int | None = None) -> None:
        self.target = target
        self.port = port or free_port()
        self.client_lines: list[bytes] = []
        self.connections = 0
        self.cuts = 0
        self._rules: list[list[Any]] = []  # [compiled pattern, remaining]
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=f"proxy-{self.port}", daemon=True)
        self._thread.start()
        self._server: asyncio.base_events.Server | None = None
        self._open: set[asyncio.Transport] = set()

    # -- control, from the test's thread -------------------------------------

    def start(self) -> None:
        """Listen (again) on `port`."""
        self._call(self._start())

    def stop(self) -> None:
        """Refuse new connections and cut the open ones."""
        self._call(self._stop())

    def close(self) -> None:
        """Stop and end the proxy's thread."""
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def running(self) -> bool:
        return self._server is not None

    def cut_when(self, pattern: bytes, times: int = 1) -> None:
        """Drop the connection the next `times` times the client sends a line matching `pattern`."""
        with self._lock:
            self._rules.append([re.compile(pattern, re.IGNORECASE), times])

    def fetched_uids(self) -> Counter[int]:
        """How often each IMAP UID's body was asked for (UID FETCH ... BODY.PEEK[])."""
        counts: Counter[int] = Counter()
        with self._lock:
            lines = list(self.client_lines)
        for line in lines:
            m = _FETCH_RE.match(line)
            if m:
                counts.update(_uid_set(m.group(1)))
        return counts

    def __enter__(self) -> TcpProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the loop --------------------------------------------------------------

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(15)

    async def _start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for transport in list(self._open):
            transport.abort()
        self._open.clear()
        await asyncio.sleep(0)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        pair = (writer.transport, up_writer.transport)
        self._open.update(pair)  # type: ignore[arg-type]

        def cut() -> None:
            self.cuts += 1
            for t in pair:
                t.abort()

        await asyncio.gather(self._pump(reader, up_writer, cut, inspect=True),
                             self._pump(up_reader, writer, cut, inspect=False), return_exceptions=True)
        for t in pair:
            self._open.discard(t)
            t.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, cut: Callable[[], None],
                    *, inspect: bool) -> None:
        pending = b""
        while True:
            data = await reader.read(65536)
            if not data:
                with contextlib.suppress(OSError):
                    writer.write_eof()
                return
            if inspect:
                pending += data
                *lines, pending = pending.split(b"\r\n")
                pending = pending[-8192:]  # literals are not lines; keep the buffer small
                if self._inspect(lines):
                    cut()
                    return
            writer.write(data)
            await writer.drain()

    def _inspect(self, lines: list[bytes]) -> bool:
        with self._lock:
            self.client_lines.extend(lines)
            for line in lines:
                for rule in self._rules:
                    if rule[1] > 0 and rule[0].search(line):
                        rule[1] -= 1
                        return True
        return False


# --------------------------------------------------------------------------
# Letters: a batch of distinct mails with known outcomes
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Letter:
    """One test mail: its Message-ID, what it is, and its bytes."""

    message_id: str
    kind: str  # form | noform | auto | stranger
    raw: bytes

    @property
    def folder(self) -> str:
        return FOLDER[self.kind]


@functools.lru_cache(maxsize=2048)
def _form(municipality: str, year: int, month: int) -> bytes:
    period = Period(year, month)
    form = default_form()
    return template_docx(form, municipality, period, sample_answers(form, municipality, period, seed=year * 13))


def letter(i: int, tag: str, kind: str | None = None) -> Letter:
    """Letter number `i` of a batch. Forms never repeat a (municipality, period) for i < 14 * 12 * 30.

    Without `kind`: mostly forms, every tenth an out-of-office, every tenth
    from an unknown sender, every twentieth a mail without a form.
    """
    if kind is None:
        kind = "auto" if i % 10 == 3 else "stranger" if i % 10 == 7 else "noform" if i % 20 == 11 else "form"
    name = MUNICIPALITIES[i % len(MUNICIPALITIES)]
    domain = DOMAINS.get(name, f"{name.lower()}.se")
    j = i // len(MUNICIPALITIES)
    year, month = 2000 + j // 12, 1 + j % 12
    mid = f"<{tag}-{i}@{domain}>"
    if kind == "form":
        raw = mails.build_mail(f"samordnare@{domain}", f"Lägesbild {tag} {i}", "Hej! Här kommer lägesbilden.",
                               [(f"{name}.docx", _form(name, year, month), mails.DOCX_TYPE)], message_id=mid)
    elif kind == "noform":
        raw = mails.build_mail(f"samordnare@{domain}", f"Fråga {tag} {i}", "Hej! Hur fyller man i?",
                               message_id=mid)
    elif kind == "auto":
        raw = mails.build_mail(f"samordnare@{domain}", f"Automatiskt svar: Påminnelse {i}", "Jag är ledig.",
                               message_id=mid, headers=[("Auto-Submitted", "auto-replied")])
    elif kind == "stranger":
        mid = f"<{tag}-{i}@example.org>"
        raw = mails.build_mail("okand@example.org", f"Lägesbild {tag} {i}", "Hej!",
                               [(f"{name}.docx", _form(name, year, month), mails.DOCX_TYPE)], message_id=mid)
    else:
        raise ValueError(kind)
    return Letter(mid, kind, raw)


def letters(count: int, tag: str, start: int = 0) -> list[Letter]:
    """Letters `start` .. `start + count - 1` of batch `tag`."""
    return [letter(i, tag) for i in range(start, start + count)]


def message_id_of(raw: bytes) -> str:
    """The Message-ID header of a mail ("" when it has none)."""
    return str(BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("Message-ID", "")).strip()


# --------------------------------------------------------------------------
# Inboxes
# --------------------------------------------------------------------------


class MaildirInbox:
    """A Maildir the test delivers into as an MTA would (tmp/ then rename into new/)."""

    inbox = "INBOX"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._n = 0
        for sub in ("new", "cur", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    @property
    def source(self) -> str:
        return f"maildir:{self.root}"

    def deliver(self, raw: bytes) -> None:
        self._n += 1
        name = f"{int(time.time())}.M{time.monotonic_ns()}P{os.getpid()}Q{self._n}.mx"
        tmp = self.root / "tmp" / name
        tmp.write_bytes(raw)
        tmp.rename(self.root / "new" / name)

    def where(self) -> dict[str, Counter[str]]:
        """Message-IDs by folder ("INBOX" for new/ and cur/, else the folder's last name)."""
        out: dict[str, Counter[str]] = {}
        folders = [(self.inbox, self.root)] + [
            (_maildir_folder_name(p.name), p) for p in self.root.iterdir() if p.is_dir() and p.name.startswith(".")]
        for name, path in folders:
            ids: Counter[str] = Counter()
            for sub in ("new", "cur"):
                for f in (path / sub).iterdir() if (path / sub).is_dir() else []:
                    with contextlib.suppress(FileNotFoundError), open(f, "rb") as fh:
                        ids[message_id_of(fh.read(16384))] += 1
            out[name] = ids
        return out

    def waiting(self) -> int:
        """Messages still in the inbox."""
        return sum(self.where()[self.inbox].values())


def _maildir_folder_name(dirname: str) -> str:
    from imapclient import imap_utf7

    return str(imap_utf7.decode(dirname[1:].encode("ascii"))).split(".")[-1]


class ImapInbox:
    """A folder on the test Dovecot, delivered into with APPEND (as a person or a rule would)."""

    def __init__(self, server: Any, folder: str) -> None:
        self.server = server
        self.inbox = folder
        with self._client() as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        c = self.server.client()
        try:
            yield c
        finally:
            with contextlib.suppress(Exception):
                c.logout()

    def deliver(self, raw: bytes) -> None:
        with self._client() as c:
            c.append(self.inbox, raw)

    def deliver_all(self, raws: list[bytes]) -> None:
        with self._client() as c:
            for raw in raws:
                c.append(self.inbox, raw)

    def uidvalidity(self) -> int:
        with self._client() as c:
            return int(c.folder_status(self.inbox, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def recreate(self) -> None:
        """Delete the inbox folder and create it again: new UIDVALIDITY, UIDs from 1."""
        with self._client() as c:
            c.delete_folder(self.inbox)
            c.create_folder(self.inbox)

    def where(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        with self._client() as c:
            for flags, _delim, name in c.list_folders():
                if {b"\\Noselect", b"\\NonExistent"} & {f if isinstance(f, bytes) else str(f).encode()
                                                         for f in flags}:
                    continue  # "Lägesbild" itself: a level of the hierarchy, not a folder
                c.select_folder(name, readonly=True)
                uids = c.search(["NOT", "DELETED"])
                ids: Counter[str] = Counter()
                if uids:
                    for item in c.fetch(uids, [b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]).values():
                        ids[message_id_of(item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"])] += 1
                short = name if name == self.inbox else str(name).split(".")[-1]
                out[short] = out.get(short, Counter()) + ids
        return out

    def waiting(self) -> int:
        with self._client() as c:
            c.select_folder(self.inbox, readonly=True)
            return len(c.search(["NOT", "DELETED"]))


# --------------------------------------------------------------------------
# The worker as processes
# --------------------------------------------------------------------------


@dataclass
class Workspace:
    """A folder with the worker's config.toml; runs `lagesbild` in it as real processes."""

    root: Path
    mailbox: str
    store_url: str
    outbox: str
    imap_password: str | None = None
    poll_interval: int = 1
    max_attempts: int = 5
    extra: str = ""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.write()

    @property
    def config_path(self) -> Path:
        return self.root / "config.toml"

    def write(self) -> None:
        """(Re)write config.toml from the fields."""
        self.config_path.write_text(f"""signals = []
{self.extra}
[mailbox]
source = "{self.mailbox}"
password_env = "FAULTS_IMAP_PASSWORD"
allow_plaintext_loopback = true
poll_interval_seconds = {self.poll_interval}
max_attempts = {self.max_attempts}
batch_size = 3
[store]
url = "{self.store_url}"
[outbox]
transport = "{self.outbox}"
replies_per_sender_per_hour = 10000
""", encoding="utf-8")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAGESBILD_")}
        env["LAGESBILD_CONFIG"] = str(self.config_path)
        env["PYTHONPATH"] = str(ROOT)
        if self.imap_password is not None:
            env["FAULTS_IMAP_PASSWORD"] = self.imap_password
        return env

    def load(self) -> Any:
        """The configuration as the worker reads it (secrets from the environment it would get)."""
        from lagesbild.config import load_config

        saved = os.environ.get("FAULTS_IMAP_PASSWORD")
        if self.imap_password is not None:
            os.environ["FAULTS_IMAP_PASSWORD"] = self.imap_password
        try:
            return load_config(self.config_path)
        finally:
            if saved is None:
                os.environ.pop("FAULTS_IMAP_PASSWORD", None)
            else:
                os.environ["FAULTS_IMAP_PASSWORD"] = saved

    def poll(self, now: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """`lagesbild poll --once --json`, to the end."""
        args = [PYTHON, "-m", "lagesbild", "poll", "--once", "--json"] + (["--now", now] if now else [])
        return subprocess.run(args, cwd=self.root, env=self.env(), capture_output=True, text=True,
                              timeout=timeout, start_new_session=True)

    def spawn(self, *args: str, log: str = "worker.log") -> subprocess.Popen[bytes]:
        """`lagesbild ARGS` in its own session (so a kill reaches its children), output to `log`."""
        with open(self.root / log, "ab") as out:
            return subprocess.Popen([PYTHON, "-m", "lagesbild", *args], cwd=self.root, env=self.env(),
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def engine(self) -> Engine:
        return make_engine(self.store_url)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process and everything it forked (its session), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)


def terminate(proc: subprocess.Popen[Any], timeout: float = 60) -> int:
    """SIGTERM (a clean stop), wait for the exit code; SIGKILL the group if it hangs."""
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise AssertionError(f"the worker did not stop within {timeout} s of SIGTERM") from None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # stray children (parse sandboxes), if any
    return code


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.25) -> float:
    """Poll `condition` until true; the seconds it took. AssertionError naming `what` on timeout."""
    start = time.monotonic()
    while True:
        with contextlib.suppress(Exception):
            if condition():
                return time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


# --------------------------------------------------------------------------
# What must hold
# --------------------------------------------------------------------------


@dataclass
class Snapshot:
    """What the store held at one moment (e.g. right after a kill)."""

    stored: int = 0
    unmoved: int = 0  # committed, move not recorded: mostly the crash window between commit and move
    queued: int = 0  # mail queued, not sent yet
    sent: int = 0


class _Row(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self[name]


def rows(engine: Engine, sql: str) -> list[_Row]:
    """Run a read-only query. SQLite is read through its own read-only connection: the store's
    engine opens every transaction with BEGIN IMMEDIATE, and a test that watches must not take the
    write lock away from the worker it watches."""
    if engine.dialect.name == "sqlite":
        conn = sqlite3.connect(f"file:{engine.url.database}?mode=ro", uri=True, timeout=30)
        try:
            cur = conn.execute(sql)
            names = [d[0] for d in cur.description]
            return [_Row(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            conn.close()
    with engine.connect() as c:
        return [_Row(r._mapping) for r in c.execute(text(sql))]


def snapshot(engine: Engine) -> Snapshot:
    """Counts of stored, stored-not-moved, queued and sent."""
    [r] = rows(engine, "SELECT "
               "(SELECT count(*) FROM raw_message WHERE outcome IS NOT NULL AND outcome <> 'failed') AS stored, "
               "(SELECT count(*) FROM raw_message WHERE outcome IS NOT NULL AND outcome <> 'failed' "
               "AND NOT moved) AS unmoved, "
               "(SELECT count(*) FROM outbox WHERE status = 'queued') AS queued, "
               "(SELECT count(*) FROM outbox WHERE status = 'sent') AS sent")
    return Snapshot(int(r.stored), int(r.unmoved), int(r.queued), int(r.sent))


def cycles(engine: Engine) -> int:
    """How many worker cycles the store's heartbeat holds (a quiet cycle writes no log line, but a heartbeat)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM worker_cycle")).scalar_one())


def settled(engine: Engine, inbox: Any, count: int) -> bool:
    """True when `count` messages are decided, the inbox is empty and nothing waits to be sent.

    The store's `moved` flag is not asked: it is written after the move, so a
    crash (or a lost database session) between the two leaves it False for a
    message that was moved; the mailbox itself is the authority (see `verify`).
    """
    s = snapshot(engine)
    return s.stored >= count and s.queued == 0 and inbox.waiting() == 0


def delivered_ids(received: list[Any]) -> Counter[str]:
    """How often each Message-ID reached the SMTP server."""
    return Counter(message_id_of(r.data) for r in received)


@dataclass
class Verdict:
    """The figures of one verification."""

    messages: int
    replies: int
    duplicates: int  # mails the SMTP server received more than once (the documented crash window)


def verify(engine: Engine, inbox: Any, batch: list[Letter], received: list[Any], kills: int,
           *, settled_now: bool = True) -> Verdict:
    """Every letter stored exactly once with its outcome, answered exactly once; sent once (+ <= one per kill).

    With `settled_now` False (right after a kill) only "never twice" is checked,
    not "everything done".
    """
    by_id = {lt.message_id: lt for lt in batch}
    stored = rows(engine, "SELECT m.id, m.message_id, m.outcome, m.moved, b.raw, m.sha256 FROM raw_message m "
                          "LEFT JOIN raw_message_body b ON b.raw_message_id = m.id")
    subs = rows(engine, "SELECT raw_message_id, municipality, period, version FROM submission")
    out = rows(engine, "SELECT id, kind, related_raw_message_id, status, raw FROM outbox")
    per_id = Counter(r.message_id for r in stored)
    twice = {m: n for m, n in per_id.items() if n > 1 and m in by_id}
    assert not twice, f"stored more than once: {twice}"
    versions = Counter((s.municipality, s.period) for s in subs)
    assert max(versions.values(), default=1) == 1, f"a report filed twice: {versions.most_common(3)}"
    replies = Counter((o.related_raw_message_id, str(o.kind)) for o in out if o.related_raw_message_id)
    assert max(replies.values(), default=1) == 1, f"a reply queued twice: {replies.most_common(3)}"
    # Quarantine notices after the first within [notices] interval_minutes are gathered into one
    # (flow.staff_notices): such a message is written down, not given its own notice.
    gathered = {r.raw_message_id for r in rows(engine, "SELECT raw_message_id FROM audit_event "
                                                       "WHERE event = 'notice_deferred'")}
    for rid in gathered:
        replies[(rid, "quarantine_notice")] += 1
    sent_ids = {message_id_of(o.raw): o for o in out}
    delivered = delivered_ids(received)
    strangers = set(delivered) - set(sent_ids)
    assert not strangers, f"mail delivered that the outbox never held: {sorted(strangers)[:3]}"
    duplicates = sum(n - 1 for n in delivered.values())
    assert duplicates <= kills, f"{duplicates} mails delivered twice after {kills} kills"
    unsent_but_delivered = [m for m, o in sent_ids.items() if m in delivered and str(o.status) == "queued"]
    # A queued mail already delivered is exactly the crash window (handed over, not yet marked).
    assert len(unsent_but_delivered) <= kills
    if not settled_now:
        return Verdict(len(stored), len(out), duplicates)

    missing = set(by_id) - set(per_id)
    assert not missing, f"{len(missing)} letters never stored, e.g. {sorted(missing)[:3]}"
    where = inbox.where()
    assert sum(where.get(inbox.inbox, Counter()).values()) == 0, "messages left in the inbox"
    for r in stored:
        lt = by_id.get(r.message_id)
        if lt is None:
            continue
        assert str(r.outcome) == OUTCOME[lt.kind], (lt.message_id, r.outcome, lt.kind)
        assert r.raw is not None and r.sha256 == hashlib.sha256(r.raw).hexdigest()
        assert _same_mail(r.raw, lt.raw), f"{lt.message_id}: the stored bytes differ from the mail"
        in_folders = {f: ids[lt.message_id] for f, ids in where.items() if ids[lt.message_id]}
        assert in_folders == {lt.folder: 1}, f"{lt.message_id} is in {in_folders}, expected {lt.folder}"
        kinds = {k for (rid, k) in replies if rid == r.id}
        expected = {REPLY[lt.kind]} - {None}
        assert kinds == expected, f"{lt.message_id}: queued {kinds}, expected {expected}"
    letter_rows = {r.id for r in stored if r.message_id in by_id}
    for m, o in sent_ids.items():
        if o.related_raw_message_id in letter_rows:
            # A reply to a letter. (The worker's scheduled jobs may queue reminders or compilations at
            # any quarter of an hour; those go out with the next outbox run and are not waited for.)
            assert str(o.status) == "sent", f"outbox mail {o.id} ({o.kind}) is {o.status}"
        if str(o.status) == "sent":
            assert delivered[m] >= 1, f"outbox mail {o.id} ({o.kind}) marked sent but never delivered"
    forms = sum(1 for lt in batch if lt.kind == "form")
    assert len(subs) == forms, f"{len(subs)} submissions for {forms} forms"
    return Verdict(len(stored), len(out), duplicates)


def _same_mail(stored: bytes, sent: bytes) -> bool:
    # Dovecot keeps Maildir files with LF line ends and gives CRLF back; the content is the same.
    return stored.replace(b"\r\n", b"\n") == sent.replace(b"\r\n", b"\n")


# --------------------------------------------------------------------------
# Disks that fill up, databases that go away
# --------------------------------------------------------------------------


def can_mount() -> str | None:
    """None when this process may mount a tmpfs (root in a container that allows it), else why not."""
    if os.geteuid() != 0:
        return "mounting a small file system needs root"
    probe = Path(tempfile.mkdtemp(prefix="lagesbild-mount-"))
    try:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            return f"cannot mount a tmpfs here: {result.stderr.strip()}"
        subprocess.run(["umount", str(probe)], check=True)
        return None
    finally:
        probe.rmdir()


@contextlib.contextmanager
def small_tmpfs(size_kb: int, owner: tuple[int, int] | None = None) -> Iterator[Path]:
    """A tmpfs of `size_kb` kilobytes, mounted for the block (needs root, see `can_mount`)."""
    path = Path(tempfile.mkdtemp(prefix="lagesbild-disk-"))
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0755", "tmpfs", str(path)], check=True)
    try:
        if owner is not None:
            os.chown(path, *owner)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)
        with contextlib.suppress(OSError):
            path.rmdir()


def fill(path: Path, leave_bytes: int = 0) -> Path:
    """Write a ballast file until the file system at `path` has at most `leave_bytes` free; returns it."""
    ballast = path / "ballast"
    chunk = b"\0" * 65536
    with open(ballast, "ab") as fh:
        while True:
            free = shutil.disk_usage(path).free - leave_bytes
            if free <= 0:
                break
            try:
                fh.write(chunk[:min(len(chunk), free)])
                fh.flush()
            except OSError:
                break
    with contextlib.suppress(OSError):
        os.chown(ballast, *(path.stat().st_uid, path.stat().st_gid))
    return ballast


@contextlib.contextmanager
def pg_tablespace(base_url: str, location: Path) -> Iterator[str]:
    """A PostgreSQL tablespace at `location` (owned by the server's user); yields its name."""
    import pwd

    import psycopg

    from tests.support.postgres import _conninfo

    pg = pwd.getpwnam("postgres")
    os.chown(location, pg.pw_uid, pg.pw_gid)
    name = f"lbfault_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    with psycopg.connect(_conninfo(base_url), autocommit=True) as conn:
        conn.execute(f"CREATE TABLESPACE {name} LOCATION '{location}'")
    try:
        yield name
    finally:
        with psycopg.connect(_conninfo(base_url), autocommit=True) as conn:
            conn.execute(f"DROP TABLESPACE IF EXISTS {name}")


def with_options(url: str, **params: str) -> str:
    """`url` with more query parameters (application_name=..., options=...)."""
    u = make_url(url)
    query = dict(u.query)
    for key, value in params.items():
        if key == "options" and "options" in query:
            value = f"{query['options']} {value}"
        query[key] = value
    return u.set(query=query).render_as_string(hide_password=False)


def pg_terminate(base_url: str, application_name: str) -> int:
    """PostgreSQL ends every session of `application_name` (as on a restart or failover); how many."""
    import psycopg

    from tests.support.postgres import _conninfo

    with psycopg.connect(_conninfo(base_url), autocommit=True) as conn:
        ended = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                             (application_name,)).fetchall()
    return len(ended)


@contextlib.contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Another connection holds SQLite's write lock (BEGIN EXCLUSIVE) for the block."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("CREATE TABLE IF NOT EXISTS fault_probe (x)")  # a write: the lock is really taken
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        conn.close()


@dataclass
class Tally:
    """Figures collected over a run of trials, for the summary."""

    trials: int = 0
    kills: int = 0
    duplicates: int = 0
    unmoved_after_kill: int = 0  # kills that fell after a commit and before the move
    queued_after_kill: int = 0  # kills that left mail queued (some maybe handed over already)
    messages: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("trials", "kills", "duplicates", "unmoved_after_kill", "queued_after_kill", "messages",
                     "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def line(self, label: str) -> str:
        return (f"{label}: {self.trials} trials, {self.kills} kills, {self.messages} messages, "
                f"{self.duplicates} duplicate mails, {self.unmoved_after_kill} kills after commit before move, "
                f"{self.queued_after_kill} kills with mail queued, {self.seconds:.0f} s")


def read_eml(data: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(data, policy=policy.default)


# --------------------------------------------------------------------------
# An SMTP server that counts, and can be slow
# --------------------------------------------------------------------------


@dataclass
class SlowHandler:
    """aiosmtpd handler recording every accepted mail (see tests/support/smtp.py).

    `delay`: seconds before a mail is taken (a slow server widens the window in
    which two senders could hand over the same mail). `ack_delay`: seconds
    between taking a mail and saying 250 (a kill then falls between the
    hand-over and its record more often: the documented duplicate window).
    `on_taken`: called (in the server's thread) after each mail is taken, before the 250.
    """

    delay: float = 0.0
    ack_delay: float = 0.0
    inner: Any = None
    on_taken: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        from tests.support.smtp import RecordingHandler

        self.inner = RecordingHandler()

    @property
    def received(self) -> list[Any]:
        return list(self.inner.received)

    async def handle_RCPT(self, *args: Any) -> str:
        return str(await self.inner.handle_RCPT(*args))

    async def handle_DATA(self, *args: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        reply = str(await self.inner.handle_DATA(*args))
        if self.on_taken is not None:
            self.on_taken()
        if self.ack_delay:
            await asyncio.sleep(self.ack_delay)
        return reply


@contextlib.contextmanager
def smtp_server(delay: float = 0.0, ack_delay: float = 0.0) -> Iterator[tuple[int, SlowHandler]]:
    """A recording aiosmtpd server on a free port: (port, handler); `handler.inner` is a RecordingHandler."""
    from aiosmtpd.controller import Controller

    handler = SlowHandler(delay, ack_delay)
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), server_hostname="smtp.test")
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


# --------------------------------------------------------------------------
# A database that refuses writes to one table
# --------------------------------------------------------------------------


def refuse_writes(engine: Engine, table: str, operation: str = "INSERT") -> None:
    """From now on the database refuses `operation` on `table` as a full disk would (PostgreSQL:
    SQLSTATE 53100 disk_full; SQLite: an abort), while everything else works."""
    name = f"refuse_{table}_{operation.lower()}"
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            c.exec_driver_sql(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                              "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        else:
            c.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                              "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                              "USING ERRCODE = 'disk_full'; END $$")
            c.exec_driver_sql(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION {name}()")


def allow_writes(engine: Engine, table: str, operation: str = "INSERT") -> None:
    """Undo `refuse_writes` (space is back)."""
    name = f"refuse_{table}_{operation.lower()}"
    with engine.begin() as c:
        c.exec_driver_sql(f"DROP TRIGGER {name}" + ("" if engine.dialect.name == "sqlite" else f" ON {table}"))
