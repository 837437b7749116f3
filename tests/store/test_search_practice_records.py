"""Supervision agreements and cancellation reasons in full-text search (issue 21): found
by the words of each term and of the reason, labelled by section, and shown only to whom
``domain.permissions`` lets see them; the index follows edits, and a profile at the
revision before keeps what it held and gains what it already had."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import agreement_records as ar, cancellation_records as cr, search_schema
from supervision_app.store.models import Staff
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor

DISAGREEMENTS = "Raised first with each other, then with the service manager within a fortnight"
REASON = "Ben was called to an emergency strategy meeting at the hospital"


def _found(db, who: str, words: str):
    with db.reading() as s:
        return search(s, load_actor(s, who), words)


def _write_agreement(db, manager_id: str, worker_id: str) -> str:
    with db.transaction() as s:
        return ar.create_agreement(s, load_actor(s, manager_id), worker_id,
                                   {"disagreements": DISAGREEMENTS, "location": "Quiet room on floor 3"})


def _record_cancellation(db, manager_id: str, worker_id: str) -> str:
    with db.transaction() as s:
        return cr.record_cancellation(s, load_actor(s, manager_id), worker_id, planned_for=date(2027, 1, 4),
                                      cancelled_on=date(2027, 1, 4), cancelled_by="supervisee",
                                      reason=REASON, rebooked_on=date(2027, 1, 6))


def _staff_id(db, username: str) -> str:
    with db.reading() as s:
        return s.scalars(select(Staff.id).where(Staff.username == username)).one()


def test_an_agreements_terms_are_found_with_their_section_by_who_may_see_it(database, team):
    agreement_id = _write_agreement(database, team.manager_id, team.worker_id)

    (hit,) = _found(database, team.manager_id, "fortnight manager")  # words, in any order
    assert (hit.kind, hit.record_id, hit.section) == ("agreement", agreement_id, "disagreements")
    assert hit.section_label == "Agreement: how disagreements are handled"
    assert hit.title == "Supervision agreement with Ben Steady"
    assert (hit.worker_id, hit.worker_name) == (team.worker_id, "Ben Steady")
    assert "\x02manager\x03 within a \x02fortnight\x03" in hit.snippet
    (room,) = _found(database, team.manager_id, "floor")
    assert room.section_label == "Agreement: where"
    # the service manager above sees the team's agreements
    assert [h.record_id for h in _found(database, team.service_manager_id, "within a fortnight")] == [agreement_id]
    # nobody else: the supervisee while it is a draft, a colleague, another team's manager
    # and its worker, the administrator
    for other in (team.worker_id, team.other_worker_id, team.outsider_id, _staff_id(database, "olu"),
                  team.admin_id):
        assert _found(database, other, "within a fortnight") == [], other


def test_the_supervisee_finds_the_agreement_once_the_supervisor_has_signed_it(database, team):
    agreement_id = _write_agreement(database, team.manager_id, team.worker_id)
    assert _found(database, team.worker_id, "quiet room") == []
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=team.manager_id)
    assert [(h.record_id, h.section) for h in _found(database, team.worker_id, "quiet room")] == [
        (agreement_id, "location")]
    assert _found(database, team.other_worker_id, "quiet room") == []


def test_a_cancellation_reason_is_found_by_the_same_people_as_the_supervision(database, team):
    cancellation_id = _record_cancellation(database, team.manager_id, team.worker_id)
    for who in (team.manager_id, team.worker_id, team.service_manager_id):
        (hit,) = _found(database, who, "hospital strategy")
        assert (hit.kind, hit.record_id, hit.section) == ("cancellation", cancellation_id, "reason"), who
        assert hit.section_label == "Cancellation reason"
        assert hit.title == "Cancelled supervision of Ben Steady"
        assert hit.when == date(2027, 1, 4)
        assert (hit.worker_id, hit.worker_name, hit.session_id) == (team.worker_id, "Ben Steady", None)
    for other in (team.other_worker_id, team.outsider_id, _staff_id(database, "olu"), team.admin_id):
        assert _found(database, other, "hospital strategy") == [], other


def test_the_index_follows_edits_and_deletions(database, team):
    agreement_id = _write_agreement(database, team.manager_id, team.worker_id)
    with database.transaction() as s:
        ar.update_agreement(s, load_actor(s, team.manager_id), agreement_id,
                            {"disagreements": "Taken to the principal social worker"})
    assert _found(database, team.manager_id, "within a fortnight") == []
    assert [h.section for h in _found(database, team.manager_id, "principal")] == ["disagreements"]
    cancellation_id = _record_cancellation(database, team.manager_id, team.worker_id)
    with database.transaction() as s:  # as a pull applies the server's removal of it
        s.execute(text("DELETE FROM session_cancellation WHERE id = :id"), {"id": cancellation_id})
    assert _found(database, team.manager_id, "hospital") == []


def test_a_profile_from_before_gets_what_it_held_indexed_and_can_go_back(database, team):
    """Migration 0013 indexes agreements and cancellations already in the profile and adds
    the triggers; going back removes both. A profile migrated to the head has exactly the
    search schema module's triggers (tests/store/test_search_schema.py)."""
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    previous = _revision_before_0013()
    agreement_id = _write_agreement(database, team.manager_id, team.worker_id)

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, previous)
    assert _found(database, team.manager_id, "fortnight") == []
    with database.reading() as s:
        assert s.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                              "AND name LIKE 'supervision_agreement_search%'")).scalar() == 0
    cancellation_id = _record_cancellation(database, team.manager_id, team.worker_id)  # not indexed yet
    migrate(command.upgrade, "head")
    assert [h.record_id for h in _found(database, team.manager_id, "fortnight")] == [agreement_id]
    assert [h.record_id for h in _found(database, team.worker_id, "hospital")] == [cancellation_id]
    with database.reading() as s:  # the body and its key share a rowid, as the triggers write them
        assert s.execute(text(
            "SELECT count(*) FROM search_key k LEFT JOIN search_text t ON t.rowid = k.rowid "
            "WHERE t.rowid IS NULL")).scalar() == 0
    assert _search_triggers(database) == {
        " ".join(sql.split()) for sql in search_schema.index_triggers() + search_schema.scope_triggers()}
    with database.transaction() as s:  # and the triggers index what comes next
        ar.update_agreement(s, load_actor(s, team.manager_id), agreement_id, {"frequency": "Monthly on a Tuesday"})
    assert [h.section for h in _found(database, team.manager_id, "tuesday")] == ["frequency"]


