"""sync server: case discussions already stored follow their child (issue 18)

A case discussion's facts now name its child as allocated now as well as its record
(``row_facts.compute_facts``: kind "cd"), so that once its record is released it is sent to
whoever may see the child (DESIGN.md §1.1), and a record's facts say when it was held (the
child's chronology shows it to readers who hold the discussion without its record). Rows
stored before get the new facts here, from the facts the server already holds of their
record and child:

- each supervision record's facts gain "held" (its ``held_at``), in place;
- each case discussion gets its "cd" facts and the scope keys they give (the child's, when
  its record is released, and ``c:<child id>``, which re-stamping finds it by); one whose
  record is released is re-stamped (a new sequence number), so the child's readers are sent
  it at their next sync; a draft's only has its facts brought up to date.

The facts and keys are built here as the server built them at the time (a copy, so this
migration does not change with the code). Nothing is ever dropped: no downgrade.

Revision ID: s0009
Revises: s0008
Create Date: 2026-12-07
"""
from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "s0009"
down_revision = "s0008"
branch_labels = None
depends_on = None

_record = sa.table("record", sa.column("id", sa.String), sa.column("table_name", sa.String),
                   sa.column("data", sa.Text), sa.column("auth", sa.Text),
                   sa.column("auth_history", sa.Text), sa.column("seq", sa.Integer))
_scope = sa.table("record_scope", sa.column("scope_key", sa.String),
                  sa.column("record_id", sa.String), sa.column("seq", sa.Integer))
_sequence = sa.table("sync_sequence", sa.column("id", sa.Integer), sa.column("value", sa.Integer))
_HISTORY_KEEP = 4
_BATCH = 500


def _strip(facts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k != "_table"} | {"_table": facts["_table"]}


def _keys(facts: dict[str, Any]) -> set[str]:
    """``authz.scope_keys`` for the kinds a case discussion's facts hold, as at s0009."""
    kind = facts["k"]
    keys: set[str] = set()
    if kind == "sup":
        keys |= {f"p:{facts['supervisor']}", f"p:{facts['supervisee']}"}
        if facts["team"]:
            keys.add(f"t:{facts['team']}")
    elif kind == "child":
        if facts["worker"]:
            keys.add(f"p:{facts['worker']}")
        if facts["team"]:
            keys.add(f"t:{facts['team']}")
    elif kind == "cd":
        keys |= _keys(facts["parent"])
        child = facts.get("child")
        if child:
            keys.add(f"c:{child['id']}")
            if facts["parent"]["state"] != "draft":
                keys |= _keys(child)
    elif "parent" in facts:
        keys |= _keys(facts["parent"])
    return keys


def upgrade() -> None:
    follow_children(op.get_bind())


def follow_children(conn: sa.engine.Connection) -> int:
    """Give every stored case discussion its "cd" facts; how many were re-stamped."""
    facts: dict[str, dict[str, Any]] = {}
    held: list[dict[str, str]] = []
    for row_id, table, data, auth in conn.execute(sa.select(
            _record.c.id, _record.c.table_name, _record.c.data, _record.c.auth)
            .where(_record.c.table_name.in_(("supervision_session", "child")))):
        own = json.loads(auth)
        if table == "supervision_session" and own.get("k") == "sup":
            held_at = json.loads(data).get("held_at")
            if own.get("held") != held_at:
                own["held"] = held_at
                held.append({"_id": row_id, "_auth": json.dumps(own)})
        facts[row_id] = own
    for start in range(0, len(held), _BATCH):
        conn.execute(sa.update(_record).where(_record.c.id == sa.bindparam("_id"))
                     .values(auth=sa.bindparam("_auth")), held[start:start + _BATCH])

    seq = conn.execute(sa.select(_sequence.c.value).where(_sequence.c.id == 1)).scalar_one()
    quiet: list[dict[str, str]] = []
    restamped: list[dict[str, Any]] = []
    scopes: list[dict[str, Any]] = []
    for row_id, data, auth, history_text in conn.execute(sa.select(
            _record.c.id, _record.c.data, _record.c.auth, _record.c.auth_history)
            .where(_record.c.table_name == "case_discussion").order_by(_record.c.seq)):
        old = json.loads(auth)
        if old.get("k") == "cd":
            continue
        data_ = json.loads(data)
        record = facts.get(data_.get("session_id"))
        if record is None or record.get("k") != "sup":
            continue
        new: dict[str, Any] = {"k": "cd", "_table": "case_discussion", "parent": _strip(record)}
        child = facts.get(data_.get("child_id"))
        if child is not None and child.get("k") == "child":
            new["child"] = _strip(child)
        if record["state"] == "draft":
            quiet.append({"_id": row_id, "_auth": json.dumps(new)})
            continue
        history = json.loads(history_text) if history_text else []
        if old not in history:
            history = (history + [old])[-_HISTORY_KEEP:]
        seq += 1
        restamped.append({"_id": row_id, "_auth": json.dumps(new), "_history": json.dumps(history),
                          "_seq": seq})
        keys = _keys(new)
        for earlier in history:
            keys |= _keys(earlier)
        scopes += [{"scope_key": key, "record_id": row_id, "seq": seq} for key in sorted(keys)]
    for start in range(0, len(quiet), _BATCH):
        conn.execute(sa.update(_record).where(_record.c.id == sa.bindparam("_id"))
                     .values(auth=sa.bindparam("_auth")), quiet[start:start + _BATCH])
    for start in range(0, len(restamped), _BATCH):
        batch = restamped[start:start + _BATCH]
        conn.execute(sa.update(_record).where(_record.c.id == sa.bindparam("_id")).values(
            auth=sa.bindparam("_auth"), auth_history=sa.bindparam("_history"),
            seq=sa.bindparam("_seq")), batch)
        conn.execute(sa.delete(_scope).where(_scope.c.record_id.in_([row["_id"] for row in batch])))
    for start in range(0, len(scopes), _BATCH * 8):
        conn.execute(sa.insert(_scope), scopes[start:start + _BATCH * 8])
    # a draft's discussion keeps its sequence number; it is found under its child's key too
    drafts = [row["_id"] for row in quiet]
    for start in range(0, len(drafts), _BATCH):
        chunk = drafts[start:start + _BATCH]
        kept = dict(conn.execute(sa.select(_record.c.id, _record.c.seq).where(_record.c.id.in_(chunk))).all())
        links = [{"scope_key": f"c:{json.loads(row['_auth'])['child']['id']}", "record_id": row["_id"],
                  "seq": kept[row["_id"]]}
                 for row in quiet[start:start + _BATCH] if "child" in json.loads(row["_auth"])]
        if links:
            conn.execute(sa.insert(_scope), links)
    conn.execute(sa.update(_sequence).where(_sequence.c.id == 1).values(value=seq))
    return len(restamped)


def downgrade() -> None:
    raise NotImplementedError("The sync server's records are never dropped by a migration.")
