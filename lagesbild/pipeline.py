"""One ingest cycle: list the mailbox, handle each new message exactly once.

For each message: read it, parse its forms (in capped child processes), decide
what it is, and record everything in ONE transaction keyed by (mailbox,
UIDVALIDITY, UID): the raw bytes, the submissions, the replies to send (the
outbox), and the audit trail. Only after the commit is the message moved in
the mailbox; a restart finds messages stored but not moved, and only moves
them. A crash at any point therefore loses nothing and duplicates nothing.

A message that comes back under a new key (a new UIDVALIDITY, a copy put
back into the inbox) but is byte for byte one already handled is recorded as
ignored and moved, never filed or answered again.

A message that fails for a passing reason (the database or mailbox briefly
away) is retried with growing pauses and parked in the error folder when it
keeps failing; the worker never stops on one message.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from ingest.classify import passes
from ingest.message import MailMessage, read_message
from ingest.source import FOLDER_FOR, Folder, MailSource, MessageRef, Outcome, RawMail
from lagesbild.calendar import deadline_end
from lagesbild.config import Config
from lagesbild.decide import Decision, ParsedFile, PlannedSubmission, decide
from lagesbild.errors import LagesbildError, MailboxUnavailable, StoreUnavailable
from lagesbild.notify import queue_decision_mail, queue_parked_notice, queue_signals
from lagesbild.sandbox import Pending, cpu_count, parse_isolated
from parsers import blank_result
from parsers.form import FormSpec
from parsers.limits import Limits
from parsers.personal import find_personal_data
from parsers.result import Answer, Format, Issue, ParseResult
from store import repo
from store.db import read_transaction, transaction
from store.errors import AlreadyClaimed

_log = logging.getLogger(__name__)

Parse = Callable[[bytes, str, FormSpec, Limits], ParseResult]


@dataclass(slots=True)
class PollReport:
    """What one cycle did, for the command line and the logs."""

    outcomes: Counter[str] = field(default_factory=Counter)
    moved_only: int = 0
    waiting: int = 0  # failed earlier, not yet due for a retry
    claimed_elsewhere: int = 0  # another worker was handling it at the same moment
    failures: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return self.outcomes[Outcome.FAILED.value]


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 6 * 60))


def parse_message(message: MailMessage, config: Config, parse: Parse = parse_isolated) -> list[ParsedFile]:
    """Parse every attachment; when there is none, the body (a form pasted into the mail)."""
    return start_parsing(message, config, parse)()


def start_parsing(message: MailMessage, config: Config, parse: Parse = parse_isolated) -> FormsBeingRead:
    """Start reading the message's forms (on the reader pool: at once, on other cores); calling the
    result waits for them and gives what `parse_message` gives. A plain Parse function reads when called."""
    form, limits = config.county.form, config.limits
    cap = limits.max_files_per_message
    submit = getattr(parse, "submit", None)

    def start(data: bytes, filename: str) -> Callable[[], ParseResult]:
        if submit is not None:
            handle: Callable[[], ParseResult] = submit(data, filename, form, limits)
            return handle
        return lambda: parse(data, filename, form, limits)

    files = [(a.filename, start(a.content, a.filename)) for a in message.attachments[:cap]]
    body = None
    if not files and message.body_text.strip():
        body = start(message.body_text.encode("utf-8"), "meddelandetext.txt")
    skipped = [a.filename for a in message.attachments[cap:]]
    return FormsBeingRead(files, body, skipped, form, cap)


@dataclass(slots=True)
class FormsBeingRead:
    """A message's forms as they are read: call it to wait for them; `cancel()` when they are not wanted."""

    files: list[tuple[str, Callable[[], ParseResult]]]
    body: Callable[[], ParseResult] | None  # the mail's text, read when it has no attachment
    skipped: list[str]  # attachments over [parsing] max_files_per_message
    form: FormSpec
    cap: int

    def __call__(self) -> list[ParsedFile]:
        parsed = [ParsedFile(name, handle()) for name, handle in self.files]
        for filename in self.skipped:
            # Not read at all: one message must not hold the worker for long.
            note = Issue.error("file", f"Meddelandet har fler än {self.cap} bilagor; den här lästes inte. "
                                       "Skicka lägesbilden i ett eget meddelande.")
            parsed.append(ParsedFile(filename, blank_result(self.form, Format.UNKNOWN, [note])))
        if self.body is not None:
            result = self.body()
            if not result.unreadable:
                parsed.append(ParsedFile("meddelandetext", result, from_body=True))
        return parsed

    def cancel(self) -> None:
        handles = [h for _, h in self.files] + ([self.body] if self.body is not None else [])
        for handle in handles:
            if isinstance(handle, Pending):
                handle.cancel()


