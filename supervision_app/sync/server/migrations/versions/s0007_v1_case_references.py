"""sync server: the case reference each v1 signature was made over, frozen (issue 16)

Until the canonical form's version 2 (``domain.record_canonical``), a signed supervision
record's or oversight note's form held each child's case reference, read live from the
child's row, so correcting a case reference broke every signature on that child's records.
Version 2 names the child by its id only. Signatures made before it stay over v1: this
freezes, for every case discussion of a signed session and every signed oversight note,
the case reference of its child as it is now (what those signatures were made over), and
the server builds v1 from the frozen copy from then on
(``signature_check.v1_case_reference``).

Revision ID: s0007
Revises: s0006
Create Date: 2026-12-06
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "s0007"
down_revision = "s0006"
branch_labels = None
depends_on = None

_record = sa.table("record", sa.column("id", sa.String), sa.column("table_name", sa.String),
                   sa.column("data", sa.Text), sa.column("tombstone", sa.Boolean),
                   sa.column("parent_id", sa.String))
_BATCH = 5000


def upgrade() -> None:
    frozen = op.create_table(
        "v1_case_reference",
        sa.Column("row_id", sa.String(length=36), primary_key=True),
        sa.Column("case_ref", sa.String(length=40), nullable=False),
    )
    freeze_signed(op.get_bind(), frozen)


def freeze_signed(conn: sa.engine.Connection, frozen: sa.Table) -> int:
    """Into ``frozen``: the case reference, as it is now, of the child of every case
    discussion of a signed session and of every signed oversight note; how many."""
    signed: dict[str, set[str]] = {"supervision": set(), "oversight_note": set()}
    for text in conn.execute(sa.select(_record.c.data).where(
            _record.c.table_name == "signature", _record.c.tombstone.is_(False))).scalars():
        data = json.loads(text)
        if data.get("record_kind") in signed:
            signed[data["record_kind"]].add(data["record_id"])
    names: list[tuple[str, str]] = []  # (row id, child id)
    for row_id, parent_id, text in conn.execute(sa.select(
            _record.c.id, _record.c.parent_id, _record.c.data).where(_record.c.table_name == "case_discussion")):
        if parent_id in signed["supervision"]:
            names.append((row_id, json.loads(text)["child_id"]))
    for row_id, text in conn.execute(sa.select(_record.c.id, _record.c.data).where(
            _record.c.table_name == "oversight_note")):
        if row_id in signed["oversight_note"]:
            names.append((row_id, json.loads(text)["child_id"]))
    case_refs = {row_id: json.loads(text).get("case_id") for row_id, text in conn.execute(
        sa.select(_record.c.id, _record.c.data).where(_record.c.table_name == "child"))}
    rows = [{"row_id": row_id, "case_ref": case_refs[child_id]} for row_id, child_id in names
            if case_refs.get(child_id) is not None]
    for start in range(0, len(rows), _BATCH):
        conn.execute(sa.insert(frozen), rows[start:start + _BATCH])
    return len(rows)


def downgrade() -> None:
    op.drop_table("v1_case_reference")
