"""Cancelled supervision through the store: who may record it, the outbox, the counts."""
from datetime import date

import pytest

from supervision_app.domain.cancellations import CancelledBy, RebookingOutcome
from supervision_app.domain.text_rules import InvalidInput
from supervision_app.store import cancellation_records as cr
from supervision_app.store.outbox import outbox_table
from supervision_app.store.supervision_records import NotAllowed
from tests.store.builders import actor

TODAY = date(2027, 1, 20)


def _record(db, who, worker_id, cancelled_on, by, rebooked_on=None, returned=None):
    with db.transaction() as s:
        return cr.record_cancellation(
            s, actor(db, who), worker_id, planned_for=cancelled_on, cancelled_on=cancelled_on,
            cancelled_by=by, reason="Court hearing ran over", rebooked_on=rebooked_on,
            returned_from_leave_on=returned)


def test_manager_records_and_team_counts_by_who_cancelled_and_late_rebookings(database, team):
    _record(database, team.manager_id, team.worker_id, date(2026, 12, 24), "supervisor",
            rebooked_on=date(2027, 1, 5))  # on time, across Christmas
    _record(database, team.manager_id, team.worker_id, date(2026, 12, 24), "supervisee",
            rebooked_on=date(2027, 1, 6))  # a day late
    _record(database, team.manager_id, team.other_worker_id, date(2027, 1, 4), "other")  # never rebooked
    late_id = _record(database, team.manager_id, team.asye_worker_id, date(2026, 12, 1), "supervisee",
                      rebooked_on=date(2027, 1, 5), returned=date(2026, 12, 24))  # on time after leave
    with database.reading() as s:
        rows = cr.cancellations(s, actor(database, team.manager_id), today=TODAY,
                                team_ids=[team.team_id])
        counts = cr.count_cancellations(rows)
        outbox = s.execute(outbox_table.select().where(
            outbox_table.c.table_name == "session_cancellation")).all()
    assert (counts.by_supervisor, counts.by_supervisee, counts.by_other) == (1, 2, 1)
    assert counts.late_rebookings == 2
    assert {r.id: r.rebooking.outcome for r in rows}[late_id] == RebookingOutcome.ON_TIME
    assert len(outbox) == 4  # each travels to the server


def test_a_worker_sees_their_own_but_cannot_record_one(database, team):
    _record(database, team.manager_id, team.worker_id, date(2027, 1, 4), "supervisee")
    with pytest.raises(NotAllowed):
        _record(database, team.worker_id, team.worker_id, date(2027, 1, 4), "supervisee")
    with database.reading() as s:
        mine = cr.cancellations(s, actor(database, team.worker_id), today=TODAY)
        theirs = cr.cancellations(s, actor(database, team.other_worker_id), today=TODAY)
    assert [r.cancelled_by for r in mine] == [CancelledBy.SUPERVISEE]
    assert theirs == []


def test_another_teams_manager_cannot_record_one(database, team):
    with pytest.raises(NotAllowed):
        _record(database, team.manager_id, team.outsider_id, date(2027, 1, 4), "supervisor")


def test_rebooking_added_later_and_checked(database, team):
    cid = _record(database, team.manager_id, team.worker_id, date(2027, 1, 4), "supervisor")
    with database.transaction() as s:
        with pytest.raises(InvalidInput):
            cr.set_rebooking(s, actor(database, team.manager_id), cid, rebooked_on=date(2027, 1, 1))
    with database.transaction() as s:
        cr.set_rebooking(s, actor(database, team.manager_id), cid, rebooked_on=date(2027, 1, 8))
    with database.reading() as s:
        (row,) = cr.cancellations(s, actor(database, team.manager_id), today=TODAY)
    assert row.rebooked_on == date(2027, 1, 8)
    assert row.rebooking.outcome == RebookingOutcome.ON_TIME
