"""The next planned supervision as a calendar invitation file (.ics, RFC 5545) for Outlook.

A record holds the date of the next supervision (``next_session_on``), not its hour: the
invitation keeps the hour and length of the session that planned it, which is how most
pairs book (same slot each month), and the person can move it in Outlook. Times are
Europe/London with its VTIMEZONE. The UID names the session that planned the date, so
exporting again after the date changes updates the same Outlook entry (a higher
SEQUENCE, from the record's version) instead of adding a second one.

The file says who meets whom and when, never anything from the record itself.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.permissions import Operation, decide
from ..domain.time_rules import LONDON, london, utc_now
from ..domain.vocabulary import RecordState
from ..store.audit_log import record_event
from ..store.models import Staff, SupervisionSession
from ..store.supervision_records import NotAllowed, NotFound, load_actor, session_target

UID_DOMAIN = "supervision-recorder.invalid"
PRODUCT_ID = "-//Supervision Recorder//Next supervision//EN"


@dataclass(frozen=True)
class PlannedSupervision:
    planned_by_session_id: str  # the record whose next date this is: the UID's anchor
    sequence: int  # grows each time that record changes
    supervisee_name: str
    supervisor_name: str
    starts: _dt.datetime  # aware, Europe/London
    duration_minutes: int
    location: str

    @property
    def uid(self) -> str:
        return f"next-supervision-{self.planned_by_session_id}@{UID_DOMAIN}"


def invitation_ics(planned: PlannedSupervision, *, now: _dt.datetime | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", planned.uid)
    event.add("sequence", planned.sequence)
    event.add("dtstamp", (now or utc_now()).astimezone(_dt.timezone.utc))
    event.add("dtstart", planned.starts)
    event.add("dtend", planned.starts + _dt.timedelta(minutes=planned.duration_minutes))
    event.add("summary", f"Supervision: {planned.supervisee_name} with {planned.supervisor_name}")
    if planned.location:
        event.add("location", planned.location)
    event.add("description", "Planned 1:1 supervision, booked from the Supervision Recorder. "
                             "Bring the actions from the last session.")
    event.add("transp", "OPAQUE")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _planned(session: Session, row: SupervisionSession) -> PlannedSupervision:
    names = dict(session.execute(select(Staff.id, Staff.display_name).where(
        Staff.id.in_([row.supervisee_id, row.supervisor_id]))).all())
    held = london(row.held_at)
    assert row.next_session_on is not None  # the callers have one
    starts = _dt.datetime.combine(row.next_session_on, held.time().replace(second=0, microsecond=0),
                                  LONDON)
    return PlannedSupervision(row.id, row.version, names.get(row.supervisee_id, ""),
                              names.get(row.supervisor_id, ""), starts, row.duration_minutes,
                              row.location or "")


def planned_by_session(session: Session, actor_id: str, session_id: str) -> PlannedSupervision:
    """The next supervision a record plans (the session editor's next date)."""
    actor = load_actor(session, actor_id)
    row = session.get(SupervisionSession, session_id)
    if row is None or row.tombstone:
        raise NotFound("That supervision record is not on this computer.")
    if not decide(actor, Operation.VIEW, session_target(row)):
        raise NotAllowed("You may not open this supervision record.")
    if row.next_session_on is None:
        raise NotFound("This record has no next supervision date yet: enter it first.")
    record_event(session, actor_id=actor_id, action="export_calendar",
                 record_kind="supervision", record_id=row.id)
    return _planned(session, row)


def next_planned_for_worker(session: Session, actor_id: str, worker_id: str) -> PlannedSupervision:
    """The next supervision planned by the worker's latest record shared with them, as the
    team page's "Next planned" column shows it."""
    actor = load_actor(session, actor_id)
    S = SupervisionSession
    for row in session.scalars(
            select(S).where(S.supervisee_id == worker_id, S.tombstone.is_(False),
                            S.state != RecordState.DRAFT.value)
            .order_by(S.held_at.desc()).limit(5)):
        if not decide(actor, Operation.VIEW, session_target(row)):
            continue
        if row.next_session_on is None:
            break
        record_event(session, actor_id=actor_id, action="export_calendar",
                     record_kind="supervision", record_id=row.id)
        return _planned(session, row)
    raise NotFound("No next supervision is planned for this worker yet: it is set in the "
                   "latest supervision record (Next supervision date).")


def invitation_file_name(planned: PlannedSupervision) -> str:
    from .export import _slug

    return f"supervision_{planned.starts:%Y-%m-%d}_{_slug(planned.supervisee_name)}.ics"
