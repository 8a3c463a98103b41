"""What staff do by hand: import a form that came another way, release or drop a
quarantined message, re-read stored messages with today's parsers."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.decide import Decision, ParsedFile, PlannedSubmission, content_hash, decide
from flow.filing import file_plan
from flow.notify import queue_decision_mail, queue_signals
from flow.pipeline import handle_message
from flow.reading import Parse, Reading, parse_message, read_ahead
from flow.sandbox import parse_isolated
from flow.settings import Config
from flow.staff_ops import OperationRefused, ReleaseStep, check_county, newer_report
from ground.errors import ConfigError, StoreUnavailable
from ground.refs import MessageRef
from ingest.message import read_message
from ingest.route import PeriodChoice
from ingest.source import RawMail
from parsers.personal import redact
from parsers.result import Period
from store import repo
from store.db import read_transaction, transaction
from store.errors import AlreadyClaimed
from store.outcome import Outcome

IMPORT_MAILBOX = "import"
STAFF = "staff"  # the actor named in the audit trail when a caller names nobody


@dataclass(frozen=True, slots=True)
class Filed:
    municipality: str
    period: Period
    kind: str
    version: int


def import_file(engine: Engine, config: Config, data: bytes, filename: str, municipality: str,
                period: Period | None, now: datetime, parse: Parse = parse_isolated) -> tuple[Filed, tuple[str, ...]]:
    """File a form that came another way (handed over, posted) under `municipality`.

    The file is kept like a received message (mailbox "import") so the audit
    trail is complete. Returns what was filed and the parser's issue messages.
    """
    if config.municipality(municipality) is None:
        raise ConfigError(f"--municipality: '{municipality}' is not a municipality of {config.county.name}")
    result = parse(data, filename, config.county.form, config.limits)
    if result.unreadable:
        raise ConfigError(f"{filename}: {result.issues[0].message}")
    chosen = period or result.period
    if chosen is None:
        raise ConfigError(f"{filename}: the file names no month; give --period YYYY-MM")
    sha = hashlib.sha256(data).hexdigest()
    ref = MessageRef(IMPORT_MAILBOX, 0, f"{sha[:32]}-{int(now.timestamp())}")
    plan = PlannedSubmission(municipality, PeriodChoice(chosen, "form" if period is None else "form"),
                             ParsedFile(filename, result), content_hash(result))
    with transaction(engine) as s:
        row = repo.insert_raw(s, ref, message_id=f"<import-{sha[:24]}@lagesbild.invalid>", sha256=sha,
                              sender="", subject=f"Import: {filename}", received_at=now, raw=data,
                              county=config.county.code)
        filed = file_plan(s, row.id, RawMail(ref, data, now), plan, config, ZoneInfo(config.deadline.timezone),
                      timedelta(minutes=config.deadline.grace_minutes))
        outcome = Outcome.CORRECTION if filed.kind == "correction" else Outcome.DUPLICATE \
            if filed.kind == "identical" else Outcome.STORED
        repo.set_outcome(s, row.id, outcome, f"importerad för {municipality}", municipality=municipality)
        repo.mark_moved(s, row.id)
        repo.audit(s, row.id, "imported", f"{filename} för {municipality} {chosen}", now)
    issues = tuple(i.message for i in result.issues)
    return Filed(municipality, chosen, str(filed.kind), filed.submission.version), issues


def release_quarantined(engine: Engine, config: Config, raw_id: int, municipality: str, now: datetime,
                        parse: Parse = parse_isolated, *, force: bool = False,
                        dry_run: bool = False, actor: str = STAFF) -> list[ReleaseStep]:
    """File a quarantined message's forms under `municipality` and answer its sender; what was done per form.

    Each form is planned first (flow.staff_ops): one naming another
    municipality is refused unless `force` (one already filed from this very
    message, the allowed part of a joint mail, is left as it is), and none is
    filed over a report that arrived after this message. Any refusal stops the
    whole release (OperationRefused, the plan in its message); `dry_run` only plans.
    `actor` (the staff member) is written in the audit trail.
    """
    if config.municipality(municipality) is None:
        raise ConfigError(f"--municipality: '{municipality}' is not a municipality of {config.county.name}")
    with transaction(engine) as s:
        view = _quarantined(s, raw_id)
        check_county(config, view.county, f"message {raw_id}")
        raw = repo.get_raw(s, raw_id)
    if not raw:
        raise OperationRefused(f"message {raw_id}: its mail is no longer kept (purged), so there is nothing to file")
    received_at = _arrival(view)
    message = read_message(raw)
    parsed = [p for p in parse_message(message, config, parse) if not p.result.unreadable]
    if not parsed:
        raise OperationRefused(f"message {raw_id} holds no readable form")
    tz = ZoneInfo(config.deadline.timezone)
    from ingest.route import choose_period

    planned: list[tuple[ReleaseStep, PlannedSubmission | None]] = []
    with read_transaction(engine) as s:
        for p in parsed:
            choice = choose_period(p.result.period, p.result.month_hint, message.subject, message.body_text,
                                   received_at, tz, config.county.form.cadence)
            step = _plan_step(s, config, raw_id, received_at, p.filename, p.result.municipality, municipality,
                              choice.period, force, content_hash(p.result))
            plan = PlannedSubmission(municipality, choice, p, content_hash(p.result)) if step.action == "file" else None
            planned.append((step, plan))
    steps = [step for step, _ in planned]
    if any(step.action == "refuse" for step in steps):
        raise OperationRefused("nothing released:\n  " + "\n  ".join(st.line(municipality) for st in steps)
                               + "\n  (add --force to file a form under a municipality it does not name)")
    to_file = [plan for _, plan in planned if plan is not None]
    if dry_run:
        return steps
    if not to_file:
        raise OperationRefused("nothing to file:\n  " + "\n  ".join(st.line(municipality) for st in steps))
    grace = timedelta(minutes=config.deadline.grace_minutes)
    ref = MessageRef(view.mailbox, view.uidvalidity, view.uid)
    with transaction(engine) as s:
        filed = [(plan, file_plan(s, raw_id, RawMail(ref, raw, received_at), plan, config, tz, grace))
                 for plan in to_file]
        decision = decide(message, parsed, config, received_at, None)
        decision = Decision(Outcome.STORED, "", decision.sender, tuple(p for p, _ in filed))
        if filed:
            queue_decision_mail(s, config, raw_id, message, decision, filed, now)
        repo.set_outcome(s, raw_id, Outcome.STORED, f"släppt ur karantän för {municipality}",
                         municipality=municipality)
        repo.audit(s, raw_id, "released", f"för {municipality}: " + "; ".join(st.line(municipality) for st in steps),
                   now, actor=actor, county=config.county.code, municipality=municipality, before="karantän",
                   after="; ".join(f"{st.period} version {(st.supersedes or 0) + 1}" for st in steps
                                   if st.action == "file"))
    return steps


def _plan_step(s: Session, config: Config, raw_id: int, received_at: datetime, filename: str, named: str | None,
               municipality: str, period: Period, force: bool, digest: str = "") -> ReleaseStep:
    county = config.county.code
    if named and named != municipality:
        own = repo.latest_arrival(s, county, named, period)
        if own is not None and own[0] == raw_id:
            return ReleaseStep(filename, named, period, "skip")  # the allowed part of a joint mail: filed already
        if not force:
            return ReleaseStep(filename, named, period, "refuse", note=f"the form is for {named}, not {municipality}")
    latest = repo.latest_arrival(s, county, municipality, period)
    stands = newer_report(latest, raw_id, received_at)
    if stands:
        return ReleaseStep(filename, named, period, "newer", note=stands)
    versions = [v.version for v in repo.latest_submissions(s, county, period) if v.municipality == municipality]
    return ReleaseStep(filename, named, period, "file", supersedes=versions[0] if versions else None,
                       identical=bool(digest) and latest is not None and latest[2] == digest)


def _quarantined(s: Session, raw_id: int) -> repo.RawMessageView:
    """The message `raw_id`, which must be in quarantine (OperationRefused, exit 1, if not)."""
    view = repo.get_message(s, raw_id)
    if view is None:
        raise OperationRefused(f"there is no message {raw_id} (see: lagesbild quarantine list)")
    if view.outcome != Outcome.QUARANTINED:
        raise OperationRefused(f"message {raw_id} is not in quarantine (it is {view.outcome})")
    return view


def drop_quarantined(engine: Engine, raw_id: int, now: datetime, reason: str = "",
                     config: Config | None = None, *, actor: str = STAFF) -> None:
    """Keep a quarantined message but never file it (spam, a wrong address); only the configured county's."""
    with transaction(engine) as s:
        view = _quarantined(s, raw_id)
        if config is not None:
            check_county(config, view.county, f"message {raw_id}")
        repo.set_outcome(s, raw_id, Outcome.DROPPED, reason or "borttagen ur karantän")
        repo.audit(s, raw_id, "dropped", reason, now, actor=actor, county=view.county or None,
                   before="karantän", after="borttagen")


