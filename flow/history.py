"""A municipality's history for the staff web page: every report by period, every version with its answers,
what changed between versions, where each value came from, the mail sent about it, and the originals.

Where a value came from, as the store keeps it: the file and its format, the
message that carried it (sender, subject, when it arrived, or "import" for a
form filed by hand), the part of the file and the text each value was read
from (a sheet, a PDF page, a table or a form field, and the line or row as it
stood; none for versions filed before these were kept), the parser's issues
on that field, and for a county correction who made it and why. The original
attachment is kept too, for download (staff only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from flow.operations import IMPORT_MAILBOX
from flow.settings import Config
from ingest.message import read_message
from outputs.blank_forms import level_label
from outputs.safe_text import safe_text
from parsers.result import Answer, Issue, Period, Source
from store import repo
from store.db import read_transaction, transaction

# A form pasted into the mail's text: flow.reading reads it under the first name and files it under the second.
BODY_FORM = "meddelandetext.txt"
BODY_FORMS = (BODY_FORM, "meddelandetext")


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """One question of one version as the history shows it."""

    number: int
    short: str
    has_impact: bool
    impact: int | None
    level: str  # "3 – Oroande", or "" when none
    comment: str  # "" when blank, or withheld from this reader
    withheld: bool
    issues: tuple[Issue, ...]
    changed: bool  # differs from the version before
    impact_source: Source | None = None  # where the impact was read from (or the correction that set it)
    comment_source: Source | None = None  # likewise the comment's; None where the comment is withheld


@dataclass(frozen=True, slots=True)
class Change:
    """One field that differs from the version before: "Fråga 3, påverkan: 2 → 4"."""

    question: int
    field: str  # "påverkan" or "kommentar"
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class VersionEntry:
    """One stored version with its provenance."""

    id: int
    version: int
    status: str
    received_at: datetime
    on_time: bool | None
    filename: str
    format: str
    flags: tuple[str, ...]
    sender: str
    subject: str
    imported: bool  # filed by hand (`lagesbild import`), not received by mail
    raw_message_id: int
    raw_kept: bool  # the original is still stored (not purged)
    corrected_by: str | None
    correction_reason: str | None
    answers: tuple[AnswerLine, ...]
    file_issues: tuple[Issue, ...]  # issues on the file, the municipality or the period
    changes: tuple[Change, ...]
    area: str | None = None  # the part of the municipality this version is about, when its form gave one

    @property
    def read_from(self) -> str:
        """The file the values were read from, as a clerk calls it: its name, or the mail's own text."""
        return "e-brevets text" if self.filename in BODY_FORMS else self.filename or "filen"

    @property
    def sources_kept(self) -> bool:
        """Whether any value of this version says where it was read from: a version filed before sources
        were kept (and not given them since by `lagesbild sources --backfill`) has none."""
        return any(a.impact_source or a.comment_source for a in self.answers)


@dataclass(frozen=True, slots=True)
class MailEntry:
    """A mail written about one of the report's messages (a receipt, a reply, a correction notice)."""

    kind: str
    to: tuple[str, ...]
    subject: str
    status: str
    queued_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReportEntry:
    """One period's report: its versions (oldest first) and the mail about it."""

    period: Period
    versions: tuple[VersionEntry, ...]
    mails: tuple[MailEntry, ...]

    @property
    def latest(self) -> VersionEntry:
        return self.versions[-1]


@dataclass(frozen=True, slots=True)
class History:
    municipality: str
    reports: tuple[ReportEntry, ...]  # newest period first
    year: int | None  # the year shown (None: the municipality has no reports)
    years: tuple[int, ...]  # every year with reports, newest first


def municipality_history(engine: Engine, config: Config, municipality: str, *, show_withheld: bool,
                         year: int | None = None) -> History:
    """Every report of `municipality` (one of the configured county's) in `year` (default: the newest year
    it has reports for), and the years it has any. `show_withheld` False blanks the comments held for a
    confidentiality review (leadership sees no personal data). One year at a time: ten years on one page
    was 370 kB of HTML."""
    county = config.county.code
    with read_transaction(engine) as s:
        years = repo.report_years(s, county, municipality)
        if year is None and years:
            year = years[0]
        views = repo.report_versions(s, county, municipality, year) if year is not None else []
        raw_ids = {v.raw_message_id for v in views}
        messages = repo.message_sources(s, raw_ids)
        mails = repo.mail_about(s, raw_ids)
    scale = config.county.form.scale
    labels = {v: level_label(scale, v) for v in range(scale.min, scale.max + 1)}  # worded once, not per answer
    by_period: dict[Period, list[repo.SubmissionView]] = {}
    for view in views:
        by_period.setdefault(view.period, []).append(view)
    reports = []
    for period, versions in by_period.items():
        ids = {v.raw_message_id for v in versions}
        entries: list[VersionEntry] = []
        previous: repo.SubmissionView | None = None
        for view in versions:
            entries.append(_entry(config, view, previous, messages.get(view.raw_message_id), show_withheld, labels))
            previous = view
        reports.append(ReportEntry(period, tuple(entries), tuple(
            MailEntry(str(m.kind), m.to_addrs, m.subject, str(m.status), m.created_at, m.sent_at)
            for m in mails if m.related_raw_message_id in ids)))
    return History(municipality, tuple(reports), year, tuple(years))


