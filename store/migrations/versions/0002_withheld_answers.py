"""Answers withheld for a confidentiality review.

Revision ID: 0002
Revises: 0001

A comment that seems to hold data about an individual (a personal identity
number, a phone number) is kept but withheld from the workbook, the digest
and signals until county staff release it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("withheld", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("withheld")
