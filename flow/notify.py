"""Which mail a decision queues: receipts, error replies, notices to staff.

Mail is built here (with outputs/replies.py) and queued in the outbox inside
the same transaction as the message it answers, under a dedupe key, so it is
queued exactly once; `flow.sending` sends it later. Replies to one sender
are rate-limited; automatic messages are never answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from flow.answering import no_reply_reason, reply_address
from flow.decide import Decision, PlannedSubmission
from flow.queueing import REPLY_KINDS, queue_mail_once, reply_context
from flow.reply_forwards import queue_staff_forward
from flow.settings import Config
from flow.signals import SignalMatch, match_signals
from flow.staff_notices import ERRORS_PAGE, deferred, notice_key, page_link, quarantine_lines
from ingest.message import MailMessage
from ingest.source import RawMail, shown_uid
from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename, level_label
from outputs.notices import build_signal_notice
from outputs.part_receipts import Part, build_parts_receipt
from outputs.replies import (
    build_duplicate_notice,
    build_error_reply,
    build_receipt,
    build_staff_notice,
)
from outputs.safe_text import masked_ids
from outputs.threads import build_reply_ack
from parsers.result import Answer
from store import repo
from store.outcome import Outcome


def _queue(s: Any, kind: str, dedupe_key: str, msg: Any, related_raw_id: int | None, now: datetime) -> bool:
    return queue_mail_once(s, kind, dedupe_key, msg, now, related_raw_id)


def _reply_allowed(s: Any, config: Config, sender: str, raw_id: int, now: datetime) -> bool:
    """The per-hour cap on automatic replies, counted per sender (the From address), whoever
    the replies went to."""
    sent = repo.replies_for_sender_since(s, sender, REPLY_KINDS, now - timedelta(hours=1))
    if sent >= config.outbox.replies_per_sender_per_hour:
        repo.audit(s, raw_id, "reply_rate_limited", f"{sent} svar på meddelanden från {sender} den senaste timmen",
                   now)
        return False
    return True


def _shown(message: MailMessage) -> MailMessage:
    """`message` as any mail about it may quote it: a personnummer in its subject masked."""
    subject = masked_ids(message.subject)
    return message if subject == message.subject else replace(message, subject=subject)


def queue_quarantine_notice(s: Any, config: Config, raw_id: int, message: MailMessage, reason: str,
                            now: datetime) -> None:
    """Tell staff that a message (or part of it) waits in quarantine: at once, or gathered with
    others when a notice went out recently (flow.staff_notices)."""
    message = _shown(message)
    if deferred(s, config, raw_id, f"karantän: {reason}", message.sender, message.subject, now):
        return
    lines = [f"Ett meddelande har lagts i karantän: {reason}.",
             f"Avsändare: {message.sender or '(saknas)'}", f"Ämne: {message.subject}",
             *quarantine_lines(config, raw_id)]
    notice = build_staff_notice(reply_context(config), to=list(config.county.staff),
                                subject=f"Karantän: {message.subject}"[:150], lines=lines, now=now)
    _queue(s, "quarantine_notice", notice_key(config, f"q:{raw_id}"), notice, raw_id, now)


def queue_decision_mail(s: Any, config: Config, raw_id: int, message: MailMessage, decision: Decision,
                        filed: Sequence[tuple[PlannedSubmission, Any]], now: datetime) -> None:
    """Queue what the decision calls for. `filed` pairs each planned submission with its store result.

    Staff hear of what waits in quarantine; the sender gets one answer (a
    receipt listing every form, or an error reply) unless the message asks
    for none or the sender cannot read one (flow.answering), at the
    address `reply_address` allows, within the per-sender cap. A reply that
    cannot be built (an address no mail can carry) never costs the report:
    it is filed, and staff are told instead.
    """
    message = _shown(message)
    if decision.outcome is Outcome.IGNORED:
        return
    if decision.outcome is Outcome.QUARANTINED:
        queue_quarantine_notice(s, config, raw_id, message, decision.reason, now)
        if not decision.submissions:
            return  # nothing was filed: an unknown or unverified sender learns nothing
    if decision.outcome is Outcome.FORWARDED:
        queue_staff_forward(s, config, raw_id, message, decision.sender.municipality or "", now)
    why_not = no_reply_reason(message)
    if why_not:
        repo.audit(s, raw_id, "not_answered", why_not, now)
        return
    to = reply_address(message, decision.sender.municipality, config)
    if not to or not _reply_allowed(s, config, (message.sender or to).lower(), raw_id, now):
        return
    try:
        replies = _sender_replies(config, raw_id, to, message, decision, filed, now)
    except (ValueError, UnicodeError, LookupError) as exc:
        _reply_not_built(s, config, raw_id, to, message, exc, now)
        return
    for kind, key, reply in replies:
        _queue(s, kind, key, reply, raw_id, now)


def _sender_replies(config: Config, raw_id: int, to: str, message: MailMessage, decision: Decision,
                    filed: Sequence[tuple[PlannedSubmission, Any]], now: datetime) -> list[tuple[str, str, Any]]:
    """(kind, dedupe key, message) of the answer to the sender."""
    ctx = reply_context(config)
    original: dict[str, Any] = dict(original_message_id=message.message_id,
                                    original_references=message.references, original_subject=message.subject)
    if decision.outcome is Outcome.FORWARDED:
        return [("reply_ack", f"ack:{raw_id}", build_reply_ack(ctx, to=to, now=now, **original))]
    if decision.outcome is Outcome.REJECTED:
        municipality = decision.sender.municipality
        blank = (blank_form_filename(config.county.form, "docx", municipality, None),
                 build_blank_docx(config.county.form, municipality, None))
        reply = build_error_reply(ctx, to=to, problems=list(decision.problems), blank_form=blank, now=now, **original)
        return [("error_reply", f"error:{raw_id}", reply)]
    if decision.parts > 1:
        parts = [_part(plan, result) for plan, result in filed]
        parts += [Part(h.filename, h.municipality, h.period, "held", reason=h.reason) for h in decision.held]
        return [("receipt", f"receipt:{raw_id}", build_parts_receipt(ctx, to=to, parts=parts, now=now, **original))]
    out: list[tuple[str, str, Any]] = []
    for plan, result in filed:
        key = f"{raw_id}:{plan.municipality}:{plan.period_choice.period}"
        if result.kind == "identical":
            notice = build_duplicate_notice(ctx, to=to, municipality=plan.municipality,
                                            period=plan.period_choice.period, version=result.submission.version,
                                            now=now, **original)
            out.append(("duplicate_notice", f"duplicate:{key}", notice))
            continue
        parsed = plan.parsed.result
        receipt = build_receipt(
            ctx, to=to, municipality=plan.municipality, period=plan.period_choice.period,
            version=result.submission.version,
            answers=parsed.answers, issues=result.submission.issues, period_inferred=plan.period_choice.inferred,
            late=result.submission.on_time is False, held_for_review=bool(result.submission.withheld),
            filename=masked_ids(plan.parsed.filename), now=now, area=result.submission.area,
            **original)
        out.append(("receipt", f"receipt:{key}", receipt))
    return out


def _part(plan: PlannedSubmission, result: Any) -> Part:
    submission = result.submission
    return Part(plan.parsed.filename, plan.municipality, plan.period_choice.period, str(result.kind),
                version=submission.version, answers=plan.parsed.result.answers, issues=submission.issues,
                held_for_review=bool(submission.withheld), late=submission.on_time is False,
                period_inferred=plan.period_choice.inferred, area=submission.area)


def _reply_not_built(s: Any, config: Config, raw_id: int, to: str, message: MailMessage, exc: Exception,
                     now: datetime) -> None:
    """The answer to `to` cannot be written (e.g. an address no mail header can carry): the report
    stays filed, and staff are told so they can answer another way."""
    repo.audit(s, raw_id, "reply_not_built", f"svaret till {to!r} kunde inte skapas: {exc}", now)
    lines = [f"Svaret till {to} kunde inte skapas ({exc}).",
             f"Meddelandet (ämne: {message.subject}) är behandlat och det som gick att läsa är registrerat.",
             "Kontakta avsändaren på annat sätt om det behövs."]
    notice = build_staff_notice(reply_context(config), to=list(config.county.staff),
                                subject="Lägesbild: svar kunde inte skickas", lines=lines, now=now)
    _queue(s, "staff_notice", f"reply-not-built:{raw_id}", notice, raw_id, now)


def queue_parked_notice(s: Any, config: Config, raw: RawMail, reason: str, attempts: int, now: datetime,
                        raw_id: int | None = None) -> None:
    """Tell staff that a message kept failing and was parked in the error folder.

    Each such notice goes on its own, with the message attached: it is what
    staff act on. A message parked unread for its size (`raw_id` its row) is
    gathered like a quarantined one (flow.staff_notices): a run of big mails
    costs a sender as little as spam does."""
    if raw.park and raw_id is not None and deferred(s, config, raw_id, f"parkerat: {reason}", "", "", now):
        return
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
        if page_link(config, ERRORS_PAGE):
            lines.append(f"Se felet och försök igen på webbsidan: {page_link(config, ERRORS_PAGE)}")
    notice = build_staff_notice(reply_context(config), to=list(config.county.staff),
                                subject="Lägesbild: meddelande kunde inte behandlas", lines=lines,
                                attachments=[("meddelande.eml", raw.raw)] if raw.raw else [], now=now)
    key = f"parked:{raw.ref.mailbox}:{raw.ref.uidvalidity}:{shown_uid(raw.ref.uid)}"
    if raw.park and raw_id is not None:
        key = notice_key(config, key)  # counts as the notice just sent, for the gathering
    _queue(s, "staff_notice", key, notice, None, now)


def _earlier_matches(s: Any, config: Config, submission: Any) -> dict[str, tuple[SignalMatch, dict[int, Answer]]]:
    """The rules the previous version fired (by rule name), with that version's answers."""
    if submission.version <= 1:
        return {}
    previous = repo.version_answers(s, config.county.code, submission.municipality, submission.period,
                                    submission.version - 1)
    if previous is None:
        return {}
    answers, withheld = previous
    return {m.rule.name: (m, answers) for m in match_signals(answers, config.signals, withheld)}


