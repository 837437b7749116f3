"""Issue 16: a hostile laptop with a valid account, as a property. Hypothesis builds pushes
from real rows taken from real laptops (so they parse), mutated as an attacker would: other
people's ids, other teams, any state, huge or stale versions, tombstones, forged signature
rows (garbage or missing values, made-up digests, real values by the wrong key), signed
copies. Each batch is pushed raw with the real token of one role. After every push:

(a) the server answered without a 5xx, and every result is applied/rejected/conflict/duplicate;
(b) every locked row is byte-identical to before the push;
(c) every signed or locked record holds, for each signer its state needs, a signature row by
    the person in that role that the server's own ``signature_check.signature_problem``
    accepts over the record as the server holds it now;
(d) every row a pull gives each role is one ``authz.may_view`` allows on the facts the
    server holds, private fields only where ``may_view_private`` allows, and those facts
    are the server's own (people, state and team from its data and directory, a part's
    from its record's);
(e) an honest manager's laptop making a normal change still syncs with nothing refused.

Bounded and seeded for CI; ``HOSTILE_EXAMPLES=1000`` runs a longer search.
"""
from __future__ import annotations

import base64
import copy
import json
import os
import uuid
from collections import Counter
from datetime import datetime, timezone

import httpx
import keyring
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from supervision_app.domain.canonical import canonical_bytes, digest
from supervision_app.domain.lifecycle import RecordKind
from supervision_app.domain.permissions import Operation, decide
from supervision_app.security import pki
from supervision_app.store import models as m
from supervision_app.store.outbox import snapshot
from supervision_app.sync import protocol as p
from supervision_app.sync.server import authz
from supervision_app.sync.server.actors import load_actor
from supervision_app.sync.server.row_facts import parent_id_of
from supervision_app.sync.server.schema import directory_staff, record
from supervision_app.sync.server.signature_check import (
    RecordMissing,
    server_canonical,
    signature_problem,
)
from tests.memory_keyring import MemoryKeyring
from tests.sync import records as r
from tests.sync.archiving import settled
from tests.sync.harness import Laptop, deploy
from tests.sync.raw_push import push_raw

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "40"))
USERS = ("tm_a", "tm_b", "sw_a1", "sw_a2", "sw_b1", "sm", "hos", "qa", "admin")
SIGNERS = ("tm_a", "tm_b", "sw_a1", "sw_b1", "sm")
RESULT_STATUSES = {"applied", "rejected", "conflict", "duplicate"}
SIGNED_TABLES = {"supervision_session": "supervision", "oversight_note": "oversight_note",
                 "addendum": "addendum", "supervision_agreement": "agreement"}
REQUIRED_SIGNERS = {("supervision", "supervisor_signed"): ("supervisor",),
                    ("supervision", "locked"): ("supervisor", "supervisee"),
                    ("agreement", "supervisor_signed"): ("supervisor",),
                    ("agreement", "locked"): ("supervisor", "supervisee"),
                    ("oversight_note", "locked"): ("author",), ("addendum", "locked"): ("author",)}
