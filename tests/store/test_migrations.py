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
    # bookkeeping tables (migration 0003, Core tables of the outbox and the sync engine) are not
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


def test_the_migrations_are_numbered_in_chain_order():
    """Each file's revision is its number and revises the one numbered before it, so the
    files read in the order a database goes through them."""
    import re
    from pathlib import Path

    from supervision_app.store import migrations

    versions = sorted((Path(migrations.__file__).parent / "versions").glob("[0-9]*.py"))
    chain = []
    for path in versions:
        text = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = ["\'](\w+)["\']', text, re.M).group(1)
        down = re.search(r'^down_revision = (?:["\'](\w+)["\']|None)', text, re.M).group(1)
        header = re.search(r"^Revision ID: (\w+)$", text, re.M)
        assert revision == path.name[:4] and (header is None or header.group(1) == revision), path.name
        chain.append((revision, down))
    assert chain[0] == ("0001", None)
    assert all(down == previous for (previous, _), (_, down) in zip(chain, chain[1:]))


def test_a_profile_made_at_the_head_before_the_renumbering_opens_as_it_is(database, profile_dir):
    """The head kept its id (0011) when the migrations were renumbered in chain order, so a
    profile already there opens without any migration."""
    from supervision_app.store import database as store_database

    assert store_database.LATEST_REVISION >= "0011"
    with database.engine.begin() as conn:  # as a profile made before the renumbering
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0011'")
    database.close()
    reopened = store_database.open_database(profile_dir)
    with reopened.engine.connect() as conn:
        assert (conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
                == store_database.LATEST_REVISION)
    reopened.close()
