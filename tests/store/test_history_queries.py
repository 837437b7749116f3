"""worker_history and search_records: right rows, right scope, and no input can break search."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import keyring
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import text

from supervision_app.demo.generator import populate_council
from supervision_app.store.database import open_database
from supervision_app.store.history_queries import (
    MARK_END,
    MARK_START,
    MAX_QUERY_TERMS,
    SessionSummary,
    fts_query,
    search_records,
    snippet_html,
    snippet_plain,
    worker_history,
)
from supervision_app.store.models import SupervisionSession
from tests.memory_keyring import MemoryKeyring
from tests.store.builders import make_session, make_team

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def council(tmp_path_factory):
    """Two small synthetic teams, a year of records each."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        db = open_database(tmp_path_factory.mktemp("council") / "profile")
    finally:
        keyring.set_keyring(previous)
    summary = populate_council(db, today=TODAY, teams=2, workers_per_team=3, years=1)
    yield db, summary
    db.close()


def rows(db, sql, **params):
    with db.reading() as session:
        return session.execute(text(sql), params).all()


# ---------------------------------------------------------------------------- history

def test_worker_history_is_complete_and_newest_first(council):
    db, _ = council
    worker_id, count = rows(db, "SELECT supervisee_id, count(*) FROM supervision_session "
                                "GROUP BY 1 ORDER BY 2 DESC LIMIT 1")[0]
    with db.reading() as session:
        history = worker_history(session, worker_id)
    assert len(history) == count
    assert all(isinstance(s, SessionSummary) and s.supervisee_id == worker_id for s in history)
    held = [s.held_at for s in history]
    assert held == sorted(held, reverse=True) and held[0].tzinfo is not None
    discussions = rows(db, "SELECT d.session_id, d.id, d.position, c.case_id FROM case_discussion d "
                           "JOIN supervision_session s ON s.id = d.session_id JOIN child c ON "
                           "c.id = d.child_id WHERE s.supervisee_id = :w", w=worker_id)
    assert sorted((s.id, d.id, d.position, d.case_id) for s in history for d in s.discussions) == \
        sorted(tuple(r) for r in discussions)
    actions = rows(db, "SELECT a.id FROM action_item a JOIN supervision_session s ON "
                       "s.id = a.session_id WHERE s.supervisee_id = :w", w=worker_id)
    assert sorted(a.id for s in history for a in s.actions) == sorted(r[0] for r in actions)
    for summary in history:
        assert [d.position for d in summary.discussions] == sorted(d.position for d in summary.discussions)
        nested = [a for d in summary.discussions for a in d.actions]
        assert all(a in summary.actions for a in nested)
        assert all(a.case_discussion_id == d.id for d in summary.discussions for a in d.actions)
        assert all(d.child_name and d.legal_status for d in summary.discussions)
    assert not hasattr(history[0], "wellbeing")


def test_worker_history_of_nobody_is_empty(council):
    db, _ = council
    with db.reading() as session:
        assert worker_history(session, "no-such-worker") == []


def test_worker_history_leaves_out_deleted_sessions_and_flags_disagreement(database):
    _, manager, worker, child = make_team(database)
    kept, _, _ = make_session(database, manager, worker, child)
    gone, _, _ = make_session(database, manager, worker, child)
    with database.transaction() as s:
        s.get(SupervisionSession, gone.id).tombstone = True
        record = s.get(SupervisionSession, kept.id)
        record.disagreement = "I do not agree"
        record.supervisee_agreement = "disagrees"
    with database.reading() as s:
        history = worker_history(s, worker.id)
    assert [h.id for h in history] == [kept.id]
    assert history[0].disagreement_unresolved
    assert len(history[0].discussions) == 1 and len(history[0].actions) == 1
    assert history[0].discussions[0].actions == history[0].actions


# ---------------------------------------------------------------------------- search

