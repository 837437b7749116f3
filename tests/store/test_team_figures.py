"""The team page's figures and the children list's last oversight, from the store: only what
gives assurance counts (a record shared with the worker), and only what the viewer may open."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.domain.supervision_policy import SupervisionPolicy, status_label, supervision_status
from supervision_app.domain.time_rules import london_date
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.store import queries as q, supervision_records as sr
from supervision_app.store.models import Staff
from tests.gui.sample_team import session_time
from tests.store.builders import actor

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def row_of(database, viewer_id, worker_id):
    with database.reading() as s:
        rows = q.team_overview(s, actor(database, viewer_id), date.today())
    return next(r for r in rows if r.worker_id == worker_id)


def test_a_draft_gives_no_assurance_until_it_is_shared(database, team):
    assert row_of(database, team.manager_id, team.asye_worker_id).status == SupervisionStatus.OVERDUE
    manager = actor(database, team.manager_id)
    with database.transaction() as s:  # "New supervision", nothing typed
        sid = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(0, hour=0))
        sr.update_session(s, manager, sid, {"next_session_on": date.today() + timedelta(days=7)})
    ava = row_of(database, team.manager_id, team.asye_worker_id)
    assert ava.status == SupervisionStatus.OVERDUE
    assert (ava.last_held, ava.next_planned, ava.drafts) == (None, None, 1)
    assert ava.awaiting_signature == 0

    with database.transaction() as s:
        sr.share_session(s, manager, sid)
    ava = row_of(database, team.manager_id, team.asye_worker_id)
    assert ava.status == SupervisionStatus.ON_TRACK and ava.drafts == 0
    assert ava.last_held == london_date(session_time(0, hour=0))
    assert ava.next_planned == date.today() + timedelta(days=7)
    assert ava.awaiting_signature == 1


def test_an_earlier_shared_record_still_counts_beside_a_newer_draft(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        shared = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(10))
        sr.update_session(s, manager, shared, {"next_session_on": date.today() + timedelta(days=18)})
        sr.share_session(s, manager, shared)
        sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(1))
    ben = row_of(database, team.manager_id, team.worker_id)
    assert ben.last_held == london_date(session_time(10))
    assert ben.next_planned == date.today() + timedelta(days=18)  # the shared record's plan
    assert ben.drafts == 1


def test_actions_count_once_their_record_is_shared(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        sr.add_action(s, manager, session_id=sid, description="Chase the school", owner_id=team.worker_id,
                      due_on=date.today() - timedelta(days=1))
    ben = row_of(database, team.manager_id, team.worker_id)
    assert (ben.open_actions, ben.overdue_actions) == (0, 0)  # as Ben's own page: none yet
    with database.transaction() as s:
        sr.share_session(s, manager, sid)
    ben = row_of(database, team.manager_id, team.worker_id)
    assert (ben.open_actions, ben.overdue_actions) == (1, 1)


def test_a_worker_who_moved_team_brings_their_history_and_counts_to_the_new_manager(database, team):
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(5))
        sr.add_action(s, manager, session_id=sid, description="Visit", owner_id=team.worker_id,
                      due_on=date.today() - timedelta(days=1))
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, actor(database, team.worker_id), sid, agreement="disagrees", disagreement="No")
    before = row_of(database, team.manager_id, team.worker_id)
    assert (before.awaiting_signature, before.unresolved_disagreements, before.open_actions) == (1, 1, 1)

    with database.transaction() as s:
        s.get(Staff, team.worker_id).team_id = team.other_team_id
        olu_id = s.query(Staff).filter_by(username="olu").one().id
    olu = actor(database, olu_id)
    with database.reading() as s:
        history = q.worker_history(s, olu, team.worker_id)
    ben = row_of(database, olu_id, team.worker_id)
    # access follows people (DESIGN.md 1.1): the new manager sees the history and its counts
    assert [h.session_id for h in history] == [sid]
    assert (ben.awaiting_signature, ben.unresolved_disagreements, ben.drafts) == (1, 1, 0)
    assert (ben.open_actions, ben.overdue_actions) == (1, 1)
    assert ben.last_held == london_date(session_time(5))
    # the old manager no longer has them on their page; the record still waits for their
    # signature, so they keep it until they sign
    with database.reading() as s:
        assert team.worker_id not in {r.worker_id for r in q.team_overview(s, manager, date.today())}
        assert [h.session_id for h in q.worker_history(s, manager, team.worker_id)] == [sid]


def test_due_soon_reads_as_the_teams_policy_warns(database, team):
    policy = SupervisionPolicy(standard_interval_days=28, due_soon_days=14)
    with database.transaction() as s:
        sr.set_team_policy(s, actor(database, team.service_manager_id), team.team_id, policy)
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(18))
        sr.share_session(s, manager, sid)
    ben = row_of(database, team.manager_id, team.worker_id)  # due in 10 days
    assert ben.status == SupervisionStatus.DUE_SOON and ben.due_soon_days == 14
    assert ben.status_label == "Due within 14 days"


@pytest.mark.parametrize(("days", "label"), [(7, "Due within 7 days"), (1, "Due within 1 day"),
                                             (0, "Due today"), (30, "Due within 30 days")])
def test_the_due_soon_label_names_the_window(days, label):
    assert status_label(SupervisionStatus.DUE_SOON, days) == label
    status = supervision_status(SupervisionPolicy(due_soon_days=days), today=date(2026, 3, 2),
                                last_held=date(2026, 2, 2), started_on=date(2020, 1, 1))
    assert status.status == SupervisionStatus.DUE_SOON and status.label == label
    assert status_label(SupervisionStatus.OVERDUE, days) == "Overdue"


# --------------------------------------------------------------------------- children list

def _last(database, staff_id, child_id):
    with database.reading() as s:
        listed = {c.child_id: c.last_oversight for c in q.my_children(s, actor(database, staff_id))}
    with database.transaction() as s:
        detail = q.child_chronology(s, actor(database, staff_id), child_id)
    shown = london_date(detail.entries[0].when) if detail.entries else None
    assert listed[child_id] == detail.child.last_oversight == shown  # the list and the page agree
    return listed[child_id]


def test_last_oversight_counts_what_the_viewer_may_see_notes_and_case_discussions(database, team):
    riley, jordan = team.child_ids[0], team.child_ids[1]  # both allocated to Ava
    manager = actor(database, team.manager_id)
    with database.transaction() as s:
        sr.create_oversight_note(s, manager, child_id=riley, trigger="plan_review",
                                 decision="Draft decision", rationale="Draft rationale")
    today = london_date(session_time(0, hour=0))
    assert _last(database, team.manager_id, riley) == today  # their own draft
    assert _last(database, team.asye_worker_id, riley) is None  # not shown to Ava yet

    with database.transaction() as s:
        sid = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(3))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1002")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Settled"})
    three_days_ago = london_date(session_time(3))
    assert _last(database, team.manager_id, jordan) == three_days_ago
    assert _last(database, team.asye_worker_id, jordan) is None
    with database.transaction() as s:
        sr.share_session(s, manager, sid)
    assert _last(database, team.asye_worker_id, jordan) == three_days_ago  # a case discussion
    assert _last(database, team.service_manager_id, jordan) == three_days_ago
