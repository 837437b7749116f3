"""search_index_slimmed: no per-section lengths, and one prefix index (3 letters)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06

The FTS5 index is rebuilt as 0008 rebuilt it, every row kept under its rowid, without two things that cost a
team manager's first sync time (it writes some 40,000 sections) and buy nothing:

- Per-section lengths (``search_text_docsize``, one B-tree row per section) are kept by
  default for ranking by relevance (bm25). Search here never ranks that way: results come
  newest first, in the index's rowid order (history_queries). With ``columnsize = 0``
  ``snippet()``, which asks for a section's length, counts its tokens from the text
  instead, for the results shown only. It reads the whole text to find sentences already,
  so that is a second pass: unseen at ordinary lengths, 25 -> 37 ms in the worst case
  measured (50 hits, each a 100,000-character section). First sync: about 4% quicker.
- Prefix indexes for 4 and 5 letters (0005 added 3, 4 and 5). Without any prefix index,
  FTS5 merges the doclists of every word a prefix matches, and "pla*" took 45-75 ms at
  council scale; the 3-letter index is kept for that. From four letters on few words
  match: measured at service-manager scale (164,000 sections), over the 60 commonest long
  words, a 4- or 5-letter prefix query takes 0.4-0.5 ms median, 2.8 ms at worst, with only
  the 3-letter index (0.2 ms with all three). Indexing the sections takes 0.10 s instead of
  0.155 s in a first sync, and the index is smaller.
"""
from __future__ import annotations

import importlib

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_M0005 = importlib.import_module("supervision_app.store.migrations.versions.0005_search_scope")
_M0008 = importlib.import_module("supervision_app.store.migrations.versions.0008_search_folding")

FTS_OPTIONS = "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3', columnsize = 0"


def _run(options: str) -> None:
    rebuilt = _M0008._rebuild("body, folded", "body, folded", options)
    for statement in _M0005._drop_index_triggers() + rebuilt + _M0008._index_triggers():
        op.execute(statement)


def upgrade() -> None:
    _run(FTS_OPTIONS)


def downgrade() -> None:
    _run(_M0008.FTS_OPTIONS)
