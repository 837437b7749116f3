"""Case discussions follow the child (DESIGN.md §1.1, third bullet) across a real server
process and laptops: a discussion about a child in a released supervision record reaches
whoever may see the child now (its worker, their managers and chain), however the child
moved, and only that discussion: never the rest of the record it comes from. A draft's
discussions do not move. Every row a pull sends is one ``authz.may_view`` allows."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import delete, select, update

from supervision_app.domain.vocabulary import RecordState
from supervision_app.records.chronology_export import load_child_chronology
from supervision_app.store import models as m, queries as q, supervision_records as sr
from supervision_app.sync.server import authz
from supervision_app.sync.server.authz import scope_keys
from supervision_app.sync.server.schema import record, record_scope
from supervision_app.sync.server.storage import MIGRATIONS_DIR, load_actor
from tests.sync import records as r
from tests.sync.harness import REPO

WELLBEING = "private words about a bereavement"
DECISION, RATIONALE = "Step up to a child protection plan", "Three missed visits and a new injury"
OTHER_CHILD_DECISION = "Close the case at the next review"


def admin(deployment, *argv: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    done = subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli",
                           "--database-url", deployment.database_url, *argv],
                          env=clean, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pull_everything(deployment, laptop) -> tuple[list[dict], list[dict]]:
    """Everything the server sends this laptop's user from the beginning: (rows, removals),
    each row checked against the rule the pull must follow."""
    token = laptop.client.secrets.get("sync-token")
    rows, removals, after, more = [], [], 0, True
    while more:
        answer = httpx.get(f"{deployment.url}/v1/pull", params={"after": after, "limit": 5000},
                           headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        rows += page["rows"]
        removals += page.get("removed") or []
        after, more = page["next_cursor"], page["has_more"]
    with deployment.engine.connect() as conn:
        actor, _team = load_actor(conn, deployment.org.ids[laptop.username])
        for row in rows:
            facts = json.loads(conn.execute(select(record.c.auth).where(record.c.id == row["id"])).scalar())
            assert authz.may_view(actor, facts).allowed, (laptop.username, row["table"], row["id"])
    return rows, removals


def of_record(rows: list[dict], session_id: str) -> set[tuple[str, str]]:
    """(table, id) of every pulled row that is the record or hangs off it."""
    out = set()
    for row in rows:
        data = row["data"]
        if row["id"] == session_id or session_id in (data.get("session_id"), data.get("record_id")):
            out.add((row["table"], row["id"]))
    return out


def write_record(laptop, org, *, children: list[str], share: bool) -> tuple[str, dict[str, str]]:
    """tm_a's record of sw_a1's supervision: wellbeing, learning, a discussion of each child
    with a decision and an action; shared if asked. (session id, child id -> discussion id)"""
    discussions: dict[str, str] = {}

    def write(s, actor):
        from datetime import date

        sid = sr.create_session(s, actor, supervisee_id=org.ids["sw_a1"],
                                held_at=datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc))
        sr.update_session(s, actor, sid, {"wellbeing": WELLBEING, "learning": "reflective log"})
        for child_id in children:
            did = sr.add_case_discussion(s, actor, sid, s.get(m.Child, child_id).case_id)
            first = child_id == children[0]
            sr.update_case_discussion(s, actor, did, {
                "worries": "bruising" if first else "none",
                "decision": DECISION if first else OTHER_CHILD_DECISION,
                "rationale": RATIONALE if first else "settled at home"})
            sr.add_action(s, actor, session_id=sid, case_discussion_id=did, description="visit",
                          owner_id=org.ids["sw_a1"], due_on=date(2026, 12, 1))
            discussions[child_id] = did
        return sid

    sid = r._act(laptop, org.ids["tm_a"], write)
    if share:
        r.share(laptop, org.ids["tm_a"], sid)
    return sid, discussions


def second_child(deployment, laptop, case_id: str) -> str:
    """Another child of sw_a1's, so a record discusses two children."""
    admin(deployment, "add-child", case_id, "--name", f"Child {case_id}", "--dob", "2014-05-06",
          "--legal-status", "child_in_need", "--worker", "sw_a1")
    laptop.client.sync()
    return next(cid for cid, row in r.rows(laptop, m.Child).items() if row.case_id == case_id)


def moved_with_shared_record(deployment, laptop, org, case_id: str) -> tuple[str, str, dict[str, str]]:
    """Another child of sw_a1's, discussed in tm_a's shared record (``laptop``), then
    reallocated to sw_b1 of team B, who holds the discussion without its record.
    (child id, session id, child id -> discussion id)"""
    child = second_child(deployment, laptop, case_id)
    shared, discussed = write_record(laptop, org, children=[child], share=True)
    assert laptop.client.sync().rejected == 0
    admin(deployment, "reallocate-child", case_id, "sw_b1")
    return child, shared, discussed


