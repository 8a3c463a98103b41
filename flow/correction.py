"""Correcting a misread value: county staff change an impact or a comment of a report's latest version.

The correction is a new version that copies everything else of the latest
one (its file, its message, its arrival, so it stays on time and keeps its
provenance), marked with who corrected it and why. The workbook, the digest,
the signals and `export` read the latest version, so they all use it from
then on. The changed value's source is the correction (who and why); the
others keep where they were read from. In the same transaction: an audit
line with the actor and the value before and after, the signals the new
value fires, and (unless `[corrections] tell_municipality` is false) one
short mail telling the municipality what was changed. The web page and `lagesbild correct` both
call `correct`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.filing import screen_answers
from flow.notify import queue_signals
from flow.queueing import queue_mail_once, reply_context
from flow.settings import Config
from flow.staff_ops import OperationRefused
from outputs.blank_forms import level_label
from outputs.corrections import ChangedValue, build_correction_notice
from outputs.replies import excerpt
from outputs.safe_text import screen_text
from parsers.result import Answer, Issue, Period, Source
from store import repo
from store.db import transaction
from store.sources import with_sources

REASON_MAX = 1000
COMMENT_MAX = 10_000


class Keep(enum.Enum):
    """A value the correction leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


class CorrectionRefused(OperationRefused):
    """The correction was not made; the message (Swedish) says why."""


@dataclass(frozen=True, slots=True)
class CorrectionRequest:
    """What a clerk asks to change: one question of the latest version of a report."""

    municipality: str
    period: Period
    question: int
    reason: str
    actor: str
    impact: int | None | Keep = KEEP  # None clears a value that was read where none was given
    comment: str | Keep = KEEP
    based_on: int | None = None  # the version the clerk saw; refused when another has come since


@dataclass(frozen=True, slots=True)
class Corrected:
    """The version a correction made, what it changed, and who was told (empty: nobody)."""

    municipality: str
    period: Period
    version: int
    previous_version: int
    submission_id: int
    changes: tuple[ChangedValue, ...]
    told: tuple[str, ...]


def correct(engine: Engine, config: Config, request: CorrectionRequest, now: datetime) -> Corrected:
    """Make the correction as a new version; CorrectionRefused when it may not be made or changes nothing."""
    form = config.county.form
    municipality = config.municipality(request.municipality)
    if municipality is None:
        raise CorrectionRefused(f"{request.municipality} är inte en kommun i {config.county.name}.")
    try:
        question = form.question(request.question)
    except KeyError:
        raise CorrectionRefused(f"Formuläret har ingen fråga {request.question}.") from None
    reason = " ".join(request.reason.split())
    if not reason:
        raise CorrectionRefused("Ange ett skäl till rättelsen.")
    if len(reason) > REASON_MAX:
        raise CorrectionRefused(f"Skälet får vara högst {REASON_MAX} tecken.")
    if request.impact is not KEEP and request.impact is not None:
        if not question.impact:
            raise CorrectionRefused(f"Fråga {question.number} har ingen påverkan att rätta.")
        if not form.scale.min <= request.impact <= form.scale.max:
            raise CorrectionRefused(f"Påverkan ska vara {form.scale.min}–{form.scale.max}, "
                                    f"inte {request.impact}.")
    if not isinstance(request.comment, Keep) and len(request.comment) > COMMENT_MAX:
        raise CorrectionRefused(f"Kommentaren får vara högst {COMMENT_MAX} tecken.")
    with transaction(engine) as s:
        repo.lock_report(s, config.county.code, municipality.name, request.period)
        latest = _latest(s, config, municipality.name, request.period)
        if request.based_on is not None and request.based_on != latest.version:
            raise CorrectionRefused(f"Rapporten har fått version {latest.version} sedan du öppnade den (du såg "
                                    f"version {request.based_on}). Titta på den nya versionen och rätta igen.")
        before = latest.answers.get(question.number, Answer(None, ""))
        after = _corrected_answer(before, request)
        changes = _changes(config, question.number, before, after, latest.withheld)
        if not changes:
            raise CorrectionRefused(f"Rättelsen ändrar ingenting: fråga {question.number} i version "
                                    f"{latest.version} har redan de värdena.")
        result = _file(s, config, latest, question.number, before, after, request, reason)
        filed = result.submission
        # Worded again now the new version says whether its comment is held: a held one is never quoted.
        changes = _changes(config, question.number, before, after, latest.withheld | filed.withheld)
        label = f"Fråga {question.number}"
        repo.audit(s, latest.raw_message_id, "corrected",
                   f"{municipality.name} {request.period}: version {latest.version} → {filed.version}. "
                   f"Skäl: {reason}", now, actor=request.actor, county=config.county.code,
                   municipality=municipality.name, before=_audit_text(label, before, after, before),
                   after=_audit_text(label, before, after, after))
        queue_signals(s, config, filed, now)
        told = _tell(s, config, latest, filed, changes, reason, now)
    return Corrected(municipality.name, request.period, filed.version, latest.version, filed.id, changes, told)


def _latest(s: Session, config: Config, municipality: str, period: Period) -> repo.SubmissionView:
    for view in repo.latest_submissions(s, config.county.code, period):
        if view.municipality == municipality:
            return view
    raise CorrectionRefused(f"Det finns ingen rapport från {municipality} för {period} att rätta.")


