"""The graph: transport: Microsoft Graph sendMail with the MIME message and an app-only token from MSAL."""

from __future__ import annotations

import base64
import email.utils
import json
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.parser import BytesHeaderParser
from typing import Any

from outputs.outbox import DEFAULT_TIMEOUT, PermanentSendError, TemporarySendError, check_envelope

GRAPH_BASE_URL = "https://graph.microsoft.com"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
AUTHORITY_HOST = "https://login.microsoftonline.com"
TOKEN_PATH = "/oauth2/v2.0/token"


@dataclass(frozen=True, slots=True)
class GraphSettings:
    """App-only credentials for Microsoft Graph and the mailbox to send as."""

    tenant_id: str
    client_id: str
    client_secret: str | None
    mailbox: str


class GraphTransport:
    """Microsoft Graph ``POST /v1.0/users/{mailbox}/sendMail`` with the MIME message.

    The token comes from MSAL's client-credentials flow (the app needs the
    Mail.Send application permission, scoped to the mailbox); MSAL caches it
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
    ) -> None:
        """`token_url` replaces Microsoft's token endpoint (https://HOST/TENANT/oauth2/v2.0/token, for tests);
        the authority MSAL asks is that URL without its /oauth2/v2.0/token."""
        self.settings = settings
        self.base_url = base_url.rstrip("/")
        tenant = urllib.parse.quote(settings.tenant_id, safe="")
        self.authority = (token_url.removesuffix(TOKEN_PATH) if token_url else f"{AUTHORITY_HOST}/{tenant}")
        self.scope = scope
        self.timeout = timeout
        # No environment proxies unless given: below the command line nothing
        # reads the environment. MSAL speaks through the same opener.
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler(dict(proxies or {}))]
        handlers.append(urllib.request.HTTPSHandler(context=ssl_context or ssl.create_default_context()))
        self._opener = urllib.request.build_opener(*handlers)
        self._lock = threading.Lock()
        self._app: Any = None

    @property
    def send_url(self) -> str:
        return f"{self.base_url}/v1.0/users/{urllib.parse.quote(self.settings.mailbox, safe='@')}/sendMail"

    def send(self, message_bytes: bytes, sender: str, recipients: list[str]) -> None:
        check_envelope(sender, recipients)
        body = base64.b64encode(_with_bcc(message_bytes, recipients))
        for attempt in (1, 2):
            token = self._access_token(force=attempt == 2)
            status, headers, text = self._open("POST", self.send_url, body, {
                "Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
            if 200 <= status < 300:
                return
            if status == 401 and attempt == 1:
                continue  # the cached token may have been revoked: fetch a new one once
            raise _graph_error(status, headers, text)

    def _application(self) -> Any:
        if self._app is None:
            import msal

            self._app = msal.ConfidentialClientApplication(
                self.settings.client_id, authority=self.authority, client_credential=self.settings.client_secret,
                http_client=_MsalHttp(self), token_cache=msal.TokenCache(),
                # Only Microsoft's own host is checked against Microsoft's list of instances.
                instance_discovery=None if self.authority.startswith(AUTHORITY_HOST + "/") else False)
        return self._app

    def _access_token(self, *, force: bool = False) -> str:
        """A current token from MSAL's cache, or a new one (`force`: the cached one was refused)."""
        with self._lock:
            if not self.settings.client_secret:
                raise TemporarySendError("no Graph client secret (is the variable named by "
                                         "[outbox] graph_client_secret_env set?)")
            try:
                app = self._application()
                if force:
                    for item in list(app.token_cache.search(app.token_cache.CredentialType.ACCESS_TOKEN)):
                        app.token_cache.remove_at(item)
                result = app.acquire_token_for_client(scopes=[self.scope])
            except TemporarySendError:
                raise
            except Exception as exc:  # noqa: BLE001 - MSAL raises discovery and protocol errors of many kinds
                raise TemporarySendError(f"Graph token request failed: {self._scrub(str(exc))}") from exc
            token = result.get("access_token")
            if isinstance(token, str) and token:
                return token
            # A refused token request is a credentials problem for every message, never a reason to drop this
            # one: temporary, with what Entra ID said (its first line; never the secret).
            error = str(result.get("error") or "no access_token in the answer")
            description = str(result.get("error_description") or "").strip().splitlines()[:1]
            detail = f"{error}: {description[0]}" if description else error
            raise TemporarySendError(f"Graph token request failed: {self._scrub(detail)}")

    def _scrub(self, text: str) -> str:
        secret = self.settings.client_secret
        return text.replace(secret, "***") if secret else text

    def _open(self, method: str, url: str, body: bytes | None,
              headers: Mapping[str, str]) -> tuple[int, Message, str]:
        request = urllib.request.Request(url, data=body, headers=dict(headers), method=method)
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


@dataclass(frozen=True, slots=True)
class _MsalResponse:
    """The response shape MSAL reads (msal.oauth2cli.http.Response)."""

    status_code: int
    headers: Message
    text: str

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise TemporarySendError(f"Microsoft Entra ID answered {self.status_code}")


class _MsalHttp:
    """The HTTP client MSAL speaks through (msal.oauth2cli.http.HttpClient): the transport's own opener, so
    its trust store, its timeout and no environment proxies hold for the token requests too."""

    def __init__(self, transport: GraphTransport) -> None:
        self._transport = transport

    def post(self, url: str, params: Mapping[str, str] | None = None, data: Any = None,
             headers: Mapping[str, str] | None = None, **_: Any) -> _MsalResponse:
        sent = dict(headers or {})
        if isinstance(data, Mapping):
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
            body = urllib.parse.urlencode(data).encode("utf-8")
        else:
            body = data.encode("utf-8") if isinstance(data, str) else data
        return _MsalResponse(*self._transport._open("POST", _with_query(url, params), body, sent))

    def get(self, url: str, params: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
            **_: Any) -> _MsalResponse:
        return _MsalResponse(*self._transport._open("GET", _with_query(url, params), None, dict(headers or {})))

    def close(self) -> None:
        """Nothing to close: the opener keeps no connection open."""


def _with_query(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"


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