@dataclass(slots=True)
class ReprocessReport:
    messages: int = 0
    unchanged: int = 0
    new_versions: int = 0
    newly_filed: int = 0
    parked_handled: int = 0  # parked after failing, now handled (and answered) as on arrival
    failures: list[str] = field(default_factory=list)  # could not be read or filed now (left as they were)


_REREAD = (Outcome.STORED, Outcome.CORRECTION, Outcome.DUPLICATE, Outcome.REJECTED, Outcome.FAILED)
_BATCH = 100  # messages whose bytes are read from the store at once


def reprocess(engine: Engine, config: Config, now: datetime, since: datetime | None = None,
              parse: Parse = parse_isolated,
              progress: Callable[[int, int], None] | None = None) -> ReprocessReport:
    """Read every stored message again with today's parsers and file what changed.

    Nobody is mailed about a re-reading: a changed reading becomes a new
    version (flagged "reprocessed"), a message that was rejected as unreadable
    and now reads is filed. A message parked after failing (the database was
    away, a parser crashed) was never answered: it is handled now exactly as
    on arrival, receipt included (the parked notice tells staff to run this
    after fixing the cause); it stays in the mailbox's error folder.
    Quarantined, ignored and dropped messages stay as they are.

    The forms are read on all cores (the reader pool) while this process files
    them in order; the messages' bytes are read from the store in batches.
    """
    report = ReprocessReport()
    tz = ZoneInfo(config.deadline.timezone)
    grace = timedelta(minutes=config.deadline.grace_minutes)
    with read_transaction(engine) as s:
        views = repo.kept_messages(s, config.county.code, _REREAD, since, exclude_mailbox=IMPORT_MAILBOX)
        latest = repo.latest_arrivals(s, config.county.code)

    def stored_mail() -> Iterator[RawMail]:
        for start in range(0, len(views), _BATCH):
            batch = views[start:start + _BATCH]
            with read_transaction(engine) as s:
                found = repo.raw_bytes(s, [v.id for v in batch])
            for v in batch:
                yield RawMail(MessageRef(v.mailbox, v.uidvalidity, v.uid), found.get(v.id, b""), _arrival(v))

    for view, item in zip(views, read_ahead(stored_mail(), config, parse), strict=True):
        report.messages += 1
        if progress is not None:
            progress(report.messages, len(views))
        try:
            if view.outcome == Outcome.FAILED:
                _handle_parked(view, item, engine, config, now, report)
            else:
                _reread(view, item, engine, config, now, tz, grace, report, latest)
        except StoreUnavailable:
            raise  # nothing more can be done now; run it again later
        except Exception as exc:  # noqa: BLE001 - one message must not stop the run; it stays as it was
            report.failures.append(f"{view.id}: {type(exc).__name__}: {exc}")
        finally:
            item.discard()
    with transaction(engine) as s:
        repo.audit(s, None, "reprocessed", f"{report.messages} meddelanden lästa om: {report.new_versions} nya "
                   f"versioner, {report.newly_filed} nyregistrerade, {report.parked_handled} parkerade behandlade, "
                   f"{report.unchanged} oförändrade, {len(report.failures)} misslyckade", now,
                   county=config.county.code)
    return report