def test_search_is_scoped_to_the_teams_given(council):
    db, summary = council
    team_a, team_b = summary.team_ids
    with db.reading() as session:
        hits_a = search_records(session, "plan", team_ids=[team_a])
        hits_b = search_records(session, "plan", team_ids=[team_b])
        hits_both = search_records(session, "plan", team_ids=[team_a, team_b], limit=500)
    assert hits_a and hits_b and len(hits_a) <= 50
    session_team = dict(rows(db, "SELECT id, team_id FROM supervision_session"))
    assert {session_team[h.session_id] for h in hits_a if h.session_id} == {team_a}
    assert {session_team[h.session_id] for h in hits_b if h.session_id} == {team_b}
    assert {h.record_id for h in hits_a} <= {h.record_id for h in hits_both}
    note_team = dict(rows(db, "SELECT n.id, w.team_id FROM oversight_note n JOIN child c ON "
                              "c.id = n.child_id JOIN staff w ON w.id = c.allocated_worker_id"))
    with db.reading() as session:  # words written only in oversight notes
        notes_both = search_records(session, '"step down letter"', team_ids=[team_a, team_b])
        notes_a = search_records(session, '"step down letter"', team_ids=[team_a])
    assert notes_a and {h.kind for h in notes_both} == {"oversight_note"}
    assert {note_team[h.record_id] for h in notes_both} == {team_a, team_b}
    assert {note_team[h.record_id] for h in notes_a} == {team_a}
    assert all(h.session_id is None for h in notes_both)


def test_search_hits_carry_their_session_and_a_marked_snippet(council):
    db, summary = council
    with db.reading() as session:
        hits = search_records(session, "chronology", team_ids=summary.team_ids)
    assert hits
    discussion_session = dict(rows(db, "SELECT id, session_id FROM case_discussion"))
    for hit in hits:
        assert MARK_START in hit.snippet and MARK_END in hit.snippet
        assert "chronology" in snippet_plain(hit.snippet).lower()
        if hit.kind == "case_discussion":
            assert hit.session_id == discussion_session[hit.record_id]


def test_phrases_prefixes_and_stems(council):
    db, summary = council
    with db.reading() as session:
        def count(q):
            return len(search_records(session, q, team_ids=summary.team_ids, limit=500))
        assert count('"core group meeting"') > 0
        assert count('"meeting core group"') == 0  # a phrase keeps its order
        assert count("chronol") == count("chronology") > 0  # still typing: prefix
        assert count("chronol ") == 0  # a finished word is a whole word
        assert count("visits") == count("visited") > 0  # stemming


def test_wellbeing_is_searched_only_for_the_pair(council):
    db, summary = council
    session_id, supervisor, supervisee, team = rows(
        db, "SELECT id, supervisor_id, supervisee_id, team_id FROM supervision_session "
            "WHERE state = 'locked' AND wellbeing LIKE '%employee assistance%' LIMIT 1")[0]
    other = rows(db, "SELECT id FROM staff WHERE role = 'social_worker' AND id <> :w LIMIT 1",
                 w=supervisee)[0][0]

    def wellbeing_hits(viewer):
        with db.reading() as session:
            hits = search_records(session, '"employee assistance programme"', team_ids=[team],
                                  viewer_id=viewer, limit=500)
        return {h.record_id for h in hits if h.section == "wellbeing"}

    assert wellbeing_hits(None) == set()
    assert session_id not in wellbeing_hits(other)
    assert session_id in wellbeing_hits(supervisor)
    assert session_id in wellbeing_hits(supervisee)


def test_snippets_are_escaped_for_display(database):
    _, manager, worker, child = make_team(database)
    make_session(database, manager, worker, child, learning="Discussed <script>alert(1)</script> & more")
    with database.reading() as s:
        [hit] = search_records(s, "script", team_ids=[worker.team_id])
    shown = snippet_html(hit.snippet)
    assert "<script>" not in shown and "&lt;" in shown and "<b>script</b>" in shown


@pytest.mark.parametrize("query", [
    "", "   ", '"', '""', '"""', "*", "**", "^", ":", "-", "(", ")", "()", "NEAR(", "NEAR(a b",
    "AND", "OR", "NOT", "a AND", "AND OR NOT", "plan NOT", '"unbalanced', 'un"balanced',
    "col:plan", "search_text:plan", "body:plan", "-plan", "+plan", "plan*", "*plan", "pl*an",
    "{plan}", "[plan]", "plan^2", "'plan'", "plan;DROP TABLE child;--", "\\", "\x00plan",
    "plan\x00", "\u202eplan", "🙂", "🙂 plan", "\ufeff", "Zoë", "Zoe\u0308", "Łukasz", "日本語",
    "a" * 10_000, " ".join(["plan"] * 100), '"' * 101, "NEAR(\"a\" \"b\", 2)", "plan OR",
])
def test_hostile_queries_never_raise(council, query):
    db, summary = council
    with db.reading() as session:
        hits = search_records(session, query, team_ids=summary.team_ids)
    assert isinstance(hits, list) and len(hits) <= 50


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_is_a_valid_query(council, query):
    db, summary = council
    with db.reading() as session:
        search_records(session, query, team_ids=summary.team_ids, limit=5)


