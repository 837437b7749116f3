"""What the desktop reminders count, and each person's reminder settings and shown-log, kept
in the profile's settings as the text size is (``ProfileSetting``, per person).

Items are found with the same queries and permission rules as the pages that show them; a
reminder is only ever a count (``domain.reminders``). ``check_reminders`` writes the
shown-log, so call it inside ``Database.transaction()``, off the GUI thread.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..domain.next_step import SIGNATURES, next_step_is_mine
from ..domain.permissions import Actor
from ..domain.reminders import Reminder, ReminderKind, reminders_due
from ..domain.supervision_policy import supervision_status
from ..domain.time_rules import london_date
from ..domain.vocabulary import RecordState, SupervisionStatus
from . import queries
from .models import ProfileSetting, Staff, SupervisionSession
from .supervision_records import load_actor, session_target

# Where agreements to review will come from once supervision agreements exist (issue 21):
# each source is ``source(session, actor, today) -> ids`` of agreements the person should
# review. None yet, so the kind never fires; its Settings switch is ready.
AGREEMENT_REVIEW_SOURCES: list[Callable[[Session, Actor, date], Iterable[str]]] = []


def _disabled_key(staff_id: str) -> str:
    return f"reminders_off:{staff_id}"


def _shown_key(staff_id: str) -> str:
    return f"reminders_shown:{staff_id}"


def _read_json(session: Session, key: str, default):
    row = session.get(ProfileSetting, key)
    if row is None:
        return default
    try:
        value = json.loads(row.value)
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default


def _write_json(session: Session, key: str, value) -> None:
    text = json.dumps(value, sort_keys=True)
    row = session.get(ProfileSetting, key)
    if row is None:
        session.add(ProfileSetting(key=key, value=text))
    else:
        row.value = text


def enabled_reminders(session: Session, staff_id: str) -> set[ReminderKind]:
    """Every kind is on until the person turns it off in Settings."""
    off = set(_read_json(session, _disabled_key(staff_id), []))
    return {kind for kind in ReminderKind if kind.value not in off}


def set_reminder_enabled(session: Session, staff_id: str, kind: ReminderKind, enabled: bool) -> None:
    off = set(_read_json(session, _disabled_key(staff_id), [])) & {k.value for k in ReminderKind}
    (off.discard if enabled else off.add)(ReminderKind(kind).value)
    _write_json(session, _disabled_key(staff_id), sorted(off))


def _awaiting_my_signature(session: Session, actor: Actor, today: date) -> set[str]:
    S = SupervisionSession
    rows = session.scalars(select(S).where(
        S.tombstone.is_(False),
        S.state.in_([RecordState.SHARED.value, RecordState.SUPERVISOR_SIGNED.value]),
        (S.supervisor_id == actor.staff_id) | (S.supervisee_id == actor.staff_id)))
    return {row.id for row in rows if next_step_is_mine(actor, session_target(row, today), SIGNATURES)}


def _my_own_supervision_due(session: Session, actor: Actor, today: date) -> set[str]:
    me = session.get(Staff, actor.staff_id)
    if me is None or me.started_on is None:
        return set()
    S = SupervisionSession
    held = session.execute(select(func.max(S.held_at)).where(
        S.supervisee_id == actor.staff_id, S.tombstone.is_(False),
        S.state != RecordState.DRAFT.value)).scalar_one_or_none()
    last = london_date(held) if held is not None else None
    if me.last_supervised_on is not None and (last is None or me.last_supervised_on > last):
        last = me.last_supervised_on
    if last is None and me.line_manager_id is None and me.team_id is None:
        return set()  # nobody supervises them here
    status = supervision_status(queries.team_policy(session, me.team_id), today=today, last_held=last,
                                started_on=me.started_on, asye_start=me.asye_start)
    return {f"me:{status.next_due.isoformat()}"} if status.status == SupervisionStatus.DUE_SOON else set()


def reminder_items(session: Session, actor: Actor, today: date) -> dict[ReminderKind, set[str]]:
    """Each kind's item ids for ``actor`` on ``today`` (London)."""
    due = {f"{row.worker_id}:{row.next_due.isoformat()}" for row in queries.team_overview(session, actor, today)
           if row.status == SupervisionStatus.DUE_SOON}
    due |= _my_own_supervision_due(session, actor, today)
    agreements: set[str] = set()
    for source in AGREEMENT_REVIEW_SOURCES:
        agreements.update(source(session, actor, today))
    return {
        ReminderKind.AWAITING_SIGNATURE: _awaiting_my_signature(session, actor, today),
        ReminderKind.SUPERVISION_DUE: due,
        ReminderKind.ACTIONS_OVERDUE: {a.action_id for a in queries.my_actions(session, actor, today)
                                       if a.overdue},
        ReminderKind.AGREEMENT_REVIEW: agreements,
    }


def check_reminders(session: Session, staff_id: str, today: date) -> list[Reminder]:
    """The reminders to show ``staff_id`` now (each item at most once on ``today``), with
    the shown-log updated in the caller's transaction."""
    enabled = enabled_reminders(session, staff_id)
    if not enabled:
        return []
    actor = load_actor(session, staff_id)
    shown = {}
    for key, day in _read_json(session, _shown_key(staff_id), {}).items():
        try:
            shown[key] = date.fromisoformat(day)
        except (TypeError, ValueError):
            continue
    reminders, log = reminders_due(reminder_items(session, actor, today), enabled=enabled,
                                   shown=shown, today=today)
    _write_json(session, _shown_key(staff_id), {key: day.isoformat() for key, day in log.items()})
    return reminders
