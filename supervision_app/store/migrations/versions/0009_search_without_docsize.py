"""search_without_docsize: the FTS5 index no longer keeps a length for every section

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

FTS5 keeps, by default, a row per indexed section holding its length in tokens
(``search_text_docsize``), for ranking by relevance (bm25). Search here never ranks that
way: results come newest first, in the index's rowid order (history_queries). The table
was written and encrypted for nothing: one more B-tree row per section, 40,000 of them in a
team manager's first sync (measured: about 4% of its time). With ``columnsize = 0`` FTS5
keeps no such table; ``snippet()``, which asks for a section's length, counts its tokens
from the text instead, for the results shown only. It reads the whole text to find
sentences already, so that is a second pass: unseen at ordinary lengths (bench_gui's search
p95 8.8 ms), 25 -> 37 ms in the worst case measured, 50 hits each a 100,000-character
section.

The table is rebuilt as 0008 rebuilt it, every row kept under its rowid.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_M0003 = importlib.import_module("supervision_app.store.migrations.versions.0003_search_scope")
_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")

FTS_OPTIONS = _M0003.FTS_OPTIONS + ", columnsize = 0"


def _rebuild(options: str) -> list[str]:
    """Recreate the FTS5 table with ``options``, every row kept under its rowid. Run while
    no trigger refers to search_text (SQLite checks triggers when a table is renamed)."""
    return [
        f"CREATE VIRTUAL TABLE search_text_new USING fts5(body, folded, {options})",
        "INSERT INTO search_text_new (rowid, body, folded) SELECT rowid, body, folded FROM search_text",
        "DROP TABLE search_text",
        "ALTER TABLE search_text_new RENAME TO search_text",
    ]


def _run(options: str) -> None:
    for statement in _M0003._drop_index_triggers() + _rebuild(options) + _M0008._index_triggers():
        op.execute(statement)


def upgrade() -> None:
    _run(FTS_OPTIONS)


def downgrade() -> None:
    _run(_M0008.FTS_OPTIONS)