def test_empty_query_or_no_teams_returns_nothing(council):
    db, summary = council
    with db.reading() as session:
        assert search_records(session, "", team_ids=summary.team_ids) == []
        assert search_records(session, None, team_ids=summary.team_ids) == []
        assert search_records(session, "!!! ***", team_ids=summary.team_ids) == []
        assert search_records(session, "plan", team_ids=[]) == []
        assert len(search_records(session, "plan", team_ids=summary.team_ids, limit=0)) == 1
        assert len(search_records(session, "plan", team_ids=summary.team_ids, limit=3)) == 3


def test_fts_query_quotes_everything():
    assert fts_query("") is None and fts_query("  *** ") is None
    assert fts_query("school attendance") == '"school" "attendance"*'
    assert fts_query("school attendance ") == '"school" "attendance"'
    assert fts_query('"core group" plan') == '"core group" "plan"*'
    assert fts_query('"core group') == '"core" "group"*'  # unbalanced quote: plain words
    assert fts_query("NEAR(a b") == '"NEAR" "a" "b"'
    assert fts_query("AND OR NOT") == '"AND" "OR" "NOT"*'
    assert fts_query("ab") == '"ab"'  # too short to be a useful prefix
    assert fts_query("col:foo") == '"col" "foo"*'
    assert fts_query("Zoe\u0308") == '"Zoë"*'  # NFC first
    assert len(fts_query(" ".join(f"w{i}" for i in range(50))).split()) == MAX_QUERY_TERMS
    for junk in ('"', "*", "(", ")", ":", "^", "-", "+", "'", "{", "}", "NEAR", "AND"):
        query = fts_query(f"x{junk}y {junk}z{junk}")
        assert re.fullmatch(r'"[\w ]+"(\*)?( "[\w ]+"(\*)?)*', query), query


# ---------------------------------------------------------------------------- scope upkeep

def _second_team(db):
    from supervision_app.store.models import Staff, Team

    with db.transaction() as s:
        team = Team(name="Second Team")
        s.add(team)
        s.flush()
        worker = Staff(display_name="Siân Nguyễn", username="sian", role="social_worker",
                       team_id=team.id, started_on=date(2022, 1, 1))
        s.add(worker)
    return team, worker


def _note(db, author, child, decision="Strategy discussion held; proceed under section 47"):
    from supervision_app.store.models import ActionItem, OversightNote

    with db.transaction() as s:
        note = OversightNote(child_id=child.id, author_id=author.id, trigger="strategy_discussion",
                             decision=decision, rationale="Risk is escalating",
                             recorded_at=datetime(2026, 11, 2, 10, tzinfo=timezone.utc))
        s.add(note)
        s.flush()
        s.add(ActionItem(oversight_note_id=note.id, child_id=child.id, owner_id=author.id,
                         description="Convene the strategy meeting", due_on=date(2026, 11, 9)))
    return note


def _teams_finding(db, query, team_ids):
    with db.reading() as s:
        return {h.kind for h in search_records(s, query, team_ids=team_ids)}


def test_reallocating_a_child_moves_its_oversight_into_the_new_teams_search(database):
    from supervision_app.store.models import Child

    team_a, manager, worker, child = make_team(database)
    team_b, worker_b = _second_team(database)
    _note(database, manager, child)
    assert _teams_finding(database, "strategy", [team_a.id]) == {"oversight_note", "action"}
    assert _teams_finding(database, "strategy", [team_b.id]) == set()
    with database.transaction() as s:
        s.get(Child, child.id).allocated_worker_id = worker_b.id
    assert _teams_finding(database, "strategy", [team_a.id]) == set()
    assert _teams_finding(database, "strategy", [team_b.id]) == {"oversight_note", "action"}


def test_a_worker_moving_team_takes_their_childrens_oversight(database):
    from supervision_app.store.models import Staff

    team_a, manager, worker, child = make_team(database)
    team_b, _ = _second_team(database)
    _note(database, manager, child)
    with database.transaction() as s:
        s.get(Staff, worker.id).team_id = team_b.id
    assert _teams_finding(database, "strategy", [team_a.id]) == set()
    assert _teams_finding(database, "strategy", [team_b.id]) == {"oversight_note", "action"}


