"""The server's check of a pushed group copy (issue 21, ``group_document_check``): each
signer's PDF, as their laptop would push it, is accepted against the signature row the
server holds for it; a copy tied to another person's signature, pushed by someone else,
altered after signing, or checked against another organisation's CA is refused."""
from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, insert

from supervision_app.records.group_signoff import group_document_for
from supervision_app.security.pki import create_ca
from supervision_app.store.models import Signature
from supervision_app.store.outbox import snapshot
from supervision_app.sync.server.group_document_check import group_document_problem
from supervision_app.sync.server.schema import metadata, record
from tests.records.test_group_pdf import signed_group  # noqa: F401  (the fixture)


@pytest.fixture
def server(signed_group, database):  # noqa: F811
    """A server's record table holding the four signature rows, and each signer's copy in
    wire form."""
    _gid, _people, _names, _copies, ca, _store = signed_group
    engine = create_engine("sqlite://")
    metadata.create_all(engine, tables=[record])
    copies = {}
    with database.reading() as s, engine.begin() as conn:
        signatures = list(s.query(Signature).filter(Signature.record_kind.in_(["group_session", "group_attendance"])))
        for seq, signature in enumerate(signatures, start=1):
            wire = snapshot(signature)
            conn.execute(insert(record).values(
                id=signature.id, table_name="signature", version=1, seq=seq,
                updated_at=datetime.now(timezone.utc).replace(tzinfo=None), updated_by=signature.signer_id,
                tombstone=False, data=json.dumps(wire["data"]), auth="{}", parent_id=signature.record_id))
            copies[signature.signer_id] = snapshot(group_document_for(s, _gid, signature.signer_id))["data"]
    return engine, copies, ca


def test_each_signers_copy_is_accepted(server):
    engine, copies, ca = server
    with engine.connect() as conn:
        for signer, data in copies.items():
            assert group_document_problem(conn, data, signer, ca_certificates=[ca]) is None


def test_a_copy_tied_to_another_persons_signature_is_refused(server, team):
    engine, copies, ca = server
    attendee = copies[team.worker_id]
    as_other = copies[team.other_worker_id] | {"pdf": attendee["pdf"]}
    with engine.connect() as conn:
        problem = group_document_problem(conn, as_other, team.other_worker_id, ca_certificates=[ca])
    assert problem is not None and "certificate" in problem


def test_a_copy_pushed_by_someone_else_is_refused(server, team):
    engine, copies, ca = server
    with engine.connect() as conn:
        problem = group_document_problem(conn, copies[team.worker_id], team.manager_id, ca_certificates=[ca])
    assert problem == "Only the person who signed adds their signed copy of a group session."


def test_an_altered_copy_or_a_foreign_ca_is_refused(server, team):
    engine, copies, ca = server
    data = copies[team.worker_id]
    altered = base64.b64decode(data["pdf"]) + b"\n99 0 obj\n(APPROVED)\nendobj\n"
    foreign = create_ca("Another council CA", "Another Council").certificate
    with engine.connect() as conn:
        assert group_document_problem(conn, data | {"pdf": base64.b64encode(altered).decode()}, team.worker_id,
                                      ca_certificates=[ca]) is not None
        assert group_document_problem(conn, data, team.worker_id, ca_certificates=[foreign]) is not None
