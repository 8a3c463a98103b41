"""The IMAP connection: the source URL, TLS and sign-in, reconnect pauses, and failures as MailboxUnavailable.

The connection is opened lazily and kept; any socket or protocol error closes
it and surfaces as MailboxUnavailable, and the next call reconnects after a
pause that doubles with each consecutive failure (1, 2, 4 ... 60 s). The
password never crosses the network in clear text unless the operator allowed
it for a server on this machine.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from imapclient.imapclient import SocketTimeout

from ground.errors import ConfigError, MailboxUnavailable
from ground.net import is_loopback, mask_url
from ground.retry import doubling
from ingest.oauth import TokenProvider, token_provider
from ingest.settings import MailboxConfig

_log = logging.getLogger(__name__)
T = TypeVar("T")

# imaplib.IMAP4.error is imapclient's IMAPClientError (abort and readonly derive
# from it); OSError covers refused and reset connections, timeouts and TLS errors.
_NET_ERRORS: tuple[type[BaseException], ...] = (OSError, imaplib.IMAP4.error, EOFError)


@dataclass(frozen=True, slots=True)
class ImapUrl:
    """The parts of "imap://user@host:port/FOLDER" (or "imaps://...")."""

    scheme: str
    user: str
    host: str
    port: int
    folder: str

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte: imaps:// or port 993. Otherwise STARTTLS."""
        return self.scheme == "imaps" or self.port == 993



