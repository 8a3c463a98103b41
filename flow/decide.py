"""What a message is and what becomes of it: a pure decision, no I/O.

Given the message as read, the parse result of each attachment (or of the
body) and the configuration, `decide` returns the outcome, the submissions to
file, and the reason. The pipeline carries it out in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from flow.settings import Config
from flow.threads import answers_us, is_staff
from ingest.authresults import Verdict
from ingest.message import MailMessage
from ingest.route import PeriodChoice, SenderMatch, SenderRule, choose_period, match_sender, may_submit_for
from parsers.result import ParseResult, Period
from store.outcome import Outcome


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """One attachment (or the body) and what the parser read from it."""

    filename: str
    result: ParseResult
    from_body: bool = False


@dataclass(frozen=True, slots=True)
class PlannedSubmission:
    """A form to file: for whom, for which month, and what it says."""

    municipality: str
    period_choice: PeriodChoice
    parsed: ParsedFile
    content_hash: str


@dataclass(frozen=True, slots=True)
class HeldPart:
    """A form in the message that is not filed now: it is for a municipality the sender may not
    report for (or one outside the county), and waits in quarantine for staff."""

    filename: str
    municipality: str
    period: Period
    reason: str  # Swedish, for staff and the receipt


@dataclass(frozen=True, slots=True)
class Decision:
    """What becomes of a message, decided form by form.

    `submissions` are filed whatever the outcome; `held` parts wait in
    quarantine (the message is then QUARANTINED even when some of its forms
    were filed, so staff find it in `lagesbild quarantine list`).
    """

    outcome: Outcome
    reason: str
    sender: SenderMatch
    submissions: tuple[PlannedSubmission, ...] = ()
    problems: tuple[str, ...] = ()  # Swedish, for an error reply to the sender
    skipped: tuple[str, ...] = field(default=())  # attachments that were not forms, for the receipt
    held: tuple[HeldPart, ...] = ()

    @property
    def parts(self) -> int:
        """How many forms of the message this decision is about (filed or held)."""
        return len(self.submissions) + len(self.held)


def sender_rules(config: Config) -> tuple[SenderRule, ...]:
    return tuple(SenderRule(m.name, m.domains, m.addresses, m.submits_for) for m in config.municipalities)


def content_hash(result: ParseResult) -> str:
    """What makes two files the same report: every answer, and the area when the form gives one
    (without one the hash is what it was before areas were read)."""
    payload: dict[str, object] = {
        "answers": {str(n): [a.impact, " ".join(a.comment.split())] for n, a in sorted(result.answers.items())},
    }
    if result.area is not None:
        payload["area"] = result.area
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def decide(message: MailMessage, parsed: list[ParsedFile], config: Config, received_at: datetime,
           verdict: Verdict | None) -> Decision:
    """The outcome of one message. `verdict` is the believed server's word on the sender (flow.trust),
    None when no server's word is believed."""
    rules = sender_rules(config)
    sender = match_sender(message.sender, rules)
    if message.auto:
        return Decision(Outcome.IGNORED, f"automatiskt meddelande ({message.auto})", sender)
    readable = [p for p in parsed if not p.result.unreadable]
    if is_staff(message, config) and not readable:
        # The county's own staff answering a compilation or a notice: not an unknown sender.
        return Decision(Outcome.IGNORED, "meddelande från länets personal utan formulär", sender)
    if not sender.trusted or sender.municipality is None:
        return Decision(Outcome.QUARANTINED, sender.detail or "okänd avsändare", sender)
    if verdict is not None and verdict.result == "fail":
        return Decision(Outcome.QUARANTINED, f"avsändaren kunde inte verifieras (DMARC/DKIM/SPF): {verdict.detail} "
                        f"enligt {verdict.source}", sender)
    if config.security.require_authentication and (verdict is None or verdict.result != "pass"):
        return Decision(Outcome.QUARANTINED, "avsändaren kunde inte verifieras (DMARC/DKIM/SPF)", sender)

    if not readable:
        reply = answers_us(message, config)
        if reply is not None:
            return Decision(Outcome.FORWARDED, f"{reply}, utan formulär: vidarebefordrat till handläggare", sender)
        problems = [f"{p.filename}: {i.message}" for p in parsed for i in p.result.issues if i.field == "file"]
        if not parsed:
            problems = ["Vi hittade ingen lägesbild i meddelandet. Bifoga det ifyllda formuläret (Word, Excel "
                        "eller PDF) och skicka igen."]
        return Decision(Outcome.REJECTED, "inget läsbart formulär", sender, problems=tuple(problems))

    tz = ZoneInfo(config.deadline.timezone)
    planned: dict[tuple[str, str], PlannedSubmission] = {}
    held: dict[tuple[str, str], HeldPart] = {}
    for p in readable:
        # Each form on its own: a joint mail may carry the sender's own form and a neighbour's.
        municipality = p.result.municipality or sender.municipality
        choice = choose_period(p.result.period, p.result.month_hint, message.subject, message.body_text,
                               received_at, tz, config.county.form.cadence)
        key = (municipality, str(choice.period))
        digest = content_hash(p.result)
        if key in planned and planned[key].content_hash != digest:
            # Two different reports for one month in one mail: which is meant is not ours to guess.
            # The first is filed (and the receipt says so), the other waits for staff beside it.
            first = planned[key].parsed.filename
            held[(municipality, f"{choice.period} {p.filename}")] = HeldPart(
                p.filename, municipality, choice.period,
                f"{p.filename} gäller också {municipality} {choice.period} men svarar annorlunda än {first}, "
                "som registrerades")
            continue
        if key in planned or key in held:
            continue  # the same form twice in one mail (e.g. .docx and .pdf): one submission
        if config.municipality(municipality) is None:
            held[key] = HeldPart(p.filename, municipality, choice.period,
                                 f"formuläret gäller {municipality}, som inte hör till {config.county.name}")
        elif not may_submit_for(sender.municipality, municipality, rules):
            held[key] = HeldPart(p.filename, municipality, choice.period,
                                 f"avsändaren hör till {sender.municipality} men formuläret gäller {municipality}")
        else:
            planned[key] = PlannedSubmission(municipality, choice, p, digest)
    skipped = tuple(p.filename for p in parsed if p.result.unreadable)
    if held:
        reasons = "; ".join(h.reason for h in held.values())
        if planned:
            filed = ", ".join(f"{p.municipality} {p.period_choice.period}" for p in planned.values())
            reasons = f"{reasons} (registrerat ur samma meddelande: {filed})"
        return Decision(Outcome.QUARANTINED, reasons, sender, tuple(planned.values()), skipped=skipped,
                        held=tuple(held.values()))
    return Decision(Outcome.STORED, "", sender, tuple(planned.values()), skipped=skipped)
