"""Issues 16 and 18, through a real server process and laptops: a signed record's canonical
form (``domain.record_canonical`` v2) reads only the record's own rows, which the server
sends to everyone who may sign it, and names a child by its id.

* After a worker moves team (and their case stays with the old team), the old manager
  signs the record still waiting for them without holding the earlier actions it
  reviews, the worker signs without holding the child it discusses, and the new manager
  writes and signs a record with a case discussion and the actions carried forward from
  the old manager's records: the server accepts every signature, and correcting both
  children's case references afterwards leaves every one verifiable.
* A signature made over v1 by the app before v2 (emulated by making the laptop build the
  form as the app did then) still verifies after the server's upgrade (migration s0007
  freezing the case references it was made over) and a case reference correction; the
  supervisee's later signature and an addendum made by the new app fit it.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

from sqlalchemy import delete, select

from supervision_app.domain.canonical import digest
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.record_canonical import V1, V2
from supervision_app.records import snapshot
from supervision_app.store import models as m, supervision_records as sr
from supervision_app.sync.server.schema import record
from supervision_app.sync.server.signature_check import server_canonical, signature_problem, v1_case_reference
from supervision_app.sync.server.storage import MIGRATIONS_DIR
from tests.sync import records as r
from tests.sync.harness import REPO


def admin(deployment, *argv: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    done = subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli",
                           "--database-url", deployment.database_url, *argv],
                          env=clean, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr


def synced(*laptops) -> None:
    for laptop in laptops:
        report = laptop.client.sync()
        assert report.rejected == 0 and report.conflicts == 0, [
            (c.table, c.kind, c.reason) for c in laptop.client.pending_conflicts()]


def server_signatures(deployment, record_id: str) -> list[dict]:
    with deployment.engine.connect() as conn:
        return [json.loads(data) for data in conn.execute(select(record.c.data).where(
            record.c.table_name == "signature", record.c.parent_id == record_id,
            record.c.tombstone.is_(False))).scalars()]


def verified_versions(deployment, kind: RecordKind, record_id: str, roles: set[str]) -> dict[str, int]:
    """Each signature on the record as the server holds it now, by role: it verifies
    (``signature_problem``), and over which version of the form."""
    signatures = server_signatures(deployment, record_id)
    assert {s["signer_role"] for s in signatures} == roles, signatures
    versions = {}
    with deployment.engine.connect() as conn:
        for sig in signatures:
            assert signature_problem(conn, sig) is None, (kind, sig["signer_role"], signature_problem(conn, sig))
            versions[sig["signer_role"]] = next(
                v for v in (V2, V1) if digest(kind, server_canonical(conn, kind, record_id, v)) == sig["digest"])
    return versions


def write_and_share(laptop, supervisor_id: str, supervisee_id: str, case_ref: str) -> str:
    """A record written as the app writes it: a case discussion with its decision and an
    action (and the open actions of earlier records carried forward), then shared."""
    with laptop.db.transaction() as s:
        actor = sr.load_actor(s, supervisor_id)
        sid = sr.create_session(s, actor, supervisee_id=supervisee_id,
                                held_at=datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc))
        did = sr.add_case_discussion(s, actor, sid, case_ref)
        sr.update_case_discussion(s, actor, did, {"decision": "the plan stays", "rationale": "risks unchanged"})
        sr.add_action(s, actor, session_id=sid, case_discussion_id=did, description="core group",
                      owner_id=supervisee_id, due_on=datetime(2026, 12, 14).date())
    r.share(laptop, supervisor_id, sid)
    return sid


def state(laptop, model, record_id: str) -> str:
    return r.get(laptop, model, record_id).state


def test_after_a_move_every_signer_signs_what_the_server_holds_and_case_references_can_be_corrected(
        deployment, laptops):
    org = deployment.org
    tm_a, worker = laptops("tm_a"), laptops("sw_a1")
    tm_a_id, worker_id, tm_b_id = org.ids["tm_a"], org.ids["sw_a1"], org.ids["tm_b"]
    child_a, child_b = org.children["a"], org.children["b"]
    # the old manager's first record, signed by them; the second reviews its open actions
    first = r.shared_session(tm_a, org)
    synced(tm_a, worker)
    r.respond(worker, worker_id, first)
    synced(worker, tm_a)
    r.sign_session(tm_a, tm_a_id, first)
    synced(tm_a)
    second = r.shared_session(tm_a, org)
    reviewed = {a.id for a in r.rows(tm_a, m.ActionItem).values() if a.session_id == first}
    reviews = [v for v in r.rows(tm_a, m.ActionReview).values() if v.session_id == second]
    assert len(reviewed) == 2 and {v.action_id for v in reviews} == reviewed
    synced(tm_a, worker)
    r.respond(worker, worker_id, second)
    synced(worker, tm_a)

    # IT moves the worker to Team B; their case stays in Team A with a colleague
    admin(deployment, "allocate-child", "CASE-A", "sw_a2")
    admin(deployment, "move-user", "sw_a1", "Team B")
    tm_b = laptops("tm_b")
    synced(tm_a, worker, tm_b)
    # what v1 needed and these laptops no longer hold: the old manager, the first record's
    # actions the second reviews; the worker, the child both discuss
    assert r.get(tm_a, m.SupervisionSession, first) is None
    assert all(r.get(tm_a, m.ActionItem, action_id) is None for action_id in reviewed)
    assert r.get(worker, m.Child, child_a) is None
    assert r.get(tm_b, m.Child, child_a) is None

    # the old manager signs the record still waiting for them, and the copy they sign
    # still lists both reviews (the actions' details as not held there); the worker signs both
    r.sign_session(tm_a, tm_a_id, second)
    with tm_a.db.reading() as s:
        signed_copy = snapshot.load_supervision_snapshot(s, second).document
    assert [v.description for v in signed_copy.previous_action_reviews] == [snapshot.ACTION_NOT_HELD] * 2
    synced(tm_a, worker)
    r.sign_session(worker, worker_id, first)
    r.sign_session(worker, worker_id, second)
    synced(worker)
    assert state(worker, m.SupervisionSession, first) == state(worker, m.SupervisionSession, second) == "locked"

    # the new manager: a record discussing a case of their team, reviewing the actions
    # carried forward from the old manager's two records
    admin(deployment, "allocate-child", "CASE-B", "sw_a1")
    synced(tm_b, worker)

    third = write_and_share(tm_b, tm_b_id, worker_id, "CASE-B")
    carried = {v.action_id for v in r.rows(tm_b, m.ActionReview).values() if v.session_id == third}
    assert len(carried) == 4 and reviewed < carried
    synced(tm_b, worker)
    r.respond(worker, worker_id, third)
    synced(worker, tm_b)
    r.sign_session(tm_b, tm_b_id, third)
    synced(tm_b, worker)
    r.sign_session(worker, worker_id, third)
    synced(worker, tm_b)
    assert state(tm_b, m.SupervisionSession, third) == "locked"

    # both children's case references are corrected by their managers (allowed)
    r.edit(tm_a, m.Child, child_a, case_id="CASE-A-CORRECTED")
    r.edit(tm_b, m.Child, child_b, case_id="CASE-B-CORRECTED")
    synced(tm_a, tm_b)
    for record_id in (first, second, third):
        assert verified_versions(deployment, RecordKind.SUPERVISION, record_id,
                                 {"supervisor", "supervisee"}) == {"supervisor": V2, "supervisee": V2}
    # the documents still show the child: by its reference where the laptop holds the child
    with tm_b.db.reading() as s:
        document = snapshot.load_supervision_snapshot(s, third).document
    assert document.case_discussions[0].child_case_id == "CASE-B-CORRECTED"
    assert len(document.previous_action_reviews) == 4


def test_a_signature_made_over_v1_before_the_upgrade_still_verifies(deployment, laptops, monkeypatch):
    # Team B's pair and a child of their own (the test above moves sw_a1 and CASE-B)
    org = deployment.org
    admin(deployment, "add-child", "CASE-V1", "--name", "Child V", "--dob", "2014-05-06",
          "--legal-status", "child_in_need", "--worker", "sw_b1")
    manager, worker = laptops("tm_b"), laptops("sw_b1")
    manager_id, worker_id = org.ids["tm_b"], org.ids["sw_b1"]
    [child] = [c.id for c in r.rows(manager, m.Child).values() if c.case_id == "CASE-V1"]
    sid = write_and_share(manager, manager_id, worker_id, "CASE-V1")
    synced(manager, worker)
    r.respond(worker, worker_id, sid)
    synced(worker, manager)
    note = r.new_note(manager, child=child, author=manager_id, decision="step down", rationale="progress made")

    # the app before v2: the laptop builds the v1 form (child case reference, read live)
    with monkeypatch.context() as old_app:
        old_app.setattr(snapshot, "_as_signed", lambda session, kind, record_id, current, older: older())
        r.sign_session(manager, manager_id, sid)
        r.sign_note(manager, manager_id, note)
        synced(manager)
    assert verified_versions(deployment, RecordKind.SUPERVISION, sid, {"supervisor"}) == {"supervisor": V1}
    assert verified_versions(deployment, RecordKind.OVERSIGHT_NOTE, note, {"author"}) == {"author": V1}

    # a v1 signature accepted now freezes the case references it was verified over...
    [discussion] = [d.id for d in r.rows(manager, m.CaseDiscussion).values() if d.session_id == sid]
    with deployment.engine.connect() as conn:
        accepted = dict(conn.execute(select(v1_case_reference.c.row_id, v1_case_reference.c.case_ref)).all())
    assert accepted[discussion] == accepted[note] == "CASE-V1"
    # ... and upgrading the server to v2 (s0007) freezes those of every record signed before
    frozen = _rerun_s0007(deployment)
    assert frozen[discussion] == frozen[note] == "CASE-V1"

    # the new app: the supervisee signs what the supervisor did (v1), an addendum names it
    synced(worker)
    r.sign_session(worker, worker_id, sid)
    synced(worker, manager)
    addendum = r.add_addendum(manager, manager_id, "supervision", sid, "a later thought")
    synced(manager)
    r.sign_addendum(manager, manager_id, addendum)
    synced(manager)
    by_role = {sig["signer_role"]: sig for sig in server_signatures(deployment, sid)}
    supervisor, supervisee = by_role["supervisor"], by_role["supervisee"]
    assert supervisee["digest"] == supervisor["digest"]

    # the child's case reference is corrected: every signature still verifies
    r.edit(manager, m.Child, child, case_id="CASE-V1-CORRECTED")
    synced(manager)
    assert verified_versions(deployment, RecordKind.SUPERVISION, sid, {"supervisor", "supervisee"}) == {
        "supervisor": V1, "supervisee": V1}
    assert verified_versions(deployment, RecordKind.OVERSIGHT_NOTE, note, {"author"}) == {"author": V1}
    assert verified_versions(deployment, RecordKind.ADDENDUM, addendum, {"author"}) == {"author": V2}
    with deployment.engine.connect() as conn:
        addendum_form = server_canonical(conn, RecordKind.ADDENDUM, addendum)
    assert addendum_form["parent_digest"] == supervisor["digest"]


def _rerun_s0007(deployment) -> dict[str, str]:
    """The data step of migration s0007 as the upgrade runs it, over the rows the server
    holds now (the deployment was migrated before these signatures existed)."""
    path = MIGRATIONS_DIR / "versions" / "s0007_v1_case_references.py"
    spec = importlib.util.spec_from_file_location("s0007", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with deployment.engine.begin() as conn:
        conn.execute(delete(v1_case_reference))
        assert migration.freeze_signed(conn, v1_case_reference) >= 2
        frozen = dict(conn.execute(select(v1_case_reference.c.row_id, v1_case_reference.c.case_ref)).all())
    return frozen
