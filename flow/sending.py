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
record (the database going away just then) is remembered by the process:
the record is written first on the next call and the mail is never handed
over again, so only a crash in that instant can send a mail twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.settings import Config
from ground.errors import OutboxUnavailable
from outputs.outbox import PermanentSendError, TemporarySendError, Transport, backoff
from store import repo
from store.db import transaction
from store.views import MailKind, OutboxView

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)  # mails sent, by kind (for the metrics)


class Handovers:
    """Mails this process handed to the transport whose sending is not recorded yet, by (store, outbox id):
    the database failed between the two. Recorded before anything else is sent; never handed over again.

    One per process, owned by its wiring (`lagesbild.runtime.HANDOVERS`) and passed to every `send_due`:
    the memory must outlive one cycle, for the store may come back only cycles later.
    """

    def __init__(self) -> None:
        self._at: dict[tuple[str, int], datetime] = {}
        self._lock = threading.Lock()

    def has(self, key: tuple[str, int]) -> bool:
        """Whether `key` was handed over by this process and is not recorded yet."""
        with self._lock:
            return key in self._at

    def add(self, key: tuple[str, int], at: datetime) -> None:
        """`key` was handed over at `at`; its recording follows."""
        with self._lock:
            self._at[key] = at

    def done(self, key: tuple[str, int]) -> None:
        """`key`'s sending is recorded."""
        with self._lock:
            self._at.pop(key, None)

    def pending(self, store: str) -> list[tuple[tuple[str, int], datetime]]:
        """Handed over to the transport for `store`, not recorded yet."""
        with self._lock:
            return [(key, at) for key, at in self._at.items() if key[0] == store]


def send_due(engine: Engine, transport: Transport, config: Config, now: datetime, handovers: Handovers,
             limit: int = 200) -> SendReport:
    """Send every queued mail that is due at `now`; `handovers` remembers what went out unrecorded."""
    report = SendReport()
    store = engine.url.render_as_string(hide_password=True)
    _record_unrecorded(engine, store, handovers)  # raises while the store is still away: nothing is sent then
    told = _send_round(engine, transport, config, now, limit, store, report, handovers)
    if told:  # staff notices about mail that cannot go out: sent in the same cycle
        _send_round(engine, transport, config, now, limit, store, report, handovers)
    return report


def _send_round(engine: Engine, transport: Transport, config: Config, now: datetime, limit: int, store: str,
                report: SendReport, handovers: Handovers) -> bool:
    """Hand over what is due now; whether staff were told of a mail given up on."""
    told = False
    with transaction(engine) as s:
        due = repo.due_mail(s, now, limit)
    for mail in due:
        if handovers.has((store, mail.id)):
            continue  # handed over by another thread of this worker just now
        with transaction(engine) as s:  # raises when the store cannot be written: nothing is handed over
            if not repo.note_send_attempt(s, mail.id, now):
                continue  # sent or given up by someone else meanwhile
        try:
            transport.send(mail.raw, config.county.mailbox_address, list(mail.to_addrs) + list(mail.cc_addrs))
        except PermanentSendError as exc:
            report.failed += 1
            with transaction(engine) as s:
                repo.mark_send_failed(s, mail.id, now, str(exc), None)
                detail = f"{mail.kind} till {', '.join(mail.to_addrs)}: {exc}"
                repo.audit(s, mail.related_raw_message_id, "send_failed", detail, now)
                told = _tell_staff(s, config, mail, str(exc), now) or told
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
        handovers.add((store, mail.id), now)
        with transaction(engine) as s:
            repo.mark_sent(s, mail.id, now)
        handovers.done((store, mail.id))
        report.sent += 1
        report.by_kind[str(mail.kind)] = report.by_kind.get(str(mail.kind), 0) + 1
    return told


def _record_unrecorded(engine: Engine, store: str, handovers: Handovers) -> None:
    """Record as sent the mails handed over while the store could not be written."""
    for key, at in handovers.pending(store):
        with transaction(engine) as s:
            repo.mark_sent(s, key[1], at)
        handovers.done(key)
        _log.info("mail %s: its sending at %s recorded now that the store is back", key[1], at.isoformat())



def _tell_staff(s: Session, config: Config, mail: OutboxView, error: str, now: datetime) -> bool:
    """A mail that will never go out (refused for good, or an address the server cannot carry
    without SMTPUTF8): staff are told, so a municipality is answered another way. Never about a
    notice to staff itself, which would only fail again."""
    if mail.kind in (MailKind.STAFF_NOTICE, MailKind.QUARANTINE_NOTICE) or not config.county.staff:
        return False
    from flow.queueing import queue_mail_once, reply_context
    from outputs.replies import build_staff_notice

    lines = [f"Ett meddelande ({mail.kind}) till {', '.join(mail.to_addrs)} kunde inte skickas och försöks inte igen.",
             f"Ämne: {mail.subject}", f"Orsak: {error}",
             "Det som meddelandet gällde är registrerat; kontakta mottagaren på annat sätt om det behövs."]
    notice = build_staff_notice(reply_context(config), to=list(config.county.staff),
                                subject="Lägesbild: ett meddelande kunde inte skickas", lines=lines, now=now)
    return queue_mail_once(s, MailKind.STAFF_NOTICE, f"send-failed:{mail.id}", notice, now,
                           mail.related_raw_message_id)
