"""The search index's runtime schema module agrees with what the migrations built: the
triggers of a profile migrated to the head are exactly those of ``store/search_schema.py``."""
from __future__ import annotations

from supervision_app.store import search_schema


def _normal(sql: str) -> str:
    return " ".join(sql.split())


def _trigger_name(statement: str) -> str:
    return statement.split()[2]  # CREATE TRIGGER <name> ...


def test_the_migrated_search_triggers_are_the_search_schema_modules(database):
    expected = {_trigger_name(s): _normal(s)
                for s in search_schema.index_triggers() + search_schema.scope_triggers()}
    with database.engine.connect() as conn:
        stored = {name: _normal(sql) for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%search%'")}
    assert set(stored) == set(expected)
    for name, sql in expected.items():
        assert stored[name] == sql, name


def test_every_searchable_table_has_its_three_index_triggers():
    names = {_trigger_name(s) for s in search_schema.index_triggers()}
    assert names == {f"{table}_search_{event}" for _kind, table, _sections in search_schema.SEARCHABLE
                     for event in ("insert", "update", "delete")}