def test_a_discussion_shared_after_the_child_moved_team_reaches_only_the_childs_new_readers(
        deployment, laptops):
    """The child moved to a worker in another team before the record was shared: once it
    is, the child's new worker and their manager are sent that discussion and nothing else
    of the record; the record's own manager keeps it whole; a draft's discussion stays."""
    org = deployment.org
    tm_a = laptops("tm_a")
    tm_a.client.sync()
    child = org.children["a"]
    other = second_child(deployment, tm_a, "CASE-A2-SHARE")
    shared, discussed = write_record(tm_a, org, children=[child, other], share=False)
    draft, draft_discussed = write_record(tm_a, org, children=[child], share=False)
    assert tm_a.client.sync().rejected == 0

    admin(deployment, "reallocate-child", "CASE-A", "sw_b1")
    r.share(tm_a, org.ids["tm_a"], shared)
    assert tm_a.client.sync().rejected == 0

    tm_b, sw_b1, sw_a2 = laptops("tm_b"), laptops("sw_b1"), laptops("sw_a2")
    for reader in (tm_b, sw_b1):
        rows, _removed = pull_everything(deployment, reader)
        assert of_record(rows, shared) == {("case_discussion", discussed[child])}, reader.username
        assert of_record(rows, draft) == set(), reader.username
        sent = next(row for row in rows if row["id"] == discussed[child])
        assert (sent["data"]["decision"], sent["data"]["rationale"]) == (DECISION, RATIONALE)
        assert WELLBEING not in json.dumps(rows) and OTHER_CHILD_DECISION not in json.dumps(rows)
    rows, _removed = pull_everything(deployment, sw_a2)  # in team A, not the child's worker
    assert of_record(rows, shared) == set()

    rows, _removed = pull_everything(deployment, tm_a)
    whole = of_record(rows, shared)
    assert ("supervision_session", shared) in whole
    assert {("case_discussion", discussed[child]), ("case_discussion", discussed[other])} <= whole
    assert ("case_discussion", draft_discussed[child]) in of_record(rows, draft)
    session_row = next(row for row in rows if row["id"] == shared)
    assert session_row["data"]["wellbeing"] == WELLBEING

    # the laptops hold what they were sent
    tm_b.client.sync()
    assert r.get(tm_b, m.CaseDiscussion, discussed[child]) is not None
    assert r.get(tm_b, m.CaseDiscussion, discussed[other]) is None
    assert r.get(tm_b, m.CaseDiscussion, draft_discussed[child]) is None
    assert r.get(tm_b, m.SupervisionSession, shared) is None
    assert r.get(tm_a, m.CaseDiscussion, discussed[child]) is not None


# The laptop's side (the chronology header and migration 0017) and the re-stamping of a
# child's discussions when the child moves are in /tmp/team/move18-request-*.patch, for the
# lead to apply (storage.py, models.py, database.py and protocol.py are not this helper's);
# until then this test fails, as it must.
HEADER_ON_THE_LAPTOP = hasattr(m.CaseDiscussion, "session_held_at")


@pytest.mark.xfail(not HEADER_ON_THE_LAPTOP, strict=True,
                   reason="needs the move18 patch request (re-stamping on a reallocation, the "
                          "chronology header)")
