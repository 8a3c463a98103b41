"""What every check group shares: the `Check` line, the `Problem` a check raises, and the wording."""

from __future__ import annotations

import os
import pwd
import socket
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

CONFIG_CHECK = "configuration"


@dataclass(frozen=True)
class Check:
    """The outcome of one check, shown as one line.

    `ok` False is a problem to fix (`fix` says how). `ok` True with a `fix`
    is a warning: it works, but probably not as intended. `skipped` means the
    check could not be tried because an earlier one failed.
    """

    name: str
    ok: bool
    message: str
    fix: str = ""
    skipped: bool = False

    @property
    def warning(self) -> bool:
        """Works, but something is probably not as intended (an ok check with a fix)."""
        return self.ok and not self.skipped and bool(self.fix)


class Problem(Exception):
    """A check's failure, raised inside it: what is wrong, and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def who() -> str:
    """The user this process runs as (the service should run as the same one)."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def may_create(path: Path) -> tuple[bool, Path]:
    """Whether `path` could be created: its nearest existing parent is a folder we may write to."""
    parent = path
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK), parent


def table_key(dotted: str) -> str:
    """A dotted key as the configuration file shows it: "mailbox.password_env" -> "[mailbox] password_env"."""
    table, key = dotted.split(".", 1)
    return f"[{table}] {key}"


@dataclass(frozen=True)
class Probe:
    """How the network checks reach servers: the trust store, the time allowed, Graph's token endpoint."""

    ssl_context: ssl.SSLContext | None
    timeout: float
    graph_token_url: str | None


def not_tried(name: str, keys: Iterable[str], names: Mapping[str, str]) -> Check:
    """A skipped check: the secrets `keys` name are missing, so it was not tried."""
    missing = ", ".join(f"${names[k]}" if names[k] else table_key(k) for k in keys)
    return Check(name, True, f"not tried: {missing} is missing (see secrets)", skipped=True)


def joined(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def cause_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or while handling, outermost first."""
    out: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in out:
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def network_problem(exc: BaseException, host: str, port: int, key: str, timeout: float) -> Problem | None:
    """Connection, name and TLS failures, worded the same for IMAP and SMTP; None when `exc` is none of these."""
    for cause in cause_chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return Problem(f"the TLS certificate of {host}:{port} is not trusted ({cause.verify_message})",
                           f"use the host name the certificate is issued for in {key}, or add the server's "
                           "CA to this machine's trust store")
        if isinstance(cause, ssl.SSLError):
            return Problem(f"TLS with {host}:{port} failed ({cause.reason or cause})",
                           f"check the port and scheme in {key}: TLS from the first byte is imaps:// (993) or "
                           "smtps:// (465); STARTTLS is imap:// (143) or smtp:// (587)")
        if isinstance(cause, ConnectionRefusedError):
            return Problem(f"{host}:{port} refused the connection",
                           f"check the host and port in {key} and that the server is running")
        if isinstance(cause, socket.gaierror):
            return Problem(f"the host name {host} is not known", f"check the host in {key} and this machine's DNS")
        if isinstance(cause, TimeoutError):
            return Problem(f"no answer from {host}:{port} within {timeout:g} s",
                           f"check the host and port in {key} and any firewall on the way")
        if isinstance(cause, OSError) and not isinstance(cause, ssl.SSLError):
            return Problem(f"cannot connect to {host}:{port}: {cause.strerror or cause}",
                           f"check the host and port in {key} and the network")
    return None
