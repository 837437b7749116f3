"""Migration 0005 builds exactly the audit tables and indexes the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import supervision_app.store.assurance_models  # noqa: F401
from supervision_app.store.models import Base


def test_audit_tables_match_their_models(database):
    with database.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _only_audit_tables})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


INDEXED = {"oversight_note", "supervision_session", "case_discussion", "action_item"}


def _only_audit_tables(obj, name, type_, reflected, compare_to):
    """The audit tables, and the record tables that 0005 adds indexes to."""
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", "")
    return (table.startswith("audit_") and table != "audit_entry") or table in INDEXED
