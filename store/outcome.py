"""What became of a message, as the store records it."""

from __future__ import annotations

import enum


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
