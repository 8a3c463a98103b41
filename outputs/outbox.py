"""Sending built messages: one `Transport` seam, three implementations.

    file:DIR            FileTransport   one .eml per message, written atomically (0600)
    smtp://host:port    SmtpTransport   STARTTLS when offered; required unless the host is loopback
    smtps://host:port   SmtpTransport   implicit TLS
    graph:[MAILBOX]     GraphTransport  Microsoft Graph sendMail with the MIME message, app-only token

`open_transport(config)` chooses from `outbox.transport`. A transport takes
finished bytes (see `outputs/mail.py`) and either hands them over or raises:

    OutboxUnavailable (ground.errors)   nothing was sent; try again later
    └── TemporarySendError                 ... and maybe when (`retry_after`)
    PermanentSendError                     this message will never be accepted

A failure that would hit every message (server down, login refused, TLS
missing, Graph permission missing) is temporary: the operator fixes it and
the queue drains. Only a refusal of this message or all its recipients is
permanent. `backoff(attempts)` is the retry schedule the caller uses.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import ipaddress
import json
import logging
import os
import re
import smtplib
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Protocol

from ground.errors import ConfigError, LagesbildError, OutboxUnavailable
from outputs.mail import needs_smtputf8
from outputs.settings import OutboxConfig

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)


class TemporarySendError(OutboxUnavailable):
    """Nothing was sent; trying again later may work. `retry_after` is the server's wish, if it said."""

    def __init__(self, message: str, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(LagesbildError):
    """The message, or every one of its recipients, was refused for good; do not retry."""


class Transport(Protocol):
    """Hands one finished message to the world."""

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        """Send `message_bytes` from `sender` to `recipients`.

        Raises OutboxUnavailable (TemporarySendError) when nothing was sent
        and a later try may work, PermanentSendError when it never will.
        """
        ...


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1 min, 2, 4, … at most 6 h."""
    exponent = min(max(attempts, 1) - 1, 20)  # 2**20 minutes is far past the cap
    return min(BACKOFF_FIRST * (1 << exponent), BACKOFF_CAP)


def _check_envelope(sender: str, recipients: list[str]) -> None:
    if not recipients:
        raise ValueError("no recipients")
    for addr in (sender, *recipients):
        if not addr or any(c in addr for c in "\r\n<> ,"):
            raise ValueError(f"not an envelope address: {addr!r}")


# --------------------------------------------------------------------------
# file:DIR
# --------------------------------------------------------------------------


class FileTransport:
    """Writes each message to DIR as one `<utc-timestamp>-<hash>.eml`, owner-only (0600).

    The bytes are written to a hidden temporary name that does not end in
    .eml, flushed to disk, then linked to the final name, so a reader of DIR
    never sees half a message and never sees one twice. Envelope sender and
    recipients are not written: the headers say who the message is for.
    """

    def __init__(self, directory: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.directory = Path(directory)
        self._clock = clock or (lambda: datetime.now(UTC))

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        _check_envelope(sender, recipients)
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._write(message_bytes)
        except OSError as exc:
            raise TemporarySendError(f"cannot write to outbox folder {self.directory}: {exc.strerror or exc}") from exc

    def _write(self, data: bytes) -> Path:
        stamp = self._clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        digest = hashlib.sha256(data).hexdigest()[:12]
        tmp = self.directory / f".{stamp}-{digest}.{os.getpid()}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            final = self._publish(tmp, f"{stamp}-{digest}")
        finally:
            tmp.unlink(missing_ok=True)
        self._fsync_directory()
        return final

    def _publish(self, tmp: Path, stem: str) -> Path:
        # os.link fails instead of overwriting, so two sends of the same bytes
        # in the same microsecond still give two files.
        for n in range(1000):
            final = self.directory / (f"{stem}.eml" if n == 0 else f"{stem}-{n}.eml")
            try:
                os.link(tmp, final)
                return final
            except FileExistsError:
                continue
        raise FileExistsError(f"no free file name for {stem}")

    def _fsync_directory(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # some file systems cannot fsync a directory; the file itself is synced
        finally:
            os.close(fd)


# --------------------------------------------------------------------------
# smtp:// and smtps://
# --------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for "localhost" and loopback addresses (127.0.0.0/8, ::1)."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


_LONE_LF_RE = re.compile(rb"(?<!\r)\n")


class SmtpTransport:
    """SMTP submission with smtplib, one connection per message.

    EHLO; STARTTLS when the server offers it (and required unless the host
    is a loopback address, or `require_tls` says otherwise); LOGIN when a
    username is set. `implicit_tls` is smtps (TLS from the first byte).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        implicit_tls: bool = False,
        username: str = "",
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        require_tls: bool | None = None,
        local_hostname: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.implicit_tls = implicit_tls
        self.username = username
        self.password = password
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.require_tls = (not is_loopback(host)) if require_tls is None else require_tls
        self.local_hostname = local_hostname

    def _where(self) -> str:
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        _check_envelope(sender, recipients)
        # smtplib sends bytes as they are; SMTP wants CRLF line ends.
        data = _LONE_LF_RE.sub(b"\r\n", message_bytes)
        try:
            refused = self._send(data, sender, recipients)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _recipients_error(exc.recipients, self._where()) from exc
        except smtplib.SMTPDataError as exc:
            # The server refused the message itself (size, content): 5xx is final.
            text = _smtp_text(exc.smtp_code, exc.smtp_error)
            if 500 <= exc.smtp_code < 600:
                raise PermanentSendError(f"{self._where()} refused the message: {text}") from exc
            raise TemporarySendError(f"{self._where()} deferred the message: {text}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise TemporarySendError(f"{self._where()} refused the login for '{self.username}': "
                                     f"{_smtp_text(exc.smtp_code, exc.smtp_error)}") from exc
        except smtplib.SMTPResponseException as exc:
            # Greeting, HELO or MAIL FROM refused: a server or configuration
            # problem that hits every message, not this one.
            raise TemporarySendError(f"{self._where()} answered {_smtp_text(exc.smtp_code, exc.smtp_error)}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers refused, timeouts, TLS errors
            raise TemporarySendError(f"cannot send through {self._where()}: {exc or type(exc).__name__}") from exc
        if refused:
            # Some recipients took it: it is sent, and sending again would
            # duplicate it for them.
            _log.warning("%s refused some recipients: %s", self._where(),
                         {k: _smtp_text(*v) for k, v in refused.items()})

    def _send(self, data: bytes, sender: str, recipients: list[str]) -> dict[str, tuple[int, bytes]]:
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self.local_hostname,
                                    timeout=self.timeout, context=self.ssl_context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            if not self.implicit_tls:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=self.ssl_context)
                    smtp.ehlo()
                elif self.require_tls:
                    raise TemporarySendError(f"{self._where()} does not offer STARTTLS; mail is only sent "
                                             "unencrypted to a loopback address")
            if self.username:
                if self.password is None:
                    raise TemporarySendError(f"no SMTP password for '{self.username}' (is the variable named "
                                             "by [outbox] password_env set?)")
                self._login(smtp, self.password)
            options: list[str] = []
            if needs_smtputf8(sender, recipients):
                # RFC 6531: an address with non-ASCII characters travels only to a server that says it can
                # take it; anywhere else it would be mangled or bounce later, so it is refused here.
                if not smtp.has_extn("smtputf8"):
                    raise PermanentSendError(f"{self._where()} does not offer SMTPUTF8, which the address "
                                             f"{next(a for a in (sender, *recipients) if not a.isascii())} needs")
                options = ["SMTPUTF8"] + (["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else [])
            return smtp.sendmail(sender, recipients, data, mail_options=options)

    def _login(self, smtp: smtplib.SMTP, password: str) -> None:
        if (self.username + password).isascii():
            smtp.login(self.username, password)
            return
        # smtplib encodes credentials as ASCII and fails on "lösenord";
        # AUTH PLAIN (RFC 4616) carries UTF-8, so send that ourselves.
        if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
            raise TemporarySendError(f"{self._where()} offers no AUTH PLAIN, which a password with "
                                     "non-ASCII characters needs")
        token = base64.b64encode(b"\0" + self.username.encode() + b"\0" + password.encode()).decode("ascii")
        code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, reply)


def _smtp_text(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


def _recipients_error(refused: Mapping[str, tuple[int, bytes]], where: str) -> OutboxUnavailable | PermanentSendError:
    """Every recipient was refused: final only when every refusal is a 5xx."""
    detail = "; ".join(f"{addr}: {_smtp_text(code, msg)}" for addr, (code, msg) in refused.items())
    if refused and all(500 <= code < 600 for code, _ in refused.values()):
        return PermanentSendError(f"{where} refused every recipient: {detail}")
    return TemporarySendError(f"{where} deferred the recipients: {detail}")


# --------------------------------------------------------------------------
# graph:
# --------------------------------------------------------------------------

GRAPH_BASE_URL = "https://graph.microsoft.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TOKEN_URL = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """App-only credentials for Microsoft Graph and the mailbox to send as."""

    tenant_id: str
    client_id: str
    client_secret: str | None
    mailbox: str


class GraphTransport:
    """Microsoft Graph ``POST /v1.0/users/{mailbox}/sendMail`` with the MIME message.

    The token comes from the client-credentials flow (the app needs the
    Mail.Send application permission, scoped to the mailbox) and is reused
    until shortly before it expires. Graph takes the recipients from the
    MIME headers, so envelope recipients missing from To/Cc are added as Bcc.

    429, 5xx, 408, and 401/403/404 (token, permission or mailbox problems
    that the operator fixes) are temporary; other 4xx are permanent.
    """

    def __init__(
        self,
        settings: GraphSettings,
        *,
        base_url: str = GRAPH_BASE_URL,
        token_url: str | None = None,
        scope: str = GRAPH_SCOPE,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        proxies: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url or TOKEN_URL.format(tenant=urllib.parse.quote(settings.tenant_id, safe=""))
        self.scope = scope
        self.timeout = timeout
        self._clock = clock
        # No environment proxies unless given: below the command line nothing
        # reads the environment.
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler(dict(proxies or {}))]
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context or ssl.create_default_context()))
        self._opener = urllib.request.build_opener(*handlers)
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_expires = 0.0

    @property
    def send_url(self) -> str:
        return f"{self.base_url}/v1.0/users/{urllib.parse.quote(self.settings.mailbox, safe='@')}/sendMail"

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        _check_envelope(sender, recipients)
        body = base64.b64encode(_with_bcc(message_bytes, recipients))
        for attempt in (1, 2):
            token = self._access_token(force=attempt == 2)
            status, headers, text = self._post(self.send_url, body, {
                "Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
            if 200 <= status < 300:
                return
            if status == 401 and attempt == 1:
                continue  # the cached token may have been revoked: fetch a new one once
            raise _graph_error(status, headers, text)

    def _access_token(self, *, force: bool = False) -> str:
        with self._lock:
            if self._token and not force and self._clock() < self._token_expires:
                return self._token
            if not self.settings.client_secret:
                raise TemporarySendError("no Graph client secret (is the variable named by "
                                         "[outbox] graph_client_secret_env set?)")
            form = urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret, "scope": self.scope,
            }).encode("ascii")
            status, headers, text = self._post(self.token_url, form,
                                               {"Content-Type": "application/x-www-form-urlencoded"})
            if status != 200:
                error = _graph_error(status, headers, text)
                # A refused token request is a credentials problem for every
                # message, never a reason to drop this one.
                raise TemporarySendError(f"Graph token request failed: {error}",
                                         getattr(error, "retry_after", None))
            try:
                payload = json.loads(text)
                token = str(payload["access_token"])
                lifetime = float(payload.get("expires_in", 3600))
            except (ValueError, KeyError, TypeError) as exc:
                raise TemporarySendError("Graph token endpoint answered without an access token") from exc
            self._token = token
            # Renew five minutes early so a token never expires mid-request.
            self._token_expires = self._clock() + max(lifetime - 300, 0)
            return token

    def _post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Message, str]:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read(1 << 20).decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            text = ""
            if exc.fp is not None:
                try:
                    text = exc.read(1 << 20).decode("utf-8", "replace")
                except OSError:
                    pass  # the status says enough; the body only adds detail
                finally:
                    exc.close()
            return exc.code, exc.headers, text
        except (urllib.error.URLError, OSError) as exc:  # refused, DNS, timeout, TLS
            reason = getattr(exc, "reason", exc)
            raise TemporarySendError(f"cannot reach {urllib.parse.urlsplit(url).netloc}: {reason}") from exc


def _graph_error(status: int, headers: Message, text: str) -> TemporarySendError | PermanentSendError:
    detail = _graph_message(text)
    message = f"Microsoft Graph answered {status}" + (f": {detail}" if detail else "")
    if status in (401, 403, 404, 408, 429) or status >= 500:
        return TemporarySendError(message, _retry_after(headers.get("Retry-After")))
    return PermanentSendError(message)


def _graph_message(text: str) -> str:
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        return " ".join(text.split())[:300]
    if isinstance(error, dict):
        return f"{error.get('code', '')} {error.get('message', '')}".strip()[:300]
    return str(error or "")[:300]


def _retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """Retry-After as a delay: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - (now or datetime.now(UTC)), timedelta(0))


def _with_bcc(data: bytes, recipients: list[str]) -> bytes:
    """`data` with a Bcc header for envelope recipients not named in To/Cc/Bcc."""
    headers = BytesHeaderParser().parsebytes(data)
    named = {addr.lower() for h in ("To", "Cc", "Bcc")
             for _, addr in email.utils.getaddresses([str(v) for v in headers.get_all(h, [])])}
    extra = [r for r in recipients if r.lower() not in named]
    if not extra:
        return data
    return f"Bcc: {', '.join(extra)}\r\n".encode("ascii", "strict") + data


# --------------------------------------------------------------------------
# Choosing a transport
# --------------------------------------------------------------------------


def _graph_settings(config: OutboxConfig, url_mailbox: str) -> GraphSettings:
    # OutboxConfig has no graph keys yet; read them when the lead adds them
    # (graph_tenant_id, graph_client_id, graph_client_secret, graph_mailbox).
    mailbox = url_mailbox or str(getattr(config, "graph_mailbox", "") or "")
    settings = GraphSettings(
        tenant_id=str(getattr(config, "graph_tenant_id", "") or ""),
        client_id=str(getattr(config, "graph_client_id", "") or ""),
        client_secret=getattr(config, "graph_client_secret", None),
        mailbox=mailbox,
    )
    missing = [k for k, v in (("graph_tenant_id", settings.tenant_id), ("graph_client_id", settings.client_id),
                              ("graph_mailbox", settings.mailbox)) if not v]
    if missing:
        raise ConfigError(f"[outbox] transport = \"graph:\" needs {', '.join(missing)}")
    return settings


def open_transport(
    config: OutboxConfig,
    *,
    graph: GraphSettings | None = None,
    graph_base_url: str = GRAPH_BASE_URL,
    graph_token_url: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Transport:
    """The transport for `config.transport`.

    "file:DIR", "smtp://host[:port]" (port 25 by default), "smtps://host[:port]"
    (465) or "graph:[MAILBOX]". For graph, `graph` gives the credentials
    until OutboxConfig carries them; a mailbox in the URL wins over theirs.
    """
    url = config.transport
    if url.startswith("file:"):
        return FileTransport(url[len("file:"):])
    if url.startswith("graph:"):
        url_mailbox = url[len("graph:"):].strip("/")
        settings = graph or _graph_settings(config, url_mailbox)
        if url_mailbox and url_mailbox != settings.mailbox:
            settings = GraphSettings(settings.tenant_id, settings.client_id, settings.client_secret, url_mailbox)
        return GraphTransport(settings, base_url=graph_base_url, token_url=graph_token_url,
                              ssl_context=ssl_context, timeout=timeout)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("smtp", "smtps") and parts.hostname:
        implicit = parts.scheme == "smtps"
        return SmtpTransport(parts.hostname, parts.port or (465 if implicit else 25), implicit_tls=implicit,
                             username=config.username, password=config.password, ssl_context=ssl_context,
                             timeout=timeout)
    raise ConfigError(f"[outbox] transport: '{url}' must be file:DIR, smtp://host:port, smtps://host:port or graph:")


