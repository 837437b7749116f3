"""Search finds the supervision of people in no team (DESIGN.md §1.1: service managers and
heads of service are supervised by their line manager) for whoever may open it, as pages
do (``domain.permissions``): the line manager who supervises them and the supervisee, every
section they may read (the private wellbeing section too, for the pair), the record's case
discussions, actions and addenda; auditors once it is shared; a case discussion, once
shared, the child's worker and their manager, as the child's page does; and, after the
person joins a team, that team's manager, who now line-manages them. Never a manager with
no part in it. Records are written, shared, answered and signed through the services the app uses."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.signoff import create_addendum, sign_addendum, sign_supervision_record
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import Staff
from supervision_app.store.search_queries import search

pytestmark = pytest.mark.usefixtures("pinned_clock")

WORDS = ("kestrel", "heron", "osprey", "plover", "curlew", "dunlin")
"""learning, wellbeing, the supervisee's comments, a case discussion's decision, an action,
an addendum: one word each, found nowhere else."""


def _found(db, who: str, words: str) -> list[tuple[str, str]]:
    with db.reading() as s:
        return sorted((h.kind, h.section) for h in search(s, sr.load_actor(s, who), words))


def _staff(database, username: str) -> str:
    with database.reading() as s:
        return s.scalars(select(Staff.id).where(Staff.username == username)).one()


def add_head_of_service(database, team) -> str:
    """Hana, head of service, in no team, whose line manager is Sasha (a service manager,
    in no team herself): Sasha supervises her. Quinn audits."""
    with database.transaction() as s:
        head = Staff(display_name="Hana Head", username="hana", role="head_of_service",
                     started_on=date(2010, 1, 4), line_manager_id=team.service_manager_id)
        auditor = Staff(display_name="Quinn Audit", username="quinn", role="qa_auditor",
                        started_on=date(2012, 5, 1))
        s.add_all([head, auditor])
        s.flush()
        return head.id


@pytest.fixture
def head_of_service(database, team):
    return add_head_of_service(database, team)


def write_draft(database, supervisor_id: str, supervisee_id: str, case_id: str) -> str:
    """A draft with learning, wellbeing, a case discussion and an action, ready to share."""
    with database.transaction() as s:
        actor = sr.load_actor(s, supervisor_id)
        session_id = sr.create_session(s, actor, supervisee_id=supervisee_id,
                                       held_at=datetime.now(timezone.utc) - timedelta(days=2))
        sr.update_session(s, actor, session_id, {
            "learning": "Budget planning for the kestrel service redesign",
            "wellbeing": "Carrying the heron restructure alone"})
        discussion_id = sr.add_case_discussion(s, actor, session_id, case_id)
        sr.update_case_discussion(s, actor, discussion_id, {
            "decision": "Escalate the plover placement to panel", "rationale": "Three moves this year"})
        sr.add_action(s, actor, session_id=session_id, description="Write the curlew briefing",
                      owner_id=supervisee_id, due_on=date.today() + timedelta(days=14))
        return session_id


def share_and_answer(database, supervisor_id: str, supervisee_id: str, session_id: str) -> None:
    with database.transaction() as s:
        sr.share_session(s, sr.load_actor(s, supervisor_id), session_id)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, supervisee_id), session_id, agreement="agrees",
                   comments="Agreed; the osprey budget needs a second look")


def _share_answer_and_sign(database, supervisor_id: str, supervisee_id: str, session_id: str) -> CredentialStore:
    share_and_answer(database, supervisor_id, supervisee_id, session_id)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(supervisor_id, "Sasha Service", "service_manager")
    store.ensure_local_credentials(supervisee_id, "Hana Head", "head_of_service")
    sign_supervision_record(database, store, session_id=session_id, signer_id=supervisor_id)
    sign_supervision_record(database, store, session_id=session_id, signer_id=supervisee_id)
    return store


EVERY_SECTION = {
    "kestrel": [("supervision", "learning")],
    "heron": [("supervision", "wellbeing")],
    "osprey": [("supervision", "supervisee_comments")],
    "plover": [("case_discussion", "decision")],
    "curlew": [("action", "description")],
    "dunlin": [("addendum", "body")],
}


def test_found_by_the_line_manager_who_supervises_them_and_by_them_not_by_others(
        database, team, head_of_service):
    sasha, hana = team.service_manager_id, head_of_service
    session_id = write_draft(database, sasha, hana, "CS-1003")
    assert _found(database, sasha, "kestrel") == EVERY_SECTION["kestrel"]
    assert _found(database, sasha, "heron") == EVERY_SECTION["heron"]  # the supervisor's own
    assert _found(database, hana, "kestrel") == []  # a draft, not shared with her yet
    assert _found(database, team.manager_id, "plover") == []  # nor with the child's side
    store = _share_answer_and_sign(database, sasha, hana, session_id)
    with database.transaction() as s:
        addendum_id = create_addendum(s, author_id=sasha, record_kind=RecordKind.SUPERVISION,
                                      record_id=session_id, body="The dunlin review moved to March")
    assert _found(database, hana, "dunlin") == []  # Sasha's draft addendum
    sign_addendum(database, store, addendum_id=addendum_id, signer_id=sasha)

    for who in (sasha, hana):
        for word, hits in EVERY_SECTION.items():
            assert _found(database, who, word) == hits, (who, word)
    auditor = _staff(database, "quinn")
    for word, hits in EVERY_SECTION.items():  # wellbeing: it exists, not its text
        assert _found(database, auditor, word) == ([] if word == "heron" else hits), word
    # the child discussed is Ben's, in Morgan's team: the child's page shows them the
    # discussion once the record is shared, and so does search; nothing else of it
    for child_side in (team.worker_id, team.manager_id):
        for word in WORDS:
            assert _found(database, child_side, word) == (EVERY_SECTION[word] if word == "plover" else []), \
                (child_side, word)
    for other in (_staff(database, "olu"), team.other_worker_id, team.admin_id):
        for word in WORDS:
            assert _found(database, other, word) == [], (other, word)


def test_found_by_the_manager_of_the_team_they_join(database, team, head_of_service):
    """A service manager supervised by the head of service while in no team, who then
    steps into a team manager's post: their history goes with them to that team's
    manager (Olu), not to anyone else; wellbeing stays with the pair."""
    sasha, hana = team.service_manager_id, head_of_service
    with database.transaction() as s:
        morgan = s.get(Staff, team.manager_id)
        morgan.team_id, morgan.line_manager_id = None, hana
    session_id = write_draft(database, hana, team.manager_id, "CS-1003")
    with database.transaction() as s:
        sr.share_session(s, sr.load_actor(s, hana), session_id)
    with database.transaction() as s:
        s.get(Staff, team.manager_id).team_id = team.other_team_id  # joins Olu's team
    olu = _staff(database, "olu")
    assert _found(database, olu, "kestrel") == EVERY_SECTION["kestrel"]
    assert _found(database, olu, "plover") == EVERY_SECTION["plover"]
    assert _found(database, olu, "heron") == []  # a new manager does not inherit wellbeing
    assert _found(database, hana, "heron") == EVERY_SECTION["heron"]  # the supervisor still holds it
    assert _found(database, team.manager_id, "heron") == EVERY_SECTION["heron"]
    for other in (sasha, team.worker_id, team.outsider_id):
        assert _found(database, other, "kestrel") == [], other
