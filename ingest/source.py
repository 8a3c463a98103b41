"""The seam between the worker and a mailbox: one Protocol, two implementations.

`MaildirSource` (ingest/maildir.py) is the embedded default; `ImapSource`
(ingest/imap.py) talks to an IMAP server. `open_source(config)` chooses from
the `mailbox.source` URL. Nothing outside `ingest/` imports imapclient.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Outcome(enum.StrEnum):
    """What became of a message. Stored in the database as its value."""

    STORED = "stored"  # a new submission
    CORRECTION = "correction"  # a new version of an earlier submission
    DUPLICATE = "duplicate"  # the same content again; the sender is told
    IGNORED = "ignored"  # auto-reply, out-of-office, bounce: never answered
    QUARANTINED = "quarantined"  # unknown or lookalike sender, wrong municipality: staff are told
    REJECTED = "rejected"  # answered with an error reply (unreadable form, no form)
    FAILED = "failed"  # a passing failure: retried, and parked in the error folder when it keeps failing
    DROPPED = "dropped"  # quarantined, then dropped by staff (kept, never filed)
    FORWARDED = "forwarded"  # a reply in words to one of our mails: forwarded to staff, the sender told


class Folder(enum.StrEnum):
    """Where a handled message goes in the mailbox."""

    PROCESSED = "processed"
    IGNORED = "ignored"
    QUARANTINE = "quarantine"
    ERROR = "error"


FOLDER_FOR: dict[Outcome, Folder] = {
    Outcome.STORED: Folder.PROCESSED,
    Outcome.CORRECTION: Folder.PROCESSED,
    Outcome.DUPLICATE: Folder.PROCESSED,
    Outcome.REJECTED: Folder.PROCESSED,
    Outcome.IGNORED: Folder.IGNORED,
    Outcome.QUARANTINED: Folder.QUARANTINE,
    Outcome.FAILED: Folder.ERROR,
    Outcome.DROPPED: Folder.QUARANTINE,
    Outcome.FORWARDED: Folder.PROCESSED,
}


@dataclass(frozen=True, slots=True, order=True)
class MessageRef:
    """Where a message sits: the mailbox, its UIDVALIDITY and the message's UID.

    For a Maildir, `uidvalidity` is 0 and `uid` is the file's unique name
    (the part before ":2,"); for IMAP, `uid` is the decimal UID.
    """

    mailbox: str
    uidvalidity: int
    uid: str


@dataclass(frozen=True, slots=True)
class RawMail:
    """A message's bytes and when the mailbox received it (aware, UTC).

    `received_at` is IMAP INTERNALDATE, or a Maildir file's delivery time;
    never the sender's Date: header.

    `problem` says why the message could not be read (its file unreadable, the
    server failing on just this message, or it is bigger than the cap); `raw`
    is then empty and the worker records the problem inside the message's own
    trap instead of failing the whole cycle. `park` is True when trying again
    cannot help (too big): the message is parked at once and staff are told.
    `size` is the size the mailbox gave, when known (bytes).
    """

    ref: MessageRef
    raw: bytes
    received_at: datetime
    problem: str = ""
    park: bool = False
    size: int | None = None


def shown_uid(uid: str) -> str:
    """A UID as text any log, database or mail accepts: a Maildir name that is not UTF-8 (its
    bytes kept as surrogate escapes) shows them as \\x escapes. For display and keys only."""
    if uid.isascii():
        return uid
    return uid.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def too_big(size: int, cap: int) -> str:
    """Why a message was not read: it is over `[mailbox] max_message_mb`."""
    mb = 1024 * 1024
    return (f"meddelandet är {size / mb:.1f} MB, större än gränsen {cap / mb:.0f} MB ([mailbox] max_message_mb); "
            "det lästes inte")


class MailSource(Protocol):
    """A mailbox the worker reads from. Implementations raise MailboxUnavailable."""

    @property
    def name(self) -> str:
        """The mailbox's identity as stored with each message (e.g. "maildir:/srv/lb")."""
        ...

    def list_refs(self) -> list[MessageRef]:
        """Every message now waiting in the inbox folder (cheap: no bodies)."""
        ...

    def fetch(self, refs: Sequence[MessageRef]) -> Iterator[RawMail]:
        """The bodies of `refs`, in batches, without marking them read."""
        ...

    def mark_done(self, ref: MessageRef, folder: Folder) -> None:
        """Move a handled message to `folder`. A message already gone is not an error."""
        ...

    def mark_done_many(self, moves: Sequence[tuple[MessageRef, Folder]]) -> None:
        """Move several handled messages, each to its folder, as `mark_done` does one.
        When it raises, any of them may or may not have moved (each move is safe to repeat)."""
        ...

    def wait_for_new(self, timeout: float) -> bool:
        """Block until mail may have arrived (IMAP IDLE) or `timeout` passes."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...
