"""What every page shares for safety: security headers, CSRF tokens and the sign-in rate limit.

The session itself is Starlette's SessionMiddleware (a cookie signed with
itsdangerous, always HttpOnly); this module adds what it lacks.
"""

from __future__ import annotations

import hmac
import secrets
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style at all: an injected <script> cannot run even if escaping failed once.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")

HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """ASGI middleware: the security headers on every HTTP response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        # Behind the county's TLS proxy the app listens on loopback, where the session cookie is
        # made without Secure; the request's scheme (X-Forwarded-Proto, trusted from loopback)
        # says it came over HTTPS, so the cookie gets Secure after all.
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, _secure(v) if https and k.lower() == b"set-cookie" else v)
                           for k, v in message.get("headers", [])]
                message["headers"] = [*headers, *HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure(cookie: bytes) -> bytes:
    """A Set-Cookie value with the Secure attribute."""
    return cookie if b"; secure" in cookie.lower() else cookie + b"; secure"


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict[str, Any], sent: object) -> bool:
    """True when a posted form carries the session's token (compared in constant time)."""
    token = session.get("csrf")
    return isinstance(token, str) and isinstance(sent, str) and hmac.compare_digest(token, sent)


def renew_session(session: dict[str, Any]) -> None:
    """Forget everything the session held before sign-in and give it a new id and CSRF token,
    so a session id planted before sign-in is worth nothing after it (session fixation)."""
    session.clear()
    session["sid"] = secrets.token_urlsafe(32)
    session["csrf"] = secrets.token_urlsafe(32)


class LoginLimiter:
    """At most `attempts` failed sign-ins per client address within `window`; kept in memory,
    which is enough for the one process `lagesbild web` runs."""

    def __init__(self, clock: Callable[[], datetime], attempts: int = 5,
                 window: timedelta = timedelta(minutes=15)) -> None:
        self.clock = clock
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[datetime]] = {}

    def _recent(self, key: str) -> deque[datetime]:
        failures = self._failures.setdefault(key, deque())
        cutoff = self.clock() - self.window
        while failures and failures[0] < cutoff:
            failures.popleft()
        return failures

    def blocked(self, key: str) -> bool:
        """True when `key` has used up its attempts."""
        return len(self._recent(key)) >= self.attempts

    def failed(self, key: str) -> None:
        """Count one failed attempt."""
        self._recent(key).append(self.clock())

    def succeeded(self, key: str) -> None:
        """A right password clears the count."""
        self._failures.pop(key, None)
