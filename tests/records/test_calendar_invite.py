"""The next planned supervision as an .ics invitation, parsed back with icalendar."""
from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from supervision_app.domain.time_rules import LONDON
from supervision_app.records.calendar_invite import (
    PlannedSupervision,
    invitation_ics,
    next_planned_for_worker,
    planned_by_session,
)
from supervision_app.store import supervision_records as sr
from tests.gui.sample_team import build_sample_team
from tests.records.steps import share_and_respond

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.timezone.utc)


def _event(data: bytes):
    calendar = Calendar.from_ical(data)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def test_the_invitation_is_in_london_time_with_its_timezone():
    planned = PlannedSupervision("s-1", 4, "Zoë Ødegård", "Morgan Manager",
                                 dt.datetime(2026, 7, 7, 10, 0, tzinfo=LONDON), 90, "Room 2")
    calendar, event = _event(invitation_ics(planned, now=NOW))
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.astimezone(dt.timezone.utc) == dt.datetime(2026, 7, 7, 9, 0, tzinfo=dt.timezone.utc)  # BST
    assert end - start == dt.timedelta(minutes=90)
    assert str(event["SUMMARY"]) == "Supervision: Zoë Ødegård with Morgan Manager"
    assert str(event["UID"]) == "next-supervision-s-1@supervision-recorder.invalid"
    assert int(event["SEQUENCE"]) == 4 and str(event["LOCATION"]) == "Room 2"


def test_a_winter_date_is_gmt():
    planned = PlannedSupervision("s-2", 1, "A", "B", dt.datetime(2026, 12, 8, 14, 30, tzinfo=LONDON), 60, "")
    _calendar, event = _event(invitation_ics(planned, now=NOW))
    assert event.decoded("DTSTART").astimezone(dt.timezone.utc).hour == 14
    assert "LOCATION" not in event


def test_re_exporting_after_the_date_moves_keeps_the_uid_and_raises_the_sequence(database):
    team = build_sample_team(database)
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        session_id = sr.create_session(
            s, manager, supervisee_id=team.worker_id, duration_minutes=75,
            held_at=dt.datetime(2026, 5, 12, 13, 30, tzinfo=LONDON), today=dt.date(2026, 5, 12))
        sr.update_session(s, manager, session_id, {"next_session_on": dt.date(2026, 6, 9)},
                          today=dt.date(2026, 5, 12))
    with database.transaction() as s:
        first = planned_by_session(s, team.manager_id, session_id)
    with database.transaction() as s:
        sr.update_session(s, sr.load_actor(s, team.manager_id), session_id,
                          {"next_session_on": dt.date(2026, 6, 16)}, today=dt.date(2026, 5, 12))
    with database.transaction() as s:
        second = planned_by_session(s, team.manager_id, session_id)
    _c, one = _event(invitation_ics(first, now=NOW))
    _c, two = _event(invitation_ics(second, now=NOW))
    assert one["UID"] == two["UID"]
    assert int(two["SEQUENCE"]) > int(one["SEQUENCE"])
    assert two.decoded("DTSTART") == dt.datetime(2026, 6, 16, 13, 30, tzinfo=LONDON)
    assert two.decoded("DTEND") - two.decoded("DTSTART") == dt.timedelta(minutes=75)
    # the team page's worker: the record shared with them plans the same session
    share_and_respond(database, team.manager_id, team.worker_id, session_id)
    with database.transaction() as s:
        from_team_page = next_planned_for_worker(s, team.manager_id, team.worker_id)
    assert from_team_page.uid == second.uid and from_team_page.starts == second.starts