def _handle_parked(view: repo.RawMessageView, reading: Reading, engine: Engine, config: Config, now: datetime,
                   report: ReprocessReport) -> None:
    try:
        outcome, _ = handle_message(reading, engine, config, now)
    except AlreadyClaimed:
        report.unchanged += 1  # a worker is retrying it right now
        return
    except StoreUnavailable:
        raise
    except Exception as exc:  # noqa: BLE001 - one message must not stop the run; it stays parked
        report.failures.append(f"{view.id}: {type(exc).__name__}: {exc}")
        return
    with transaction(engine) as s:
        repo.audit(s, view.id, "reprocessed", f"parkerat meddelande behandlat: {outcome.value}", now)
    report.parked_handled += 1


def _reread(view: repo.RawMessageView, item: Reading, engine: Engine, config: Config, now: datetime,
            tz: ZoneInfo, grace: timedelta, report: ReprocessReport,
            latest: dict[tuple[str, str], tuple[int, datetime, str]]) -> None:
    """Re-read one stored message; write only what changed (`latest`: the county's latest versions,
    read once at the start and kept up to date here)."""
    message = item.message()
    decision = decide(message, item.files(), config, _arrival(view), None)
    if decision.outcome is not Outcome.STORED:
        report.unchanged += 1
        return
    if view.outcome != Outcome.REJECTED and all(
            _settled(latest.get((p.municipality, str(p.period_choice.period))), view, p.content_hash)
            for p in decision.submissions):
        report.unchanged += 1  # the store already says this: nothing to write
        return
    with transaction(engine) as s:
        kinds = []
        for plan in decision.submissions:
            # Asked again inside the transaction: a worker may have filed a correction meanwhile.
            current = repo.latest_arrival(s, config.county.code, plan.municipality, plan.period_choice.period)
            if _settled(current, view, plan.content_hash):
                kinds.append("unchanged")
                continue
            if repo.latest_is_correction(s, config.county.code, plan.municipality, plan.period_choice.period):
                kinds.append("unchanged (a county correction stands)")  # a clerk's decision beats a re-reading
                continue
            result = file_plan(s, view.id, item.raw, plan, config, tz, grace)
            kinds.append(str(result.kind))
            latest[(plan.municipality, str(plan.period_choice.period))] = (
                view.id, _arrival(view), plan.content_hash)
        if view.outcome == Outcome.REJECTED:
            repo.set_outcome(s, view.id, Outcome.STORED, "läst vid ny behandling",
                             municipality=decision.sender.municipality)
        repo.audit(s, view.id, "reprocessed", ", ".join(kinds), now)
    if view.outcome == Outcome.REJECTED:
        report.newly_filed += 1
    elif any(k in ("correction", "new") for k in kinds):
        report.new_versions += 1
    else:
        report.unchanged += 1


