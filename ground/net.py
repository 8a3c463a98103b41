"""Two facts about a server's address that the mailbox, the outbox and the configuration all need."""

from __future__ import annotations

import ipaddress
import re

_PASSWORD_IN_URL_RE = re.compile(r"(://[^:/@]*:)[^@/]*@")


def is_loopback(host: str) -> bool:
    """True for "localhost", 127.0.0.0/8 and ::1 (any case, brackets and a final dot allowed).

    Not "x.localhost": the connection would resolve that name, and a resolver
    may send it off the machine, where plain text must never go.
    """
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def mask_url(url: str) -> str:
    """The URL with any password in it replaced by ***: messages and logs never carry secrets."""
    return _PASSWORD_IN_URL_RE.sub(r"\1***@", url)
