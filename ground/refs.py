"""The name of a message in the mailbox: the one fact the mailbox, the store and the flow share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class MessageRef:
    """Where a message sits: the mailbox, its UIDVALIDITY and the message's UID.

    For a Maildir, `uidvalidity` is 0 and `uid` is the file's unique name
    (the part before ":2,"); for IMAP, `uid` is the decimal UID.
    """

    mailbox: str
    uidvalidity: int
    uid: str
