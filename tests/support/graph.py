"""A small stand-in for Microsoft Graph and its token endpoint, over real HTTP.

`start_graph()` runs a threading `http.server` over TLS on a free loopback
port, with a certificate of a CA made for it (`server.ssl_context` trusts
it): MSAL speaks only HTTPS. It implements

* ``GET /{tenant}/v2.0/.well-known/openid-configuration`` (where MSAL finds
  the token endpoint),
* ``POST /{tenant}/oauth2/v2.0/token`` (client credentials: checks the
  grant type, client id, secret and scope, returns a bearer token), and
* ``POST /v1.0/users/{mailbox}/sendMail`` with a MIME body: checks the
  bearer token, ``Content-Type: text/plain`` and that the body is base64 of
  a MIME message, then records it and answers 202.

Tests can queue canned answers for sendMail (`fail_next`), e.g. 429 with
Retry-After or 400, and can revoke the current token (`revoke_tokens`).
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import ssl
import tempfile
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.dovecot import _write_certificates

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "66666666-7777-8888-9999-000000000000"
CLIENT_SECRET = "graph-hemlighet"
MAILBOX = "lagesbild@lansstyrelsen.se"
SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True)
class SentMail:
    """One accepted sendMail call: the mailbox in the path and the decoded MIME bytes."""

    mailbox: str
    mime: bytes
    content_type: str


@dataclass
class GraphState:
    """What the fake Graph knows and has seen."""

    tokens: set[str] = field(default_factory=set)
    token_requests: int = 0
    sent: list[SentMail] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    canned: list[tuple[int, dict[str, str], dict[str, object]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, body: dict[str, object] | None = None, **headers: str) -> None:
        """Answer the next sendMail with `status` (headers given as keywords, e.g. Retry_After="7")."""
        with self.lock:
            self.canned.append((status, {k.replace("_", "-"): v for k, v in headers.items()},
                                body or {"error": {"code": f"Test{status}", "message": "canned failure"}}))

    def revoke_tokens(self) -> None:
        """Make every issued token invalid (the client must fetch a new one)."""
        with self.lock:
            self.tokens.clear()


@dataclass
class GraphServer:
    """A running fake: its base URL, token URL, state, and a client TLS context that trusts it."""

    base_url: str
    token_url: str
    state: GraphState
    ssl_context: ssl.SSLContext


def _handler(state: GraphState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: dict[str, object] | None = None,
                    headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, status: int, code: str) -> None:
            with state.lock:
                state.refused.append((status, code))
            self._answer(status, {"error": {"code": code, "message": code}})

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path != f"/{TENANT}/v2.0/.well-known/openid-configuration":
                return self._refuse(404, "NotFound")
            base = f"https://{self.headers.get('Host')}/{TENANT}"
            self._answer(200, {"authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                               "token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            path = urllib.parse.urlsplit(self.path).path
            if path == f"/{TENANT}/oauth2/v2.0/token":
                self._token(body)
            elif path.startswith("/v1.0/users/") and path.endswith("/sendMail"):
                self._send_mail(urllib.parse.unquote(path[len("/v1.0/users/"):-len("/sendMail")]), body)
            else:
                self._refuse(404, "NotFound")

        def _token(self, body: bytes) -> None:
            form = dict(urllib.parse.parse_qsl(body.decode()))
            with state.lock:
                state.token_requests += 1
            if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
                return self._refuse(400, "invalid_request")
            if (form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID
                    or form.get("scope") != SCOPE):
                return self._refuse(400, "invalid_request")
            if form.get("client_secret") != CLIENT_SECRET:
                return self._refuse(401, "invalid_client")
            token = secrets.token_urlsafe(24)
            with state.lock:
                state.tokens.add(token)
            self._answer(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})

        def _send_mail(self, mailbox: str, body: bytes) -> None:
            auth = self.headers.get("Authorization", "")
            with state.lock:
                known = auth.startswith("Bearer ") and auth[len("Bearer "):] in state.tokens
            if not known:
                return self._refuse(401, "InvalidAuthenticationToken")
            content_type = self.headers.get("Content-Type", "")
            if content_type.split(";")[0].strip() != "text/plain":
                return self._refuse(400, "ErrorMimeContentInvalid")
            try:
                mime = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                return self._refuse(400, "ErrorMimeContentInvalidBase64String")
            if b"\r\n\r\n" not in mime or not mime.split(b"\r\n\r\n", 1)[0].lower().count(b"subject:"):
                return self._refuse(400, "ErrorMimeContentInvalid")
            with state.lock:
                canned = state.canned.pop(0) if state.canned else None
            if canned is not None:
                status, headers, error = canned
                return self._answer(status, error, headers)
            with state.lock:
                state.sent.append(SentMail(mailbox, mime, content_type))
            self._answer(202)

    return Handler


@contextmanager
def start_graph() -> Iterator[GraphServer]:
    """Run the fake Graph on 127.0.0.1 until the block ends."""
    state = GraphState()
    with tempfile.TemporaryDirectory(prefix="fake-graph-") as folder:
        root = Path(folder)
        _write_certificates(root)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(root / "cert.pem", root / "key.pem")
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        base = f"https://127.0.0.1:{server.server_address[1]}"
        try:
            yield GraphServer(base, f"{base}/{TENANT}/oauth2/v2.0/token", state,
                              ssl.create_default_context(cafile=str(root / "ca.pem")))
        finally:
            server.shutdown()
            server.server_close()
            thread.join(2)
