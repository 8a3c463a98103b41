"""Queueing a mail in the outbox once per dedupe key, and the county's reply context."""

from __future__ import annotations

from datetime import datetime
from email.utils import getaddresses
from typing import Any

from flow.settings import Config
from outputs.mail import envelope, header_text, raw_header_values, to_bytes
from outputs.replies import ReplyContext
from store import repo
from store.views import MailKind

REPLY_KINDS = (MailKind.RECEIPT, MailKind.ERROR_REPLY, MailKind.DUPLICATE_NOTICE, MailKind.REPLY_ACK)


def reply_context(config: Config) -> ReplyContext:
    """What every mail to a municipality or to staff says about the county: its name, sender and form."""
    return ReplyContext(config.county.name, config.county.sender_name, config.county.mailbox_address,
                        config.county.form)


def queue_mail_once(s: Any, kind: MailKind | str, dedupe_key: str, msg: Any, now: datetime,
                    related_raw_id: int | None = None) -> bool:
    """Queue `msg` unless a mail with the same dedupe key was ever queued; True when queued now."""
    _, recipients = envelope(msg)
    cc = [addr.lower() for _, addr in getaddresses(raw_header_values(msg, "Cc")) if addr]
    to = [r for r in recipients if r.lower() not in cc]
    row = repo.queue_mail(s, kind=MailKind(kind), dedupe_key=dedupe_key, to=to, cc=cc,
                          subject=header_text(msg, "Subject"), raw=to_bytes(msg), related_raw_id=related_raw_id,
                          now=now)
    return row is not None
