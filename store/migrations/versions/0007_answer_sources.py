"""Where each stored answer was read from.

Revision ID: 0007
Revises: 0006

Each answer keeps where its impact and its comment were read from: the part
of the file (a sheet, a PDF page, a table, a named form field) and the text
as it stood there, or, for a value county staff corrected, who and why.
Stored as a small JSON object per value (store.sources); NULL for answers
filed before this and for values nothing was read for.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.add_column(sa.Column("impact_source", sa.Text(), nullable=True))
        batch.add_column(sa.Column("comment_source", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answer") as batch:
        batch.drop_column("comment_source")
        batch.drop_column("impact_source")
