"""One ingest cycle: list the mailbox, handle each new message exactly once.

For each message: read it, parse its forms (in capped child processes), decide
what it is, and record everything in ONE transaction keyed by (mailbox,
UIDVALIDITY, UID): the raw bytes, the submissions, the replies to send (the
outbox), and the audit trail. Only after the commit is the message moved in
the mailbox; a restart finds messages stored but not moved, and only moves
them. A crash at any point therefore loses nothing and duplicates nothing.

A message that comes back under a new key (a new UIDVALIDITY, a copy put
back into the inbox) but is byte for byte one already handled is recorded as
ignored and moved, never filed or answered again.

A message that fails for a passing reason (the database or mailbox briefly
away) is retried with growing pauses and parked in the error folder when it
keeps failing; the worker never stops on one message.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from flow.decide import decide
from flow.filing import Decided, record_message
from flow.folders import FOLDER_FOR
from flow.handled import Handled, municipality_of
from flow.notify import queue_parked_notice
from flow.reading import BATCH_BYTES, Parse, Progress, Reading, read_ahead, start_reading
from flow.sandbox import parse_isolated
from flow.settings import Config
from flow.trust import verdict_for
from ground.errors import LagesbildError, MailboxUnavailable, MessageUnreadable, StoreUnavailable
from ground.refs import MessageRef
from ground.retry import doubling
from ingest.message import read_message
from ingest.source import Folder, MailSource, RawMail, shown_uid
from store import repo
from store.db import read_transaction, transaction
from store.errors import AlreadyClaimed
from store.outcome import Outcome

_log = logging.getLogger(__name__)



@dataclass(slots=True)
class PollReport:
    """What one cycle did, for the command line and the logs."""

    outcomes: Counter[str] = field(default_factory=Counter)
    moved_only: int = 0
    waiting: int = 0  # failed earlier, not yet due for a retry
    claimed_elsewhere: int = 0  # another worker was handling it at the same moment
    failures: list[str] = field(default_factory=list)
    parked: int = 0  # too big to read: parked at once, staff told (an outcome, not a failure to retry)
    handled: list[Handled] = field(default_factory=list)  # each message, for the log and the metrics

    @property
    def failed(self) -> int:
        return self.outcomes[Outcome.FAILED.value]


def _retry_delay(attempts: int) -> timedelta:
    """A message that failed for a passing reason is tried again after 1 minute, doubling, at most 6 hours."""
    return doubling(attempts, timedelta(minutes=1), timedelta(hours=6))


def poll_once(source: MailSource, engine: Engine, config: Config, now: datetime,
              parse: Parse = parse_isolated, progress: Progress | None = None,
              alive: Callable[[], None] | None = None) -> PollReport:
    """Handle every message waiting in the mailbox once. Raises MailboxUnavailable or
    StoreUnavailable only when nothing could be done at all.

    `alive()` is called each time one message moves on (fetched, its forms read and decided, recorded,
    handled alone), not once a batch: the worker's watchdog counts it as progress, so a batch of slow
    messages keeps it fed while one message stuck longer than its stall time still starves it."""
    report = PollReport()
    tick = alive or _nothing
    refs = source.list_refs()
    if not refs:
        return report
    with read_transaction(engine) as s:
        known = {}
        for (mailbox, uidvalidity), group in _grouped(refs).items():
            known.update({(mailbox, uidvalidity, uid): k for uid, k in
                          repo.known_refs(s, mailbox, uidvalidity, [r.uid for r in group]).items()})
    to_fetch: list[MessageRef] = []
    handled: list[tuple[MessageRef, Folder, int]] = []  # stored by an earlier run, not moved yet
    for ref in refs:
        k = known.get((ref.mailbox, ref.uidvalidity, ref.uid))
        if k is None:
            to_fetch.append(ref)
        elif k.outcome is not None and k.outcome != Outcome.FAILED:
            handled.append((ref, FOLDER_FOR[Outcome(k.outcome)], k.id))
        elif k.next_attempt_at is not None and k.next_attempt_at > now:
            report.waiting += 1
        else:
            to_fetch.append(ref)
    size = config.mailbox.batch_size
    for start in range(0, len(handled), size):
        # After an outage many may wait: moved a batch at a time, like new mail.
        chunk = handled[start:start + size]
        source.mark_done_many([(ref, folder) for ref, folder, _ in chunk])
        _record_moved(engine, [raw_id for _, _, raw_id in chunk])
        report.moved_only += len(chunk)
        tick()
    new_keys = {ref for ref in to_fetch if (ref.mailbox, ref.uidvalidity, ref.uid) not in known}
    done = 0
    # The next batch's forms are read while this one is recorded: a window of a whole batch.
    for batch in _batches(read_ahead(_each(source.fetch(to_fetch), tick), config, parse, window=size), size):
        for one in _handle_batch(batch, source, engine, config, now, report, new_keys,
                                 getattr(parse, "pump", _nothing), tick):
            done += 1
            tick()
            if progress is not None:
                progress(done, len(to_fetch))
            if one is None:
                report.claimed_elsewhere += 1
            else:
                # One line per message for the operator (flow.handled); a parked one is counted as "parked".
                _log.info("%s", one.log_line())
                report.handled.append(one)
                report.outcomes[one.outcome] += 1
    return report



def _grouped(refs: list[MessageRef]) -> dict[tuple[str, int], list[MessageRef]]:
    out: dict[tuple[str, int], list[MessageRef]] = {}
    for ref in refs:
        out.setdefault((ref.mailbox, ref.uidvalidity), []).append(ref)
    return out


def _move(source: MailSource, engine: Engine, ref: MessageRef, folder: Folder, raw_id: int) -> None:
    source.mark_done(ref, folder)
    with transaction(engine) as s:
        repo.mark_moved(s, raw_id)


def _batches(readings: Iterable[Reading], size: int, max_bytes: int = BATCH_BYTES) -> Iterator[list[Reading]]:
    """The readings in order, in batches of up to `size` messages and `max_bytes` of mail.

    A batch never holds two copies of one mail (same Message-ID and bytes):
    the second must see the first recorded to be recognised as a copy.
    """
    batch: list[Reading] = []
    held = 0
    keys: set[tuple[str | None, str]] = set()
    for reading in readings:
        key = reading.content_key()
        if batch and (len(batch) >= size or held + len(reading.raw.raw) > max_bytes or key in keys):
            yield batch
            batch, held, keys = [], 0, set()
        batch.append(reading)
        held += len(reading.raw.raw)
        if key is not None:
            keys.add(key)
    if batch:
        yield batch


def _nothing() -> None:
    pass


def _each(raws: Iterable[RawMail], tick: Callable[[], None]) -> Iterator[RawMail]:
    """`raws` as fetched, with a tick after each one (a slow mailbox's batch is many steps, not one)."""
    for raw in raws:
        tick()
        yield raw


def _handle_batch(batch: list[Reading], source: MailSource, engine: Engine, config: Config, now: datetime,
                  report: PollReport, new_keys: set[MessageRef], pump: Callable[[], None] = _nothing,
                  tick: Callable[[], None] = _nothing) -> list[Handled | None]:
    """Handle a batch of messages with one transaction for all of them; their outcomes in order.

    Each message is recorded in a savepoint of its own, so one that fails
    leaves the others filed; it is then handled alone, exactly as a single
    message is (see `_handle_with_trap`). When the batch as a whole cannot be
    committed (the database went away), every message is handled alone: a
    batch never changes what becomes of a message, only how many commits it
    takes. Nothing is sent before the commit, so a crash loses nothing.
    `pump` keeps the readers on the next batch's forms while this one is recorded; `tick` is called as
    each message moves on (its forms read and decided, recorded, handled alone).
    """
    try:
        if len(batch) == 1:
            return [_handle_with_trap(batch[0], source, engine, config, now, report, batch[0].raw.ref in new_keys)]
        try:
            copies = _copies_of(engine, batch)
        except Exception:  # noqa: BLE001 - the store is away or worse: one by one below, each in its own trap
            copies = None
        outcomes: list[Handled | None] = [None] * len(batch)
        alone: list[int] = []
        items: dict[int, Decided] = {}
        recorded: dict[int, tuple[Outcome, int] | None] = {}
        decided: list[tuple[int, Decided]] = []
        for i, reading in enumerate(batch):
            if copies is None:
                alone.append(i)
                continue
            try:
                items[i] = _decided(reading, config, copies.get(reading.content_key() or ("", "")),
                                    reading.raw.ref in new_keys)
                decided.append((i, items[i]))
            except Exception:  # noqa: BLE001 - handled alone below, inside the per-message trap
                alone.append(i)
            tick()  # a message's forms read (the slow part): progress, however many the batch holds
        try:
            with transaction(engine) as s:
                for i, item in decided:
                    try:
                        with s.begin_nested():
                            recorded[i] = record_message(s, item, config, now)
                        pump()
                        tick()
                    except AlreadyClaimed:
                        recorded[i] = None
                    except Exception:  # noqa: BLE001 - rolled back to its savepoint; handled alone below.
                        # Were the connection itself lost, the commit fails too and all go alone.
                        alone.append(i)
        except Exception:  # noqa: BLE001 - nothing of the batch was committed: each message alone
            alone = sorted({*alone, *(i for i, _ in decided)})
            recorded = {}
        moves: list[tuple[MessageRef, Folder]] = []
        raw_ids: list[int] = []
        for i, result in recorded.items():
            if result is not None:
                outcome, raw_id = result
                outcomes[i] = _handled(batch[i], raw_id, items[i], outcome.value)
                moves.append((batch[i].raw.ref, FOLDER_FOR[outcome]))
                raw_ids.append(raw_id)
        if _mark_batch_done(source, moves):
            _record_moved(engine, raw_ids)
        done_at = time.monotonic()
        outcomes = [h if h is None else _handled(batch[i], h.raw_id, items.get(i), h.outcome, done_at)
                    for i, h in enumerate(outcomes)]  # the time taken counts the commit and the move
        for i in sorted(alone):
            outcomes[i] = _handle_with_trap(batch[i], source, engine, config, now, report,
                                            batch[i].raw.ref in new_keys, items.get(i))
            tick()
        return outcomes
    finally:
        for reading in batch:
            reading.discard()


def _handled(reading: Reading, raw_id: int | None, item: Decided | None, outcome: str,
             done_at: float | None = None) -> Handled:
    return Handled(shown_uid(reading.raw.ref.uid), raw_id, municipality_of(item), outcome,
                   (done_at or time.monotonic()) - reading.started, reading.read_seconds)


def _decided(reading: Reading, config: Config, earlier: repo.RawMessageView | None, known_new: bool) -> Decided:
    """Read the message's forms (unless it is a copy of a handled mail) and decide what it is."""
    message = reading.message()
    decision = None
    if earlier is None:
        decision = decide(message, reading.files(), config, reading.raw.received_at, verdict_for(message, config))
    return Decided(reading.raw, message, reading.sha256(), earlier, decision, known_new)


def _copies_of(engine: Engine, batch: list[Reading]) -> dict[tuple[str | None, str], repo.RawMessageView]:
    """The earlier handled copy of each of these mails that came back under a new key, by
    (Message-ID, SHA-256).

    A key (mailbox, UIDVALIDITY, UID) is new whenever the server gives the
    folder a new UIDVALIDITY (a rebuilt index, a folder deleted and created
    again, a move to another server) or a person copies a handled mail back
    into the inbox. Without this, mail already answered would be filed and
    answered again (paperless-ngx #8944 seen from the other side); a copy is
    recognised by its Message-ID and the SHA-256 of its bytes, so a resend by
    the municipality (a new Message-ID) is still handled as such.
    """
    keys = [key for key in (r.content_key() for r in batch) if key is not None]
    with read_transaction(engine) as s:
        return repo.find_copies(s, keys)


def _mark_batch_done(source: MailSource, moves: list[tuple[MessageRef, Folder]]) -> bool:
    """Move a batch's recorded messages (one mailbox command per folder); whether all moved."""
    if not moves:
        return False
    try:
        source.mark_done_many(moves)
        return True
    except MailboxUnavailable as exc:
        # Stored safely; the next cycle finds those still in the inbox stored-but-not-moved and
        # moves them (the others no longer show up there).
        _log.warning("%d messages stored but not moved yet (or only some): %s", len(moves), exc)
        return False


def _record_moved(engine: Engine, raw_ids: list[int]) -> None:
    if not raw_ids:
        return
    try:
        with transaction(engine) as s:
            repo.mark_moved_many(s, raw_ids)
    except StoreUnavailable as exc:
        # Moved but not recorded as moved: the next cycle no longer lists them, nothing is lost.
        _log.warning("%d messages moved but not recorded as moved yet: %s", len(raw_ids), exc)


def _handle_with_trap(reading: Reading, source: MailSource, engine: Engine, config: Config, now: datetime,
                      report: PollReport, known_new: bool = False, item: Decided | None = None) -> Handled | None:
    """The one place that catches everything: a message never stops the worker.

    `item`: the message already decided (by a batch that could not record it).
    None means another worker claimed the message first (it files and moves it)."""
    raw = reading.raw
    try:
        if item is None:
            outcome, raw_id, item = _handle(reading, engine, config, now, known_new)
        else:
            with transaction(engine) as s:
                outcome, raw_id = record_message(s, item, config, now)
    except AlreadyClaimed:
        return None  # another worker holds it, and moves it
    except Exception as exc:  # noqa: BLE001 - the per-message trap (see module docstring)
        reason = str(exc) if isinstance(exc, MessageUnreadable) else f"{type(exc).__name__}: {exc}"
        _log.warning("message %s failed: %s", shown_uid(raw.ref.uid), reason)
        _record_failure(raw, engine, config, now, reason, source)
        if raw.park:
            report.parked += 1  # counted under "parked", not as a failure to retry
            return _handled(reading, None, item, "parked")
        report.failures.append(f"{shown_uid(raw.ref.uid)}: {reason}")
        return _handled(reading, None, item, Outcome.FAILED.value)
    finally:
        reading.discard()
    try:
        _move(source, engine, raw.ref, FOLDER_FOR[outcome], raw_id)
    except (MailboxUnavailable, StoreUnavailable) as exc:
        # Stored safely; the next cycle finds it stored-but-not-moved and moves it.
        _log.warning("message %s stored but not moved yet: %s", raw.ref.uid, exc)
    return _handled(reading, raw_id, item, outcome.value)


def _record_failure(raw: RawMail, engine: Engine, config: Config, now: datetime, reason: str,
                    source: MailSource) -> None:
    try:
        with transaction(engine) as s:
            message = read_message(raw.raw)
            # A message that could not be read keeps no bytes (there are none); one too big to read is
            # parked at its first try: trying again cannot make it smaller.
            attempts, parked, raw_id = repo.record_failure(
                s, raw.ref, None if raw.problem else raw.raw, raw.received_at, reason, now,
                1 if raw.park else config.mailbox.max_attempts,
                _retry_delay, county=config.county.code, message_id=None if raw.problem else message.message_id,
                sender=message.sender, subject=message.subject)
            if parked:
                queue_parked_notice(s, config, raw, reason, attempts, now, raw_id)
        if parked:
            _move(source, engine, raw.ref, Folder.ERROR, raw_id)
    except LagesbildError as exc:
        # The store itself is away: the message stays in the inbox and is tried next cycle.
        _log.warning("could not record the failure of %s: %s", raw.ref.uid, exc)


def handle_message(raw: RawMail | Reading, engine: Engine, config: Config, now: datetime,
                   parse: Parse = parse_isolated, known_new: bool = False) -> tuple[Outcome, int]:
    """Read, parse, decide and record one message in one transaction. Returns its outcome and row id.

    `raw` may be a Reading whose forms are already being read (see read_ahead).
    An exact copy of a message already handled (same Message-ID, same bytes)
    under another key is recorded as ignored (never answered): see `_copies_of`.
    """
    reading = raw if isinstance(raw, Reading) else start_reading(raw, config, parse)
    outcome, raw_id, _ = _handle(reading, engine, config, now, known_new)
    return outcome, raw_id


def _handle(reading: Reading, engine: Engine, config: Config, now: datetime,
            known_new: bool) -> tuple[Outcome, int, Decided]:
    reading.message()  # raises what made the message unreadable
    earlier = _copies_of(engine, [reading]).get(reading.content_key() or ("", ""))
    item = _decided(reading, config, earlier, known_new)
    with transaction(engine) as s:
        outcome, raw_id = record_message(s, item, config, now)
    return outcome, raw_id, item
