"""The tables, as sqlmodel classes. Only `store/` imports this module.

The schema itself is made by the hand-written Alembic migrations in
store/migrations/versions/; `tests/store/test_db.py` checks that these
classes and the migrations describe the same tables.

Two column types keep Python values honest on both databases:
`UTCDateTime` (aware UTC in and out; timestamptz on PostgreSQL, a naive UTC
string on SQLite, which sorts and compares correctly) and `ValueEnum` (a
StrEnum stored as its value in a plain VARCHAR, no database enum type to migrate).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from parsers.result import Format, Severity
from store.outcome import Outcome
from store.views import MailKind, MailStatus, SubmissionStatus

E = TypeVar("E", bound=enum.StrEnum)

ENUM_LENGTH = 32


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime, always handed back in UTC. Naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime given to the store: {value!r} (use an aware datetime)")
        utc = value.astimezone(UTC)
        # SQLite has no time zones: store UTC without an offset so strings compare in time order.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ValueEnum(TypeDecorator[E], Generic[E]):
    """A StrEnum stored as its value (VARCHAR); reading back gives the enum member."""

    impl = String(ENUM_LENGTH)
    cache_ok = True

    def __init__(self, enum_cls: type[E]) -> None:
        super().__init__()
        self.enum_cls = enum_cls

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_cls(value).value  # raises ValueError on a value the enum does not know

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(value)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RawMessage(SQLModel, table=True):
    """One message as received, keyed by where it sits in the mailbox."""

    __tablename__ = "raw_message"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_raw_message_ref"),
        Index("ix_raw_message_content", "message_id", "sha256"),
        Index("ix_raw_message_county_outcome", "county", "outcome"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    mailbox: str = Field(sa_column=Column(Text, nullable=False))
    uidvalidity: int = Field(sa_column=Column(BigInteger, nullable=False))
    uid: str = Field(sa_column=Column(String(255), nullable=False))
    message_id: str | None = Field(default=None, sa_column=Column(Text))
    sha256: str | None = Field(default=None, sa_column=Column(String(64)))
    sender: str = Field(default="", sa_column=Column(Text, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    received_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    outcome: Outcome | None = Field(default=None, sa_column=Column(ValueEnum(Outcome)))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    county: str = Field(default="", sa_column=Column(String(64), nullable=False))
    municipality: str | None = Field(default=None, sa_column=Column(String(128)))
    moved: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=_utc_now, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=_utc_now, sa_column=Column(UTCDateTime, nullable=False))


class RawMessageBody(SQLModel, table=True):
    """The bytes of a message as received, written once beside its `RawMessage` row (migration 0010).

    Kept in a table of their own because the message's row is updated while
    it is handled (outcome, attempts, moved), and SQLite rewrites a whole row
    on UPDATE: a 20 MB mail was rewritten with every status change. No row:
    the bytes were never kept (a message that could not be fetched); an empty
    `raw`: purged by the retention job.
    """

    __tablename__ = "raw_message_body"

    raw_message_id: int = Field(sa_column=Column(
        Integer, ForeignKey("raw_message.id", ondelete="CASCADE"), primary_key=True, autoincrement=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Submission(SQLModel, table=True):
    """One version of a municipality's report for a period."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("county", "municipality", "period", "version", name="uq_submission_version"),
        Index("ix_submission_county_period", "county", "period"),
        Index("ix_submission_county_status", "county", "status"),  # held reports (migration 0008)
        CheckConstraint("version >= 1", name="ck_submission_version"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    county: str = Field(sa_column=Column(String(64), nullable=False))
    municipality: str = Field(sa_column=Column(String(128), nullable=False))
    period: str = Field(sa_column=Column(String(10), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))
    raw_message_id: int = Field(sa_column=Column(Integer, ForeignKey("raw_message.id"), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    filename: str = Field(default="", sa_column=Column(Text, nullable=False))
    format: Format = Field(sa_column=Column(ValueEnum(Format), nullable=False))
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    on_time: bool | None = Field(default=None, sa_column=Column(Boolean))
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: SubmissionStatus = Field(sa_column=Column(ValueEnum(SubmissionStatus), nullable=False))
    created_at: datetime = Field(default_factory=_utc_now, sa_column=Column(UTCDateTime, nullable=False))
    corrected_by: str | None = Field(default=None, sa_column=Column(String(255)))
    correction_reason: str | None = Field(default=None, sa_column=Column(Text))
    # The part of the municipality the report is about, as the form gave it (migration 0009); NULL: none.
    area: str | None = Field(default=None, sa_column=Column(Text))


class AnswerRow(SQLModel, table=True):
    """One question's answer in one submission."""

    __tablename__ = "answer"
    __table_args__ = (CheckConstraint("impact IS NULL OR (impact >= 1 AND impact <= 5)", name="ck_answer_impact"),)

    submission_id: int = Field(sa_column=Column(Integer, ForeignKey("submission.id", ondelete="CASCADE"),
                                                primary_key=True))
    question: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    impact: int | None = Field(default=None, sa_column=Column(Integer))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    withheld: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    # Where the impact and the comment were read from (store.sources: a parsers.result.Source as JSON);
    # NULL for versions stored before they were kept, and where nothing was read.
    impact_source: str | None = Field(default=None, sa_column=Column(Text))
    comment_source: str | None = Field(default=None, sa_column=Column(Text))


class SubmissionIssue(SQLModel, table=True):
    """One issue found in a submission's file (kept in the order the parser gave)."""

    __tablename__ = "submission_issue"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    submission_id: int = Field(sa_column=Column(Integer, ForeignKey("submission.id", ondelete="CASCADE"),
                                                nullable=False, index=True))
    field: str = Field(sa_column=Column(String(32), nullable=False))
    severity: Severity = Field(sa_column=Column(ValueEnum(Severity), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))


class OutboxRow(SQLModel, table=True):
    """One outgoing mail, written in the same transaction as what caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_kind_created", "kind", "created_at"),  # the reply rate limit's "last hour"
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    kind: MailKind = Field(sa_column=Column(ValueEnum(MailKind), nullable=False))
    dedupe_key: str = Field(sa_column=Column(String(255), nullable=False))
    to_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: MailStatus = Field(sa_column=Column(ValueEnum(MailStatus), nullable=False))
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    related_raw_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("raw_message.id", ondelete="SET NULL")))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class AuditEvent(SQLModel, table=True):
    """One line of the audit trail: what happened to a message (or to the worker), and when."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_county_at", "county", "at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    raw_message_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("raw_message.id", ondelete="SET NULL"), index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    event: str = Field(sa_column=Column(String(64), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    actor: str = Field(default="worker", sa_column=Column(String(255), nullable=False, server_default="worker"))
    county: str | None = Field(default=None, sa_column=Column(String(64)))
    municipality: str | None = Field(default=None, sa_column=Column(String(128)))
    before: str | None = Field(default=None, sa_column=Column(Text))
    after: str | None = Field(default=None, sa_column=Column(Text))


class WorkerCycle(SQLModel, table=True):
    """One cycle of the worker (ingest, outbox, jobs): its heartbeat, kept for the status page."""

    __tablename__ = "worker_cycle"
    __table_args__ = (Index("ix_worker_cycle_county_finished", "county", "finished_at"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    county: str = Field(sa_column=Column(String(64), nullable=False))
    host: str = Field(sa_column=Column(String(255), nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    messages: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    failed: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    sent: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    error: str | None = Field(default=None, sa_column=Column(Text))


class JobLock(SQLModel, table=True):
    """A lease on a named job (e.g. the outbox sender), so one worker runs it at a time."""

    __tablename__ = "job_lock"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    owner: str = Field(sa_column=Column(String(255), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class UserAccount(SQLModel, table=True):
    """A local account for the staff web page; the password only as an argon2id hash."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    name: str = Field(sa_column=Column(String(255), nullable=False, unique=True))
    role: str = Field(sa_column=Column(String(ENUM_LENGTH), nullable=False))
    county: str = Field(sa_column=Column(String(16), nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CountyStart(SQLModel, table=True):
    """The month a county started collecting, written by its first run when the configuration names none."""

    __tablename__ = "county_start"

    county: str = Field(sa_column=Column(String(16), primary_key=True))
    first_period: str = Field(sa_column=Column(String(10), nullable=False))
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


metadata = SQLModel.metadata
