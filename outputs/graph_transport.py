"""The graph: transport: Microsoft Graph sendMail with the MIME message and an app-only token."""

from __future__ import annotations

import base64
import email.utils
import json
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

from outputs.outbox import DEFAULT_TIMEOUT, PermanentSendError, TemporarySendError, check_envelope

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
        check_envelope(sender, recipients)
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
