"""Every role against every endpoint: what each may pull, and writes each may not make.

The expectations are written out by hand from DESIGN.md §1 (not computed with the rules
the server uses), so a mistake in how the server describes rows to ``decide`` shows up.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import text

from supervision_app.store import models as m
from supervision_app.sync import protocol as p
from tests.sync import records as r
from tests.sync.harness import PASSWORD

ROLES = ("sw_a1", "sw_a2", "sw_b1", "tm_a", "tm_b", "sm", "hos", "qa", "admin")


@pytest.fixture(scope="module")
def scene(deployment, tmp_path_factory):
    """Records made by the managers on their laptops and synced to the server."""
    import keyring

    from tests.memory_keyring import MemoryKeyring as Ring
    from tests.sync.harness import Laptop

    previous = keyring.get_keyring()
    keyring.set_keyring(Ring())
    org = deployment.org
    folder = tmp_path_factory.mktemp("scene")
    tm_a = Laptop(folder / "tm_a", deployment.url, "tm_a")
    tm_b = Laptop(folder / "tm_b", deployment.url, "tm_b")
    ids = {}
    ids["draft_a1"] = r.new_session(tm_a, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                                    team=org.teams["A"], wellbeing="W-draft-a1", learning="L-draft-a1")
    ids["disc_draft_a1"] = r.add_discussion(tm_a, ids["draft_a1"], org.children["a"], decision="D-draft")
    ids["shared_a2"] = r.new_session(tm_a, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"],
                                     team=org.teams["A"], wellbeing="W-shared-a2", learning="L-shared-a2")
    ids["act_shared_a2"] = r.add_action(tm_a, ids["shared_a2"], org.ids["sw_a2"], description="A-shared")
    r.share(tm_a, org.ids["tm_a"], ids["shared_a2"])
    ids["draft_b1"] = r.new_session(tm_b, supervisor=org.ids["tm_b"], supervisee=org.ids["sw_b1"],
                                    team=org.teams["B"], wellbeing="W-draft-b1", learning="L-draft-b1")
    with tm_a.db.transaction() as s:
        note = m.OversightNote(child_id=org.children["a"], author_id=org.ids["tm_a"],
                               trigger="plan_review", decision="N-draft", rationale="why")
        locked = m.OversightNote(child_id=org.children["a"], author_id=org.ids["tm_a"],
                                 trigger="plan_review", decision="N-locked", rationale="why")
        s.add_all([note, locked])
        s.flush()
        ids["note_draft"], ids["note_locked"] = note.id, locked.id
    r.sign_note(tm_a, org.ids["tm_a"], ids["note_locked"])
    for laptop in (tm_a, tm_b):
        report = laptop.client.sync()
        assert report.rejected == 0 and report.conflicts == 0
    yield ids
    tm_a.close()
    tm_b.close()
    keyring.set_keyring(previous)


# who may hold each record (by the table in DESIGN.md §1)
VISIBLE = {
    "draft_a1": {"tm_a", "sm", "hos"},
    "disc_draft_a1": {"tm_a", "sm", "hos"},
    "shared_a2": {"tm_a", "sm", "hos", "sw_a2", "qa"},
    "act_shared_a2": {"tm_a", "sm", "hos", "sw_a2", "qa"},
    "draft_b1": {"tm_b", "sm", "hos"},
    "note_draft": {"tm_a", "sm", "hos"},
    "note_locked": {"tm_a", "sm", "hos", "sw_a1", "qa"},
    "child_a": {"sw_a1", "tm_a", "sm", "hos", "qa"},
    "child_b": {"sw_b1", "tm_b", "sm", "hos", "qa"},
}
PRIVATE_READERS = {"draft_a1": {"tm_a"}, "shared_a2": {"tm_a", "sw_a2"}, "draft_b1": {"tm_b"}}


@pytest.mark.parametrize("username", ROLES)
def test_each_role_pulls_exactly_what_it_may_see(deployment, scene, laptops, username):
    org = deployment.org
    ids = dict(scene, child_a=org.children["a"], child_b=org.children["b"])
    laptop = laptops(username)
    held = {}
    with laptop.db.reading() as s:
        for table in p.SYNCED_TABLES:
            for row in s.execute(text(f"select * from {table}")).all():
                held[row.id] = (table, tuple(row))
    for name, row_id in ids.items():
        assert (row_id in held) == (username in VISIBLE[name]), (name, username)
    # nothing of the records' contents reaches anyone who may not see them
    everything = json.dumps([[str(v) for v in row] for _t, row in held.values()])
    for name, readers in PRIVATE_READERS.items():
        marker = "W-" + name.replace("_", "-")
        assert (marker in everything) == (username in readers), (name, username)
    for name, marker in (("draft_a1", "L-draft-a1"), ("draft_b1", "L-draft-b1"),
                         ("note_draft", "N-draft"), ("disc_draft_a1", "D-draft")):
        assert (marker in everything) == (username in VISIBLE[name]), (name, username)
    # the directory is everyone's
    assert org.ids["tm_b"] in held and org.teams["A"] in held


def _push(deployment, laptop, table: str, row_id: str, data: dict, *, base: int = 0,
          version: int = 1, tombstone: bool = False) -> dict:
    mutation = p.Mutation(mutation_id=str(uuid.uuid4()), base_version=base, row=p.Row(
        table=table, id=row_id, version=version, updated_at=datetime.now(timezone.utc),
        updated_by=None, tombstone=tombstone, data=data))
    request = p.PushRequest(device_id=laptop.client.device_id(), mutations=[mutation])
    token = laptop.client.secrets.get("sync-token")
    answer = httpx.post(f"{deployment.url}/v1/push", content=request.model_dump_json(),
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["results"][0]


def _server_row(deployment, row_id: str) -> tuple[dict, int]:
    with deployment.engine.connect() as conn:
        row = conn.execute(text("select data, version from record where id = :i"), {"i": row_id}).first()
    return json.loads(row[0]), row[1]


def _session_data(org, supervisor: str, supervisee: str, team: str, **changes) -> dict:
    data = {spec.name: None for spec in p.TABLE_FIELDS["supervision_session"]}
    data.update(supervisee_id=org.ids[supervisee], supervisor_id=org.ids[supervisor],
                team_id=org.teams[team], held_at="2026-11-02T10:00:00.000000Z",
                duration_minutes=60, session_type="planned_1to1", location="",
                agreement_in_place=True, wellbeing="", caseload_complexity="", capacity="",
                workload_notes="", learning="", asye_progress="", state="draft",
                supervisee_comments="", disagreement="", disagreement_resolved=False)
    data.update(changes)
    return data


@pytest.mark.parametrize("username", ROLES)
def test_writes_a_role_may_not_make_are_refused_and_leak_nothing(deployment, scene, laptops, username):
    org = deployment.org
    laptop = laptops(username)
    refused = []

    # edit someone else's draft (only tm_a may edit draft_a1)
    data, version = _server_row(deployment, scene["draft_a1"])
    result = _push(deployment, laptop, "supervision_session", scene["draft_a1"],
                   dict(data, learning="HIJACK"), base=version, version=version + 1)
    if username != "tm_a":
        refused.append(result)
        assert result["row"] is None or username in VISIBLE["draft_a1"]
    else:
        assert result["status"] == "applied"
        _push(deployment, laptop, "supervision_session", scene["draft_a1"], data,
              base=version + 1, version=version + 2)
    # create a session for a worker in team B, as its supervisor (only their managers may)
    result = _push(deployment, laptop, "supervision_session", str(uuid.uuid4()),
                   _session_data(org, username, "sw_b1", "B"))
    if username not in ("tm_b", "sm", "hos"):
        refused.append(result)
    # create a session in someone else's name
    result = _push(deployment, laptop, "supervision_session", str(uuid.uuid4()),
                   _session_data(org, "tm_b", "sw_b1", "B"))
    if username != "tm_b":
        refused.append(result)
    # change the directory (only the administrator)
    staff, version = _server_row(deployment, org.ids["sw_a1"])
    result = _push(deployment, laptop, "staff", org.ids["sw_a1"], dict(staff, role="head_of_service"),
                   base=version, version=version + 1)
    if username != "admin":
        refused.append(result)
    else:  # put it back
        _push(deployment, laptop, "staff", org.ids["sw_a1"], staff, base=version + 1, version=version + 2)
    # sign as supervisee someone else's record
    result = _push(deployment, laptop, "signature", str(uuid.uuid4()), {
        "record_kind": "supervision", "record_id": scene["shared_a2"], "signer_id": org.ids["sw_a2"],
        "signer_role": "supervisee", "signed_at": "2026-11-03T10:00:00.000000Z", "digest": "0" * 64,
        "certificate_pem": "", "signature_value": None})
    refused.append(result)  # nobody may: the record is shared, not signed by the supervisor
    # change a locked oversight note
    note, version = _server_row(deployment, scene["note_locked"])
    result = _push(deployment, laptop, "oversight_note", scene["note_locked"],
                   dict(note, decision="REWRITE"), base=version, version=version + 1)
    refused.append(result)
    # record oversight on a child in team B (only tm_b, sm, hos)
    result = _push(deployment, laptop, "oversight_note", str(uuid.uuid4()), {
        "child_id": org.children["b"], "author_id": org.ids.get(username), "trigger": "visit_overdue",
        "recorded_at": "2026-11-03T10:00:00.000000Z", "decision": "x", "rationale": "y",
        "next_review_on": None, "state": "draft"})
    if username not in ("tm_b", "sm", "hos"):
        refused.append(result)

    for result in refused:
        assert result["status"] == "rejected", (username, result)
        assert result["reason"]
    assert _server_row(deployment, scene["draft_a1"])[0]["learning"] == "L-draft-a1"
    assert _server_row(deployment, scene["note_locked"])[0]["decision"] == "N-locked"
    assert _server_row(deployment, org.ids["sw_a1"])[0]["role"] == "social_worker"


def test_every_decision_is_logged_without_contents(deployment, scene, laptops):
    laptop = laptops("sw_b1")
    data, version = _server_row(deployment, scene["draft_a1"])
    _push(deployment, laptop, "supervision_session", scene["draft_a1"],
          dict(data, learning="SECRET-WORDS"), base=version, version=version + 1)
    log = deployment.server.log_path.read_text()
    assert f"actor={deployment.org.ids['sw_b1']}" in log
    assert f"id={scene['draft_a1']} allowed=no" in log
    assert "op=pull" in log
    for secret in ("SECRET-WORDS", "L-draft-a1", "W-draft-a1", PASSWORD):
        assert secret not in log
