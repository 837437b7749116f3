"""The supervisee's feedback after a session is signed (``domain.feedback``).

Only the supervisee writes and reads their own answers (``permissions.FeedbackTarget``);
the server sends them to nobody else. A manager's figures come from the team totals the
server publishes (``sync.server.feedback_totals``), never from individual answers.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.feedback import Answer, Balance
from ..domain.permissions import Actor, FeedbackTarget, Operation, decide
from ..domain.text_rules import InvalidInput, clean_text
from ..domain.time_rules import utc_now
from ..domain.vocabulary import RecordState
from .audit_log import record_event
from .models import SupervisionSession
from .practice_models import SuperviseeFeedback
from .supervision_records import NotFound, require, session_target

KIND = "feedback"


def _choice(kind, value, what: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return kind(value).value
    except ValueError:
        raise InvalidInput(f"Choose an answer for '{what}'.") from None


def give_feedback(session: Session, actor: Actor, session_id: str, *, skipped: bool = False,
                  helpful: str | None = None, reflection_balance: str | None = None,
                  emotional_support: str | None = None, change_one_thing: str = "") -> str:
    """Store (or replace) the actor's feedback on their signed session; returns its id."""
    record = session.get(SupervisionSession, session_id)
    if record is None or record.tombstone:
        raise NotFound("That supervision record is no longer on this computer.")
    target = FeedbackTarget(actor.staff_id, session_target(record))
    existing = session.scalars(select(SuperviseeFeedback).where(
        SuperviseeFeedback.session_id == session_id)).first()
    require(decide(actor, Operation.EDIT if existing else Operation.CREATE, target))
    values = dict(
        skipped=skipped,
        helpful=None if skipped else _choice(Answer, helpful, "helpful"),
        reflection_balance=None if skipped else _choice(Balance, reflection_balance, "balance"),
        emotional_support=None if skipped else _choice(Answer, emotional_support, "support"),
        change_one_thing="" if skipped else clean_text("One thing to change", change_one_thing),
        answered_at=utc_now(), updated_by=actor.staff_id)
    if not skipped and not any(values[k] for k in ("helpful", "reflection_balance", "emotional_support")):
        raise InvalidInput("Answer at least one question, or choose Skip.")
    if existing is None:
        existing = SuperviseeFeedback(session_id=session_id, supervisee_id=actor.staff_id, **values)
        session.add(existing)
    else:
        for name, value in values.items():
            setattr(existing, name, value)
    session.flush()
    record_event(session, actor_id=actor.staff_id, action="give_feedback", record_kind=KIND,
                 record_id=existing.id)
    return existing.id


def awaiting_feedback(session: Session, actor: Actor) -> list[str]:
    """The actor's own signed sessions they have not answered or skipped yet."""
    answered = select(SuperviseeFeedback.session_id).where(SuperviseeFeedback.tombstone.is_(False))
    return list(session.scalars(select(SupervisionSession.id).where(
        SupervisionSession.supervisee_id == actor.staff_id,
        SupervisionSession.state == RecordState.LOCKED.value,
        SupervisionSession.tombstone.is_(False), SupervisionSession.id.not_in(answered))
        .order_by(SupervisionSession.held_at.desc())))


def my_feedback(session: Session, actor: Actor, session_id: str) -> SuperviseeFeedback | None:
    row = session.scalars(select(SuperviseeFeedback).where(
        SuperviseeFeedback.session_id == session_id, SuperviseeFeedback.tombstone.is_(False))).first()
    if row is None or row.supervisee_id != actor.staff_id:
        return None  # never another person's answers, even if a row reached this laptop
    return row
