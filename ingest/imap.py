"""An IMAP mailbox (Dovecot, Exchange Online, ...) as a MailSource: listing, fetching, moving and waiting.

The session itself (TLS, sign-in, reconnecting after failures) is
`ingest.imap_connection`'s; what one UID FETCH asks for and how its answer is
read, `ingest.imap_fetch`'s. Handled messages are moved with UID MOVE, or with UID COPY,
\\Deleted and UID EXPUNGE of just their UIDs, never a plain EXPUNGE that
would remove other people's deleted messages.
"""

from __future__ import annotations

import functools
import imaplib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar
from urllib.parse import quote

from imapclient import IMAPClient
from imapclient.imapclient import DELETED

from ground.errors import MailboxUnavailable
from ground.refs import MessageRef
from ingest.imap_connection import ImapConnection
from ingest.imap_fetch import FETCH_BYTES, UNKNOWN_TIME, Meta, fetch_bodies, fetch_meta, triage
from ingest.oauth import TokenProvider
from ingest.settings import MailboxConfig, configured_folders
from ingest.source import Folder, RawMail, groups_of_bytes

_log = logging.getLogger(__name__)
T = TypeVar("T")

_IDLE_RESTART_SECONDS = 25 * 60  # RFC 2177: re-issue IDLE at least every 29 minutes


