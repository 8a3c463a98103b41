"""What the IMAP source asks one UID FETCH for, and how the answer becomes RawMail.

`ImapSource.fetch` (ingest.imap) selects the folder, batches and falls back
when the server fails; here are the two commands it sends and the sizing
between them. Sizes and arrival times come first (RFC822.SIZE,
INTERNALDATE), so a message over the cap is never fetched and the others are
fetched in groups of at most `FETCH_BYTES`; the bodies come with BODY.PEEK[],
so nothing is marked read.
"""

from __future__ import annotations

import imaplib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient

from ground.refs import MessageRef
from ingest.source import RawMail, too_big

#: Message bytes one FETCH brings at most (by the sizes the server gave; a bigger message comes alone).
FETCH_BYTES = 16 * 1024 * 1024

#: What the server says of one message before its body is fetched: (INTERNALDATE, RFC822.SIZE or None,
#: the problem, "" when there is none).
Meta = tuple[datetime, int | None, str]

#: The arrival time given to a message whose own could not be read.
UNKNOWN_TIME = datetime.fromtimestamp(0, UTC)


def fetch_meta(c: IMAPClient, refs: Sequence[MessageRef]) -> dict[MessageRef, Meta]:
    """INTERNALDATE and RFC822.SIZE of `refs` (all of the selected folder's UIDVALIDITY); a UID no longer
    there is missing from the answer, a message whose date is broken comes with a problem."""
    if not refs:
        return {}
    data: dict[int, dict[bytes, Any]] = c.fetch([int(r.uid) for r in refs], [b"INTERNALDATE", b"RFC822.SIZE"])
    out: dict[MessageRef, Meta] = {}
    for ref in refs:
        item = data.get(int(ref.uid))
        if item is None:
            continue
        octets = item.get(b"RFC822.SIZE")
        size = int(octets) if isinstance(octets, int) else None
        try:
            out[ref] = (utc(item.get(b"INTERNALDATE")), size, "")
        except imaplib.IMAP4.error as exc:  # this message's date is broken, not the mailbox
            out[ref] = (UNKNOWN_TIME, size, f"message {ref.uid}: {exc}")
    return out


def triage(batch: Sequence[MessageRef], meta: dict[MessageRef, Meta],
           max_bytes: int) -> tuple[list[RawMail], list[MessageRef]]:
    """Split a batch by what its sizes say: (messages answered without a fetch, refs to fetch).

    A message with a problem comes back with it; one over `max_bytes` is parked
    unfetched (a RawMail with `park` set stands for it); a ref missing from
    `meta` (expunged, moved, or from an older UIDVALIDITY) is left out.
    """
    answered: list[RawMail] = []
    wanted: list[MessageRef] = []
    for ref in batch:
        if ref not in meta:
            continue
        received, octets, problem = meta[ref]
        if problem:
            answered.append(RawMail(ref, b"", received, problem=problem))
        elif octets is not None and octets > max_bytes:
            answered.append(RawMail(ref, b"", received, problem=too_big(octets, max_bytes), park=True, size=octets))
        else:
            wanted.append(ref)
    return answered, wanted


def fetch_bodies(c: IMAPClient, refs: Sequence[MessageRef], max_bytes: int) -> list[RawMail]:
    """The bodies of `refs` (all of the selected folder's UIDVALIDITY) with BODY.PEEK[], at most one byte
    over `max_bytes` each; a message over the cap is parked, a UID no longer there is left out."""
    if not refs:
        return []
    # At most one byte over the cap is asked for: a size the server gave wrong (a Maildir file name's
    # S= value it trusts) can then neither bring a bigger message into memory nor past the cap.
    data: dict[int, dict[bytes, Any]] = c.fetch([int(r.uid) for r in refs],
                                                [f"BODY.PEEK[]<0.{max_bytes + 1}>".encode(), b"INTERNALDATE"])
    out: list[RawMail] = []
    for ref in refs:
        item = data.get(int(ref.uid))
        got = None if item is None else item.get(b"BODY[]<0>", item.get(b"BODY[]"))
        if item is None or got is None:
            continue  # expunged or moved since listing
        body = bytes(got)
        try:
            received = utc(item[b"INTERNALDATE"])
        except imaplib.IMAP4.error as exc:
            out.append(RawMail(ref, b"", UNKNOWN_TIME, problem=f"message {ref.uid}: {exc}"))
            continue
        if len(body) > max_bytes:
            out.append(RawMail(ref, b"", received, problem=too_big(len(body), max_bytes), park=True,
                               size=len(body)))
            continue
        out.append(RawMail(ref, body, received, size=len(body)))
    return out


def utc(value: Any) -> datetime:
    """An INTERNALDATE as UTC; IMAP4.error when the server gave no date or one without a time zone."""
    if not isinstance(value, datetime):
        raise imaplib.IMAP4.error(f"INTERNALDATE is not a date: {value!r}")
    if value.tzinfo is None:  # imapclient gives an aware time when normalise_times is off
        raise imaplib.IMAP4.error("INTERNALDATE without a time zone")
    return value.astimezone(UTC)