def parse_imap_url(url: str) -> ImapUrl:
    """Split an imap(s) URL; the user and folder may be percent-encoded ("%40" for "@")."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ConfigError(f"[mailbox] source: '{mask_url(url)}' must be imap://user@host:port/FOLDER")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError as exc:
        raise ConfigError(f"[mailbox] source: '{mask_url(url)}' has a bad port") from exc
    user = unquote(parts.username or "")
    if not user:
        raise ConfigError(f"[mailbox] source: '{mask_url(url)}' names no user (imap://user@host:port/FOLDER)")
    folder = unquote(parts.path.strip("/")) or "INBOX"
    return ImapUrl(parts.scheme, user, parts.hostname, port, folder)



def plaintext_permitted(host: str, allow_plaintext_loopback: bool) -> bool:
    """May we log in without TLS? Only when the operator allowed it AND the server is this machine."""
    return allow_plaintext_loopback and is_loopback(host)


def backoff_delay(failures: int, base: float = 1.0, maximum: float = 60.0) -> float:
    """The pause before reconnecting after `failures` consecutive failures: 0, 1, 2, 4 ... maximum."""
    if failures <= 0:
        return 0.0
    return doubling(failures, timedelta(seconds=base), timedelta(seconds=maximum)).total_seconds()


class ImapConnection:
    """One kept IMAP session for the mailbox `config` names: opened when needed, reopened after failures."""

    def __init__(self, config: MailboxConfig, *, connect_timeout: float, read_timeout: float,
                 ssl_context: ssl.SSLContext | None, ignore_capabilities: frozenset[str],
                 backoff_base: float, backoff_max: float, sleep: Callable[[float], None],
                 tokens: TokenProvider | None, probe_after: float,
                 on_connect: Callable[[], None] = lambda: None) -> None:
        """See `ingest.imap.ImapSource` for the options; `on_connect` is called after each new login
        (what the caller learned about the previous session no longer holds)."""
        self._config = config
        self.url = parse_imap_url(config.source)
        if config.auth == "password":
            if config.password is None:
                raise ConfigError("[mailbox] password_env: the environment variable it names is not set "
                                  "(an imap:// source with auth = \"password\" needs it)")
            self._tokens: TokenProvider | None = None
        elif config.auth == "xoauth2":
            self._tokens = tokens if tokens is not None else token_provider(config)
        else:
            raise ConfigError(f"[mailbox] auth: must be \"password\" or \"xoauth2\", got '{config.auth}'")
        self._timeout = SocketTimeout(connect_timeout, read_timeout)
        self._ssl_context = ssl_context
        self._ignore = frozenset(c.upper() for c in ignore_capabilities)
        self._backoff = (backoff_base, backoff_max)
        self._sleep = sleep
        self._probe_after = probe_after
        self._on_connect = on_connect
        self._client: IMAPClient | None = None
        self._caps: frozenset[str] = frozenset()
        self._last_used = 0.0
        self._failures = 0

    @property
    def failures(self) -> int:
        """Consecutive failed operations or connection attempts (0 once connected again)."""
        return self._failures

    @property
    def capabilities(self) -> frozenset[str]:
        """The server's capabilities after login, less the ignored ones (empty before connecting)."""
        return self._caps

    def run(self, what: str, op: Callable[[IMAPClient], T]) -> T:
        """Run `op` on a live connection; translate failures and drop the connection."""
        client = self.connected()
        try:
            result = op(client)
        except _NET_ERRORS as exc:
            self._drop()
            self._failures += 1
            raise MailboxUnavailable(f"IMAP {what} on {self.where()} failed: {self._scrub(exc)}") from exc
        self._last_used = time.monotonic()
        return result

    def connected(self) -> IMAPClient:
        """The live session: the kept one (checked with NOOP when idle a while), else a new login."""
        if self._client is not None:
            if time.monotonic() - self._last_used < self._probe_after:
                return self._client
            try:
                self._client.noop()
                self._last_used = time.monotonic()
                return self._client
            except _NET_ERRORS:
                _log.info("IMAP connection to %s was closed by the server; reconnecting", self.where())
                self._drop()
        delay = backoff_delay(self._failures, *self._backoff)
        if delay > 0:
            self._sleep(delay)
        try:
            self._client = self._connect()
        except MailboxUnavailable:
            self._failures += 1
            raise
        self._failures = 0
        self._last_used = time.monotonic()
        return self._client

    def close(self) -> None:
        """Log out (politely if possible) and forget the connection."""
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - closing a broken connection; nothing to report
            _shutdown(client)

    def where(self) -> str:
        """ "host:port", for messages."""
        return f"{self.url.host}:{self.url.port}"

    def _connect(self) -> IMAPClient:
        u = self.url
        context = self._ssl_context or ssl.create_default_context()
        try:
            client = IMAPClient(u.host, u.port, ssl=u.implicit_tls, ssl_context=context, timeout=self._timeout)
        except _NET_ERRORS as exc:
            raise MailboxUnavailable(f"cannot connect to IMAP server {self.where()}: {exc}") from exc
        try:
            self._secure(client, context)
            self._login(client)
            client.normalise_times = False  # INTERNALDATE with its zone, not local naive time
            caps = {c.decode("ascii", "replace").upper() if isinstance(c, bytes) else str(c).upper()
                    for c in client.capabilities()}
        except _NET_ERRORS as exc:
            _shutdown(client)
            raise MailboxUnavailable(f"IMAP connection to {self.where()} failed: {self._scrub(exc)}") from exc
        except BaseException:  # MailboxUnavailable, or ConfigError from the token command
            _shutdown(client)
            raise
        self._caps = frozenset(caps - self._ignore)
        self._on_connect()
        # DEBUG: every ingest cycle connects (and the IDLE watcher after each wait), so at INFO this line
        # would be the log's chatter; a failure to connect is a warning of its own.
        _log.debug("connected to IMAP server %s", self.where())
        return client

    def _secure(self, client: IMAPClient, context: ssl.SSLContext) -> None:
        if self.url.implicit_tls:
            return
        if b"STARTTLS" in client.capabilities():
            client.starttls(context)
            return
        if not plaintext_permitted(self.url.host, self._config.allow_plaintext_loopback):
            raise MailboxUnavailable(
                f"IMAP server {self.where()} does not offer STARTTLS; refusing to log in without encryption. "
                "Use imaps:// (port 993), enable TLS on the server, or, for a server on this machine only, "
                "set [mailbox] allow_plaintext_loopback = true")

    def _login(self, client: IMAPClient) -> None:
        user = self.url.user
        token = ""
        try:
            if self._tokens is None:
                password = self._config.password or ""
                if (user + password).isascii():
                    client.login(user, password)
                elif b"AUTH=PLAIN" in client.capabilities():
                    client.plain_login(user, password)  # SASL PLAIN carries UTF-8; LOGIN only ASCII
                else:
                    raise MailboxUnavailable(f"IMAP server {self.where()} offers no AUTH=PLAIN, and LOGIN "
                                             "cannot carry a user name or password with non-ASCII characters")
            else:
                token = self._tokens.token()
                client.oauth2_login(user, token)
        except LoginError as exc:
            method = "XOAUTH2" if self._tokens is not None else "password"
            reason = self._scrub(exc).replace(token, "***") if token else self._scrub(exc)
            raise MailboxUnavailable(f"IMAP login as {user} on {self.where()} ({method}) was refused: "
                                     f"{reason}") from exc

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _shutdown(client)

    def _scrub(self, exc: BaseException) -> str:
        """The error's text without the password (servers do not echo it, but be sure)."""
        text = str(exc) or type(exc).__name__
        if self._config.password:
            text = text.replace(self._config.password, "***")
        return text


def _shutdown(client: IMAPClient) -> None:
    with contextlib.suppress(Exception):  # the socket may already be gone
        client.shutdown()