def _settled(current: tuple[int, datetime, str] | None, view: repo.RawMessageView, content_hash: str) -> bool:
    """Whether re-reading `view` leaves the report as it is: its latest version already has this
    content, or came from a later message (a correction stands; an older message must not be filed
    over it)."""
    if current is None:
        return False
    raw_id, received_at, digest = current
    return digest == content_hash or (raw_id != view.id and received_at >= _arrival(view))


def _arrival(view: repo.RawMessageView) -> datetime:
    # A message recorded only as a failure may lack its delivery time; it was received when recorded.
    return view.received_at or view.created_at


def list_quarantined(engine: Engine, config: Config) -> list[dict[str, object]]:
    """Messages waiting in quarantine, oldest first, for the command line."""
    with transaction(engine) as s:
        rows = repo.quarantined(s, config.county.code)
    return [{"id": r.id, "received_at": _arrival(r).isoformat(timespec="seconds"), "sender": r.sender,
             "subject": r.subject, "reason": r.reason} for r in rows]


def list_held(engine: Engine, config: Config) -> list[dict[str, object]]:
    """Reports held for a confidentiality review: the questions withheld and each held comment with
    the personal data masked ("XXXXXXXX-XXXX"), so the reviewer needs no export of the raw text."""
    with transaction(engine) as s:
        held = repo.held_submissions(s, config.county.code)
    return [{"id": v.id, "municipality": v.municipality, "period": str(v.period), "version": v.version,
             "questions": sorted(v.withheld),
             "comments": {str(q): redact(v.answers[q].comment) for q in sorted(v.withheld) if q in v.answers},
             "reasons": [i.message for i in v.issues if "personuppgift" in i.message]} for v in held]


def release_held(engine: Engine, config: Config, submission_id: int, now: datetime, *,
                 actor: str = STAFF) -> Filed:
    """Staff reviewed a held report: show its answers again, and let the signals see it."""
    with transaction(engine) as s:
        held = {v.id: v for v in repo.held_submissions(s, config.county.code)}
        if submission_id not in held:
            raise OperationRefused(f"report {submission_id} is not held for review in {config.county.name} "
                                   "(see: lagesbild review list)")
        view = repo.release_withheld(s, submission_id)
        repo.audit(s, view.raw_message_id, "released_after_review", f"{view.municipality} {view.period}", now,
                   actor=actor, county=config.county.code, municipality=view.municipality,
                   before=f"version {view.version} granskas", after="släppt efter granskning")
        queue_signals(s, config, view, now)
    return Filed(view.municipality, view.period, "released", view.version)