STATES = ("draft", "shared", "supervisor_signed", "locked", "withdrawn", "")
HUGE = (2**31 - 1, 2**31, 2**53)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One server (SQLite; ``HOSTILE_BACKEND=postgresql`` for PostgreSQL) and a laptop for
    every role, holding records made through the app's paths: drafts, shared, answered,
    signed and locked sessions of both teams, a locked oversight note and addendum."""
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    folder = tmp_path_factory.mktemp("hostile")
    dep, teardown = deploy(os.environ.get("HOSTILE_BACKEND", "sqlite"), folder)
    org = dep.org
    laptops = {user: Laptop(folder / f"laptop-{user}", dep.url, user) for user in USERS}
    for user in SIGNERS:
        r.credentials(laptops[user])
    tm_a, tm_b, sw_a1, sw_b1 = (laptops[u] for u in ("tm_a", "tm_b", "sw_a1", "sw_b1"))

    def sync(*users):
        for user in users:
            assert laptops[user].client.sync().rejected == 0

    locked = r.shared_session(tm_a, org)
    answered = r.shared_session(tm_a, org)
    half = r.shared_session(tm_a, org, supervisee="sw_a2")
    other_team = r.shared_session(tm_b, org, supervisor="tm_b", supervisee="sw_b1")
    r.new_session(tm_a, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"], team=org.teams["A"])
    sync("tm_a", "tm_b", "sw_a1", "sw_b1", "sw_a2")
    for sid in (locked, answered):
        r.respond(sw_a1, org.ids["sw_a1"], sid)
    r.respond(laptops["sw_a2"], org.ids["sw_a2"], half)
    r.respond(sw_b1, org.ids["sw_b1"], other_team)
    sync("sw_a1", "sw_a2", "sw_b1", "tm_a", "tm_b")
    r.sign_session(tm_a, org.ids["tm_a"], locked)
    r.sign_session(tm_b, org.ids["tm_b"], other_team)
    sync("tm_a", "tm_b")
    # The server time-stamps (archives) signed copies in the background after each push: the
    # world waits for it, so every run starts alike and no server row moves under the checks.
    settled(dep, locked), settled(dep, other_team)
    sync("sw_a1", "sw_b1")
    r.sign_session(sw_a1, org.ids["sw_a1"], locked)
    sync("sw_a1")
    settled(dep, locked)
    sync("tm_a")
    with tm_a.db.transaction() as s:
        from supervision_app.store import supervision_records as sr

        note = sr.create_oversight_note(s, sr.load_actor(s, org.ids["tm_a"]), child_id=org.children["a"],
                                        trigger="plan_review", decision="keep", rationale="working")
    sync("tm_a")
    r.sign_note(tm_a, org.ids["tm_a"], note)
    sync("tm_a")
    addendum = r.add_addendum(tm_a, org.ids["tm_a"], "supervision", locked, "a later thought")
    sync("tm_a")
    r.sign_addendum(tm_a, org.ids["tm_a"], addendum)
    sync("tm_a")
    settled(dep, note), settled(dep, addendum)
    sync("tm_a", "tm_b", "sw_a1", "sw_a2", "sw_b1", "sm", "hos", "qa", "admin")

    templates = []  # every synced row any laptop holds, as the wire carries it
    own = {}  # the rows each user's own laptop holds (their likeliest edits)
    seen = set()
    for user, laptop in laptops.items():
        with laptop.db.reading() as s:
            held = [snapshot(obj) for table in p.SYNCED_TABLES
                    for obj in s.execute(select(p.MODEL_FOR_TABLE[table])).scalars()
                    if table not in p.DIRECTORY_TABLES]
        own[user] = sorted(held, key=lambda row: (row["table"], row["id"]))  # seeded runs start alike
        for row in held:
            if (row["table"], row["id"]) not in seen:
                seen.add((row["table"], row["id"]))
                templates.append(row)
    templates.sort(key=lambda row: (row["table"], row["id"]))
    with dep.engine.connect() as conn:
        record_ids = sorted(conn.execute(select(record.c.id)).scalars())
    ids = sorted(set(org.ids.values()) | set(org.teams.values()) | set(org.children.values())
                 | {org.area} | set(record_ids))
    honest = Laptop(folder / "honest-tm_a", dep.url, "tm_a")
    yield dict(dep=dep, org=org, laptops=laptops, templates=templates, own=own, ids=ids, honest=honest,
               counts={"examples": 0, "mutations": 0, "applied": 0, "invariant_checks": 0,
                       "reasons": Counter()})
    honest.close()
    for laptop in laptops.values():
        laptop.close()
    teardown()
    keyring.set_keyring(previous)


# --- the attacker's moves ----------------------------------------------------------------

def _server_row(dep, row_id: str):
    with dep.engine.connect() as conn:
        return conn.execute(select(record.c.version, record.c.data).where(record.c.id == row_id)).first()


def _value_for(draw, world, table: str, spec) -> object:
    name = spec.name
    nullable = [None] if spec.nullable else []
    if name == "state":
        return draw(st.sampled_from(STATES))
    if name in ("signer_role", "record_kind", "stage"):
        return draw(st.sampled_from(["supervisor", "supervisee", "author", "supervision",
                                     "oversight_note", "addendum", "agreement", "locked",
                                     "supervisor_signed"] + nullable))
    if name.endswith("_id"):
        return draw(st.sampled_from(world["ids"] + [str(uuid.uuid4())] + nullable))
    if spec.kind == "int":
        return draw(st.sampled_from([0, 1, -1, 10, 601, *HUGE] + nullable))
    if spec.kind == "bool":
        return draw(st.sampled_from([True, False] + nullable))
    if spec.kind == "date":
        return draw(st.sampled_from(["2026-11-02", "2036-12-01", "1900-01-01"] + nullable))
    if spec.kind == "datetime":
        return draw(st.sampled_from(["2026-11-02T10:00:00Z", "2036-12-01T00:00:00Z",
                                     "2020-01-01T00:00:00Z"] + nullable))
    if spec.kind == "binary":
        return draw(st.sampled_from([base64.b64encode(b"garbage").decode(), "not base64!",
                                     base64.b64encode(b"%PDF-1.7 forged").decode()] + nullable))
    if name == "digest":
        return draw(st.sampled_from(["ab" * 32, "00" * 32, "zz"] + nullable))
    if name == "signature_value":
        return draw(st.sampled_from([base64.b64encode(b"garbage").decode(), "",
                                     base64.b64encode(os.urandom(70)).decode()] + nullable))
    return draw(st.sampled_from(["changed", "", "x" * 300, "agrees", "disagrees"] + nullable))


def _mutated(draw, world, template: dict) -> tuple[int, dict]:
    row = copy.deepcopy(template)
    row["data"] = {k: v for k, v in row["data"].items()}
    # a child's case reference is left alone: changing it is allowed and breaks every signature
    # on that child's signed records (test_a_child_s_new_case_reference_leaves_... below)
    specs = [spec for spec in p.TABLE_FIELDS[row["table"]]
             if (row["table"], spec.name) != ("child", "case_id")]
    held = _server_row(world["dep"], row["id"])
    if held is not None:  # edit what the server holds now, as a laptop just synced would
        row["data"] = json.loads(held.data)
    for spec in draw(st.lists(st.sampled_from(specs), max_size=3, unique_by=lambda s: s.name)):
        row["data"][spec.name] = _value_for(draw, world, row["table"], spec)
    if draw(st.integers(0, 3)) == 0:
        row["id"] = str(uuid.uuid4())  # a new row made from a real one
        held = None
    row["tombstone"] = draw(st.sampled_from([row["tombstone"], row["tombstone"], True, False]))
    current = held.version if held is not None else 0
    base = draw(st.sampled_from([current, current, current, max(current - 1, 0), current + 1, 0, *HUGE]))
    row["version"] = draw(st.sampled_from([base + 1, base + 1, *HUGE, 0]))
    row["updated_at"] = p.format_datetime(datetime.now(timezone.utc))
    return base, row


def _signing_batch(draw, world, user: str) -> list[tuple[int, dict]]:
    """A record moved to a signed state with a signature and a signed copy: the shape the
    server treats as one unit; the signature is garbage, missing, by the wrong key, or a
    real one by the pushing person's key over the server's copy."""
    dep, laptop = world["dep"], world["laptops"][user]
    records = [t for t in world["templates"] if t["table"] in SIGNED_TABLES]
    holder = copy.deepcopy(draw(st.sampled_from(records)))
    kind = SIGNED_TABLES[holder["table"]]
    held = _server_row(dep, holder["id"])
    base = held.version if held is not None else 0
    if held is not None:
        holder["data"] = json.loads(held.data)
    holder["data"]["state"] = draw(st.sampled_from(["supervisor_signed", "locked"]))
    holder["version"] = base + 1
    holder["updated_at"] = p.format_datetime(datetime.now(timezone.utc))
    role = draw(st.sampled_from(["supervisor", "supervisee", "author"]))
    signer = draw(st.sampled_from([world["org"].ids[user]] + world["ids"][:3]))
    credentials = getattr(laptop, "credential_store", None)
    certificate = credentials.credentials_for(world["org"].ids[user]) if credentials else None
    any_pem = next(t["data"]["certificate_pem"] for t in world["templates"] if t["table"] == "signature")
    pem = pki.certificate_to_pem(certificate.certificate).decode() if certificate else any_pem
    value_kind = draw(st.sampled_from(["real", "real_wrong_digest", "garbage", "none"]))
    sig_digest, value = draw(st.sampled_from(["cd" * 32, "00" * 32])), None
    if value_kind.startswith("real") and certificate is not None:
        try:
            with dep.engine.connect() as conn:
                canonical = server_canonical(conn, RecordKind(kind), holder["id"])
            content = canonical_bytes(RecordKind(kind), canonical)
            value = certificate.key.sign(content, ec.ECDSA(hashes.SHA256()))
            if value_kind == "real":
                sig_digest = digest(RecordKind(kind), canonical)
        except (RecordMissing, KeyError, ValueError):
            value = b"garbage"
    elif value_kind == "garbage":
        value = b"garbage"
    now = p.format_datetime(datetime.now(timezone.utc))
    signature = {"table": "signature", "id": str(uuid.uuid4()), "version": 1, "updated_at": now,
                 "tombstone": False,
                 "data": {"record_kind": kind, "record_id": holder["id"], "signer_id": signer,
                          "signer_role": role, "signed_at": now, "digest": sig_digest,
                          "certificate_pem": pem,
                          "signature_value": base64.b64encode(value).decode() if value is not None else None}}
    document = {"table": "record_document", "id": str(uuid.uuid4()), "version": 1, "updated_at": now,
                "tombstone": False,
                "data": {"record_kind": kind, "record_id": holder["id"], "stage": holder["data"]["state"],
                         "created_at": now, "pdf": base64.b64encode(b"%PDF-1.7 not really").decode()}}
    batch = [(base, holder), (0, signature)]
    if draw(st.booleans()):
        batch.append((0, document))
    return batch


#: free text a person types: the fields a routine edit changes
PROSE_FIELDS = frozenset({"wellbeing", "workload_notes", "learning", "asye_progress", "location",
                          "supervisee_comments", "disagreement", "decision", "rationale", "summary",
                          "notes", "text", "description", "reason", "terms", "comment", "body"})


def _routine_edit(draw, world) -> tuple[str, list[tuple[int, dict]]] | None:
    """Someone edits a row their own laptop holds as the app would (its free text, on the
    version the server holds, a row the rules let them edit), sometimes with a fact the server
    must not take from a laptop forged beside it (finding 1: the team, the supervisor, the
    author). Without these, nearly every generated push is refused outright, and the
    invariants are never checked on a change the server applies."""
    with world["dep"].engine.connect() as conn:
        facts_of = {row_id: json.loads(auth) for row_id, auth in conn.execute(select(record.c.id, record.c.auth))}
        actors = {user: load_actor(conn, world["org"].ids[user])[0] for user in USERS}

    def may_edit(user: str, row: dict) -> bool:  # on the server's facts, as the app asks before it opens an editor
        facts = facts_of.get(row["id"])
        if facts is None or facts["k"] in ("dir", "child", "ftot"):
            return False
        return decide(actors[user], Operation.EDIT, authz.target_of(facts)).allowed

    editable = {user: [row for row in world["own"][user]
                       if any(spec.name in PROSE_FIELDS for spec in p.TABLE_FIELDS[row["table"]])
                       and may_edit(user, row)]
                for user in USERS}
    editors = [user for user in USERS if editable[user]]
    if not editors:
        return None
    user = draw(st.sampled_from(editors))
    row = copy.deepcopy(draw(st.sampled_from(editable[user])))
    held = _server_row(world["dep"], row["id"])
    row["data"] = json.loads(held.data)
    prose = [spec.name for spec in p.TABLE_FIELDS[row["table"]] if spec.name in PROSE_FIELDS]
    row["data"][draw(st.sampled_from(prose))] = draw(st.sampled_from(["a later note", "x" * 300]))
    forgeable = [name for name in ("team_id", "supervisor_id", "author_id") if name in row["data"]]
    if forgeable and draw(st.integers(0, 2)) == 0:
        row["data"][draw(st.sampled_from(forgeable))] = draw(st.sampled_from(world["ids"]))
    row["version"] = held.version + 1
    row["updated_at"] = p.format_datetime(datetime.now(timezone.utc))
    return user, [(held.version, row)]


@st.composite
def attacks(draw, world):
    move = draw(st.integers(0, 3))
    routine = _routine_edit(draw, world) if move == 1 else None
    if routine is not None:
        return routine
    user = draw(st.sampled_from(USERS))
    if move == 0:
        batch = _signing_batch(draw, world, user)
    else:
        pool = world["own"][user] if world["own"][user] and draw(st.booleans()) else world["templates"]
        batch = [_mutated(draw, world, draw(st.sampled_from(pool)))
                 for _ in range(draw(st.integers(1, 3)))]
    return user, batch


# --- pushing, and the invariants ------------------------------------------------------

def _push(world, user: str, batch: list[tuple[int, dict]]) -> list[dict] | None:
    """The server's results, or None when it refused the request as a whole (4xx)."""
    dep, laptop = world["dep"], world["laptops"][user]
    try:
        for base, row in batch:
            p.Mutation(mutation_id=str(uuid.uuid4()), base_version=base, row=p.Row.model_validate(row))
    except ValueError:  # a row the protocol model refuses (pydantic's ValidationError): send the bytes anyway
        body = {"device_id": laptop.client.device_id(),
                "mutations": [{"mutation_id": str(uuid.uuid4()), "base_version": base, "row": row}
                              for base, row in batch]}
        answer = httpx.post(f"{dep.url}/v1/push", json=body,
                            headers={"Authorization": f"Bearer {laptop.client.secrets.get('sync-token')}"})
        assert answer.status_code < 500, answer.text  # (a)
        assert answer.status_code in (200, 400, 413, 422), answer.status_code
        return answer.json()["results"] if answer.status_code == 200 else None
    return push_raw(dep, laptop, *batch)


