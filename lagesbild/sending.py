"""Sending the outbox: each queued mail is handed to the transport once.

A mail is marked sent in its own transaction right after the transport took
it. A crash between the two can send one mail twice (at most one duplicate,
never a loss); every other failure leaves the mail queued with a growing
pause, and a permanent refusal marks it failed and tells staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from lagesbild.config import Config
from lagesbild.errors import OutboxUnavailable
from outputs.outbox import PermanentSendError, TemporarySendError, Transport, backoff
from store import repo
from store.db import transaction

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

