"""The seam between the worker and a mailbox: one Protocol, two implementations.

`MaildirSource` (ingest/maildir.py) is the embedded default; `ImapSource`
(ingest/imap.py) talks to an IMAP server. `open_source(config)` chooses from
the `mailbox.source` URL. Nothing outside `ingest/` imports imapclient.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ground.refs import MessageRef


class Folder(enum.StrEnum):
    """Where a handled message goes in the mailbox."""

    PROCESSED = "processed"
    IGNORED = "ignored"
    QUARANTINE = "quarantine"
    ERROR = "error"


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


def groups_of_bytes(refs: Sequence[MessageRef], sizes: Mapping[MessageRef, int | None],
                    limit: int) -> Iterator[list[MessageRef]]:
    """`refs` in order, in groups of at most `limit` bytes by `sizes` (a bigger message alone; an
    unknown size counts as nothing): one fetch holds all its messages at once."""
    group: list[MessageRef] = []
    held = 0
    for ref in refs:
        size = sizes.get(ref) or 0
        if group and held + size > limit:
            yield group
            group, held = [], 0
        group.append(ref)
        held += size
    if group:
        yield group
