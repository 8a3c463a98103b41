"""Errors on the staff web page: messages that failed (waiting for a retry, or parked after too
many tries) with their error and attempts, and "retry now".

Retrying a message whose bytes are kept handles it at once, exactly as on arrival (receipt
included), like `lagesbild reprocess` does for parked mail. One whose bytes were never kept (it
could not be fetched) is made due now, so the worker fetches it again at its next round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.desk import NotHere, arrival
from flow.pipeline import handle_message
from flow.reading import Parse
from flow.sandbox import parse_isolated
from flow.settings import Config
from ground.errors import StoreUnavailable
from ingest.source import RawMail
from store import repo
from store.db import read_transaction, transaction
from store.errors import AlreadyClaimed
from store.failures import failed_messages as failed_rows
from store.failures import make_due
from store.outcome import Outcome


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """A message that failed: its error, how many tries, and whether a retry is still due."""

    id: int
    sender: str
    subject: str
    received_at: datetime
    error: str
    attempts: int
    next_attempt_at: datetime | None  # None: parked, no retry of its own

    @property
    def parked(self) -> bool:
        return self.next_attempt_at is None


@dataclass(frozen=True, slots=True)
class Retried:
    """What "retry now" did: handled now (`outcome`), made due for the worker, or failed again."""

    outcome: str = ""  # the outcome when handled now
    scheduled: bool = False  # made due now: the worker fetches it at its next round
    error: str = ""  # it failed again: why


def failed_messages(engine: Engine, config: Config) -> list[FailedMessage]:
    """The county's failed messages, most recently failed first."""
    with read_transaction(engine) as s:
        views = failed_rows(s, config.county.code)
    return [FailedMessage(v.id, v.sender, v.subject, arrival(v), v.reason or "", v.attempts, v.next_attempt_at)
            for v in views]


def retry_now(engine: Engine, config: Config, raw_id: int, now: datetime, *, actor: str,
              parse: Parse = parse_isolated) -> Retried:
    """Try failed message `raw_id` again now, audited with `actor` (NotHere when it is not a
    failed message of this county)."""
    with read_transaction(engine) as s:
        view = repo.get_message(s, raw_id)
        raw = repo.get_raw(s, raw_id) if view is not None else None
    if view is None or view.county != config.county.code or view.outcome != Outcome.FAILED:
        raise NotHere(f"message {raw_id} is not a failed message of {config.county.name}")

    def audit(s: Session, event: str, detail: str, after: str) -> None:
        repo.audit(s, raw_id, event, detail, now, actor=actor, county=config.county.code,
                   before=f"misslyckat efter {view.attempts} försök", after=after)

    if not raw:
        with transaction(engine) as s:
            due = make_due(s, raw_id, now)
            audit(s, "retry_requested", "hämtas igen vid arbetarens nästa varv", "försöks igen nu")
        return Retried(scheduled=due)
    try:
        outcome, _ = handle_message(RawMail(view.ref, raw, arrival(view)), engine, config, now, parse)
    except AlreadyClaimed:
        return Retried(error="arbetaren behandlar meddelandet just nu")
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - shown to the clerk; the message stays as it was
        error = f"{type(exc).__name__}: {exc}"
        with transaction(engine) as s:
            # Counted like any other try, so the list shows this error and the tries so far.
            repo.record_failure(s, view.ref, None, None, error, now, config.mailbox.max_attempts)
            audit(s, "retry_failed", error, "misslyckades igen")
        return Retried(error=error)
    with transaction(engine) as s:
        audit(s, "retried", f"behandlat på nytt: {outcome.value}", outcome.value)
    return Retried(outcome=outcome.value)
