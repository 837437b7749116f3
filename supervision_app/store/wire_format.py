"""How a row of a synced table travels: its field specs (from the client's models) and the
encoding of each value as a JSON scalar (dates and times as ISO 8601, times in UTC with a
``Z``; binary as base64).

Here in ``store`` so the outbox can snapshot rows without importing the sync protocol
(pydantic and the rest); ``sync.protocol`` re-exports all of it, so both ends still share
one definition.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String, Text

from ..domain.text_rules import MAX_TEXT_CHARS
from ..errors import AppError
from . import models
from .types import UTCDateTime

MAX_BINARY_BYTES = 8 * 1024 * 1024  # a signed PDF

SYNC_COLUMNS = ("id", "version", "updated_at", "updated_by", "tombstone")

# Synced tables in the order a parent comes before its children (the order a fresh
# database can take inserts in without breaking a foreign key).
SYNCED_TABLES: tuple[str, ...] = (
    "service_area", "team", "staff", "child", "supervision_session", "case_discussion",
    "oversight_note", "action_item", "action_review", "addendum", "session_cancellation",
    "supervision_agreement", "supervisee_feedback", "team_feedback_total",
    "signature",
    # group supervision after the signatures: a pull applies tables in reverse, so a group's
    # rows are stored before the supervisor's signature that freezes them (migration 0015)
    "group_session", "group_attendance", "group_discussion", "group_action",
    "disagreement_resolution", "record_document",
)

WireScalar = str | int | bool | None


class RowInvalid(AppError, ValueError):
    """A row whose data does not fit its table; the message names the field."""


# --- column codec ---------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text / int / bool / date / datetime / binary
    max_length: int | None
    nullable: bool


def _field_spec(column) -> FieldSpec:
    t = column.type
    if isinstance(t, UTCDateTime):
        kind, limit = "datetime", None
    elif isinstance(t, Boolean):
        kind, limit = "bool", None
    elif isinstance(t, Date):
        kind, limit = "date", None
    elif isinstance(t, Integer):
        kind, limit = "int", None
    elif isinstance(t, LargeBinary):
        kind, limit = "binary", MAX_BINARY_BYTES
    elif isinstance(t, Text):
        kind, limit = "text", MAX_TEXT_CHARS
    elif isinstance(t, String):
        kind, limit = "text", t.length
    else:  # pragma: no cover - a new column type needs a codec here
        raise TypeError(f"no wire codec for {column.table.name}.{column.name} ({t!r})")
    return FieldSpec(column.name, kind, limit, bool(column.nullable))


def _table_specs() -> dict[str, tuple[FieldSpec, ...]]:
    specs = {}
    for name in SYNCED_TABLES:
        table = models.Base.metadata.tables[name]
        specs[name] = tuple(_field_spec(c) for c in table.columns if c.name not in SYNC_COLUMNS)
    return specs


TABLE_FIELDS: dict[str, tuple[FieldSpec, ...]] = _table_specs()
MODEL_FOR_TABLE = {
    mapper.class_.__tablename__: mapper.class_
    for mapper in models.Base.registry.mappers
    if mapper.class_.__tablename__ in SYNCED_TABLES
}


def format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise RowInvalid("a time without a zone")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("a time needs a zone")
    return parsed.astimezone(timezone.utc)


def encode_value(spec: FieldSpec, value: Any) -> WireScalar:
    if value is None:
        return None
    if spec.kind == "datetime":
        return format_datetime(value)
    if spec.kind == "date":
        return value.isoformat()
    if spec.kind == "binary":
        return base64.b64encode(bytes(value)).decode("ascii")
    if spec.kind == "bool":
        return bool(value)
    return value


def decode_value(spec: FieldSpec, value: WireScalar) -> Any:
    """Wire value -> Python value for the client column (after :func:`check_data`)."""
    if value is None:
        return None
    if spec.kind not in ("datetime", "date", "binary"):
        return value
    if not isinstance(value, str):  # check_data refuses such a row before it gets here
        raise RowInvalid(f"{spec.name} must be a string")
    if spec.kind == "datetime":
        return parse_datetime(value)
    if spec.kind == "date":
        return date.fromisoformat(value)
    return base64.b64decode(value)


def encode_row_data(table: str, values: dict[str, Any]) -> dict[str, WireScalar]:
    return {spec.name: encode_value(spec, values.get(spec.name)) for spec in TABLE_FIELDS[table]}
