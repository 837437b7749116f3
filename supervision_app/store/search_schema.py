"""The search index's schema as the app runs it: which tables and sections are indexed, the
SQL that works out an index row's session and team and its folded text, and the triggers
that keep the index in step.

Runtime code (``sync/search_index.py``'s bulk path) uses this module, never a migration, so
migrations can be squashed. A migration that changes the index copies its SQL from here at
the time; ``tests/store/test_search_schema.py`` checks that the triggers of a profile
migrated to the head are exactly :func:`index_triggers` and :func:`scope_triggers`.
"""
from __future__ import annotations

SEARCHABLE = (
    ("supervision", "supervision_session",
     ("wellbeing", "workload_notes", "learning", "asye_progress", "supervisee_comments",
      "disagreement")),
    ("case_discussion", "case_discussion",
     ("current_position", "worries", "working_well", "needs_to_happen", "decision", "rationale")),
    ("oversight_note", "oversight_note", ("decision", "rationale")),
    ("addendum", "addendum", ("body",)),
    ("action", "action_item", ("description",)),
    # issue 21: the terms of a supervision agreement, and why a planned session was cancelled
    ("agreement", "supervision_agreement",
     ("frequency", "duration", "location", "disagreements", "cancellations", "confidentiality")),
    ("cancellation", "session_cancellation", ("reason",)),
    # issue 21: group supervision's shared part and each person's action (migration 0016)
    ("group_session", "group_session", ("themes", "location", "learning")),
    ("group_discussion", "group_discussion", ("summary", "decision", "rationale")),
    ("group_action", "group_action", ("description",)),
)
GROUP_KINDS = ("group_session", "group_discussion", "group_action")

PLAIN_SPELLINGS = (
    ("Ł", "L"), ("ł", "l"), ("Ø", "O"), ("ø", "o"), ("Đ", "D"), ("đ", "d"), ("Ð", "D"), ("ð", "d"),
    ("Ħ", "H"), ("ħ", "h"), ("Ŧ", "T"), ("ŧ", "t"), ("ı", "i"),
    ("Æ", "AE"), ("æ", "ae"), ("Œ", "OE"), ("œ", "oe"), ("Þ", "TH"), ("þ", "th"),
    ("ß", "ss"), ("ẞ", "SS"),
)
"""Letters the tokenizer keeps as they are, and how a person without them types them."""


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


def _session_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_session WHERE id = {ref})"


def _note_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM oversight_note n JOIN child c ON c.id = n.child_id "
            f"JOIN staff w ON w.id = c.allocated_worker_id WHERE n.id = {ref})")


def _child_team(ref: str) -> str:
    return (f"(SELECT w.team_id FROM child c JOIN staff w ON w.id = c.allocated_worker_id "
            f"WHERE c.id = {ref})")


def _agreement_team(ref: str) -> str:
    return f"(SELECT team_id FROM supervision_agreement WHERE id = {ref})"


def _group_team(ref: str) -> str:
    return f"(SELECT team_id FROM group_session WHERE id = {ref})"


def scope(kind: str, row: str) -> tuple[str, str]:
    """(session id, team id) of an index row for a record of ``kind``; ``row`` is NEW or a
    table alias."""
    if kind == "supervision":
        return f"{row}.id", f"{row}.team_id"
    if kind == "case_discussion":
        return f"{row}.session_id", _session_team(f"{row}.session_id")
    if kind == "action":
        return (f"{row}.session_id",
                f"CASE WHEN {row}.session_id IS NOT NULL THEN {_session_team(f'{row}.session_id')} "
                f"ELSE {_note_team(f'{row}.oversight_note_id')} END")
    if kind == "oversight_note":
        return "NULL", _child_team(f"{row}.child_id")
    if kind in ("agreement", "cancellation"):
        # a pair's record: the team it was made in (the supervisee's then); who may see it
        # follows the supervisee's team now (``pair_team.supervisee_team_now``), so the
        # search scope adds the teams the records of the people one manages were made in
        # (``search_queries._search_scope``); no supervision session
        return "NULL", f"{row}.team_id"
    if kind == "group_session":
        # the group's team (its attendees' when they share one, else none), as
        # ``group_records.group_target`` has it; no supervision session
        return "NULL", f"{row}.team_id"
    if kind in ("group_discussion", "group_action"):
        return "NULL", _group_team(f"{row}.group_session_id")
    if kind == "addendum":
        return (f"CASE WHEN {row}.record_kind = 'supervision' THEN {row}.record_id END",
                f"CASE {row}.record_kind WHEN 'supervision' THEN {_session_team(f'{row}.record_id')} "
                f"WHEN 'oversight_note' THEN {_note_team(f'{row}.record_id')} "
                f"WHEN 'agreement' THEN {_agreement_team(f'{row}.record_id')} "
                f"WHEN 'group_session' THEN {_group_team(f'{row}.record_id')} END")
    raise ValueError(kind)


