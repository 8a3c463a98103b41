"""The outbox's contract with its transports: the `Transport` seam, its errors, and the retry schedule.

A transport (`outputs/transports.py` chooses one from the configuration)
takes finished bytes (see `outputs/mail.py`) and either hands them over or
raises:

    OutboxUnavailable (ground.errors)   nothing was sent; try again later
    └── TemporarySendError                 ... and maybe when (`retry_after`)
    PermanentSendError                     this message will never be accepted

A failure that would hit every message (server down, login refused, TLS
missing, Graph permission missing) is temporary: the operator fixes it and
the queue drains. Only a refusal of this message or all its recipients is
permanent. `backoff(attempts)` is the retry schedule the caller uses.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol

from ground.errors import LagesbildError, OutboxUnavailable
from ground.retry import doubling

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
    return doubling(attempts, BACKOFF_FIRST, BACKOFF_CAP)


def check_envelope(sender: str, recipients: list[str]) -> None:
    """Refuse (ValueError) an empty recipient list or an address that cannot stand in an SMTP envelope."""
    if not recipients:
        raise ValueError("no recipients")
    for addr in (sender, *recipients):
        if not addr or any(c in addr for c in "\r\n<> ,"):
            raise ValueError(f"not an envelope address: {addr!r}")
