"""A child's oversight made the way the app makes it (the write services and sign-off, as
each person): a signed supervision record with a private wellbeing section, a signed
oversight note and a draft one, on the sample team's child CS-1003 (Ben's), and a signed
note on another team's child."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supervision_app.records.signoff import sign_oversight_note, sign_supervision_record
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import Staff
from tests.gui.sample_team import SampleTeam, build_sample_team, session_time
from tests.records.steps import share_and_respond

WELLBEING = "PRIVATE-WELLBEING-never-leaves-the-pair"
DISCUSSION_DECISION = "=Remain on the child in need plan; review in 6 weeks"
DISCUSSION_RATIONALE = "School attendance has improved to 92%, Zoë says"
NOTE_DECISION = "Step down to early help after the next review"
NOTE_RATIONALE = "Two visits show the home conditions sustained"
DRAFT_DECISION = "DRAFT-decision-not-yet-signed"
OTHER_TEAM_DECISION = "Other team's decision about their child"


@dataclass(frozen=True)
class ChronologyWorld:
    team: SampleTeam
    store: CredentialStore
    child_id: str  # CS-1003, allocated to the worker
    session_id: str
    signed_note_id: str
    draft_note_id: str
    other_child_note_id: str


def _credentials(db, store, *people):
    with db.reading() as s:
        for staff_id in people:
            person = s.get(Staff, staff_id)
            store.ensure_local_credentials(person.id, person.display_name, person.role)


def build_chronology_world(db) -> ChronologyWorld:
    team = build_sample_team(db)
    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    _credentials(db, store, team.manager_id, team.worker_id, team.outsider_id,
                 team.service_manager_id)
    with db.reading() as s:
        other_manager_id = s.query(Staff.id).filter(Staff.username == "olu").scalar()
    _credentials(db, store, other_manager_id)
    child_id = team.child_ids[2]  # Casey Test, CS-1003, Ben's
    with db.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        session_id = sr.create_session(s, manager, supervisee_id=team.worker_id,
                                       held_at=session_time(days_ago=3), duration_minutes=90)
        sr.update_session(s, manager, session_id, {"wellbeing": WELLBEING,
                                                   "next_session_on": date.today()})
        discussion = sr.add_case_discussion(s, manager, session_id, "CS-1003")
        sr.update_case_discussion(s, manager, discussion, {
            "decision": DISCUSSION_DECISION, "rationale": DISCUSSION_RATIONALE})
    share_and_respond(db, team.manager_id, team.worker_id, session_id)
    sign_supervision_record(db, store, session_id=session_id, signer_id=team.manager_id)
    sign_supervision_record(db, store, session_id=session_id, signer_id=team.worker_id)
    with db.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        signed_note = sr.create_oversight_note(s, manager, child_id=child_id, trigger="plan_review",
                                               decision=NOTE_DECISION, rationale=NOTE_RATIONALE)
        draft_note = sr.create_oversight_note(s, manager, child_id=child_id, trigger="other",
                                              decision=DRAFT_DECISION, rationale="Still thinking")
        other = sr.load_actor(s, other_manager_id)
        other_note = sr.create_oversight_note(s, other, child_id=team.outsider_child_id,
                                              trigger="referral_decision",
                                              decision=OTHER_TEAM_DECISION, rationale="Because")
    sign_oversight_note(db, store, note_id=signed_note, signer_id=team.manager_id)
    sign_oversight_note(db, store, note_id=other_note, signer_id=other_manager_id)
    return ChronologyWorld(team, store, child_id, session_id, signed_note, draft_note, other_note)
