"""Sending the outbox: each queued mail is handed to the transport once.

A mail is marked sent in its own transaction right after the transport took
it. A crash between the two can send one mail twice (at most one duplicate,
never a loss); every other failure leaves the mail queued with a growing
pause, and a permanent refusal marks it failed and tells staff.

Before each hand-over the try is written down (its last attempt time). A
database that can be read but not written (a full disk, a read-only
failover) therefore stops the sending before anything leaves, instead of
letting the same mail go out every cycle because its sending can never be
recorded. A write failing in the instant between the hand-over and its
record is the crash window above: one duplicate at most.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from lagesbild.config import Config
from lagesbild.errors import OutboxUnavailable
from outputs.outbox import PermanentSendError, TemporarySendError, Transport, backoff
from store import repo
from store.db import transaction
from store.models import OutboxRow
from store.views import MailStatus

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0


def send_due(engine: Engine, transport: Transport, config: Config, now: datetime, limit: int = 200) -> SendReport:
    """Send every queued mail that is due at `now`."""
    report = SendReport()
    with transaction(engine) as s:
        due = repo.due_mail(s, now, limit)
    for mail in due:
        with transaction(engine) as s:  # raises when the store cannot be written: nothing is handed over
            if not _note_attempt(s, mail.id, now):
                continue  # sent or given up by someone else meanwhile
        try:
            transport.send(mail.raw, config.county.mailbox_address, list(mail.to_addrs) + list(mail.cc_addrs))
        except PermanentSendError as exc:
            report.failed += 1
            with transaction(engine) as s:
                repo.mark_send_failed(s, mail.id, now, str(exc), None)
                detail = f"{mail.kind} till {', '.join(mail.to_addrs)}: {exc}"
                repo.audit(s, mail.related_raw_message_id, "send_failed", detail, now)
            continue
        except OutboxUnavailable as exc:
            report.deferred += 1
            wait = backoff(mail.attempts + 1)
            if isinstance(exc, TemporarySendError) and exc.retry_after:
                wait = max(wait, exc.retry_after)
            with transaction(engine) as s:
                repo.mark_send_failed(s, mail.id, now, str(exc), now + wait)
            _log.info("mail %s deferred %s: %s", mail.id, wait, exc)
            if not isinstance(exc, TemporarySendError):
                break  # the transport itself is away: try the rest next time
            continue
        with transaction(engine) as s:
            repo.mark_sent(s, mail.id, now)
        report.sent += 1
    return report



def _note_attempt(s: Session, outbox_id: int, now: datetime) -> bool:
    """Write down that `outbox_id` is being handed over now; False when it is no longer queued."""
    result = s.exec(update(OutboxRow).where(col(OutboxRow.id) == outbox_id, col(OutboxRow.status) == MailStatus.QUEUED)
                    .values(last_attempt_at=now).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)