def test_a_signed_records_discussion_follows_the_child_to_another_team(deployment, laptops):
    """Worker A's locked record discussed child C; IT reallocates C to worker B in team B:
    at their next sync B's manager's chronology of C holds that decision and rationale,
    with when and by whom, and nothing else of A's record; A's manager keeps it whole; a
    draft's discussion stays; when C moves on again, B's manager's laptop lets it go."""
    org = deployment.org
    tm_a, sw_a1, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("tm_b")
    child = second_child(deployment, tm_a, "CASE-L1")
    other = second_child(deployment, tm_a, "CASE-L2")
    locked, discussed = write_record(tm_a, org, children=[child, other], share=True)
    assert tm_a.client.sync().rejected == 0
    sw_a1.client.sync()
    r.respond(sw_a1, org.ids["sw_a1"], locked)
    assert sw_a1.client.sync().rejected == 0
    tm_a.client.sync()
    r.sign_session(tm_a, org.ids["tm_a"], locked)
    assert tm_a.client.sync().rejected == 0
    sw_a1.client.sync()
    r.sign_session(sw_a1, org.ids["sw_a1"], locked)
    assert sw_a1.client.sync().rejected == 0
    draft, draft_discussed = write_record(tm_a, org, children=[child], share=False)
    assert tm_a.client.sync().rejected == 0
    tm_b.client.sync()
    assert r.get(tm_b, m.CaseDiscussion, discussed[child]) is None

    admin(deployment, "reallocate-child", "CASE-L1", "sw_b1")
    tm_b.client.sync()
    tm_a.client.sync()

    with tm_b.db.transaction() as s:
        detail = q.child_chronology(s, sr.load_actor(s, org.ids["tm_b"]), child)
        chronology = load_child_chronology(s, org.ids["tm_b"], child)
    [entry] = [e for e in detail.entries if e.kind == "case_discussion"]
    tm_a_name = r.get(tm_b, m.Staff, org.ids["tm_a"]).display_name
    sw_a1_name = r.get(tm_b, m.Staff, org.ids["sw_a1"]).display_name
    assert (entry.record_id, entry.decision, entry.rationale) == (discussed[child], DECISION, RATIONALE)
    assert entry.state == RecordState.LOCKED and entry.author_name == tm_a_name
    assert entry.title == f"Supervision with {sw_a1_name}"
    assert entry.when == datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
    assert entry.session_id is None  # nothing to open: the record is not on this laptop
    assert [(line.decision, line.signed) for line in chronology.lines] == [(DECISION, True)]
    # nothing else of A's record: no header, wellbeing, workload, other children, actions
    assert r.get(tm_b, m.SupervisionSession, locked) is None
    assert r.get(tm_b, m.CaseDiscussion, discussed[other]) is None
    assert r.get(tm_b, m.CaseDiscussion, draft_discussed[child]) is None
    assert not [a for a in r.rows(tm_b, m.ActionItem).values() if a.session_id == locked]
    assert not [x for x in r.rows(tm_b, m.Signature).values() if x.record_id == locked]
    held_text = json.dumps([vars(row) for model in (m.CaseDiscussion, m.ActionItem, m.Addendum)
                            for row in r.rows(tm_b, model).values()], default=str)
    assert WELLBEING not in held_text and OTHER_CHILD_DECISION not in held_text

    # the record's own manager keeps it whole, with their wellbeing words
    assert r.get(tm_a, m.SupervisionSession, locked).wellbeing == WELLBEING
    assert {discussed[child], discussed[other]} <= set(r.rows(tm_a, m.CaseDiscussion))
    assert r.get(tm_a, m.CaseDiscussion, discussed[child]).session_held_at is None  # not for them

    # the child moves on to a worker in team A: B's manager's laptop lets the discussion go
    admin(deployment, "reallocate-child", "CASE-L1", "sw_a2")
    tm_b.client.sync()
    assert r.get(tm_b, m.CaseDiscussion, discussed[child]) is None
    assert r.get(tm_b, m.Child, child) is None


@pytest.mark.xfail(not HEADER_ON_THE_LAPTOP, strict=True,
                   reason="needs the move18 patch request (the chronology header)")
def test_the_child_entry_follows_its_record_to_signed(deployment, laptops):
    """The child moved while the record was only shared: the new manager's chronology says
    so, and says signed and locked once both have signed it (the discussion's own version
    never changes; the state it is shown with comes with it again)."""
    org = deployment.org
    tm_a, sw_a1, tm_b = laptops("tm_a"), laptops("sw_a1"), laptops("tm_b")
    child, shared, discussed = moved_with_shared_record(deployment, tm_a, org, "CASE-S1")

    def shown_state() -> RecordState:
        tm_b.client.sync()
        with tm_b.db.transaction() as s:
            detail = q.child_chronology(s, sr.load_actor(s, org.ids["tm_b"]), child)
        [entry] = [e for e in detail.entries if e.record_id == discussed[child]]
        return entry.state

    assert shown_state() == RecordState.SHARED
    sw_a1.client.sync()
    r.respond(sw_a1, org.ids["sw_a1"], shared)
    assert sw_a1.client.sync().rejected == 0
    tm_a.client.sync()
    r.sign_session(tm_a, org.ids["tm_a"], shared)
    assert tm_a.client.sync().rejected == 0
    assert shown_state() == RecordState.SUPERVISOR_SIGNED
    sw_a1.client.sync()
    r.sign_session(sw_a1, org.ids["sw_a1"], shared)
    assert sw_a1.client.sync().rejected == 0
    assert shown_state() == RecordState.LOCKED


