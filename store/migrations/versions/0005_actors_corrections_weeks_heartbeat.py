"""Who did what, corrections by the county, week periods and the worker's heartbeat.

Revision ID: 0005
Revises: 0004

- `audit_event` names its actor ("worker" for the worker, the account name for
  a staff action on the web page or the command line), the county and
  municipality it concerns (so the log can be filtered without joining
  messages), and the value before and after a change.
- `submission` can be a version made by the county correcting a misread value:
  who corrected it and why.
- `submission.period` widens from `YYYY-MM` to hold an ISO week, `YYYY-Www`.
- `worker_cycle` keeps one row per worker cycle, so the status command and the
  web page can tell whether the worker is alive.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("actor", sa.String(255), nullable=False, server_default="worker"))
        batch.add_column(sa.Column("county", sa.String(64), nullable=True))
        batch.add_column(sa.Column("municipality", sa.String(128), nullable=True))
        batch.add_column(sa.Column("before", sa.Text(), nullable=True))
        batch.add_column(sa.Column("after", sa.Text(), nullable=True))
    op.create_index("ix_audit_event_county_at", "audit_event", ["county", "at"])
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("corrected_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("correction_reason", sa.Text(), nullable=True))
        batch.alter_column("period", type_=sa.String(10), existing_type=sa.String(7), existing_nullable=False)
    op.create_table(
        "worker_cycle",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("county", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("failed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("sent", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_worker_cycle_county_finished", "worker_cycle", ["county", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_worker_cycle_county_finished", "worker_cycle")
    op.drop_table("worker_cycle")
    with op.batch_alter_table("submission") as batch:
        batch.alter_column("period", type_=sa.String(7), existing_type=sa.String(10), existing_nullable=False)
        batch.drop_column("correction_reason")
        batch.drop_column("corrected_by")
    op.drop_index("ix_audit_event_county_at", "audit_event")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_column("after")
        batch.drop_column("before")
        batch.drop_column("municipality")
        batch.drop_column("county")
        batch.drop_column("actor")
