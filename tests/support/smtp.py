"""A real SMTP server for tests: aiosmtpd on a free loopback port.

`SmtpServer` runs an aiosmtpd `Controller` with a `RecordingHandler` that
keeps every accepted message (envelope, bytes, whether the session was TLS,
who logged in) and can be told to answer RCPT or DATA with a temporary (451)
or permanent (550) refusal. `start_smtp(...)` starts one: plain, with
STARTTLS and AUTH, or with implicit TLS, all with a throw-away self-signed
certificate for 127.0.0.1 (`self_signed_cert`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TEMPORARY = "451 4.3.0 Try again later"
PERMANENT = "550 5.1.1 No such user"


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: str | None


@dataclass
class RecordingHandler:
    """Accepts and records messages; refuses on request.

    `rcpt_reply` maps a recipient (lower case, or "*" for all) to the reply
    RCPT gets instead of 250; `data_reply` replaces the 250 after DATA.
    """

    received: list[Received] = field(default_factory=list)
    rcpt_reply: dict[str, str] = field(default_factory=dict)
    data_reply: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.rcpt_reply.get(address.lower()) or self.rcpt_reply.get("*")
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.data_reply:
            return self.data_reply
        transport = server.transport
        tls = session.ssl is not None or (transport is not None and transport.get_extra_info("ssl_object") is not None)
        login = None
        if session.authenticated and isinstance(session.auth_data, LoginPassword):
            login = session.auth_data.login.decode()
        content = envelope.original_content if envelope.original_content is not None else envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        with self.lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), data, tls, login))
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class Credentials:
    """The one user the AUTH-enabled server accepts."""

    username: str = "lagesbild"
    password: str = "hemligt-lösen"

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.username.encode()
              and auth_data.password == self.password.encode())
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass
class SmtpServer:
    """A running server: where it listens, what it received, and its certificate (if TLS)."""

    host: str
    port: int
    handler: RecordingHandler
    cafile: Path | None
    credentials: Credentials | None

    def client_context(self) -> ssl.SSLContext:
        """A client SSL context that trusts this server's certificate (and verifies it)."""
        assert self.cafile is not None
        return ssl.create_default_context(cafile=str(self.cafile))


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def self_signed_cert(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """(cert.pem, key.pem) for `host` (IP SAN and "localhost"), valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lagesbild test SMTP")])
    # Valid for years either side of this process's clock: the suite also runs
    # with that clock moved a year ahead (tests/support/clock.py), and OpenSSL
    # checks the dates against the real one.
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=800)).not_valid_after(now + dt.timedelta(days=800))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextmanager
def start_smtp(
    folder: Path | None = None,
    *,
    host: str = "127.0.0.1",
    starttls: bool = False,
    implicit_tls: bool = False,
    auth: bool = False,
    smtputf8: bool = False,
) -> Iterator[SmtpServer]:
    """Run a recording SMTP server until the block ends.

    `starttls` offers STARTTLS; `implicit_tls` speaks TLS from the start
    (smtps); both need `folder` for the certificate. `auth` accepts
    `Credentials()` (over TLS only, except with implicit TLS where the whole
    session is encrypted anyway). `smtputf8` offers SMTPUTF8 (RFC 6531): only
    then are addresses with non-ASCII characters accepted.
    """
    handler = RecordingHandler()
    cafile: Path | None = None
    kwargs: dict[str, Any] = {}
    server_ctx: ssl.SSLContext | None = None
    if starttls or implicit_tls:
        assert folder is not None, "TLS needs a folder for the certificate"
        cafile, keyfile = self_signed_cert(folder, host)
        server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_ctx.load_cert_chain(str(cafile), str(keyfile))
    if starttls:
        kwargs["tls_context"] = server_ctx
    credentials = Credentials() if auth else None
    if credentials is not None:
        kwargs["authenticator"] = credentials
        # aiosmtpd only counts STARTTLS as TLS; with implicit TLS the session is encrypted from the start.
        kwargs["auth_require_tls"] = not implicit_tls
    controller = Controller(handler, hostname=host, port=free_port(host), server_hostname="smtp.test",
                            ssl_context=server_ctx if implicit_tls else None, enable_SMTPUTF8=smtputf8, **kwargs)
    controller.start()
    try:
        yield SmtpServer(host, controller.port, handler, cafile, credentials)
    finally:
        controller.stop()


@contextmanager
def silent_server(host: str = "127.0.0.1") -> Iterator[int]:
    """A port that accepts connections and never says a word (for timeouts)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    sock.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def run() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        for conn in accepted:
            conn.close()
        sock.close()
