"""The children page and a child's chronology say when a child last had management
oversight as the compliance figures count it (issue 21): a child discussed in a group
session has oversight on the day it was held once the session is locked (the supervisor
and everyone present have signed), for a viewer who may see the group's shared part.
Group sessions are made and signed through the store and the real signing path."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from supervision_app.domain.group_supervision import Attendance
from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.children_queries import child_chronology, my_children
from supervision_app.store.models import Team
from tests.assurance.test_group_sessions_in_figures import HELD, _credentials, _group
from tests.store.builders import actor


def _casey_last(db, viewer_id, casey):
    with db.reading() as s:
        row = next(c for c in my_children(s, actor(db, viewer_id)) if c.child_id == casey)
    with db.transaction() as s:
        detail = child_chronology(s, actor(db, viewer_id), casey)
    assert detail.child.last_oversight == row.last_oversight  # the page and the chronology agree
    return row.last_oversight


def test_a_locked_group_session_is_the_childs_last_oversight(database, team):
    casey = team.child_ids[2]  # Ben's child, discussed in the group
    gid, _actions = _group(database, team)
    store = _credentials(database, team)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    sign_group_session(database, store, group_id=gid, signer_id=team.worker_id)
    assert _casey_last(database, team.manager_id, casey) is None  # Cara has not signed: not locked
    sign_group_session(database, store, group_id=gid, signer_id=team.other_worker_id)  # locks it
    assert _casey_last(database, team.manager_id, casey) == HELD.date()
    assert _casey_last(database, team.worker_id, casey) == HELD.date()  # Ben was present


def test_a_group_the_viewer_may_not_see_gives_them_no_oversight_date(database, team):
    """Another team's manager discusses Casey in their own group: Morgan sees Casey but not
    that group, so the page does not say Casey had oversight that day."""
    casey = team.child_ids[2]
    with database.reading() as s:
        olu = s.get(Team, team.other_team_id).manager_id
    store = _credentials(database, team)
    store.ensure_local_credentials(olu, olu[:6], "team_manager")
    store.ensure_local_credentials(team.outsider_id, team.outsider_id[:6], "social_worker")
    held = HELD - timedelta(days=2)
    with database.transaction() as s:
        gid = gr.create_group_session(
            s, actor(database, olu), attendees={team.outsider_id: Attendance.PRESENT},
            held_at=datetime.combine(held.date(), time(10), timezone.utc), duration_minutes=60)
        gr.add_discussion(s, actor(database, olu), gid, child_id=casey, summary="A similar case",
                          decision="Compare notes", rationale="Same school")
    sign_group_session(database, store, group_id=gid, signer_id=olu)
    sign_group_session(database, store, group_id=gid, signer_id=team.outsider_id)
    assert _casey_last(database, team.manager_id, casey) is None
    with database.reading() as s:  # it is locked: only the scope keeps it from Morgan
        assert gr.get_group(s, actor(database, olu), gid)[1].state == RecordState.LOCKED
