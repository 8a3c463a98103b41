"""Recording a message that has been read and decided: the write half of handling it.

Everything here runs inside a transaction the caller holds (one message's,
or a batch's savepoint): claim the message by storing it, file its reports
as versions, queue its replies and signals, and write the audit trail. No
mail is sent and nothing is moved here; that happens after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from flow.calendar import deadline_end
from flow.decide import Decision, PlannedSubmission
from flow.notify import queue_decision_mail, queue_signals
from flow.settings import Config
from ingest.message import MailMessage
from ingest.source import RawMail
from outputs.safe_text import masked_ids, screen_text
from parsers.form import FormSpec
from parsers.personal import find_personal_data
from parsers.result import Answer, Issue, Source
from store import repo
from store.outcome import Outcome


@dataclass(frozen=True, slots=True)
class Decided:
    """A message read and decided, ready to be recorded.

    `earlier` is the handled copy of this very mail when it came back under a
    new key (then `decision` is None: it is recorded as ignored, never filed).
    `known_new`: the mailbox listing found its key unknown to the store, so
    the claim can insert without looking first (a concurrent claim still
    fails on the unique key).
    """

    raw: RawMail
    message: MailMessage
    sha256: str
    earlier: repo.RawMessageView | None
    decision: Decision | None
    known_new: bool = False


def record_message(s: Session, item: Decided, config: Config, now: datetime) -> tuple[Outcome, int]:
    """Claim, file, answer (queue) and audit one message in the caller's transaction.

    Raises AlreadyClaimed when another worker or run holds the message.
    """
    raw, message = item.raw, item.message
    row = repo.insert_raw(s, raw.ref, message_id=message.message_id, sha256=item.sha256, sender=message.sender,
                          subject=masked_ids(message.subject), received_at=raw.received_at, raw=raw.raw,
                          county=config.county.code, known_new=item.known_new)
    repo.audit(s, row.id, "received", f"från {message.sender or 'okänd'}: {masked_ids(message.subject)[:120]}", now)
    if item.decision is None:
        assert item.earlier is not None
        reason = (f"kopia av meddelande {item.earlier.id}, som redan behandlats (samma Message-ID och innehåll); "
                  "inget nytt svar skickas")
        repo.set_outcome(s, row.id, Outcome.IGNORED, reason, municipality=item.earlier.municipality)
        repo.audit(s, row.id, Outcome.IGNORED.value, reason, now)
        return Outcome.IGNORED, row.id
    decision = item.decision
    outcome = record_decision(s, row.id, raw, message, decision, config, now)
    repo.set_outcome(s, row.id, outcome, decision.reason or outcome.value, municipality=decision.sender.municipality)
    repo.audit(s, row.id, outcome.value, decision.reason, now)
    return outcome, row.id


def record_decision(s: Session, raw_id: int, raw: RawMail, message: MailMessage, decision: Decision, config: Config,
                    now: datetime) -> Outcome:
    """File the submissions (versions), queue the replies; the outcome of the message."""
    answer = not too_old_to_answer(config, raw.received_at, now)
    if not answer:
        repo.audit(s, raw_id, "not_answered", f"mottaget {raw.received_at:%Y-%m-%d}, mer än "
                   f"{config.outbox.max_reply_age_days} dagar före behandlingen: arkiveras utan svar", now)
    if not decision.submissions:
        if answer:
            queue_decision_mail(s, config, raw_id, message, decision, [], now)
        return decision.outcome
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    filed = []
    for plan in decision.submissions:
        filed.append((plan, file_plan(s, raw_id, raw, plan, config, tz, grace)))
    kinds = {result.kind for _, result in filed}
    outcome = Outcome.CORRECTION if "correction" in kinds else Outcome.STORED if "new" in kinds \
        else Outcome.DUPLICATE
    if decision.held:
        outcome = Outcome.QUARANTINED  # its other forms wait for staff; what was allowed is filed
    if answer:
        queue_decision_mail(s, config, raw_id, message, decision, filed, now)
        for _, result in filed:
            if result.kind != "identical":
                queue_signals(s, config, result.submission, now)
    return outcome


def too_old_to_answer(config: Config, received_at: datetime, now: datetime) -> bool:
    """Whether a message is filed without any mail about it (`[outbox] max_reply_age_days`).

    A receipt for a report sent two years ago, or hundreds of them when the
    worker first starts on a mailbox holding the county's archive, helps
    nobody and alarms many; the reports are still filed and versioned.
    """
    days = config.outbox.max_reply_age_days
    return days > 0 and now - received_at > timedelta(days=days)


def file_plan(s: Session, raw_id: int, raw: RawMail, plan: PlannedSubmission, config: Config, tz: ZoneInfo,
              grace: timedelta) -> repo.SubmissionResult:
    """File one planned report as a version (new, correction or identical) of its municipality and month."""
    result = plan.parsed.result
    choice = plan.period_choice
    flags = (["period_inferred"] if choice.inferred else []) + (["period_doubt"] if choice.doubt else [])
    doubts = (Issue.warning("period", choice.doubt),) if choice.doubt else ()
    answers, replaced = screen_text_of(result.answers, config.county.form)
    if replaced:
        flags.append("text_replaced")
    withheld, screening = screen_answers(answers, config.county.form)
    area, area_issues = screen_area(result.area)
    area_issues += area_change(s, config.county.code, plan.municipality, str(plan.period_choice.period), area)
    return repo.record_submission(
        s, county=config.county.code, municipality=plan.municipality, period=str(plan.period_choice.period),
        received_at=raw.received_at, raw_id=raw_id, filename=masked_ids(plan.parsed.filename),
        format=result.format.value, answers=answers,
        issues=(*result.issues, *doubts, *replaced, *screening, *area_issues),
        flags=flags, content_hash=plan.content_hash,
        deadline_end=deadline_end(plan.period_choice.period, tz, grace, config.county.form.deadline),
        withheld=withheld, area=area,
    )


def screen_area(area: str | None) -> tuple[str | None, tuple[Issue, ...]]:
    """The area under the text rule as it enters the store (see `screen_text_of`), whitespace runs
    collapsed again; a warning when the rule changed it."""
    if area is None:
        return None, ()
    text, changed = screen_text(area)
    text = " ".join(text.split())
    issues = (Issue.warning("area", "Området innehöll tecken som inte kan visas (ersatta eller borttagna); "
                                    "kontrollera att det blev rätt."),) if changed else ()
    return text or None, issues


def area_change(s: Session, county: str, municipality: str, period: str, area: str | None) -> tuple[Issue, ...]:
    """A warning when the report's previous version named another area (or none, or this one none).

    A municipality files one report a week, with its area attached: a new version about another
    area replaces the earlier one, which is what a correction does but not what a second area's
    checklist should do, so the coordinator and staff are told. Case alone is no other area.
    """
    previous = repo.latest_area(s, county, municipality, period)
    if previous is None:
        return ()
    version, before = previous
    if (before or "").casefold() == (area or "").casefold():
        return ()
    was = f"gällde området \"{before}\"" if before else "angav inget område"
    now = f"gäller \"{area}\"" if area else "anger inget område"
    return (Issue.warning("area", f"Version {version} {was}, men den här versionen {now}. Den ersätter version "
                                  f"{version}: en kommun lämnar en checklista per vecka. Kontrollera området."),)


def _screened(source: Source | None) -> Source | None:
    if source is None:
        return None
    return Source(screen_text(source.place)[0], screen_text(source.text)[0])


def screen_text_of(answers: dict[int, Answer], form: FormSpec) -> tuple[dict[int, Answer], tuple[Issue, ...]]:
    """The answers under the text rule (outputs.safe_text), and a warning for each comment it changed.

    This is where text enters the store: what no output can carry (control
    characters, noncharacters such as U+FFFE) becomes U+FFFD, and direction
    overrides go; the answer says so, and the version is flagged "text_replaced".
    """
    out: dict[int, Answer] = {}
    issues: list[Issue] = []
    for number, answer in answers.items():
        comment, changed = screen_text(answer.comment)
        # Where the values were read from is shown on the web page: it passes the same rule, unreported.
        out[number] = replace(answer, comment=comment, impact_source=_screened(answer.impact_source),
                              comment_source=_screened(answer.comment_source))
        if changed:
            what = " och ".join({"styrtecken": "osynliga styrtecken (ersatta med \ufffd)",
                                  "riktningstecken": "tecken som vänder textens riktning (borttagna)"}[c]
                                 for c in changed)
            issues.append(Issue.warning(f"q{number}.comment", f"Fråga {number} ({form.question(number).short}): "
                                        f"kommentaren innehöll {what}; kontrollera att texten blev rätt."))
    return out, tuple(issues)


def screen_answers(answers: dict[int, Answer], form: FormSpec) -> tuple[frozenset[int], tuple[Issue, ...]]:
    """The questions whose comments seem to hold data about individuals, and an issue for each.

    Such an answer is kept but withheld from the workbook, the digest and the
    signals until county staff release it (`lagesbild review`).
    """
    held: set[int] = set()
    issues: list[Issue] = []
    for number, answer in sorted(answers.items()):
        findings = find_personal_data(answer.comment)
        if not findings:
            continue
        held.add(number)
        kinds = sorted({f.kind for f in findings})
        label = f"Fråga {number} ({form.question(number).short})"
        issues.append(Issue.warning(
            f"q{number}.comment",
            f"{label}: kommentaren verkar innehålla personuppgifter ({', '.join(kinds)}). Den visas inte i "
            "länets sammanställning förrän länsstyrelsen granskat den. Skicka gärna en ny version utan dem."))
    return frozenset(held), tuple(issues)
