from __future__ import annotations

import pytest
from sqlalchemy import select

from supervision_app.domain.lifecycle import RecordKind
from supervision_app.records.export import ExportCancelled, export_records, locked_sessions
from supervision_app.records.signoff import create_addendum, sign_addendum, sign_supervision_record
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.models import AuditEntry, Staff
from tests.records.steps import share_and_respond
from tests.store.builders import make_session, make_team


@pytest.fixture
def signed_records(database):
    team, manager, worker, child = make_team(database)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(manager.id, manager.display_name, "team_manager")
    store.ensure_local_credentials(worker.id, worker.display_name, "social_worker")
    ids = []
    for _ in range(3):
        record, _, _ = make_session(database, manager, worker, child)
        share_and_respond(database, manager.id, worker.id, record.id)
        sign_supervision_record(database, store, session_id=record.id, signer_id=manager.id)
        sign_supervision_record(database, store, session_id=record.id, signer_id=worker.id)
        ids.append(record.id)
    with database.transaction() as s:
        addendum = create_addendum(s, author_id=manager.id, record_kind=RecordKind.SUPERVISION,
                                   record_id=ids[0], body="Addendum text")
    sign_addendum(database, store, addendum_id=addendum, signer_id=manager.id)
    return database, store, manager, worker, ids


def test_export_writes_verifiable_pdfs_with_sortable_unique_names(signed_records, tmp_path):
    db, store, manager, worker, ids = signed_records
    chosen = locked_sessions(db, actor_id=manager.id, worker_ids=[worker.id])
    assert sorted(chosen) == sorted(ids)
    seen = []
    result = export_records(db, actor_id=manager.id, session_ids=chosen, folder=tmp_path,
                            progress=lambda done, total: seen.append((done, total)))
    names = [p.name for p in result.written]
    assert len(names) == 4 and len(set(names)) == 4  # three records, one addendum
    assert names[0].startswith("2026-11-02_") and "Zoe-Odegard" in names[0]
    assert any("addendum-1" in n for n in names)
    assert seen[-1] == (3, 3)
    ca = pki.load_certificate(store.ca_certificate_pem())
    for path in result.written:
        assert verify_pdf(path.read_bytes(), ca).all_ok
    # exporting again into the same folder never overwrites
    again = export_records(db, actor_id=manager.id, session_ids=chosen[:1], folder=tmp_path)
    assert again.written[0].name not in names and again.written[0].exists()
    with db.reading() as s:
        assert s.execute(select(AuditEntry).where(AuditEntry.action == "export")).scalars().all()


def test_export_can_be_cancelled(signed_records, tmp_path):
    db, store, manager, worker, ids = signed_records
    calls = {"n": 0}

    def cancel_after_one():
        calls["n"] += 1
        return calls["n"] > 1

    with pytest.raises(ExportCancelled, match="after 1 of 3"):
        export_records(db, actor_id=manager.id, session_ids=ids, folder=tmp_path, cancelled=cancel_after_one)
    assert len(list(tmp_path.glob("*.pdf"))) == 2  # the first record and its addendum, complete


def test_a_colleague_cannot_export_someone_elses_records(signed_records, tmp_path):
    db, store, manager, worker, ids = signed_records
    with db.transaction() as s:
        colleague = Staff(display_name="Other Worker", username="other", role="social_worker",
                          team_id=worker.team_id, started_on=worker.started_on)
        s.add(colleague)
    assert locked_sessions(db, actor_id=colleague.id, worker_ids=[worker.id]) == []
    result = export_records(db, actor_id=colleague.id, session_ids=ids, folder=tmp_path)
    assert result.written == [] and len(result.skipped) == 3
