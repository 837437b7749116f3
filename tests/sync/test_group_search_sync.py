"""Group supervision in search after a sync (issue 21, migration 0016): the index a laptop
builds from pulled group rows, set-based in bulk pages (``sync/search_index.py``) or row by
row by the triggers, equals the one the supervisor's laptop built (each row under the
group's team), and a worker finds the shared part and their own action, never another's."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text

from supervision_app.domain.group_supervision import Attendance
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor
from tests.sync import records as r
from tests.sync.harness import PASSWORD, Deployment, deploy

HELD = datetime(2026, 11, 5, 10, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    """One server, on SQLite: the laptop's index does not depend on the server's database."""
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("server-sqlite"))
    yield dep
    teardown()


def _index(laptop) -> list[tuple]:
    with laptop.db.reading() as s:
        return sorted(s.execute(text(
            "select k.kind, k.record_id, k.section, k.session_id, k.team_id, t.body, t.folded "
            "from search_key k join search_text t on t.rowid = k.rowid "
            "where k.kind like 'group%'")).all())


def _found(laptop, staff_id, words):
    with laptop.db.reading() as s:
        return [(h.kind, h.record_id) for h in search(s, load_actor(s, staff_id), words)]


def test_pulled_group_sessions_are_indexed_as_the_supervisor_indexed_them(deployment, laptops):
    org = deployment.org
    manager, sw1, sw2 = org.ids["tm_a"], org.ids["sw_a1"], org.ids["sw_a2"]
    writer = laptops("tm_a")
    with writer.db.transaction() as s:
        who = load_actor(s, manager)
        group_id = gr.create_group_session(
            s, who, attendees={sw1: Attendance.PRESENT, sw2: Attendance.PRESENT}, held_at=HELD,
            duration_minutes=90, location="The Łódź room", themes="Chronic neglect and drift")
        gr.add_discussion(s, who, group_id, child_id=None, summary="A family known for years",
                          decision="Escalate to a legal planning meeting", rationale="Cumulative harm")
        actions = {sw1: gr.add_action(s, who, group_id, owner_id=sw1, description="Phone the paediatrician",
                                      due_on=date(2026, 12, 1)),
                   sw2: gr.add_action(s, who, group_id, owner_id=sw2, description="Visit the nursery",
                                      due_on=date(2026, 12, 1))}
    sign_group_session(writer.db, r.credentials(writer), group_id=group_id, signer_id=manager)
    writer.client.sync()

    bulk = laptops()
    bulk.client.bulk_rows = 1  # every page set-based
    bulk.client.login("tm_a", PASSWORD)
    bulk.client.sync()
    row_by_row = laptops()
    row_by_row.client.bulk_rows = 10**9  # the triggers, one row at a time
    row_by_row.client.login("tm_a", PASSWORD)
    row_by_row.client.sync()

    expected = _index(writer)
    assert len(expected) == 2 + 3 + 2  # themes and where; the discussion's three; two actions
    assert all(row[3] is None and row[4] == org.teams["A"] for row in expected)
    assert [row[6] for row in expected if row[2] == "location"] == ["The Lódź room"]
    assert _index(bulk) == expected
    assert _index(row_by_row) == expected
    assert _found(bulk, manager, "lodz") == [("group_session", group_id)]

    worker = laptops("sw_a1")
    worker.client.sync()
    assert _found(worker, sw1, "chronic neglect") == [("group_session", group_id)]
    assert _found(worker, sw1, "paediatrician") == [("group_action", actions[sw1])]
    assert _found(worker, sw1, "nursery") == []  # another attendee's action never reaches them
