"""Alembic environment: the app passes its open (keyed) connection in, so migrations run
on the encrypted database without Alembic ever seeing the key."""
from __future__ import annotations

from alembic import context

from supervision_app.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Migrations run from supervision_app.store.database, which supplies the connection.")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
