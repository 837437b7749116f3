"""A locked record cannot be changed by the ORM or by raw SQL: the database refuses."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from supervision_app.store.errors import RecordLocked
from supervision_app.store.models import ActionItem, CaseDiscussion, Signature, SupervisionSession
from tests.store.builders import make_session, make_team


@pytest.fixture
def locked(database):
    team, manager, worker, child = make_team(database)
    session, discussion, action = make_session(database, manager, worker, child, state="locked")
    return session, discussion, action


def test_orm_update_of_a_locked_session_is_refused(database, locked):
    session, _, _ = locked
    with pytest.raises(RecordLocked, match="addendum"):
        with database.transaction() as s:
            s.get(SupervisionSession, session.id).learning = "rewritten"
    with database.reading() as s:
        assert s.get(SupervisionSession, session.id).learning == "Reflective practice notes"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE supervision_session SET learning = 'x' WHERE id = :id",
        "UPDATE supervision_session SET state = 'draft' WHERE id = :id",
        "DELETE FROM supervision_session WHERE id = :id",
        "UPDATE case_discussion SET decision = 'x' WHERE session_id = :id",
        "DELETE FROM case_discussion WHERE session_id = :id",
        "UPDATE action_item SET description = 'x' WHERE session_id = :id",
        "UPDATE action_item SET due_on = '2030-01-01' WHERE session_id = :id",
        "DELETE FROM action_item WHERE session_id = :id",
    ],
)
def test_raw_sql_cannot_change_a_locked_record(database, locked, statement):
    session, _, _ = locked
    with database.engine.connect() as conn:
        with pytest.raises(IntegrityError, match="locked|signed"):
            conn.execute(text(statement), {"id": session.id})
        conn.rollback()


def test_no_new_case_discussion_can_be_added_to_a_locked_record(database, locked):
    session, discussion, _ = locked
    with pytest.raises(RecordLocked):
        with database.transaction() as s:
            s.add(CaseDiscussion(session_id=session.id, child_id=discussion.child_id))


def test_an_action_status_still_moves_on_after_its_record_locks(database, locked):
    _, _, action = locked
    with database.transaction() as s:
        s.get(ActionItem, action.id).status = "done"
    with database.reading() as s:
        assert s.get(ActionItem, action.id).status == "done"


def test_supervisor_signed_record_is_frozen_except_for_the_supervisee_signature(database):
    team, manager, worker, child = make_team(database)
    session, _, _ = make_session(database, manager, worker, child, state="supervisor_signed")
    with pytest.raises(RecordLocked):
        with database.transaction() as s:
            s.get(SupervisionSession, session.id).supervisee_comments = "late edit"
    with pytest.raises(RecordLocked):
        with database.transaction() as s:
            s.get(SupervisionSession, session.id).state = "draft"
    with database.transaction() as s:
        s.get(SupervisionSession, session.id).state = "locked"


def test_draft_records_stay_editable(database):
    team, manager, worker, child = make_team(database)
    session, discussion, _ = make_session(database, manager, worker, child, state="draft")
    with database.transaction() as s:
        s.get(SupervisionSession, session.id).learning = "Edited"
        s.get(CaseDiscussion, discussion.id).rationale = "Better rationale"


def test_signatures_are_insert_only(database, locked):
    session, _, _ = locked
    from datetime import datetime, timezone

    with database.transaction() as s:
        s.add(Signature(record_kind="supervision", record_id=session.id, signer_id=session.supervisor_id,
                        signer_role="supervisor", signed_at=datetime.now(timezone.utc), digest="a" * 64))
    with database.engine.connect() as conn:
        for statement in ("UPDATE signature SET digest = 'b'", "DELETE FROM signature"):
            with pytest.raises(IntegrityError, match="append-only"):
                conn.execute(text(statement))
            conn.rollback()