def _locked_rows(conn) -> dict[str, tuple]:
    held = {}
    for rec in conn.execute(select(record)):
        if json.loads(rec.data).get("state") == "locked":
            held[rec.id] = (rec.version, rec.data, rec.tombstone, rec.updated_at, rec.updated_by)
    return held


WRITE_OPERATIONS = tuple(op for op in Operation if op not in (Operation.VIEW, Operation.VIEW_PRIVATE,
                                                                Operation.EXPORT, Operation.GRADE))


def _all_rows(conn) -> dict[str, tuple]:
    return {rec.id: (rec.version, rec.data, rec.tombstone, rec.auth, rec.updated_by, rec.table_name)
            for rec in conn.execute(select(record.c.id, record.c.version, record.c.data, record.c.tombstone,
                                           record.c.auth, record.c.updated_by, record.c.table_name))}


def _check_changes_were_allowed(conn, actor, before: dict[str, tuple], after: dict[str, tuple]) -> int:
    """No row changed unless ``permissions.decide`` gives the pusher some right to change it
    on the server's own facts (those it held before for an existing row, those it stored for a
    new one; directory rows are the administrator's), and the change is recorded as theirs."""
    checked = 0
    for row_id, now in after.items():
        old = before.get(row_id)
        if old is not None and old[1:3] == now[1:3]:
            continue  # the version alone moved: see test_an_unchanged_row_pushed_by_someone_who_may_not_edit_it_...
        assert now[4] == actor.staff_id, f"row {row_id} changed but not recorded as {actor.staff_id}'s"
        facts = json.loads((old or now)[3])
        parent = parent_id_of(now[5], json.loads(now[1]))
        if old is None and now[5] in p.INSERT_ONLY_TABLES and parent in before:
            facts = json.loads(before[parent][3])  # a signing is decided on the record as it was
        if facts["k"] == "dir":
            assert actor.role.value == "administrator", f"directory row {row_id} changed by {actor.role}"
        elif facts["k"] == "child" and actor.role.value == "administrator":
            pass  # administrators keep children's details (storage._authorize_child), beside decide
        elif facts["k"] not in ("ftot",):
            target = authz.target_of(facts)
            assert any(decide(actor, op, target).allowed for op in WRITE_OPERATIONS), \
                (f"{now[5]} {row_id} changed by {actor.role.value} {actor.staff_id}, who has no right to change it",
                 facts, old and old[:3], now[:3])
        checked += 1
    return checked


