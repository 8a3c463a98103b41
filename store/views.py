"""What the store hands out: enums and small frozen values, never ORM rows.

Every verb in `store.repo` returns one of these, so no session, lazy load or
half-committed object leaks out of `store/`. Enums are stored as their values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from ground.refs import MessageRef
from parsers.result import Answer, Format, Issue, Period
from store.outcome import Outcome


class MailKind(enum.StrEnum):
    """Why an outgoing mail was written."""

    RECEIPT = "receipt"
    ERROR_REPLY = "error_reply"
    DUPLICATE_NOTICE = "duplicate_notice"
    QUARANTINE_NOTICE = "quarantine_notice"
    STAFF_NOTICE = "staff_notice"
    REMINDER = "reminder"
    COMPILATION = "compilation"
    DIGEST = "digest"
    SIGNAL = "signal"
    STAFF_FORWARD = "staff_forward"  # a reply in words, forwarded to staff
    REPLY_ACK = "reply_ack"  # the sender's acknowledgement of a reply in words
    CORRECTION_NOTICE = "correction_notice"  # the municipality told that county staff corrected a value


class MailStatus(enum.StrEnum):
    """Where an outgoing mail is: waiting (maybe for a retry), handed over, or given up."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class SubmissionStatus(enum.StrEnum):
    """A version is active until a correction supersedes it; held awaits confidentiality review."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    HELD = "held"


class SubmissionKind(enum.StrEnum):
    """What `record_submission` did: a first version, a new version, or nothing (same content)."""

    NEW = "new"
    CORRECTION = "correction"
    IDENTICAL = "identical"


@dataclass(frozen=True, slots=True)
class KnownRef:
    """What the store already knows about a message in the mailbox."""

    id: int
    outcome: Outcome | None
    moved: bool
    attempts: int
    next_attempt_at: datetime | None


@dataclass(frozen=True, slots=True)
class RawMessageView:
    """One received message's metadata (the bytes come from `get_raw`/`raw_messages`)."""

    id: int
    mailbox: str
    uidvalidity: int
    uid: str
    message_id: str | None
    sha256: str | None
    sender: str
    subject: str
    received_at: datetime | None
    size: int
    outcome: Outcome | None
    reason: str | None
    county: str
    municipality: str | None
    moved: bool
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @property
    def ref(self) -> MessageRef:
        return MessageRef(self.mailbox, self.uidvalidity, self.uid)


@dataclass(frozen=True, slots=True)
class MessageSource:
    """Where a version came from, as a history shows it: the message's mailbox, subject and kept size."""

    id: int
    mailbox: str
    subject: str
    size: int  # 0 once its bytes were purged


class FailureRecord(NamedTuple):
    """The result of `record_failure`: tries so far, whether it is now parked, and the row."""

    attempts: int
    parked: bool
    raw_id: int


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """One stored version of a municipality's report for a period.

    `received_at` is when this version arrived; `first_received_at` when version 1
    did (the time that decides on_time). `sender` and `message_id` are those of the
    message that carried this version.
    """

    id: int
    county: str
    municipality: str
    period: Period
    version: int
    status: SubmissionStatus
    received_at: datetime
    first_received_at: datetime
    on_time: bool | None
    filename: str
    format: Format
    content_hash: str
    flags: tuple[str, ...]
    answers: dict[int, Answer]
    issues: tuple[Issue, ...]
    raw_message_id: int
    sender: str
    message_id: str | None
    withheld: frozenset[int] = frozenset()  # questions held for a confidentiality review
    corrected_by: str | None = None  # the staff account that corrected a misread value (flow.correction)
    correction_reason: str | None = None
    area: str | None = None  # the part of the municipality the report is about ("Område"), when the form gave one


@dataclass(frozen=True, slots=True)
class ReportLevel:
    """A report's latest version as the year view shows it: when version 1 arrived, the highest
    level among the answers not withheld (None: none), and whether any answer is withheld."""

    municipality: str
    period: Period
    version: int
    first_received_at: datetime
    level: int | None
    withheld: bool


@dataclass(frozen=True, slots=True)
class SubmissionResult:
    """What `record_submission` did. For IDENTICAL, `submission` is the stored latest version."""

    submission: SubmissionView
    kind: SubmissionKind
    previous_version: int | None


@dataclass(frozen=True, slots=True)
class OutboxView:
    """One outgoing mail, with the full RFC 5322 bytes to send."""

    id: int
    kind: MailKind
    dedupe_key: str
    to_addrs: tuple[str, ...]
    cc_addrs: tuple[str, ...]
    subject: str
    raw: bytes
    status: MailStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    related_raw_message_id: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuditView:
    """One line of the audit trail."""

    id: int
    raw_message_id: int | None
    at: datetime
    event: str
    detail: str
    actor: str = "worker"
    county: str | None = None
    municipality: str | None = None
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True, slots=True)
class AccountView:
    """A local account of the web page; the hash only, never a password."""

    id: int
    name: str
    role: str
    county: str
    password_hash: str
