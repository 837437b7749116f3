"""Supervision agreements and cancelled sessions follow the worker when they move team
(issue 18, DESIGN.md §1.1), on the laptop as on the server (``row_facts`` PAIR_TABLES: the
supervisee's team now): the new manager opens, lists and finds them, and the team page
shows the worker's agreement; the manager who wrote them keeps only an agreement still
waiting on their own signature."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import agreement_records as ar, cancellation_records as cr
from supervision_app.store.models import Staff
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import NotAllowed, NotFound, load_actor

TODAY = date(2027, 2, 1)
SIGNED_TERMS = {"location": "Quiet room on floor 3"}
DRAFT_TERMS = {"location": "Meeting pod beside the lifts"}
REASON = "Ben was called to an emergency strategy meeting at the hospital"


def _staff_id(db, username: str) -> str:
    with db.reading() as s:
        return s.scalars(select(Staff.id).where(Staff.username == username)).one()


def _write(db, team) -> tuple[str, str, str]:
    """Morgan's signed agreement with Ben (waiting for Ben), a newer draft (waiting for
    Morgan) and a cancellation, all made while Ben is in Morgan's team."""
    with db.transaction() as s:
        morgan = load_actor(s, team.manager_id)
        signed_id = ar.create_agreement(s, morgan, team.worker_id, SIGNED_TERMS)
    store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    sign_agreement(db, store, agreement_id=signed_id, signer_id=team.manager_id)
    with db.transaction() as s:
        morgan = load_actor(s, team.manager_id)
        draft_id = ar.create_agreement(s, morgan, team.worker_id, DRAFT_TERMS)
        cancellation_id = cr.record_cancellation(
            s, morgan, team.worker_id, planned_for=date(2027, 1, 4), cancelled_on=date(2027, 1, 4),
            cancelled_by="supervisee", reason=REASON, rebooked_on=date(2027, 1, 6))
    return signed_id, draft_id, cancellation_id


def _move_ben_to_olus_team(db, team) -> None:
    with db.transaction() as s:  # the directory, as a pull brings IT's move
        s.get(Staff, team.worker_id).team_id = team.other_team_id


def _found(db, who: str, words: str) -> list[str]:
    with db.reading() as s:
        return [hit.record_id for hit in search(s, load_actor(s, who), words)]


def _opens(db, who: str, agreement_id: str) -> bool:
    with db.reading() as s:
        try:
            ar.get_agreement(s, load_actor(s, who), agreement_id)
        except (NotAllowed, NotFound):
            return False
        return True


def _cancellations(db, who: str, team_id: str | None = None) -> list[str]:
    with db.reading() as s:
        return [row.id for row in cr.cancellations(s, load_actor(s, who), today=TODAY,
                                                   team_ids=[team_id] if team_id else None)]


def test_the_new_manager_opens_lists_and_finds_the_moved_workers_agreement_and_cancellation(database, team):
    signed_id, _draft_id, cancellation_id = _write(database, team)
    olu = _staff_id(database, "olu")
    assert not _opens(database, olu, signed_id)  # before the move: another team's
    assert _found(database, olu, "floor") == [] and _found(database, olu, "hospital") == []

    _move_ben_to_olus_team(database, team)

    assert _opens(database, olu, signed_id)
    assert _found(database, olu, "floor") == [signed_id]
    assert _found(database, olu, "hospital") == [cancellation_id]
    assert _cancellations(database, olu) == [cancellation_id]
    # the team page's list is by the team the worker is in now
    assert _cancellations(database, olu, team.other_team_id) == [cancellation_id]
    assert _cancellations(database, team.manager_id, team.team_id) == []
    with database.reading() as s:
        (ben,) = ar.agreement_overview(s, load_actor(s, olu), today=TODAY, worker_ids=[team.worker_id])
    assert ben.agreement_id is not None  # the page shows Ben's agreement, not "none"
    # Ben himself still has his, the colleague he left and the new team's worker do not
    assert _found(database, team.worker_id, "hospital") == [cancellation_id]
    for other in (team.other_worker_id, team.outsider_id):
        assert _found(database, other, "floor") == [] and _found(database, other, "hospital") == [], other


def test_the_previous_manager_keeps_only_the_agreement_waiting_on_their_signature(database, team):
    signed_id, draft_id, cancellation_id = _write(database, team)
    _move_ben_to_olus_team(database, team)

    morgan = team.manager_id
    assert _opens(database, morgan, draft_id)  # still Morgan's to finish and sign
    assert not _opens(database, morgan, signed_id)
    assert _found(database, morgan, "floor") == []
    assert _found(database, morgan, "pod beside the lifts") == [draft_id]
    assert _found(database, morgan, "hospital") == []
    assert _cancellations(database, morgan) == []
