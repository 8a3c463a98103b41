"""An index for the replies queued lately, by kind and time.

Revision ID: 0003
Revises: 0002

Before each reply the worker counts the replies queued to the same address
in the last hour (the rate limit against mail loops). Without this index
that count read the whole outbox, and on SQLite each mail's bytes on the
way, once per reply: a cost that grew with the outbox's history.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_kind_created", "outbox", ["kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_kind_created", table_name="outbox")
