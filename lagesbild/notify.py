"""Which mail a decision queues: receipts, error replies, notices to staff.

Mail is built here (with outputs/replies.py) and queued in the outbox inside
the same transaction as the message it answers, under a dedupe key, so it is
queued exactly once; `lagesbild.sending` sends it later. Replies to one sender
are rate-limited; automatic messages are never answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import getaddresses
from typing import Any

from ingest.message import MailMessage
from ingest.source import Outcome, RawMail, shown_uid
from lagesbild.config import Config
from lagesbild.decide import Decision, PlannedSubmission
from lagesbild.signals import match_signals
from outputs.blank_forms import blank_form_filename, build_blank_docx, level_label
from outputs.mail import envelope, header_text, raw_header_values, to_bytes
from outputs.notices import build_signal_notice
from outputs.replies import (
    ReplyContext,
    build_duplicate_notice,
    build_error_reply,
    build_receipt,
    build_staff_notice,
)
from store import repo
from store.views import MailKind

REPLY_KINDS = (MailKind.RECEIPT, MailKind.ERROR_REPLY, MailKind.DUPLICATE_NOTICE)


def reply_context(config: Config) -> ReplyContext:
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


def _queue(s: Any, kind: str, dedupe_key: str, msg: Any, related_raw_id: int | None, now: datetime) -> bool:
    return queue_mail_once(s, kind, dedupe_key, msg, now, related_raw_id)


def _reply_allowed(s: Any, config: Config, to: str, raw_id: int, now: datetime) -> bool:
    sent = repo.sent_count_since(s, to, REPLY_KINDS, now - timedelta(hours=1))
    if sent >= config.outbox.replies_per_sender_per_hour:
        repo.audit(s, raw_id, "reply_rate_limited", f"{sent} svar till {to} den senaste timmen", now)
        return False
    return True


def queue_decision_mail(s: Any, config: Config, raw_id: int, message: MailMessage, decision: Decision,
                        filed: Sequence[tuple[PlannedSubmission, Any]], now: datetime) -> None:
    """Queue what the decision calls for. `filed` pairs each planned submission with its store result."""
    ctx = reply_context(config)
    to = (message.reply_to or message.sender or "").lower()
    original: dict[str, Any] = dict(original_message_id=message.message_id,
                                    original_references=message.references, original_subject=message.subject)
    if decision.outcome is Outcome.IGNORED:
        return
    if decision.outcome is Outcome.QUARANTINED:
        lines = [f"Ett meddelande har lagts i karantän: {decision.reason}.",
                 f"Avsändare: {message.sender or '(saknas)'}", f"Ämne: {message.subject}",
                 "Granska det med `lagesbild quarantine` och släpp det (med kommun) eller ta bort det."]
        notice = build_staff_notice(ctx, to=list(config.county.staff), subject=f"Karantän: {message.subject}"[:150],
                                    lines=lines, now=now)
        _queue(s, "quarantine_notice", f"quarantine:{raw_id}", notice, raw_id, now)
        return
    if not to or not _reply_allowed(s, config, to, raw_id, now):
        return
    if decision.outcome is Outcome.REJECTED:
        municipality = decision.sender.municipality
        blank = (blank_form_filename(config.county.form, "docx", municipality, None),
                 build_blank_docx(config.county.form, municipality, None))
        reply = build_error_reply(ctx, to=to, problems=list(decision.problems), blank_form=blank, now=now, **original)
        _queue(s, "error_reply", f"error:{raw_id}", reply, raw_id, now)
        return
    for plan, result in filed:
        key = f"{raw_id}:{plan.municipality}:{plan.period_choice.period}"
        if result.kind == "identical":
            notice = build_duplicate_notice(ctx, to=to, municipality=plan.municipality,
                                            period=plan.period_choice.period, version=result.submission.version,
                                            now=now, **original)
            _queue(s, "duplicate_notice", f"duplicate:{key}", notice, raw_id, now)
            continue
        parsed = plan.parsed.result
        receipt = build_receipt(
            ctx, to=to, municipality=plan.municipality, period=plan.period_choice.period,
            version=result.submission.version,
            answers=parsed.answers, issues=result.submission.issues, period_inferred=plan.period_choice.inferred,
            late=result.submission.on_time is False, held_for_review=bool(result.submission.withheld),
            filename=plan.parsed.filename, now=now,
            **original)
        _queue(s, "receipt", f"receipt:{key}", receipt, raw_id, now)


def queue_parked_notice(s: Any, config: Config, raw: RawMail, reason: str, attempts: int, now: datetime) -> None:
    """Tell staff that a message kept failing and was parked in the error folder."""
    if raw.park:
        lines = [f"Ett meddelande har inte lästs och har flyttats till mappen {config.mailbox.error_folder}.",
                 f"Orsak: {reason}.",
                 "Inget har tagits bort. Öppna det i brevlådan och lägg in formuläret med `lagesbild import`, "
                 "eller be avsändaren skicka det i ett mindre meddelande."]
    else:
        lines = [f"Ett meddelande kunde inte behandlas efter {attempts} försök och har flyttats till "
                 f"mappen {config.mailbox.error_folder}.", f"Orsak: {reason}",
                 "Inget har tagits bort. Åtgärda orsaken och kör `lagesbild reprocess`."]
        if raw.problem:
            lines.append("Meddelandet kunde inte hämtas ur brevlådan; det ligger kvar där.")
    notice = build_staff_notice(reply_context(config), to=list(config.county.staff),
                                subject="Lägesbild: meddelande kunde inte behandlas", lines=lines,
                                attachments=[("meddelande.eml", raw.raw)] if raw.raw else [], now=now)
    key = f"parked:{raw.ref.mailbox}:{raw.ref.uidvalidity}:{shown_uid(raw.ref.uid)}"
    _queue(s, "staff_notice", key, notice, None, now)


def queue_signals(s: Any, config: Config, submission: Any, now: datetime) -> int:
    """Notices to other county missions for one stored version; once per version and rule.

    Answers held for a confidentiality review never fire; they are matched
    again when staff release them.
    """
    queued = 0
    ctx = reply_context(config)
    form = config.county.form
    for match in match_signals(submission.answers, config.signals, submission.withheld):
        answer = submission.answers.get(match.question)
        impact = answer.impact if answer else None
        question = form.question(match.question)
        notice = build_signal_notice(
            ctx, to=list(match.rule.to), rule_name=match.rule.name, municipality=submission.municipality,
            period=submission.period, question_label=f"Fråga {question.number} {question.short}",
            level_name=level_label(form.scale, impact) if impact else "ingen nivå angiven", excerpt=match.excerpt,
            reason=match.reason, received_at=submission.received_at, reply_to=tuple(config.county.staff), now=now)
        if queue_mail_once(s, "signal", f"signal:{submission.id}:{match.rule.name}", notice, now,
                           submission.raw_message_id):
            queued += 1
    return queued
