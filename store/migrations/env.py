"""Alembic's entry point for the store's migrations.

Migrations run only through `store.db.migrate(engine)`, which opens the
connection, takes the migration lock and passes the connection in
`config.attributes["connection"]`; there is no alembic.ini.

New migrations are written by hand in versions/ (next number, `down_revision`
set to the previous one). tests/store/test_db.py fails when the
migrations and store/models.py drift apart.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from store.models import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the store's migrations with store.db.migrate(engine), not the alembic command")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