def _check_signed_records(conn) -> int:
    """(c): every signed or locked record has a verified signature per signer its state needs."""
    checked = 0
    rows = conn.execute(select(record).where(record.c.table_name.in_(list(SIGNED_TABLES)))).all()
    for rec in rows:
        data = json.loads(rec.data)
        kind = SIGNED_TABLES[rec.table_name]
        needed = REQUIRED_SIGNERS.get((kind, data.get("state")))
        if not needed or rec.tombstone:
            continue
        signatures = [json.loads(sig.data) for sig in conn.execute(select(record).where(
            record.c.table_name == "signature", record.c.parent_id == rec.id, record.c.tombstone.is_(False)))]
        for role in needed:
            verified = [sig for sig in signatures if sig["record_kind"] == kind and sig["signer_role"] == role
                        and signature_problem(conn, sig) is None]
            assert verified, f"{rec.table_name} {rec.id} is {data['state']} with no verified {role} signature"
            checked += 1
    return checked


def _team_of(conn, staff_id):
    return conn.execute(select(directory_staff.c.team_id).where(directory_staff.c.staff_id == staff_id)).scalar()


def _check_facts_are_the_servers(conn) -> int:
    """(d, second half): the facts stored beside each row are built from the server's data."""
    auth = {rec.id: (rec.table_name, json.loads(rec.data), json.loads(rec.auth))
            for rec in conn.execute(select(record.c.id, record.c.table_name, record.c.data, record.c.auth))}

    def bare(facts):
        return {k: v for k, v in facts.items() if k not in ("_table", "q")}

    for row_id, (table, data, facts) in auth.items():
        kind = facts["k"]
        if kind in ("sup", "cxl", "agr"):
            assert facts["supervisor"] == data["supervisor_id"] and facts["supervisee"] == data["supervisee_id"]
            assert facts["team"] == _team_of(conn, data["supervisee_id"]), (table, row_id)
            if "state" in facts:
                assert facts["state"] == data["state"]
        elif kind == "child":
            assert facts["worker"] == data["allocated_worker_id"]
        elif kind in ("ovs", "add"):
            assert facts["author"] == data["author_id"] and facts["state"] == data["state"]
        if kind in ("part", "of", "act", "add", "fbk", "ovs"):
            parent = parent_id_of(table, data)
            assert parent in auth, (table, row_id)
            stamped = facts["child"] if kind == "ovs" else facts["parent"]
            assert bare(stamped) == bare(auth[parent][2]), (table, row_id)
    return len(auth)