def test_a_draft_session_changing_team_moves_all_its_parts(database):
    team_a, manager, worker, child = make_team(database)
    team_b, _ = _second_team(database)
    session, discussion, action = make_session(database, manager, worker, child)
    assert _teams_finding(database, "neglect", [team_a.id]) == {"case_discussion"}
    assert _teams_finding(database, "weekly", [team_a.id]) == {"action"}
    assert _teams_finding(database, "reflective", [team_a.id]) == {"supervision"}
    with database.transaction() as s:
        s.get(SupervisionSession, session.id).team_id = team_b.id
    for word in ("neglect", "weekly", "reflective"):
        assert _teams_finding(database, word, [team_a.id]) == set()
        assert _teams_finding(database, word, [team_b.id])
    with database.reading() as s:
        hits = search_records(s, "neglect", team_ids=[team_b.id])
    assert [(h.kind, h.session_id) for h in hits] == [("case_discussion", session.id)]


def test_moving_a_discussion_to_another_session_moves_its_scope(database):
    from supervision_app.store.models import CaseDiscussion

    team_a, manager, worker, child = make_team(database)
    team_b, worker_b = _second_team(database)
    first, discussion, _ = make_session(database, manager, worker, child)
    with database.transaction() as s:
        other = SupervisionSession(
            supervisee_id=worker_b.id, supervisor_id=manager.id, team_id=team_b.id,
            held_at=datetime(2026, 11, 3, 10, tzinfo=timezone.utc), duration_minutes=60,
            session_type="planned_1to1")
        s.add(other)
        s.flush()
        s.get(CaseDiscussion, discussion.id).session_id = other.id
    with database.reading() as s:
        hits = search_records(s, "neglect", team_ids=[team_b.id])
    assert [(h.record_id, h.session_id) for h in hits] == [(discussion.id, other.id)]


def test_the_migration_fills_scope_for_rows_indexed_before_it(tmp_path, memory_keyring):
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    db = open_database(tmp_path / "old")
    summary = populate_council(db, today=TODAY, teams=2, workers_per_team=1, years=1, children=12)
    with db.reading() as s:
        before = search_records(s, "plan", team_ids=[summary.team_ids[0]], limit=500)
    with db.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0004")  # before the search scope migration
        assert "team_id" not in {r[1] for r in connection.exec_driver_sql("PRAGMA table_info(search_key)")}
        command.upgrade(alembic_config(connection), "head")
    with db.reading() as s:
        after = search_records(s, "plan", team_ids=[summary.team_ids[0]], limit=500)
        unscoped = s.execute(text("SELECT count(*) FROM search_key WHERE team_id IS NULL")).scalar()
    assert before and after == before and unscoped == 0
    db.close()


def test_a_name_typed_without_its_letters_is_found_and_highlighted(database):
    """"lukasz" finds Łukasz (the index's folded column), and the snippet, cut from the text
    as written, marks Łukasz although FTS5 found it in the other column."""
    team, manager, worker, child = make_team(database)
    make_session(database, manager, worker, child, learning="Spoke with Łukasz about the Straße visit")
    with database.reading() as s:
        [hit] = search_records(s, "lukasz", team_ids=[team.id])
        [by_letters] = search_records(s, "Łukasz", team_ids=[team.id])
        [street] = search_records(s, "strasse visit", team_ids=[team.id])
    assert MARK_START + "Łukasz" + MARK_END in hit.snippet
    assert MARK_START + "Łukasz" + MARK_END in by_letters.snippet
    assert MARK_START + "Straße" + MARK_END in street.snippet
    assert snippet_plain(hit.snippet) == "Spoke with Łukasz about the Straße visit"


def test_a_plainly_typed_name_far_into_the_text_is_shown_where_it_is(database):
    """The snippet is cut around the match in the plainly spelt column and shown as written,
    not from the start of a section that only matched there."""
    team, manager, worker, child = make_team(database)
    opening = " ".join(f"word{n}" for n in range(40))
    make_session(database, manager, worker, child,
                 learning=f"{opening} then Ærø and Łukasz spoke of Straße plans {opening}")
    with database.reading() as s:
        [hit] = search_records(s, "lukasz", team_ids=[team.id])
    assert MARK_START + "Łukasz" + MARK_END in hit.snippet
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "Ærø and" in snippet_plain(hit.snippet)  # the text as written, ligature and all


def test_snippet_as_written_maps_plain_spellings_back():
    from supervision_app.store.history_queries import snippet_as_written

    body = "Met Ærø's mother; Łukasz was seen alone at the Straße"
    folded = f"…AEro's mother; {MARK_START}Lukasz{MARK_END} was seen…"
    assert snippet_as_written(body, folded) == f"…Ærø's mother; {MARK_START}Łukasz{MARK_END} was seen…"
    assert snippet_as_written(body, f"the {MARK_START}Strasse{MARK_END}") == f"the {MARK_START}Straße{MARK_END}"
    assert snippet_as_written(body, "not in the text") is None
    assert snippet_as_written(body, None) is None
