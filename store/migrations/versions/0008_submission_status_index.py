"""An index on each county's submissions by status.

Revision ID: 0008
Revises: 0007

The staff web page's board counts the reports held for a confidentiality
review on every request, and `lagesbild review list` lists them: without
this index both read every version the county ever filed (36,000 for ten
years of 290 municipalities) to find the few held ones.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_submission_county_status", "submission", ["county", "status"])


def downgrade() -> None:
    op.drop_index("ix_submission_county_status", table_name="submission")