class ImapSource:
    """A MailSource over one IMAP folder. UIDs are decimal strings; UIDVALIDITY is the server's."""

    def __init__(self, config: MailboxConfig, *, connect_timeout: float = 30, read_timeout: float = 120,
                 ssl_context: ssl.SSLContext | None = None, ignore_capabilities: frozenset[str] = frozenset(),
                 backoff_base: float = 1.0, backoff_max: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep, tokens: TokenProvider | None = None,
                 probe_after: float = 60.0) -> None:
        """`ssl_context` replaces the system trust store (tests: a self-signed CA).
        `ignore_capabilities` ("MOVE", "UIDPLUS", "IDLE") makes the fallbacks testable.
        `backoff_base`/`backoff_max` shape the reconnect pauses; `sleep` is what pauses.
        `tokens` replaces the XOAUTH2 token provider the configuration names.
        A connection unused for `probe_after` seconds is checked with NOOP before use, so
        a session the server dropped meanwhile is replaced without an error."""
        self._config = config
        self._conn = ImapConnection(config, connect_timeout=connect_timeout, read_timeout=read_timeout,
                                    ssl_context=ssl_context, ignore_capabilities=ignore_capabilities,
                                    backoff_base=backoff_base, backoff_max=backoff_max, sleep=sleep, tokens=tokens,
                                    probe_after=probe_after, on_connect=self._forget_server_state)
        self._url = self._conn.url
        self._folders = configured_folders(config)
        self._sleep = sleep
        self._namespace: tuple[str, str | None] | None = None  # (prefix, delimiter) of personal folders
        self._created: set[str] = set()
        # (UIDVALIDITY, UIDNEXT) when list_refs() last looked, so wait_for_new()
        # notices mail that arrived between that listing and the wait.
        self._listed: tuple[int, int | None] | None = None

    # -- the MailSource protocol ------------------------------------------

    @property
    def name(self) -> str:
        """ "imap://user@host:port/FOLDER" with the user percent-encoded."""
        u = self._url
        return f"{u.scheme}://{quote(u.user, safe='')}@{u.host}:{u.port}/{u.folder}"

    @property
    def failures(self) -> int:
        """Consecutive failed operations or connection attempts (0 once connected again)."""
        return self._conn.failures

    @property
    def capabilities(self) -> frozenset[str]:
        """The server's capabilities after login, less the ignored ones (empty before connecting)."""
        return self._conn.capabilities

    def list_refs(self) -> list[MessageRef]:
        """UID SEARCH NOT DELETED in the inbox folder (a \\Deleted message is on its way out)."""
        def op(c: IMAPClient) -> list[MessageRef]:
            uidvalidity, uidnext = self._select(c, readonly=True)
            uids = c.search(["NOT", "DELETED"])
            self._listed = (uidvalidity, uidnext)
            return [MessageRef(self.name, uidvalidity, str(uid)) for uid in sorted(uids)]

        return self._run("UID SEARCH", op)

    def fetch(self, refs: Sequence[MessageRef]) -> Iterator[RawMail]:
        """UID FETCH BODY.PEEK[] and INTERNALDATE, `batch_size` at a time. Refs from an
        older UIDVALIDITY, and UIDs no longer there, are skipped.

        RFC822.SIZE and INTERNALDATE come first: a message over `max_message_mb`
        is never fetched (a RawMail with `park` set stands for it). When a batch
        fails (Dovecot drops the connection on a message file it cannot read),
        its messages are fetched one at a time: a message that fails again while
        the server answers for the others comes back with a `problem`, to be
        recorded in its own trap; only a server that cannot be reached at all
        raises MailboxUnavailable.
        """
        for ref in refs:
            self._check_ref(ref)
        size = self._config.batch_size
        for start in range(0, len(refs), size):
            batch = refs[start:start + size]
            meta = self._meta(batch)
            answered, wanted = triage(batch, meta, self._config.max_message_bytes)
            yield from answered
            for group in groups_of_bytes(wanted, {ref: meta[ref][1] for ref in wanted}, FETCH_BYTES):
                try:
                    got = self._run("UID FETCH", functools.partial(self._fetch_batch, batch=group))
                except MailboxUnavailable:
                    if len(group) == 1 and not self._reachable():
                        raise
                    got = list(self._fetch_one_by_one(group, meta))
                yield from got

    def _meta(self, batch: Sequence[MessageRef]) -> dict[MessageRef, Meta]:
        """`_fetch_meta` for a batch; when the server fails on it (Dovecot gives up on a message whose
        file name states a wrong size), one at a time, so that message alone comes back with a problem."""
        try:
            return self._run("UID FETCH", functools.partial(self._fetch_meta, batch=batch))
        except MailboxUnavailable:
            if not self._reachable():
                raise
        out: dict[MessageRef, Meta] = {}
        for ref in batch:
            try:
                out.update(self._run("UID FETCH", functools.partial(self._fetch_meta, batch=[ref])))
            except MailboxUnavailable as exc:
                if not self._reachable():
                    raise
                _log.warning("message %s could not be fetched: %s", ref.uid, exc)
                out[ref] = (UNKNOWN_TIME, None, f"the IMAP server could not give message {ref.uid}: {exc}")
        return out

    def _fetch_one_by_one(self, refs: Sequence[MessageRef], meta: dict[MessageRef, Meta]) -> Iterator[RawMail]:
        for ref in refs:
            try:
                yield from self._run("UID FETCH", functools.partial(self._fetch_batch, batch=[ref]))
            except MailboxUnavailable as exc:
                if not self._reachable():
                    raise
                _log.warning("message %s could not be fetched: %s", ref.uid, exc)
                yield RawMail(ref, b"", meta[ref][0], problem=f"the IMAP server could not give message "
                              f"{ref.uid}: {exc}")

    def _reachable(self) -> bool:
        """Whether the server answers now (a fresh connection if need be): tells a broken message
        from a server that went away."""
        try:
            self._run("NOOP", lambda c: c.noop())
            return True
        except MailboxUnavailable:
            return False

    def mark_done(self, ref: MessageRef, folder: Folder) -> None:
        """Move one message to `folder` (created when missing). Nothing happens when its
        UIDVALIDITY is no longer current or the UID is gone."""
        self.mark_done_many([(ref, folder)])

    def mark_done_many(self, moves: Sequence[tuple[MessageRef, Folder]]) -> None:
        """Move messages to their folders as `mark_done` does: one SELECT for all of them and
        one UID MOVE (or COPY, \\Deleted, UID EXPUNGE) per folder with all its UIDs.

        A batch used to take a SELECT and a MOVE per message, each a round trip
        and, on Dovecot, an index write: more time than filing the message.
        UID commands skip UIDs that are gone, so repeating a move is harmless.
        """
        by_folder: dict[str, list[MessageRef]] = {}
        for ref, folder in moves:
            self._check_ref(ref)
            by_folder.setdefault(self._folders[folder], []).append(ref)
        if not by_folder:
            return

        def op(c: IMAPClient) -> None:
            uidvalidity, _ = self._select(c, readonly=False)
            for name, refs in by_folder.items():
                stale = [r.uid for r in refs if r.uidvalidity != uidvalidity]
                if stale:
                    _log.info("not moving %s: UIDVALIDITY is now %d", ", ".join(stale), uidvalidity)
                uids = sorted({int(r.uid) for r in refs if r.uidvalidity == uidvalidity})
                if uids:
                    self._move(c, uids, self._ensure_folder(c, name))

        self._run(f"move to {', '.join(by_folder)}", op)

    def _move(self, c: IMAPClient, uids: list[int], target: str) -> None:
        if "MOVE" in self._conn.capabilities:
            c.move(uids, target)
            return
        # Only those still there and not flagged: a second COPY of a copied message would duplicate it.
        present = c.search(["UID", ",".join(map(str, uids)), "NOT", "DELETED"])
        if not present:
            return
        c.copy(present, target)
        c.add_flags(present, [DELETED], silent=True)
        if "UIDPLUS" in self._conn.capabilities:
            c.uid_expunge(present)
        # Without UIDPLUS the copies stay flagged \Deleted until someone expunges;
        # list_refs() no longer shows them.

    def wait_for_new(self, timeout: float) -> bool:
        """IMAP IDLE until EXISTS/RECENT or `timeout`; without IDLE, sleep `timeout` and say True."""
        self._conn.connected()  # the capabilities are known once connected
        if not self._config.idle or "IDLE" not in self._conn.capabilities:
            self._sleep(max(timeout, 0.0))
            return True
        return self._run("IDLE", lambda c: self._idle(c, timeout))

    def close(self) -> None:
        """Log out (politely if possible) and forget the connection."""
        self._conn.close()

    # -- operations --------------------------------------------------------

    def _select(self, c: IMAPClient, *, readonly: bool) -> tuple[int, int | None]:
        uidvalidity, uidnext, _ = self._select_counts(c, readonly=readonly)
        return uidvalidity, uidnext

    def _select_counts(self, c: IMAPClient, *, readonly: bool) -> tuple[int, int | None, int]:
        """(UIDVALIDITY, UIDNEXT, EXISTS) of the folder, selected."""
        info = c.select_folder(self._server_name(c, self._url.folder, prefix=False), readonly=readonly)
        uidnext, exists = info.get(b"UIDNEXT"), info.get(b"EXISTS")
        return (int(info[b"UIDVALIDITY"]), int(uidnext) if uidnext is not None else None,
                int(exists) if isinstance(exists, int) else 0)

    def _current(self, c: IMAPClient, batch: Sequence[MessageRef]) -> list[MessageRef]:
        """The refs of `batch` in the folder's current UIDVALIDITY, the folder selected read-only."""
        uidvalidity, _ = self._select(c, readonly=True)
        return [r for r in batch if r.uidvalidity == uidvalidity]

    def _fetch_meta(self, c: IMAPClient, batch: Sequence[MessageRef]) -> dict[MessageRef, Meta]:
        return fetch_meta(c, self._current(c, batch))

    def _fetch_batch(self, c: IMAPClient, batch: Sequence[MessageRef]) -> list[RawMail]:
        return fetch_bodies(c, self._current(c, batch), self._config.max_message_bytes)

    def _idle(self, c: IMAPClient, timeout: float) -> bool:
        uidvalidity, uidnext, exists = self._select_counts(c, readonly=True)
        seen, self._listed = self._listed, (uidvalidity, uidnext)
        if seen is not None and seen != self._listed:
            return True  # something changed since the last listing (or wake): no need to wait; said once
        if seen is None and exists:
            # A source that never listed (the worker's watcher) cannot know whether the mail already
            # there was handled: a mail that came between the ingest job's listing and this first look
            # would otherwise wait a whole poll interval. Wake once; the next call waits (seen is set).
            return True
        deadline = time.monotonic() + max(timeout, 0.0)
        while (remaining := deadline - time.monotonic()) > 0:
            c.idle()
            try:
                if self._idle_round(c, min(remaining, _IDLE_RESTART_SECONDS)):
                    return True
            finally:
                c.idle_done()
        return False

    @staticmethod
    def _idle_round(c: IMAPClient, seconds: float) -> bool:
        end = time.monotonic() + seconds
        early_empty = 0
        while (left := end - time.monotonic()) > 0:
            started = time.monotonic()
            responses = c.idle_check(timeout=left)
            for resp in responses:
                if isinstance(resp, tuple) and len(resp) >= 2:
                    if resp[1] in (b"EXISTS", b"RECENT"):
                        return True
                    if resp[0] == b"BYE":
                        raise ConnectionError("the server said BYE during IDLE")
            # idle_check() swallows EOF and returns early with nothing; once could be a
            # partial line, again and again means the server has gone.
            early_empty = early_empty + 1 if not responses and time.monotonic() - started < left / 2 else 0
            if early_empty >= 3:
                raise ConnectionError("the server closed the connection during IDLE")
        return False

    def _server_name(self, c: IMAPClient, name: str, *, prefix: bool) -> str:
        """A configured "A/B" folder name in the server's hierarchy ("A.B" on Dovecot's default)."""
        ns_prefix, delimiter = self._personal_namespace(c)
        parts = [p for p in name.split("/") if p]
        joined = (delimiter or "/").join(parts)
        if prefix and ns_prefix and not joined.upper().startswith(ns_prefix.upper()):
            joined = ns_prefix + joined
        return joined

    def _personal_namespace(self, c: IMAPClient) -> tuple[str, str | None]:
        if self._namespace is None:
            prefix, delimiter = "", None
            if "NAMESPACE" in self._conn.capabilities:
                personal = c.namespace().personal
                if personal:
                    prefix, delim = personal[0]
                    delimiter = delim if isinstance(delim, str) else None
            if delimiter is None:
                listed = c.list_folders("", "")  # LIST "" "" answers with the hierarchy delimiter
                if listed and listed[0][1]:
                    raw = listed[0][1]
                    delimiter = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
            self._namespace = (prefix, delimiter)
        return self._namespace

    def _ensure_folder(self, c: IMAPClient, name: str) -> str:
        target = self._server_name(c, name, prefix=True)
        if target in self._created:
            return target
        if not c.folder_exists(target):
            try:
                c.create_folder(target)
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error:
                if not c.folder_exists(target):  # not "already exists" from a race: a real refusal
                    raise
            try:
                c.subscribe_folder(target)  # so mail programs show it
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                _log.info("could not subscribe to %s: %s", target, exc)
        self._created.add(target)
        return target

    # -- the connection ----------------------------------------------------

    def _run(self, what: str, op: Callable[[IMAPClient], T]) -> T:
        """Run `op` on the live connection (see `ImapConnection.run`)."""
        return self._conn.run(what, op)

    def _forget_server_state(self) -> None:
        """A new session: the namespace and the folders made are to be learned again."""
        self._namespace = None
        self._created.clear()

    def _check_ref(self, ref: MessageRef) -> None:
        if ref.mailbox != self.name:
            raise ValueError(f"message {ref.uid} belongs to {ref.mailbox}, not {self.name}")
        if not ref.uid.isdigit():
            raise ValueError(f"not an IMAP UID: {ref.uid!r}")

