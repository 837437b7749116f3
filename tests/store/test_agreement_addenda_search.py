"""Search finds an addendum to a supervision agreement (issue 21) for whoever may see the
agreement, under the agreement's team (migration 0014); a profile that indexed one before
0014 (with no team, so never found) gets its team on the upgrade, and going back to 0013
works."""
from __future__ import annotations

from sqlalchemy import text

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.records.signoff import create_addendum, sign_addendum
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import agreement_records as ar
from supervision_app.store.search_queries import search
from supervision_app.store.supervision_records import load_actor


def _signed_addendum(database, team, body: str) -> tuple[str, str]:
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    for staff_id, name, role in ((team.manager_id, "Morgan Manager", "team_manager"),
                                 (team.worker_id, "Ben Steady", "social_worker")):
        store.ensure_local_credentials(staff_id, name, role)
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, team.manager_id), team.worker_id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=team.manager_id)
    sign_agreement(database, store, agreement_id=agreement_id, signer_id=team.worker_id)
    with database.transaction() as s:
        addendum_id = create_addendum(s, author_id=team.manager_id, record_kind=RecordKind.AGREEMENT,
                                      record_id=agreement_id, body=body)
    sign_addendum(database, store, addendum_id=addendum_id, signer_id=team.manager_id)
    return agreement_id, addendum_id


def _found(database, staff_id: str, words: str) -> list[tuple[str, str | None]]:
    with database.reading() as s:
        return [(h.record_id, h.agreement_id) for h in search(s, load_actor(s, staff_id), words)
                if h.kind == "addendum"]


def test_found_by_the_parties_and_the_managers_above_not_by_others(database, team):
    agreement_id, addendum_id = _signed_addendum(database, team, "Fortnightly while the court case runs")
    for who in (team.manager_id, team.worker_id, team.service_manager_id):
        assert _found(database, who, "court case") == [(addendum_id, agreement_id)], who
    for who in (team.other_worker_id, team.outsider_id, team.admin_id):
        assert _found(database, who, "court case") == [], who


def test_a_profile_indexed_before_0014_gets_the_team_on_upgrade(database, team):
    from alembic import command

    from supervision_app.store.migrations_config import alembic_config

    def migrate(step, revision):
        with database.engine.begin() as connection:
            step(alembic_config(connection), revision)

    migrate(command.downgrade, "0013")
    agreement_id, addendum_id = _signed_addendum(database, team, "Fortnightly while the court case runs")
    with database.reading() as s:
        assert s.execute(text("SELECT team_id FROM search_key WHERE record_id = :a"),
                         {"a": addendum_id}).scalar() is None
    assert _found(database, team.worker_id, "court case") == []
    migrate(command.upgrade, "head")
    assert _found(database, team.worker_id, "court case") == [(addendum_id, agreement_id)]