def _search_triggers(db) -> set[str]:
    with db.reading() as s:
        return {" ".join(sql.split()) for (sql,) in s.execute(text(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%search%'"))}


def _revision_before_0013() -> str:
    import importlib

    return importlib.import_module(
        "supervision_app.store.migrations.versions.0013_search_practice_records").down_revision


def test_a_worker_who_moved_team_still_finds_the_cancellations_of_their_supervision(database, team):
    """A cancellation keeps the team it was made in; the worker, now in another team, still
    finds it, and so does their new manager: it follows the worker (DESIGN.md §1.1)."""
    from supervision_app.store.models import Staff as StaffRow

    cancellation_id = _record_cancellation(database, team.manager_id, team.worker_id)
    with database.transaction() as s:  # the directory, as a sync brings IT's change
        s.get(StaffRow, team.worker_id).team_id = team.other_team_id
    assert [h.record_id for h in _found(database, team.worker_id, "hospital")] == [cancellation_id]
    assert [h.record_id for h in _found(database, _staff_id(database, "olu"), "hospital")] == [cancellation_id]


def test_the_records_of_a_person_in_no_team_are_found_by_them_and_their_line_manager(database, team):
    """A service manager is in no team (DESIGN.md 1.1): their agreement and cancellations
    have no team either. Their line manager (here the head of service) finds both, the
    service manager the cancellation (the agreement once signed), nobody else either."""
    from supervision_app.store.models import Staff as StaffRow

    with database.transaction() as s:
        head = StaffRow(display_name="Hana Head", username="hana", role="head_of_service",
                        started_on=date(2010, 1, 4))
        s.add(head)
        s.flush()
        s.get(StaffRow, team.service_manager_id).line_manager_id = head.id
    agreement_id = _write_agreement(database, head.id, team.service_manager_id)
    cancellation_id = _record_cancellation(database, head.id, team.service_manager_id)
    assert [h.record_id for h in _found(database, head.id, "fortnight")] == [agreement_id]
    assert [h.record_id for h in _found(database, head.id, "hospital")] == [cancellation_id]
    assert [h.record_id for h in _found(database, team.service_manager_id, "hospital")] == [cancellation_id]
    assert _found(database, team.service_manager_id, "fortnight") == []  # a draft, not theirs yet
    for other in (team.manager_id, team.worker_id, team.admin_id):
        assert _found(database, other, "hospital") == [] and _found(database, other, "fortnight") == [], other