@dataclass(slots=True)
class Reading:
    """A message read from its bytes, its forms being read: `files()` waits for them.

    Either may raise (a message the mail reader chokes on, a parser crash);
    `handle_message` calls both inside the per-message trap."""

    raw: RawMail
    _message: MailMessage | None = None
    _error: Exception | None = None
    _files: FormsBeingRead | None = None

    def message(self) -> MailMessage:
        if self._error is not None:
            raise self._error
        assert self._message is not None
        return self._message

    def files(self) -> list[ParsedFile]:
        self.message()
        assert self._files is not None
        files, self._files = self._files, None
        return files()

    def discard(self) -> None:
        """The forms will not be asked for (a copy of a handled mail, a failure): stop reading them."""
        if self._files is not None:
            self._files.cancel()
            self._files = None


def start_reading(raw: RawMail, config: Config, parse: Parse = parse_isolated) -> Reading:
    """Read the message and start reading its forms; never raises (see Reading)."""
    try:
        message = read_message(raw.raw)
        return Reading(raw, message, None, start_parsing(message, config, parse))
    except Exception as exc:  # noqa: BLE001 - kept for the message's own trap
        return Reading(raw, None, exc)


def read_ahead(raws: Iterable[RawMail], config: Config, parse: Parse = parse_isolated,
               window: int | None = None) -> Iterator[Reading]:
    """The messages in order, each one's forms started `window` messages before it is wanted.

    With the reader pool the forms of the next messages are read on the other
    cores while the caller files the current one; nothing is claimed or
    recorded here, so a crash loses only reading work.
    """
    readers = config.limits.readers or cpu_count()
    ahead = window if window is not None else (2 * readers if hasattr(parse, "submit") else 0)
    pending: deque[Reading] = deque()
    try:
        for raw in raws:
            pending.append(start_reading(raw, config, parse))
            if len(pending) > ahead:
                yield pending.popleft()
        while pending:
            yield pending.popleft()
    finally:  # the caller stopped early (the mailbox went away): stop reading what is left
        for reading in pending:
            reading.discard()


def _authenticated(message: MailMessage) -> bool | None:
    if message.auth is None:
        return None
    domain = message.sender.rsplit("@", 1)[-1]
    return passes(message.auth, domain)


Progress = Callable[[int, int], None]  # (done, total): for a progress bar on long runs


def poll_once(source: MailSource, engine: Engine, config: Config, now: datetime,
              parse: Parse = parse_isolated, progress: Progress | None = None) -> PollReport:
    """Handle every message waiting in the mailbox once. Raises MailboxUnavailable or
    StoreUnavailable only when nothing could be done at all."""
    report = PollReport()
    refs = source.list_refs()
    if not refs:
        return report
    with read_transaction(engine) as s:
        known = {}
        for (mailbox, uidvalidity), group in _grouped(refs).items():
            known.update({(mailbox, uidvalidity, uid): k for uid, k in
                          repo.known_refs(s, mailbox, uidvalidity, [r.uid for r in group]).items()})
    to_fetch: list[MessageRef] = []
    for ref in refs:
        k = known.get((ref.mailbox, ref.uidvalidity, ref.uid))
        if k is None:
            to_fetch.append(ref)
        elif k.outcome is not None and k.outcome != Outcome.FAILED:
            _move(source, engine, ref, FOLDER_FOR[Outcome(k.outcome)], k.id)
            report.moved_only += 1
        elif k.next_attempt_at is not None and k.next_attempt_at > now:
            report.waiting += 1
        else:
            to_fetch.append(ref)
    for done, reading in enumerate(read_ahead(source.fetch(to_fetch), config, parse), start=1):
        outcome = _handle_with_trap(reading, source, engine, config, now, report)
        if progress is not None:
            progress(done, len(to_fetch))
        if outcome is None:
            report.claimed_elsewhere += 1
        else:
            report.outcomes[outcome.value] += 1
    return report