def _check_pulls(world, conn) -> int:
    """(d): each role's full pull holds only rows ``authz.may_view`` allows it."""
    checked = 0
    for user in USERS:
        laptop = world["laptops"][user]
        actor, _team = load_actor(conn, world["org"].ids[user])
        after, more = 0, True
        while more:
            answer = httpx.get(f"{world['dep'].url}/v1/pull", params={"after": after, "limit": 5000},
                               headers={"Authorization": f"Bearer {laptop.client.secrets.get('sync-token')}"})
            assert answer.status_code == 200, answer.text
            page = answer.json()
            for row in page["rows"]:
                facts = json.loads(conn.execute(select(record.c.auth).where(record.c.id == row["id"])).scalar())
                assert authz.may_view(actor, facts).allowed, (user, row["table"], row["id"])
                for field in p.PRIVATE_FIELDS.get(row["table"], ()):
                    if row["data"].get(field):  # blanked to "" for those who may not read it
                        assert authz.may_view_private(actor, facts), (user, row["table"], row["id"], field)
                checked += 1
            after, more = page["next_cursor"], page["has_more"]
    return checked


def _honest_change_syncs(world) -> None:
    """(e): a manager's laptop makes a normal change through the store and syncs it."""
    org, honest = world["org"], world["honest"]
    assert honest.client.sync().rejected == 0
    sid = r.new_session(honest, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"], team=org.teams["A"])
    r.edit(honest, m.SupervisionSession, sid, learning="notes after the hostile push")
    report = honest.client.sync()
    assert report.rejected == 0 and report.conflicts == 0, honest.client.pending_conflicts()
    assert honest.client.status().pending_changes == 0


def test_no_push_from_any_role_breaks_the_server_s_promises(world):
    dep = world["dep"]
    counts = world["counts"]
    with dep.engine.connect() as conn:  # the starting world already keeps every promise
        _check_signed_records(conn)
        _check_facts_are_the_servers(conn)

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one_push(data):
        user, batch = data.draw(attacks(world))
        with dep.engine.connect() as conn:
            locked_before = _locked_rows(conn)
            rows_before = _all_rows(conn)
            actor, _team = load_actor(conn, world["org"].ids[user])
        results = _push(world, user, batch)
        counts["examples"] += 1
        counts["mutations"] += len(batch)
        if results is not None:  # (a)
            assert len(results) == len(batch)
            assert {res["status"] for res in results} <= RESULT_STATUSES, results
            counts["applied"] += sum(res["status"] == "applied" for res in results)
            for res in results:
                counts["reasons"][res["reason"][:70]] += 1
        with dep.engine.connect() as conn:
            locked_after = _locked_rows(conn)
            for row_id, held in locked_before.items():  # (b)
                assert locked_after.get(row_id) == held, f"locked row {row_id} changed by {user}"
            counts["invariant_checks"] += len(locked_before)
            counts["invariant_checks"] += _check_changes_were_allowed(conn, actor, rows_before, _all_rows(conn))
            counts["invariant_checks"] += _check_signed_records(conn)  # (c)
            counts["invariant_checks"] += _check_facts_are_the_servers(conn)  # (d)
            counts["invariant_checks"] += _check_pulls(world, conn)
        _honest_change_syncs(world)  # (e)
        counts["invariant_checks"] += 1

    one_push()
    print(f"hostile laptop: {counts}")
    assert counts["examples"] >= min(EXAMPLES, 10)
    if EXAMPLES >= 40:  # the invariants were checked on changes the server applied, too
        assert counts["applied"] > 0, counts


def test_a_child_s_new_case_reference_leaves_the_signatures_on_its_locked_records_verifiable(deployment, laptops):
    """Found by the hostile-laptop property: the child's team manager corrects the child's
    case reference (allowed, and applied). The canonical form used to read the child row as
    it is now, so afterwards neither signature on the locked record verified: the server held
    a locked record it would itself refuse as unsigned. The v2 form names the child by its
    id, and v1 signatures read the case reference frozen when they were accepted."""
    org = deployment.org
    tm, sw = laptops("tm_a"), laptops("sw_a1")
    r.credentials(tm), r.credentials(sw)
    sid = r.responded_session(tm, sw, org)
    r.sign_session(tm, org.ids["tm_a"], sid)
    assert tm.client.sync().rejected == 0
    sw.client.sync()
    r.sign_session(sw, org.ids["sw_a1"], sid)
    assert sw.client.sync().rejected == 0
    tm.client.sync()
    with deployment.engine.connect() as conn:
        assert _check_signed_records(conn) >= 2  # both signatures verify before
    r.edit(tm, m.Child, org.children["a"], case_id="CASE-A-CORRECTED")
    assert tm.client.sync().rejected == 0
    with deployment.engine.connect() as conn:
        _check_signed_records(conn)


def test_an_unchanged_row_pushed_by_someone_who_may_not_edit_it_is_refused(deployment, laptops):
    """Found by the hostile-laptop property: a worker pushes their manager's draft record
    back unchanged (they need only its id). ``storage.authorize`` used to ask only about the
    fields that change; none did, so the server applied it (version + 1, recorded as the
    worker's change) and the manager's next edit of their own draft was a conflict: repeated,
    it jammed them. A push is an edit even when nothing in it changes."""
    org = deployment.org
    manager, worker = laptops("tm_a"), laptops("sw_a1")
    sid = r.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"], team=org.teams["A"])
    assert manager.client.sync().rejected == 0
    with manager.db.reading() as s:
        row = snapshot(s.get(m.SupervisionSession, sid))
    held = _server_row(deployment, sid)
    row["data"] = json.loads(held.data)
    row["version"] = held.version + 1
    [result] = push_raw(deployment, worker, (held.version, row))
    assert result["status"] == "rejected", result
    assert _server_row(deployment, sid).version == held.version