def _entry(config: Config, view: repo.SubmissionView, previous: repo.SubmissionView | None,
           message: repo.MessageSource | None, show_withheld: bool,
           labels: dict[int, str]) -> VersionEntry:
    form = config.county.form
    lines = []
    changes: list[Change] = []
    for q in form.questions:
        answer = view.answers.get(q.number, Answer(None, ""))
        hidden = q.number in view.withheld and not show_withheld
        before = previous.answers.get(q.number, Answer(None, "")) if previous else None
        changed = before is not None and before != answer
        if before is not None and before.impact != answer.impact:
            changes.append(Change(q.number, "påverkan", _level(labels, before.impact), _level(labels, answer.impact)))
        if before is not None and before.comment != answer.comment:
            hide = hidden or (previous is not None and q.number in previous.withheld and not show_withheld)
            changes.append(Change(q.number, "kommentar", "(granskas)" if hide else before.comment or "(tom)",
                                  "(granskas)" if hide else answer.comment or "(tom)"))
        lines.append(AnswerLine(
            q.number, q.short, q.impact, answer.impact,
            _level(labels, answer.impact, ""),
            "" if hidden else answer.comment, q.number in view.withheld,
            tuple(i for i in view.issues if i.field in (f"q{q.number}.impact", f"q{q.number}.comment")), changed,
            answer.impact_source if q.impact else None, None if hidden else answer.comment_source))
    field_issues = {f"q{n}.{part}" for n in form.numbers for part in ("impact", "comment")}
    return VersionEntry(
        view.id, view.version, str(view.status), view.received_at, view.on_time, view.filename, view.format.value,
        view.flags, view.sender, message.subject if message else "",
        message is not None and message.mailbox == IMPORT_MAILBOX, view.raw_message_id,
        message is not None and message.size > 0, view.corrected_by, view.correction_reason, tuple(lines),
        tuple(i for i in view.issues if i.field not in field_issues), tuple(changes), view.area)


def _level(labels: dict[int, str], impact: int | None, none: str = "ingen") -> str:
    return none if impact is None else labels.get(impact, str(impact))


@dataclass(frozen=True, slots=True)
class Download:
    """A file to hand to a staff member's browser."""

    filename: str
    content: bytes
    content_type: str


def original_mail(engine: Engine, config: Config, municipality: str, raw_id: int, actor: str,
                  now: datetime) -> Download | None:
    """The raw mail (.eml) of a message that carried one of `municipality`'s reports; None when there is
    no such message in this county (or it was a hand-filed import, or purged). The download is audited."""
    with transaction(engine) as s:
        message = _message_of(s, config, municipality, raw_id)
        if message is None or message.mailbox == IMPORT_MAILBOX:
            return None
        raw = repo.get_raw(s, raw_id)
        if not raw:
            return None
        repo.audit(s, raw_id, "downloaded", "originalmeddelandet (.eml)", now, actor=actor,
                   county=config.county.code, municipality=municipality)
    return Download(f"meddelande-{raw_id}.eml", raw, "message/rfc822")


def original_attachment(engine: Engine, config: Config, municipality: str, submission_id: int, actor: str,
                        now: datetime) -> Download | None:
    """The file a version was read from, taken out of its stored message; None when the version is not
    `municipality`'s in this county or the file is no longer kept. The download is audited."""
    with transaction(engine) as s:
        view = repo.get_submission(s, submission_id)
        if view is None or view.county != config.county.code or view.municipality != municipality:
            return None
        message = repo.get_message(s, view.raw_message_id)
        raw = repo.get_raw(s, view.raw_message_id)
        if message is None or not raw:
            return None
        content = raw if message.mailbox == IMPORT_MAILBOX else _attachment(raw, view.filename)
        if content is None:
            return None
        repo.audit(s, view.raw_message_id, "downloaded", f"filen {view.filename} (version {view.version})", now,
                   actor=actor, county=config.county.code, municipality=municipality)
    return Download(view.filename or f"version-{submission_id}", content, "application/octet-stream")


def _message_of(s: Session, config: Config, municipality: str, raw_id: int) -> repo.RawMessageView | None:
    """Message `raw_id` when it is this county's and carried a report of `municipality`."""
    message = repo.get_message(s, raw_id)
    if message is None or message.county != config.county.code:
        return None
    versions = repo.report_versions(s, config.county.code, municipality)
    return message if any(v.raw_message_id == raw_id for v in versions) else None


def _attachment(raw: bytes, filename: str) -> bytes | None:
    message = read_message(raw)
    for attachment in message.attachments:
        if safe_text(attachment.filename) == filename:
            return attachment.content
    if filename in BODY_FORMS and message.body_text.strip():
        return message.body_text.encode("utf-8")
    return None