def _same_answers(before: tuple[SignalMatch, dict[int, Answer]], match: SignalMatch,
                  answers: dict[int, Answer]) -> bool:
    """Whether every answer the rule fired on now is as it was in the previous version."""
    old_match, old_answers = before
    now_questions = {match.question, *match.also}
    if now_questions != {old_match.question, *old_match.also}:
        return False
    return all(old_answers.get(q) == answers.get(q) for q in now_questions)


def queue_signals(s: Any, config: Config, submission: Any, now: datetime) -> int:
    """Notices to other county missions for one stored version; once per version and rule.

    Answers held for a confidentiality review never fire; they are matched
    again when staff release them.
    """
    queued = 0
    ctx = reply_context(config)
    form = config.county.form
    earlier = _earlier_matches(s, config, submission)
    for match in match_signals(submission.answers, config.signals, submission.withheld):
        before = earlier.get(match.rule.name)
        if before is not None and _same_answers(before, match, submission.answers):
            # A correction that leaves what fired the rule as it was: the mission heard of it already.
            repo.audit(s, submission.raw_message_id, "signal_unchanged",
                       f"{match.rule.name}: {submission.municipality} {submission.period} version "
                       f"{submission.version} ändrar inte det som utlöste signalen", now)
            continue
        answer = submission.answers.get(match.question)
        impact = answer.impact if answer else None
        question = form.question(match.question)
        notice = build_signal_notice(
            ctx, to=list(match.rule.to), rule_name=match.rule.name, municipality=submission.municipality,
            period=submission.period, question_label=f"Fråga {question.number} {question.short}",
            level_name=level_label(form.scale, impact) if impact else "ingen nivå angiven", excerpt=match.excerpt,
            reason=match.reason, received_at=submission.received_at, reply_to=tuple(config.county.staff), now=now,
            area=submission.area)
        if queue_mail_once(s, "signal", f"signal:{submission.id}:{match.rule.name}", notice, now,
                           submission.raw_message_id):
            queued += 1
    return queued