def _grouped(refs: list[MessageRef]) -> dict[tuple[str, int], list[MessageRef]]:
    out: dict[tuple[str, int], list[MessageRef]] = {}
    for ref in refs:
        out.setdefault((ref.mailbox, ref.uidvalidity), []).append(ref)
    return out


def _move(source: MailSource, engine: Engine, ref: MessageRef, folder: Folder, raw_id: int) -> None:
    source.mark_done(ref, folder)
    with transaction(engine) as s:
        repo.mark_moved(s, raw_id)


def _handle_with_trap(reading: Reading, source: MailSource, engine: Engine, config: Config, now: datetime,
                      report: PollReport) -> Outcome | None:
    """The one place that catches everything: a message never stops the worker.

    None means another worker claimed the message first (it files and moves it)."""
    raw = reading.raw
    try:
        outcome, raw_id = handle_message(reading, engine, config, now)
    except AlreadyClaimed:
        return None  # another worker holds it, and moves it
    except Exception as exc:  # noqa: BLE001 - the per-message trap (see module docstring)
        reason = f"{type(exc).__name__}: {exc}"
        report.failures.append(f"{raw.ref.uid}: {reason}")
        _log.warning("message %s failed: %s", raw.ref.uid, reason)
        _record_failure(raw, engine, config, now, reason, source)
        return Outcome.FAILED
    finally:
        reading.discard()
    try:
        _move(source, engine, raw.ref, FOLDER_FOR[outcome], raw_id)
    except (MailboxUnavailable, StoreUnavailable) as exc:
        # Stored safely; the next cycle finds it stored-but-not-moved and moves it.
        _log.warning("message %s stored but not moved yet: %s", raw.ref.uid, exc)
    return outcome


def _record_failure(raw: RawMail, engine: Engine, config: Config, now: datetime, reason: str,
                    source: MailSource) -> None:
    try:
        with transaction(engine) as s:
            message = read_message(raw.raw)
            attempts, parked, raw_id = repo.record_failure(
                s, raw.ref, raw.raw, raw.received_at, reason, now, config.mailbox.max_attempts,
                _retry_delay, county=config.county.code, message_id=message.message_id, sender=message.sender,
                subject=message.subject)
            if parked:
                queue_parked_notice(s, config, raw, reason, attempts, now)
        if parked:
            _move(source, engine, raw.ref, Folder.ERROR, raw_id)
    except LagesbildError as exc:
        # The store itself is away: the message stays in the inbox and is tried next cycle.
        _log.warning("could not record the failure of %s: %s", raw.ref.uid, exc)