def index_triggers() -> list[str]:
    """The insert, update and delete triggers that keep ``search_key``/``search_text`` in
    step with each searchable table: each section's text, folded text, session and team."""
    statements = []
    for kind, table, sections in SEARCHABLE:
        session_expr, team_expr = scope(kind, "NEW")
        inserts = "\n".join(
            f"""INSERT INTO search_key (kind, record_id, section, session_id, team_id)
                    SELECT '{kind}', NEW.id, '{section}', {session_expr}, {team_expr}
                    WHERE NEW.{section} <> '' AND NOT NEW.tombstone;
                INSERT INTO search_text (rowid, body, folded)
                    SELECT last_insert_rowid(), NEW.{section}, {folded(f'NEW.{section}')}
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


# Ids of the index rows that hang off an oversight note (the note, its actions, its addenda).
_NOTE_ROWS = """record_id IN ({notes})
    OR record_id IN (SELECT a.id FROM action_item a WHERE a.oversight_note_id IN ({notes}))
    OR record_id IN (SELECT x.id FROM addendum x WHERE x.record_kind = 'oversight_note'
                     AND x.record_id IN ({notes}))"""


def scope_triggers() -> list[str]:
    """Keep session_id/team_id right when what decides them changes."""
    record_scope = []
    for kind, table, columns in (
        ("case_discussion", "case_discussion", "session_id"),
        ("action", "action_item", "session_id, oversight_note_id"),
        ("addendum", "addendum", "record_kind, record_id"),
        ("agreement", "supervision_agreement", "team_id"),
        ("cancellation", "session_cancellation", "team_id"),
        ("group_discussion", "group_discussion", "group_session_id"),
        ("group_action", "group_action", "group_session_id"),
    ):
        session_expr, team_expr = scope(kind, "NEW")
        record_scope.append(
            f"""CREATE TRIGGER {table}_search_scope AFTER UPDATE OF {columns} ON {table}
                BEGIN UPDATE search_key SET session_id = {session_expr}, team_id = {team_expr}
                      WHERE record_id = NEW.id; END""")
    return record_scope + [
        """CREATE TRIGGER supervision_session_search_scope AFTER UPDATE OF team_id
            ON supervision_session BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE record_id = NEW.id
                  OR record_id IN (SELECT id FROM case_discussion WHERE session_id = NEW.id)
                  OR record_id IN (SELECT id FROM action_item WHERE session_id = NEW.id)
                  OR record_id IN (SELECT id FROM addendum WHERE record_kind = 'supervision'
                                   AND record_id = NEW.id);
            END""",
        """CREATE TRIGGER group_session_search_scope AFTER UPDATE OF team_id
            ON group_session BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE record_id = NEW.id
                  OR record_id IN (SELECT id FROM group_discussion WHERE group_session_id = NEW.id)
                  OR record_id IN (SELECT id FROM group_action WHERE group_session_id = NEW.id);
            END""",
        f"""CREATE TRIGGER oversight_note_search_scope AFTER UPDATE OF child_id
            ON oversight_note BEGIN
              UPDATE search_key SET team_id = {_child_team('NEW.child_id')}
               WHERE {_NOTE_ROWS.format(notes='SELECT NEW.id')};
            END""",
        f"""CREATE TRIGGER child_search_scope AFTER UPDATE OF allocated_worker_id ON child
            BEGIN
              UPDATE search_key SET team_id = {_child_team('NEW.id')}
               WHERE {_NOTE_ROWS.format(notes='SELECT id FROM oversight_note WHERE child_id = NEW.id')};
            END""",
        f"""CREATE TRIGGER staff_search_scope AFTER UPDATE OF team_id ON staff
            BEGIN
              UPDATE search_key SET team_id = NEW.team_id
               WHERE {_NOTE_ROWS.format(notes='SELECT n.id FROM oversight_note n JOIN child c ON c.id = n.child_id WHERE c.allocated_worker_id = NEW.id')};
            END""",  # noqa: E501 - the SQL as the migrations wrote it
    ]
