"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from supervision_app.store.models import Base


def test_migrated_schema_matches_the_models(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": _not_search_index})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _not_search_index(name, type_, parent_names):
    # The FTS5 index and its shadow tables (migration 0002) and the sync engine's own
    # bookkeeping tables (migration 0004, Core tables of supervision_app.sync) are not
    # ORM models; everything else must match exactly.
    if type_ == "table":
        return not name.startswith(("search_", "sync_"))
    if type_ == "index":
        return not name.startswith(("ix_search_", "ix_sync_"))
    return True


def test_the_profile_database_is_at_the_latest_revision(database):
    from alembic.script import ScriptDirectory

    from supervision_app.store.migrations_config import alembic_config

    with database.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(conn)).get_current_head()
    assert current == head