def handle_message(raw: RawMail | Reading, engine: Engine, config: Config, now: datetime,
                   parse: Parse = parse_isolated) -> tuple[Outcome, int]:
    """Read, parse, decide and record one message in one transaction. Returns its outcome and row id.

    `raw` may be a Reading whose forms are already being read (see read_ahead).
    An exact copy of a message already handled (same Message-ID, same bytes)
    under another key is recorded as ignored (never answered): see `_copy_of`.
    """
    reading = raw if isinstance(raw, Reading) else start_reading(raw, config, parse)
    raw = reading.raw
    message = reading.message()
    sha = hashlib.sha256(raw.raw).hexdigest()
    earlier = _copy_of(engine, message, sha)
    decision = None
    if earlier is None:
        parsed = reading.files()
        decision = decide(message, parsed, config, raw.received_at, _authenticated(message))
    with transaction(engine) as s:
        row = repo.insert_raw(s, raw.ref, message_id=message.message_id, sha256=sha, sender=message.sender,
                              subject=message.subject, received_at=raw.received_at, raw=raw.raw,
                              county=config.county.code)
        repo.audit(s, row.id, "received", f"från {message.sender or 'okänd'}: {message.subject[:120]}", now)
        if decision is None:
            assert earlier is not None
            reason = (f"kopia av meddelande {earlier.id}, som redan behandlats (samma Message-ID och innehåll); "
                      "inget nytt svar skickas")
            repo.set_outcome(s, row.id, Outcome.IGNORED, reason, municipality=earlier.municipality)
            repo.audit(s, row.id, Outcome.IGNORED.value, reason, now)
            return Outcome.IGNORED, row.id
        outcome = _record(s, row.id, raw, message, decision, config, now)
        repo.set_outcome(s, row.id, outcome, decision.reason or outcome.value,
                         municipality=decision.sender.municipality)
        repo.audit(s, row.id, outcome.value, decision.reason, now)
    return outcome, row.id


def _copy_of(engine: Engine, message: MailMessage, sha: str) -> repo.RawMessageView | None:
    """The earlier handled copy of this very mail, when it comes back under a new key.

    A key (mailbox, UIDVALIDITY, UID) is new whenever the server gives the
    folder a new UIDVALIDITY (a rebuilt index, a folder deleted and created
    again, a move to another server) or a person copies a handled mail back
    into the inbox. Without this, mail already answered would be filed and
    answered again (paperless-ngx #8944 seen from the other side); a copy is
    recognised by its Message-ID and the SHA-256 of its bytes, so a resend by
    the municipality (a new Message-ID) is still handled as such.
    """
    with read_transaction(engine) as s:
        return repo.find_same_content(s, message.message_id, sha)


def _record(s: object, raw_id: int, raw: RawMail, message: MailMessage, decision: Decision, config: Config,
            now: datetime) -> Outcome:
    """File the submissions (versions), queue the replies; the outcome of the message."""
    answer = not too_old_to_answer(config, raw.received_at, now)
    if not answer:
        repo.audit(s, raw_id, "not_answered", f"mottaget {raw.received_at:%Y-%m-%d}, mer än "
                   f"{config.outbox.max_reply_age_days} dagar före behandlingen: arkiveras utan svar", now)
    if decision.outcome is not Outcome.STORED:
        if answer:
            queue_decision_mail(s, config, raw_id, message, decision, [], now)
        return decision.outcome
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    filed = []
    for plan in decision.submissions:
        filed.append((plan, _file(s, raw_id, raw, plan, config, tz, grace)))
    kinds = {result.kind for _, result in filed}
    outcome = Outcome.CORRECTION if "correction" in kinds else Outcome.STORED if "new" in kinds \
        else Outcome.DUPLICATE
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


def _file(s: object, raw_id: int, raw: RawMail, plan: PlannedSubmission, config: Config, tz: ZoneInfo,
          grace: timedelta) -> repo.SubmissionResult:
    result = plan.parsed.result
    flags = ["period_inferred"] if plan.period_choice.inferred else []
    withheld, screening = screen_answers(result.answers, config.county.form)
    return repo.record_submission(
        s, county=config.county.code, municipality=plan.municipality, period=str(plan.period_choice.period),
        received_at=raw.received_at, raw_id=raw_id, filename=plan.parsed.filename, format=result.format.value,
        answers=result.answers, issues=(*result.issues, *screening), flags=flags, content_hash=plan.content_hash,
        deadline_end=deadline_end(plan.period_choice.period, tz, grace), withheld=withheld,
    )


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
