"""search_folding: "lukasz" finds Łukasz, "strasse" finds Straße

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

FTS5's unicode61 tokenizer (remove_diacritics 2) folds the accents Unicode can take off a
letter (é, ë, â, ç...), but not letters whose mark is part of the letter: Ł, Ø, Đ, Ħ, ı,
and the ligatures Æ, Œ, ß, Þ. Names spelt with them (Łukasz, Michał, Søren, Đorđe) were
found only by someone typing those letters. The index gets a second column, ``folded``: for
a section holding one of those letters, its text with them spelt in plain letters (Ł -> L,
æ -> ae, ß -> ss); for every other section, which is nearly all of them, ''. A MATCH looks
in both columns; snippets are still cut from ``body``, the text as written.

The triggers (0005's, with the new column) fold in SQL: no function of the app's has to be
registered on a connection for a write to succeed. ``sync/search_index.py`` writes the
same column from :func:`folded` when it indexes a first sync in bulk.
"""
from __future__ import annotations

import importlib
import re

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_M0005 = importlib.import_module("supervision_app.store.migrations.versions.0005_search_scope")

PLAIN_SPELLINGS = (
    ("Ł", "L"), ("ł", "l"), ("Ø", "O"), ("ø", "o"), ("Đ", "D"), ("đ", "d"), ("Ð", "D"), ("ð", "d"),
    ("Ħ", "H"), ("ħ", "h"), ("Ŧ", "T"), ("ŧ", "t"), ("ı", "i"),
    ("Æ", "AE"), ("æ", "ae"), ("Œ", "OE"), ("œ", "oe"), ("Þ", "TH"), ("þ", "th"),
    ("ß", "ss"), ("ẞ", "SS"),
)
"""Letters the tokenizer keeps as they are, and how a person without them types them."""

FTS_OPTIONS = _M0005.FTS_OPTIONS


def folded(expression: str) -> str:
    """SQL: the text of ``expression`` with PLAIN_SPELLINGS applied, or '' if it holds
    none of those letters. Text all in ASCII (as many characters as bytes) is passed over
    before the GLOB, which costs ten times more: at a first sync's 40,000 sections, about
    0.1 s instead of 0.35 s."""
    any_letter = "*[" + "".join(letter for letter, _plain in PLAIN_SPELLINGS) + "]*"
    spelt = expression
    for letter, plain in PLAIN_SPELLINGS:
        spelt = f"replace({spelt}, '{letter}', '{plain}')"
    return (f"(CASE WHEN length({expression}) = length(CAST({expression} AS BLOB)) THEN '' "
            f"WHEN {expression} GLOB '{any_letter}' THEN {spelt} ELSE '' END)")


_TEXT_INSERT = re.compile(r"INSERT INTO search_text \(rowid, body\)(\s+)SELECT last_insert_rowid\(\), NEW\.(\w+)")


def _index_triggers() -> list[str]:
    """0005's insert, update and delete triggers, each insert into search_text writing
    the folded column too."""
    def with_folded(found: re.Match) -> str:
        space, section = found.groups()
        return (f"INSERT INTO search_text (rowid, body, folded){space}"
                f"SELECT last_insert_rowid(), NEW.{section}, {folded(f'NEW.{section}')}")

    statements = []
    for statement in _M0005._index_triggers():
        changed, count = _TEXT_INSERT.subn(with_folded, statement)
        assert count or "_search_delete" in statement, "0005's triggers are not as expected"
        statements.append(changed)
    return statements


def _rebuild(columns: str, select: str, options: str = FTS_OPTIONS) -> list[str]:
    """Recreate the FTS5 table with ``columns`` and ``options``, every row kept under its
    rowid. Run while no trigger refers to search_text (SQLite checks triggers when a table
    is renamed)."""
    return [
        f"CREATE VIRTUAL TABLE search_text_new USING fts5({columns}, {options})",
        f"INSERT INTO search_text_new (rowid, {columns}) SELECT rowid, {select} FROM search_text",
        "DROP TABLE search_text",
        "ALTER TABLE search_text_new RENAME TO search_text",
    ]


def upgrade() -> None:
    statements = (_M0005._drop_index_triggers() + _rebuild("body, folded", f"body, {folded('body')}")
                  + _index_triggers())
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = (_M0005._drop_index_triggers() + _rebuild("body", "body")
                  + _M0005._index_triggers())
    for statement in statements:
        op.execute(statement)
