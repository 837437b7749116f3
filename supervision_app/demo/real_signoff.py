"""The demo's sign-off for real: records written unsigned, then taken through the steps
people take (share, respond, sign, close an action, add an addendum) with the profile's
demo-CA keys, each step back-dated to the generated history's moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from ..store.models import ActionItem, Addendum, OversightNote, Staff, SupervisionSession


@dataclass(frozen=True)
class RealSignoff:
    """A record written unsigned (a draft) and taken through sign-off for real afterwards,
    each step at the moment the generated history gives it."""

    kind: str  # "supervision", "oversight_note", "action" (closed by its owner), "addendum"
    record_id: str
    signer_id: str  # the supervisor, the note's author, or the action's owner
    signed_at: datetime  # for an action: when it was closed
    supervisee_id: str = ""  # for an action: who agreed it (closes it if the owner may not)
    shared_at: datetime | None = None
    comments: str = ""
    agreement: str | None = None
    disagreement: str = ""
    supervisee_signed_at: datetime | None = None  # None: awaits the supervisee
    status: str = ""  # for an action: done or no longer needed
    note_id: str = ""  # for an action agreed in an oversight note: that note
    parent_kind: str = ""  # for an addendum (to ``record_id``): the record's kind
    body: str = ""  # for an addendum: its text

    @property
    def first_step(self) -> datetime:
        return self.shared_at or self.signed_at


def _clock(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at one of the history's moments, for a back-dated signature."""
    return lambda: moment


def split_backlog(pending: list[RealSignoff], sessions_since: datetime,
                   notes_since: datetime) -> tuple[list[RealSignoff], list[RealSignoff]]:
    """The steps to take now (the recent ones) and those left for the background, each in
    time order. Supervision records and actions go by the supervision window (an older
    record was written shared and answered, so the recent records' steps cannot change
    what it says), oversight notes by theirs; an action agreed in a note left for later
    closes after it; an addendum is added after its record is signed."""
    ordered = sorted(pending, key=lambda p: (p.first_step, p.record_id))
    later_notes = {p.record_id for p in ordered
                   if p.kind == "oversight_note" and p.signed_at < notes_since}
    now = {p.record_id for p in ordered if p.record_id not in later_notes and (
        p.kind == "oversight_note" or (p.kind == "action" and p.note_id not in later_notes
                                       and p.first_step >= sessions_since)
        or (p.kind == "supervision" and p.first_step >= sessions_since))}
    # an addendum (kept under its record's id) is added after its record is signed
    addenda = {p for p in ordered if p.kind == "addendum" and p.record_id in now}
    return ([p for p in ordered if p.record_id in now and (p.kind != "addendum" or p in addenda)],
            [p for p in ordered if p.record_id not in now or (p.kind == "addendum" and p not in addenda)])


def ensure_credentials(db, pending: list[RealSignoff], *, valid_from: datetime):
    """The profile's credential store, with a key and demo-CA certificate for everyone who
    signs in ``pending`` (now or later)."""
    from ..security.credentials import CredentialStore
    from ..security.secret_store import SecretStore

    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    signers = {p.signer_id for p in pending if p.kind != "action"} | {
        p.supervisee_id for p in pending if p.supervisee_signed_at is not None}
    with db.reading() as session:
        people = {sid: (s.display_name, s.role) for sid, s in
                  ((sid, session.get(Staff, sid)) for sid in sorted(signers))}
    for staff_id, (name, role) in people.items():
        store.ensure_local_credentials(staff_id, name, role, valid_from=valid_from)
    return store


def _move_action(db, closure: RealSignoff, status: str) -> None:
    """Its owner (or, while its record is a draft, its author) sets the action's status;
    closing it, it keeps the history's closing moment."""
    from ..store.supervision_records import NotAllowed, load_actor, set_action_status

    with db.transaction() as session:
        try:
            set_action_status(session, load_actor(session, closure.signer_id),
                              closure.record_id, status)
        except NotAllowed:  # its record is still a draft: its author closes it
            set_action_status(session, load_actor(session, closure.supervisee_id),
                              closure.record_id, status)
        if status != "open":
            action = session.get(ActionItem, closure.record_id)
            action.closed_at = action.updated_at = closure.signed_at  # the history's day


def _add_addendum(db, store, plan: RealSignoff) -> bool:
    """The record's author writes the addendum and signs it, at the history's moment."""
    from ..domain.lifecycle import RecordKind
    from ..records.signoff import create_addendum, sign_addendum

    with db.reading() as session:
        existing = session.scalars(select(Addendum).where(
            Addendum.record_id == plan.record_id, Addendum.author_id == plan.signer_id)).first()
        addendum_id, state = (existing.id, existing.state) if existing else (None, None)
    if state == "locked":
        return False
    if addendum_id is None:
        with db.transaction() as session:
            addendum_id = create_addendum(session, author_id=plan.signer_id,
                                          record_kind=RecordKind(plan.parent_kind),
                                          record_id=plan.record_id, body=plan.body)
            row = session.get(Addendum, addendum_id)
            row.created_at = row.updated_at = plan.signed_at - timedelta(minutes=20)
    sign_addendum(db, store, addendum_id=addendum_id, signer_id=plan.signer_id,
                  now=_clock(plan.signed_at))
    return True


def sign_step(db, store, plan: RealSignoff) -> bool:
    """Take one record (or action, or addendum) through the steps of ``plan`` that it has
    not yet been through: share, respond and sign through the functions people's actions
    call, with the profile's own (demo CA) keys, PDF and all, at the generated moments.
    Returns whether anything was done (``False``: it had been, by an earlier, interrupted
    run)."""
    from ..records.signoff import sign_oversight_note, sign_supervision_record
    from ..store.supervision_records import load_actor, respond, share_session

    if plan.kind == "action":
        with db.reading() as session:
            action = session.get(ActionItem, plan.record_id)
            if action is None or action.status != "open":
                return False
        _move_action(db, plan, plan.status)
        return True
    if plan.kind == "addendum":
        return _add_addendum(db, store, plan)
    if plan.kind == "oversight_note":
        with db.reading() as session:
            note = session.get(OversightNote, plan.record_id)
            if note is None or note.state != "draft":
                return False
        sign_oversight_note(db, store, note_id=plan.record_id, signer_id=plan.signer_id,
                            now=_clock(plan.signed_at))
        return True
    with db.reading() as session:
        row = session.get(SupervisionSession, plan.record_id)
        state = row.state if row is not None else "gone"
    done = False
    if state == "draft":
        done = True
        with db.transaction() as session:
            share_session(session, load_actor(session, plan.signer_id), plan.record_id)
            row = session.get(SupervisionSession, plan.record_id)
            row.shared_at = row.updated_at = plan.shared_at  # when the history shared it
            respond(session, load_actor(session, plan.supervisee_id), plan.record_id,
                    comments=plan.comments, agreement=plan.agreement,
                    disagreement=plan.disagreement)
        state = "shared"
    if state == "shared":
        sign_supervision_record(db, store, session_id=plan.record_id, signer_id=plan.signer_id,
                                now=_clock(plan.signed_at))
        state, done = "supervisor_signed", True
    if state == "supervisor_signed" and plan.supervisee_signed_at is not None:
        sign_supervision_record(db, store, session_id=plan.record_id,
                                signer_id=plan.supervisee_id,
                                now=_clock(plan.supervisee_signed_at))
        state, done = "locked", True
    return done
