"""Every table of the first release.

Revision ID: 0001
Revises: (none)

Written by hand and frozen: it uses plain SQLAlchemy types, not store.models,
so later changes to the models cannot change what this migration did.
Datetimes are timestamptz on PostgreSQL (naive UTC text on SQLite, see
store.models.UTCDateTime); enums are VARCHAR(32) holding the enum's value.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

ENUM = sa.String(32)


def _ts(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "raw_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("mailbox", sa.Text(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.String(255), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        _ts("received_at"),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("outcome", ENUM, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("county", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(128), nullable=True),
        sa.Column("moved", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("created_at", nullable=False),
        _ts("updated_at", nullable=False),
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_raw_message_ref"),
    )
    op.create_index("ix_raw_message_content", "raw_message", ["message_id", "sha256"])
    op.create_index("ix_raw_message_county_outcome", "raw_message", ["county", "outcome"])

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county", sa.String(64), nullable=False),
        sa.Column("municipality", sa.String(128), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("raw_message_id", sa.Integer(), sa.ForeignKey("raw_message.id"), nullable=False),
        _ts("received_at", nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("format", ENUM, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        _ts("created_at", nullable=False),
        sa.UniqueConstraint("county", "municipality", "period", "version", name="uq_submission_version"),
        sa.CheckConstraint("version >= 1", name="ck_submission_version"),
    )
    op.create_index("ix_submission_county_period", "submission", ["county", "period"])

    op.create_table(
        "answer",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("question", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("impact", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint("impact IS NULL OR (impact >= 1 AND impact <= 5)", name="ck_answer_impact"),
    )

    op.create_table(
        "submission_issue",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submission.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("field", sa.String(32), nullable=False),
        sa.Column("severity", ENUM, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.create_index("ix_submission_issue_submission_id", "submission_issue", ["submission_id"])

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", ENUM, nullable=False),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("to_addrs", sa.JSON(), nullable=False),
        sa.Column("cc_addrs", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", ENUM, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("next_attempt_at"),
        _ts("last_attempt_at"),
        _ts("sent_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("related_raw_message_id", sa.Integer(), sa.ForeignKey("raw_message.id", ondelete="SET NULL"),
                  nullable=True),
        _ts("created_at", nullable=False),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("raw_message_id", sa.Integer(), sa.ForeignKey("raw_message.id", ondelete="SET NULL"),
                  nullable=True),
        _ts("at", nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_event_raw_message_id", "audit_event", ["raw_message_id"])

    op.create_table(
        "job_lock",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(255), nullable=False),
        _ts("expires_at", nullable=False),
    )


def downgrade() -> None:
    for table in ("job_lock", "audit_event", "outbox", "submission_issue", "answer", "submission", "raw_message"):
        op.drop_table(table)
