"""Locked records protected in the database itself; full-text search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Triggers abort any UPDATE or DELETE of a locked row, so no code path (ORM, raw SQL, a bug in
sync) can change a signed record. Signatures, signed documents and the audit log are
insert-only. A record's parts (case discussions, reviews, what an action agreed) freeze with
it once the supervisor has signed.

Search: an FTS5 index with one row per section of text, keyed through ``search_key`` so a
record's rows can be found and replaced by index rather than by scanning the FTS table.
"""
from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

LOCKED = "record is signed and locked; add a signed addendum instead"
FROZEN = "record has been signed; its content can no longer change"
INSERT_ONLY = "this table is append-only"

SESSION_CONTENT = (
    "supervisee_id", "supervisor_id", "team_id", "held_at", "duration_minutes", "session_type",
    "location", "agreement_in_place", "wellbeing", "caseload_count", "caseload_complexity",
    "capacity", "workload_notes", "learning", "asye_progress", "next_session_on",
    "supervisee_comments", "supervisee_agreement", "disagreement", "tombstone",
)
SESSION_FROZEN_STATES = "('supervisor_signed','locked')"

# (kind, table, sections) for the search index
SEARCHABLE = (
    ("supervision", "supervision_session",
     ("wellbeing", "workload_notes", "learning", "asye_progress", "supervisee_comments",
      "disagreement")),
    ("case_discussion", "case_discussion",
     ("current_position", "worries", "working_well", "needs_to_happen", "decision", "rationale")),
    ("oversight_note", "oversight_note", ("decision", "rationale")),
    ("addendum", "addendum", ("body",)),
    ("action", "action_item", ("description",)),
)


def _abort(message: str) -> str:
    return f"SELECT RAISE(ABORT, '{message}');"


def _protection_triggers() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SESSION_CONTENT)
    parent_frozen = (
        "(SELECT state FROM supervision_session WHERE id = {ref}) IN " + SESSION_FROZEN_STATES
    )
    statements = [
        f"""CREATE TRIGGER supervision_session_locked_update BEFORE UPDATE ON supervision_session
            WHEN OLD.state = 'locked' BEGIN {_abort(LOCKED)} END""",
        f"""CREATE TRIGGER supervision_session_locked_delete BEFORE DELETE ON supervision_session
            WHEN OLD.state IN {SESSION_FROZEN_STATES} BEGIN {_abort(LOCKED)} END""",
        f"""CREATE TRIGGER supervision_session_signed_frozen BEFORE UPDATE ON supervision_session
            WHEN OLD.state = 'supervisor_signed' AND (NEW.state <> 'locked' OR {changed})
            BEGIN {_abort(FROZEN)} END""",
    ]
    for table in ("case_discussion", "action_review"):
        statements += [
            f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table}
                WHEN {parent_frozen.format(ref='NEW.session_id')} BEGIN {_abort(FROZEN)} END""",
            f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
                WHEN {parent_frozen.format(ref='OLD.session_id')}
                  OR {parent_frozen.format(ref='NEW.session_id')} BEGIN {_abort(FROZEN)} END""",
            f"""CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table}
                WHEN {parent_frozen.format(ref='OLD.session_id')} BEGIN {_abort(FROZEN)} END""",
        ]
    action_parent_frozen = (
        "({parent_session} OR (SELECT state FROM oversight_note WHERE id = {ref}.oversight_note_id)"
        " = 'locked')"
    )

    def action_frozen(ref: str) -> str:
        return action_parent_frozen.format(
            parent_session=parent_frozen.format(ref=f"{ref}.session_id"), ref=ref
        )

    agreed = ("description", "owner_id", "due_on", "session_id", "oversight_note_id",
              "case_discussion_id", "child_id", "tombstone")
    statements += [
        f"""CREATE TRIGGER action_item_frozen_insert BEFORE INSERT ON action_item
            WHEN {action_frozen('NEW')} BEGIN {_abort(FROZEN)} END""",
        f"""CREATE TRIGGER action_item_frozen_update BEFORE UPDATE OF {', '.join(agreed)}
            ON action_item WHEN {action_frozen('OLD')} BEGIN {_abort(FROZEN)} END""",
        f"""CREATE TRIGGER action_item_frozen_delete BEFORE DELETE ON action_item
            WHEN {action_frozen('OLD')} BEGIN {_abort(FROZEN)} END""",
    ]
    for table in ("oversight_note", "addendum"):
        statements += [
            f"""CREATE TRIGGER {table}_locked_update BEFORE UPDATE ON {table}
                WHEN OLD.state = 'locked' BEGIN {_abort(LOCKED)} END""",
            f"""CREATE TRIGGER {table}_locked_delete BEFORE DELETE ON {table}
                WHEN OLD.state = 'locked' BEGIN {_abort(LOCKED)} END""",
        ]
    for table in ("signature", "record_document", "audit_entry"):
        statements += [
            f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN {_abort(INSERT_ONLY)} END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN {_abort(INSERT_ONLY)} END""",
        ]
    return statements


def _search_triggers() -> list[str]:
    statements = [
        """CREATE TABLE search_key (
               rowid INTEGER PRIMARY KEY,
               kind VARCHAR(20) NOT NULL,
               record_id VARCHAR(36) NOT NULL,
               section VARCHAR(40) NOT NULL)""",
        "CREATE INDEX ix_search_key_record ON search_key (record_id)",
        """CREATE VIRTUAL TABLE search_text USING fts5(
               body, tokenize = 'porter unicode61 remove_diacritics 2')""",
    ]
    for kind, table, sections in SEARCHABLE:
        inserts = "\n".join(
            f"""INSERT INTO search_key (kind, record_id, section)
                    SELECT '{kind}', NEW.id, '{section}' WHERE NEW.{section} <> '' AND NOT NEW.tombstone;
                INSERT INTO search_text (rowid, body)
                    SELECT last_insert_rowid(), NEW.{section}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;"""
            for section in sections
        )
        remove = """DELETE FROM search_text WHERE rowid IN
                        (SELECT rowid FROM search_key WHERE record_id = OLD.id);
                    DELETE FROM search_key WHERE record_id = OLD.id;"""
        columns = ", ".join((*sections, "tombstone"))
        statements += [
            f"CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table} BEGIN {inserts} END",
            f"""CREATE TRIGGER {table}_search_update AFTER UPDATE OF {columns} ON {table}
                BEGIN {remove} {inserts} END""",
            f"CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN {remove} END",
        ]
    return statements


def upgrade() -> None:
    for statement in _protection_triggers() + _search_triggers():
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("The record protections are never removed.")
