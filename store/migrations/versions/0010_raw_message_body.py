"""A message's bytes in a table of their own.

Revision ID: 0010
Revises: 0009

The raw mail sat in `raw_message.raw`, a row that is updated several times
while a message is handled (outcome, attempts, moved). SQLite keeps a row as
one record and rewrites it on UPDATE, so every status change of a 20 MB mail
wrote the 20 MB again (bench/raw_updates.py). The bytes now live in
`raw_message_body`, one row per message, written once; the retention job
empties it, and nothing else changes it.

Existing bytes are copied over (an emptied, purged one too, so "purged" and
"never kept" stay apart), then the column is dropped. The drop is a plain
ALTER TABLE … DROP COLUMN on both databases (SQLite ≥ 3.35): batch mode would
recreate `raw_message`, and dropping the old table with foreign keys on would
set the audit trail's and the outbox's references to it to NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "raw_message_body",
        sa.Column("raw_message_id", sa.Integer(), sa.ForeignKey("raw_message.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
    )
    op.execute("INSERT INTO raw_message_body (raw_message_id, raw) SELECT id, raw FROM raw_message "
               "WHERE raw IS NOT NULL")
    op.execute("ALTER TABLE raw_message DROP COLUMN raw")


def downgrade() -> None:
    op.execute("ALTER TABLE raw_message ADD COLUMN raw " + ("BYTEA" if op.get_bind().dialect.name == "postgresql"
                                                             else "BLOB"))
    op.execute("UPDATE raw_message SET raw = (SELECT b.raw FROM raw_message_body b "
               "WHERE b.raw_message_id = raw_message.id)")
    op.drop_table("raw_message_body")
