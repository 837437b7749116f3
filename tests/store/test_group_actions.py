"""An attendee's own group actions (issue 21): they appear in My actions beside their 1:1
actions once the supervisor has signed, never another attendee's; the owner or the
supervisor moves one on after signing (status only, even in the locked session), nobody
else, and the change goes to the outbox to sync."""
import json
from datetime import date

import pytest

from supervision_app.domain.vocabulary import ActionStatus, RecordState
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr, queries
from supervision_app.store.group_models import GroupAction
from supervision_app.store.outbox import outbox_table
from supervision_app.store.supervision_records import NotAllowed
from tests.store.builders import actor
from tests.store.test_group_records import _credentials, _group

TODAY = date(2026, 12, 3)  # after the actions' due date (1 December)


def _mine(db, person):
    with db.reading() as s:
        return [a for a in queries.my_actions(s, actor(db, person), TODAY) if a.group_session_id]


def test_my_actions_lists_only_my_own_group_action_once_released(database, team):
    gid = _group(database, team)
    assert _mine(database, team.worker_id) == []  # the supervisor's draft has not reached them
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    rows = _mine(database, team.worker_id)
    assert [(r.group_session_id, r.description, r.overdue) for r in rows] == [
        (gid, f"Read the briefing {team.worker_id[:4]}", True)]
    assert rows[0].source == "Group supervision 05/11/2026"
    assert _mine(database, team.manager_id) == []  # the supervisor owns none of them
    assert _mine(database, team.outsider_id) == []


def test_owner_marks_their_group_action_done_after_signing_and_it_syncs(database, team):
    gid = _group(database, team)
    store = _credentials(database, team)
    with database.reading() as s:
        mine = next(a.id for a in gr.group_view(s, actor(database, team.manager_id), gid).actions
                    if a.owner_id == team.worker_id)
    with database.transaction() as s, pytest.raises(NotAllowed):  # not before the supervisor signs
        gr.set_group_action_status(s, actor(database, team.worker_id), mine, ActionStatus.DONE)
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)
    for person in (team.worker_id, team.other_worker_id, team.asye_worker_id):
        sign_group_session(database, store, group_id=gid, signer_id=person)
    with database.transaction() as s, pytest.raises(NotAllowed):  # another attendee's action
        gr.set_group_action_status(s, actor(database, team.other_worker_id), mine, ActionStatus.DONE)
    with database.transaction() as s:  # locked, yet its status moves on
        gr.set_group_action_status(s, actor(database, team.worker_id), mine, ActionStatus.DONE)
    with database.reading() as s:
        row = s.get(GroupAction, mine)
        assert (row.status, row.closed_at is not None) == ("done", True)
        assert gr.groups_for(s, actor(database, team.manager_id))[0].state == RecordState.LOCKED
        sent = [json.loads(r.payload) for r in s.execute(outbox_table.select().where(
            outbox_table.c.row_id == mine)).all()]
    assert sent[-1]["data"]["status"] == "done" and sent[-1]["version"] == 2
    assert _mine(database, team.worker_id) == []  # done: no longer open
    with database.transaction() as s:  # the supervisor reopens it
        gr.set_group_action_status(s, actor(database, team.manager_id), mine, ActionStatus.OPEN)
    assert [r.action_id for r in _mine(database, team.worker_id)] == [mine]


def test_team_page_counts_each_workers_open_group_action_once_released(database, team):
    def counts():
        with database.reading() as s:
            return {w.worker_id: (w.open_actions, w.overdue_actions)
                    for w in queries.team_overview(s, actor(database, team.manager_id), TODAY)}

    before = counts()
    gid = _group(database, team)
    assert counts() == before  # the draft's actions have not reached anyone
    sign_group_session(database, _credentials(database, team), group_id=gid, signer_id=team.manager_id)
    after = counts()
    for person in (team.worker_id, team.other_worker_id, team.asye_worker_id):
        assert after[person] == (before[person][0] + 1, before[person][1] + 1)  # due 1 December
    with database.reading() as s:
        mine = next(a.id for a in gr.group_view(s, actor(database, team.worker_id), gid).actions)
    with database.transaction() as s:
        gr.set_group_action_status(s, actor(database, team.worker_id), mine, ActionStatus.NO_LONGER_NEEDED)
    assert counts()[team.worker_id] == before[team.worker_id]
