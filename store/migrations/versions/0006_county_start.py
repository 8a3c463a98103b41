"""The month each county started collecting.

Revision ID: 0006
Revises: 0005

A county that sets no `[county] first_period` starts in the month of its first
run: the first command or worker cycle that opens the store writes that month
here, and every later run reads it, so months before the county started are
never reported missing nor reminded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "county_start",
        sa.Column("county", sa.String(16), primary_key=True),
        sa.Column("first_period", sa.String(10), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("county_start")
