"""Replies in words go to staff without flooding them (issue 14, items 2 and 5).

A coordinator's reply in words (flow.threads) is forwarded to staff at once
when no reply was forwarded within `[notices] interval_minutes`: one mail,
Reply-To the coordinator, the mail attached. Replies that come while one was
forwarded recently are written down instead (an audit line
"forward_deferred" on the message, in the transaction that records the
message, so nothing is lost in a crash), and `flush_reply_forwards` sends
them, once the interval has passed, in one mail that gives each its sender,
municipality, report and words, with counts per municipality; a lone one
goes in the one-reply form. The sender's acknowledgement stays one per
message (flow.notify).

This is a stream of its own beside the quarantine notices (flow.staff_notices):
a municipality's question is not held back because spam was reported a
minute ago, and spam does not wait for a question.

The dedupe key of a gathered forward carries the last audit line it covers,
so each deferred reply is forwarded exactly once, even when a job runs twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from flow.queueing import queue_mail_once, reply_context
from flow.settings import Config
from flow.threads import new_text
from ingest.message import MailMessage, read_message
from ingest.route import choose_period
from outputs.threads import ForwardedReply, build_staff_forward, build_staff_forwards
from store import repo
from store.db import transaction

DEFERRED = "forward_deferred"


def _prefix(config: Config) -> str:
    return f"forward:{config.county.code}:"


def report_referred_to(s: Any, config: Config, municipality: str, subject: str, sent: datetime) -> str:
    """The report a reply in words is about, for staff: the period its subject names; else (a reply
    whose subject was changed) the latest of the two periods a reply sent at `sent` is most likely
    about, the received-date rule's and the one before."""
    tz = ZoneInfo(config.deadline.timezone)
    choice = choose_period(None, None, subject, "", sent, tz, config.county.form.cadence)
    periods = [choice.period] if choice.source == "subject" else [choice.period, choice.period.previous()]
    for period in periods:
        for v in repo.latest_submissions(s, config.county.code, period):
            if v.municipality == municipality:
                return (f"{municipality} {v.period}, version {v.version}, inkom "
                        f"{v.received_at.astimezone(tz):%Y-%m-%d %H.%M}")
    return f"{municipality} {' eller '.join(map(str, periods))}: ingen rapport har kommit in"


def queue_staff_forward(s: Any, config: Config, raw_id: int, message: MailMessage, municipality: str,
                        now: datetime) -> None:
    """Forward a reply in words (`message`, read from message `raw_id`) to staff: at once, or written
    down for the next gathered forward when one went out within the interval."""
    last = repo.latest_queued_at(s, _prefix(config))
    if last is not None and now - last < timedelta(minutes=config.schedule.notice_interval_minutes):
        repo.audit(s, raw_id, DEFERRED, f"svar i ord från {message.sender or '(okänd)'} ({municipality}): "
                   "vidarebefordras till handläggarna tillsammans med andra svar", now, municipality=municipality)
        return
    report = report_referred_to(s, config, municipality, message.subject, message.date or now)
    forward = build_staff_forward(reply_context(config), to=list(config.county.staff), sender=message.sender,
                                  municipality=municipality, subject=message.subject,
                                  text=new_text(message.body_text), report=report,
                                  original=repo.get_raw(s, raw_id) or b"", now=now)
    queue_mail_once(s, "staff_forward", f"{_prefix(config)}{raw_id}", forward, now, raw_id)


def flush_reply_forwards(engine: Engine, config: Config, now: datetime) -> bool:
    """One forward for every reply in words deferred since the last one, when the interval has passed;
    True when queued."""
    group_prefix = f"{_prefix(config)}group:"
    tz = ZoneInfo(config.deadline.timezone)
    with transaction(engine) as s:
        last = repo.latest_queued_at(s, _prefix(config))
        if (last is None or now - last < timedelta(minutes=config.schedule.notice_interval_minutes)
                or not config.county.staff):
            return False
        covered = max((int(k.rsplit(":", 1)[1]) for k in repo.queued_keys(s, group_prefix)), default=0)
        items = repo.audit_events_after(s, config.county.code, DEFERRED, covered)
        replies: list[ForwardedReply] = []
        for e in items:
            view = repo.get_message(s, e.raw_message_id) if e.raw_message_id is not None else None
            if view is None:
                continue  # the message was deleted since; nothing left to forward
            raw = repo.get_raw(s, view.id) or None
            message = read_message(raw) if raw else None
            municipality = e.municipality or view.municipality or ""
            subject = message.subject if message else view.subject
            sent = (message.date if message else None) or view.received_at or e.at
            replies.append(ForwardedReply(
                sender=view.sender, municipality=municipality,
                received=f"{(view.received_at or e.at).astimezone(tz):%Y-%m-%d %H.%M}", subject=subject,
                report=report_referred_to(s, config, municipality, subject, sent),
                text=new_text(message.body_text) if message else "(meddelandet finns inte längre kvar)",
                original=raw))
        if not replies:
            return False
        key = f"{group_prefix}{items[-1].id}"
        ctx = reply_context(config)
        if len(replies) == 1:
            [r] = replies
            forward = build_staff_forward(ctx, to=list(config.county.staff), sender=r.sender,
                                          municipality=r.municipality, subject=r.subject, text=r.text,
                                          report=r.report, original=r.original or b"", now=now)
            return queue_mail_once(s, "staff_forward", key, forward, now, items[-1].raw_message_id)
        return queue_mail_once(s, "staff_forward", key,
                               build_staff_forwards(ctx, to=list(config.county.staff), replies=replies, now=now),
                               now)