def _rerun_s0009(deployment) -> int:
    """The data step of migration s0009 as the upgrade runs it, over the rows the server
    holds now."""
    path = MIGRATIONS_DIR / "versions" / "s0009_case_discussions_follow_child.py"
    spec = importlib.util.spec_from_file_location("s0009", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with deployment.engine.begin() as conn:
        return migration.follow_children(conn)


def test_discussions_stored_before_the_upgrade_follow_their_child_after_it(deployment, laptops):
    """A server upgraded to s0009: a released record's discussion stored with the facts of
    before (its record's only) gets its child's, and is re-stamped, so the child's readers
    are sent it at their next sync; a draft's is not sent to them."""
    org = deployment.org
    tm_a, tm_b = laptops("tm_a"), laptops("tm_b")
    child = second_child(deployment, tm_a, "CASE-U1")
    shared, discussed = write_record(tm_a, org, children=[child], share=True)
    draft, draft_discussed = write_record(tm_a, org, children=[child], share=False)
    assert tm_a.client.sync().rejected == 0
    admin(deployment, "reallocate-child", "CASE-U1", "sw_b1")
    before = {discussed[child], draft_discussed[child]}
    with deployment.engine.begin() as conn:  # as the server stored them before s0009
        for row_id in before:
            facts = json.loads(conn.execute(select(record.c.auth).where(record.c.id == row_id)).scalar())
            old = {"k": "part", "_table": "case_discussion",
                   "parent": {k: v for k, v in facts["parent"].items() if k != "held"}}
            conn.execute(update(record).where(record.c.id == row_id).values(auth=json.dumps(old)))
            conn.execute(delete(record_scope).where(record_scope.c.record_id == row_id,
                                                    ~record_scope.c.scope_key.in_(scope_keys(old))))
    rows, _removed = pull_everything(deployment, tm_b)
    assert not before & {row["id"] for row in rows}

    assert _rerun_s0009(deployment) >= 1
    rows, _removed = pull_everything(deployment, tm_b)
    assert of_record(rows, shared) == {("case_discussion", discussed[child])}
    assert of_record(rows, draft) == set()
    assert _rerun_s0009(deployment) == 0  # once is enough: nothing is sent again


# --- the server's facts and decisions about one discussion, without a server ----------

def _facts(state: str, child_worker: str, child_team: str) -> authz.Facts:
    from supervision_app.sync.server.row_facts import compute_facts

    stored = {
        "session": {"k": "sup", "_table": "supervision_session", "supervisor": "tm-a",
                    "supervisee": "sw-a", "team": "team-a", "state": state,
                    "held": "2026-11-02T10:00:00.000000Z", "responded": True, "shared_on": None},
        "child": {"k": "child", "_table": "child", "id": "child", "worker": child_worker,
                  "team": child_team},
    }
    return compute_facts("case_discussion", "disc", {"session_id": "session", "child_id": "child"},
                         stored.get, lambda _staff: None)


def test_the_server_decides_a_discussion_by_its_record_and_by_its_child_once_released():
    from supervision_app.domain.permissions import Actor
    from supervision_app.domain.vocabulary import Role

    manager_a = Actor("tm-a", Role.TEAM_MANAGER, frozenset({"team-a"}))
    manager_b = Actor("tm-b", Role.TEAM_MANAGER, frozenset({"team-b"}))
    draft, locked = _facts("draft", "sw-b", "team-b"), _facts("locked", "sw-b", "team-b")
    assert locked["k"] == "cd" and locked["child"]["worker"] == "sw-b"
    assert not authz.may_view(manager_b, draft).allowed
    assert authz.may_view(manager_b, locked).allowed
    assert authz.may_view(manager_a, draft).allowed and authz.may_view(manager_a, locked).allowed
    assert {"t:team-b", "p:sw-b", "c:child"} <= authz.scope_keys(locked)
    assert "t:team-b" not in authz.scope_keys(draft) and "c:child" in authz.scope_keys(draft)

    # the header goes only to a reader without the record, and only the server's
    header = authz.header_for(manager_b, locked)
    assert header == {"session_held_at": "2026-11-02T10:00:00.000000Z",
                      "session_supervisor_id": "tm-a", "session_supervisee_id": "sw-a",
                      "session_state": "locked"}
    assert authz.header_for(manager_a, locked) is None
    pushed = json.dumps({"decision": "d", "session_state": "forged", "session_supervisor_id": "x"})
    assert json.loads(authz.with_header(pushed, None))["session_state"] is None
    assert json.loads(authz.with_header(pushed, header))["session_supervisor_id"] == "tm-a"


def test_re_stamping_sends_a_discussion_again_only_when_its_readers_or_header_change():
    def actor_of(_staff_id):
        return None

    stays = _facts("locked", "sw-a", "team-a")
    moved = _facts("locked", "sw-b", "team-b")
    assert not authz.same_audience(stays, moved, actor_of)  # the child moved team
    signed = _facts("supervisor_signed", "sw-b", "team-b")
    assert not authz.same_audience(signed, moved, actor_of)  # the header's state changed
    draft = _facts("draft", "sw-a", "team-a")
    redated = json.loads(json.dumps(draft))
    redated["parent"]["held"] = "2026-11-03T10:00:00.000000Z"
    assert authz.same_audience(draft, redated, actor_of)  # a draft's date: nobody else's
