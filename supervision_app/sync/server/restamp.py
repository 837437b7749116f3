"""Re-stamping: when a row's facts change, the facts of the rows built on it change too.

A dependent whose readers change is sent again to every laptop that may now hold it (or must
now remove it); any other only has its stored facts brought up to date.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, insert, select, update

from . import authz
from .refusal import Refused
from .row_facts import linked_dependents
from .schema import record, record_scope

if TYPE_CHECKING:
    from .storage import WriteTx


# how many earlier facts a row keeps: whoever could see it under them is sent its removal
HISTORY_KEEP = 4


def in_chunks(ids: list[str], size: int = 500) -> list[list[str]]:
    """``ids`` in lists short enough for one ``IN (...)`` on every backend."""
    return [ids[start:start + size] for start in range(0, len(ids), size)]


def restamp_dependents(tx: WriteTx, parent_id: str) -> None:
    """Recompute the facts of rows built on ``parent_id`` (and on those, level by level).
    Each one whose facts changed in a way that changes who may hold it (or read its
    private section, or find it in a pull: ``authz.same_audience``) is *re-stamped*: a
    new sequence number and scope rows, so every client that may now see it (or must now
    remove it) is sent it. Dependents are numbered before the rows they are built on, as
    a client applying in sequence order needs. Any other changed row only has its stored
    facts brought up to date (the server's later decisions read them), keeping its
    sequence number: no laptop is sent it again. Most moves of a record (a signature,
    the supervisee's response) change no part's readers, and a signed record has about
    a hundred parts in bench_push (issue 16). Done in a few statements per level."""
    # each entry: (row id, id of the row it is built on, new facts, old facts text, old history)
    levels: list[list[tuple[str, str, authz.Facts, str, list[authz.Facts]]]] = []
    parents = [parent_id]
    while parents:
        level: list[tuple[str, str, authz.Facts, str, list[authz.Facts]]] = []
        found: set[str] = set()
        for chunk in in_chunks(parents):
            columns = (record.c.id, record.c.parent_id, record.c.table_name, record.c.data,
                       record.c.auth, record.c.auth_history)
            # built on a parent: through parent_id, and a case discussion through its child
            # too (two queries: an OR of the two would not use their indexes)
            deps = [*tx.conn.execute(select(*columns).where(record.c.parent_id.in_(chunk))
                                     .order_by(record.c.seq)),
                    *tx.conn.execute(select(*columns).where(record.c.id.in_(linked_dependents(chunk)))
                                     .order_by(record.c.seq))]
            for dep in deps:
                if dep.id in found:
                    continue  # a discussion whose record and child both changed
                found.add(dep.id)
                old_facts = json.loads(dep.auth)
                try:
                    facts = tx.facts(dep.table_name, dep.id, json.loads(dep.data))
                except Refused:
                    continue
                if facts == old_facts:
                    continue
                history = json.loads(dep.auth_history) if dep.auth_history else []
                tx.facts_cache[dep.id] = facts
                level.append((dep.id, dep.parent_id, facts, dep.auth, history))
        if level:
            levels.append(level)
        parents = [dep_id for dep_id, _parent, _facts, _old, _history in level]
    if not levels:
        return
    # deepest first; a row re-stamped re-stamps the rows it is built on in this chain, so
    # it never reaches a laptop after a newer copy of its own parent
    audience: dict[tuple[str, str], bool] = {}  # parts of one record share their facts
    resend: set[str] = set()
    changed: list[tuple[str, authz.Facts, list[authz.Facts]]] = []
    quiet: list[dict[str, Any]] = []
    for entry in [entry for level in reversed(levels) for entry in level]:
        dep_id, built_on, facts, old_text, history = entry
        facts_text = json.dumps(facts)
        key = (old_text, facts_text)
        same = audience.get(key)
        if same is None:
            same = audience[key] = authz.same_audience(json.loads(old_text), facts, tx.actor_of)
        if dep_id in resend or not same:
            resend.add(dep_id)
            resend.add(built_on)
            old_facts = json.loads(old_text)
            if old_facts not in history:
                history = (history + [old_facts])[-HISTORY_KEEP:]
            changed.append((dep_id, facts, history))
        else:
            quiet.append({"_id": dep_id, "_auth": facts_text})
    if quiet:
        tx.conn.execute(update(record).where(record.c.id == bindparam("_id")).values(
            auth=bindparam("_auth")), quiet)
    if not changed:
        return
    held: dict[str, set[str]] = {}
    for chunk in in_chunks([dep_id for dep_id, _f, _h in changed]):
        for row_id, key in tx.conn.execute(
                select(record_scope.c.record_id, record_scope.c.scope_key)
                .where(record_scope.c.record_id.in_(chunk))):
            held.setdefault(row_id, set()).add(key)
    rows, same_scope, new_scope = [], [], []
    for dep_id, facts, history in changed:
        seq = tx.allocate()
        rows.append({"_id": dep_id, "_auth": json.dumps(facts), "_history": json.dumps(history),
                     "_seq": seq})
        keys = authz.scope_keys(facts)
        for old in history:
            keys |= authz.scope_keys(old)
        if keys == held.get(dep_id, set()):
            if keys:
                same_scope.append({"_id": dep_id, "_seq": seq})
        else:
            new_scope.append((dep_id, keys, seq))
    tx.conn.execute(update(record).where(record.c.id == bindparam("_id")).values(
        auth=bindparam("_auth"), auth_history=bindparam("_history"), seq=bindparam("_seq")), rows)
    if same_scope:
        tx.conn.execute(update(record_scope).where(record_scope.c.record_id == bindparam("_id"))
                          .values(seq=bindparam("_seq")), same_scope)
    if new_scope:
        for chunk in in_chunks([dep_id for dep_id, _k, _s in new_scope]):
            tx.conn.execute(delete(record_scope).where(record_scope.c.record_id.in_(chunk)))
        inserts = [{"scope_key": k, "record_id": dep_id, "seq": seq}
                   for dep_id, keys, seq in new_scope for k in sorted(keys)]
        if inserts:
            tx.conn.execute(insert(record_scope), inserts)
