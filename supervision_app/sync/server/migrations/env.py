"""Alembic environment for the sync server's own schema. The server passes its open
connection in (``config.attributes['connection']``), for SQLite and PostgreSQL alike."""
from __future__ import annotations

from alembic import context

from supervision_app.sync.server.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Server migrations run from supervision_app.sync.server.storage.migrate().")

context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite",
                  version_table="sync_server_alembic_version")
with context.begin_transaction():
    context.run_migrations()
