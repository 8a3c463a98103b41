"""The area a report is about.

Revision ID: 0009
Revises: 0008

A form may ask for the part of the municipality a report is about (the EST
checklist's "Område: ___", a district or housing area): each version keeps
the area as the form gave it. NULL for a version whose form named none, for
forms without the field, and for versions filed before this.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("area", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("area")
