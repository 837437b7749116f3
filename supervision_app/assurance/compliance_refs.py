"""The records behind each worker's figures, built from the dashboard's compact rows when
someone opens a figure's list (never read from the database again)."""
from __future__ import annotations

from datetime import date
from typing import Iterator

from ..domain.agreements import AgreementState
from ..domain.cancellations import CancelledBy
from ..domain.supervision_policy import SupervisionPolicy
from ..domain.time_rules import format_date
from ..domain.vocabulary import RecordState, SupervisionStatus
from .compliance_figures import RecordRef
from .compliance_rows import LOCKED
from .rules import GroupAttended, Occasion, OccasionOutcome

GROUP_SESSION = "group_session"  # a RecordRef's kind for a group supervision session (issue 21)
GROUP_ACTION = "group_action"


def occasion_refs(w, occasions: list[Occasion], session_on: dict[date, str],
                  group_days: dict[date, str] | None = None) -> Iterator[RecordRef]:
    """``group_days``: the days a group session was counted (its id), so the list opens it."""
    within = OccasionOutcome.WITHIN_POLICY
    groups = set((group_days or {}).values())
    for occ in occasions:
        record_id = session_on.get(occ.held_on, "") if occ.held_on else ""
        yield RecordRef(
            kind=(GROUP_SESSION if record_id in groups else "supervision") if occ.held_on else "occasion",
            record_id=record_id,
            when=occ.due, staff_id=w.id, staff_name=w.display_name, team_id=w.team_id,
            outcome=occasion_outcome(occ), counted=occ.outcome is within)


def status_refs(w, status) -> Iterator[RecordRef]:
    yield RecordRef(
        kind="staff", record_id=w.id, when=status.next_due, staff_id=w.id,
        staff_name=w.display_name, team_id=w.team_id,
        outcome=f"{status.label}: due {format_date(status.next_due)}",
        counted=status.status == SupervisionStatus.OVERDUE)


def session_ref(w, sid: str, held_on: date, **kw) -> RecordRef:
    return RecordRef(kind="supervision", record_id=sid, when=held_on, staff_id=w.id,
                     staff_name=w.display_name, team_id=w.team_id, **kw)


def unsigned_refs(w, sessions: list[tuple]) -> Iterator[RecordRef]:
    for sid, held_on, state, _shared_on, _signed_on, _t in sessions:
        if state != LOCKED:
            yield session_ref(w, sid, held_on, outcome=RecordState(state).label)


def timeliness_refs(w, sessions: list[tuple], sharing: bool) -> Iterator[RecordRef]:
    for sid, held_on, _state, shared_on, signed_on, t in sessions:
        if sharing and t.shared_on_time is not None:
            yield session_ref(w, sid, held_on, counted=t.shared_on_time,
                               outcome=step_outcome("Shared", shared_on, t.share_by, t.shared_on_time))
        elif not sharing and t.signed_on_time is not None:
            yield session_ref(w, sid, held_on, counted=t.signed_on_time,
                               outcome=step_outcome("Signed", signed_on, t.sign_by, t.signed_on_time))


def disagreement_refs(w, rows: list[tuple[str, date, str]]) -> Iterator[RecordRef]:
    for sid, held_on, state in rows:
        yield session_ref(w, sid, held_on,
                           outcome=f"Disagreement unresolved ({RecordState(state).label.lower()})")


def action_refs(w, actions: list[tuple], today: date, overdue_only: bool) -> Iterator[RecordRef]:
    for aid, due_on, child_id in actions:
        overdue = due_on is not None and due_on < today
        if overdue_only and not overdue:
            continue
        yield RecordRef(kind="action", record_id=aid, when=due_on, staff_id=w.id,
                        staff_name=w.display_name, child_id=child_id or "", team_id=w.team_id,
                        outcome=(("Overdue: due " if overdue else "Open: due ")
                                 + (format_date(due_on) or "not set")))


def cancellation_refs(w, rows: list[tuple], by: str | None) -> Iterator[RecordRef]:
    """``by`` None: the late rebookings."""
    for _cid, cancelled_on, who, booked in rows:
        if (by is None and not booked.outcome.is_late) or (by is not None and who != by):
            continue
        # a cancellation is opened as the worker's page, where it is listed
        yield RecordRef(kind="staff", record_id=w.id, when=cancelled_on, staff_id=w.id,
                        staff_name=w.display_name, team_id=w.team_id,
                        outcome=f"Cancelled by {CancelledBy(who).label.lower()}; "
                                f"{booked.outcome.label.lower()} (by {format_date(booked.deadline)})")


def agreement_refs(w, state: AgreementState) -> Iterator[RecordRef]:
    due = f"; review by {format_date(state.review_by)}" if state.review_by else ""
    yield RecordRef(kind="staff", record_id=w.id, when=state.review_by, staff_id=w.id,
                    staff_name=w.display_name, team_id=w.team_id,
                    outcome=f"Agreement: {state.status.label.lower()}{due}",
                    counted=state.status.needs_action)


def short_refs(w, rows: list[tuple], policy: SupervisionPolicy) -> Iterator[RecordRef]:
    for sid, held_on, minutes in rows:
        yield session_ref(w, sid, held_on, outcome=f"{minutes} minutes (standard "
                                                    f"{policy.standard_duration_minutes})")


def occasion_outcome(occ: Occasion) -> str:
    text = f"{occ.outcome.label} (due {format_date(occ.due)}"
    if occ.held_on:
        text += f", held {format_date(occ.held_on)}"
    return text + ")"


def step_outcome(step: str, done_on: date | None, deadline: date | None, ok: bool) -> str:
    if done_on is None:
        return f"Not {step.lower()}; was due by {format_date(deadline)}"
    return f"{step} {format_date(done_on)}, due by {format_date(deadline)}" + ("" if ok else " (late)")



def group_refs(w, attended: list[GroupAttended], period_start: date, today: date) -> Iterator[RecordRef]:
    """The group sessions the worker was present at in the period, signed or not yet."""
    for a in attended:
        if a.present and period_start <= a.held_on <= today:
            yield RecordRef(kind=GROUP_SESSION, record_id=a.group_id, when=a.held_on, staff_id=w.id,
                            staff_name=w.display_name, team_id=w.team_id, counted=a.signed,
                            outcome="Group session signed by the supervisor and the worker" if a.signed
                            else "Group session not yet signed by the supervisor and the worker")


def group_action_refs(w, actions: list[tuple], today: date, overdue_only: bool) -> Iterator[RecordRef]:
    for aid, due_on, _group_id in actions:
        overdue = due_on is not None and due_on < today
        if overdue_only and not overdue:
            continue
        yield RecordRef(kind=GROUP_ACTION, record_id=aid, when=due_on, staff_id=w.id,
                        staff_name=w.display_name, team_id=w.team_id,
                        outcome=(("Overdue: due " if overdue else "Open: due ")
                                 + (format_date(due_on) or "not set") + " (group session)"))