def _corrected_answer(before: Answer, request: CorrectionRequest) -> Answer:
    impact = before.impact if request.impact is KEEP else request.impact
    if isinstance(request.comment, Keep) or _plain(request.comment) == _plain(before.comment):
        # A form posts the comment back as shown (line ends, spaces at the ends): that is no change.
        return Answer(impact, before.comment)
    # The text rule every comment entering the store passes (as in flow.filing): no control characters.
    comment, _ = screen_text(_plain(request.comment))
    return Answer(impact, comment)


def _plain(comment: str) -> str:
    return comment.replace("\r\n", "\n").replace("\r", "\n").strip()


def _changes(config: Config, number: int, before: Answer, after: Answer,
             withheld: frozenset[int]) -> tuple[ChangedValue, ...]:
    form = config.county.form
    short = form.question(number).short
    out = []
    if before.impact != after.impact:
        out.append(ChangedValue(f"Fråga {number} {short}, påverkan", _level(config, before.impact),
                                _level(config, after.impact)))
    if before.comment != after.comment:
        # A comment held for a confidentiality review is never quoted in a mail.
        quote = number not in withheld
        out.append(ChangedValue(f"Fråga {number} {short}, kommentar",
                                _quoted(before.comment, quote), _quoted(after.comment, quote)))
    return tuple(out)


def _level(config: Config, impact: int | None) -> str:
    return "ingen angiven" if impact is None else level_label(config.county.form.scale, impact)


def _quoted(comment: str, quote: bool) -> str:
    if not comment.strip():
        return "ingen kommentar"
    return f"«{excerpt(comment)}»" if quote else "(återges inte här)"


def _audit_text(label: str, before: Answer, after: Answer, shown: Answer) -> str:
    """One side of the audit line: only what changed, as text."""
    parts = []
    if before.impact != after.impact:
        parts.append(f"{label}, påverkan: {shown.impact if shown.impact is not None else 'ingen'}")
    if before.comment != after.comment:
        parts.append(f"{label}, kommentar: {shown.comment}")
    return "\n".join(parts)


def _file(s: Session, config: Config, latest: repo.SubmissionView, number: int, before: Answer, after: Answer,
          request: CorrectionRequest, reason: str) -> repo.SubmissionResult:
    """Record the new version: the latest one's answers with `after` for question `number`.

    The values left as they were keep where they were read from; a changed one's source is the
    correction, who made it and why.
    """
    stored = with_sources(s, latest.id, latest.answers)
    prior = stored.get(number, Answer(None, ""))
    by = Source.correction(request.actor, reason)
    after = replace(after, impact_source=by if before.impact != after.impact else prior.impact_source,
                    comment_source=by if before.comment != after.comment else prior.comment_source)
    answers = stored | {number: after}
    changed_fields = ({f"q{number}.impact"} if before.impact != after.impact else set()) | (
        {f"q{number}.comment"} if before.comment != after.comment else set())
    # What the parser doubted about a field the clerk has now set no longer applies to it.
    issues: list[Issue] = [i for i in latest.issues if i.field not in changed_fields]
    withheld = set(latest.withheld)
    if before.comment != after.comment:
        withheld.discard(number)
        held, screening = screen_answers({number: after}, config.county.form)
        withheld |= held
        issues.extend(screening)
    flags = (set(latest.flags) - {"held", "late"}) | {"corrected"}
    result = repo.record_submission(
        s, county=config.county.code, municipality=latest.municipality, period=latest.period,
        received_at=latest.received_at, raw_id=latest.raw_message_id, filename=latest.filename,
        format=latest.format, answers=answers, issues=issues, flags=sorted(flags), deadline_end=None,
        withheld=withheld, corrected_by=request.actor, correction_reason=reason, area=latest.area)
    if result.kind is repo.SubmissionKind.IDENTICAL:
        raise CorrectionRefused("Rättelsen ändrar ingenting.")
    return result


def _tell(s: Session, config: Config, latest: repo.SubmissionView, filed: repo.SubmissionView,
          changes: tuple[ChangedValue, ...], reason: str, now: datetime) -> tuple[str, ...]:
    """Queue the mail telling the municipality, when the configuration asks for it; its recipients."""
    if not config.corrections.tell_municipality:
        return ()
    municipality = config.municipality(latest.municipality)
    to = [latest.sender] if latest.sender else list(municipality.contacts or municipality.addresses) \
        if municipality else []
    if not to:
        repo.audit(s, latest.raw_message_id, "not_answered",
                   f"rättelsen av {latest.municipality} {latest.period}: ingen adress att meddela kommunen på", now,
                   county=config.county.code, municipality=latest.municipality)
        return ()
    notice = build_correction_notice(reply_context(config), to=to, municipality=latest.municipality,
                                     period=latest.period, version=filed.version, filename=latest.filename,
                                     changes=changes, reason=reason, original_message_id=latest.message_id,
                                     now=now)
    queue_mail_once(s, repo.MailKind.CORRECTION_NOTICE, f"correction:{filed.id}", notice, now,
                    latest.raw_message_id)
    return tuple(to)
