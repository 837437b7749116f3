"""The sync protocol: the messages both ends exchange, and how a row travels.

Both the client engine and the server import this module, so the wire format is defined
once. A row travels as its sync columns (id, version, updated_at, updated_by, tombstone)
plus ``data``: every other column of the client table, encoded as JSON scalars (dates and
times as ISO 8601 strings, times in UTC with a ``Z``; binary as base64). The column list
and types come from the client's models, so the two ends cannot drift apart.

Endpoints (all JSON, all under ``/v1``; every one but login needs ``Authorization: Bearer``):

* ``POST /v1/login``  -> a random opaque token (its hash is all the server keeps)
* ``POST /v1/logout`` -> revokes the token in use
* ``POST /v1/push``   a batch of mutations -> one result per mutation
* ``GET  /v1/pull?after=<cursor>&limit=<n>`` -> rows after the cursor this user may see
* ``GET  /v1/me``     -> who the server thinks you are, and what you may see
* ``POST /v1/certificates`` a CSR -> a signing certificate for the signed-in person (the
  subject is theirs from the directory, whatever the CSR claims)
* ``GET  /v1/ca``     -> the organisation CA certificate (PEM; no sign-in needed)
* ``GET  /v1/crl``    -> the CA's current revocation list (PEM; no sign-in needed;
  ``If-None-Match`` with the last ``ETag`` gets 304 when it has not changed)
"""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
    with_config,
)
from typing_extensions import Annotated, NotRequired, TypedDict

from ..errors import AppError
from ..store.wire_format import (  # noqa: F401 - the wire format is part of the protocol
    MAX_BINARY_BYTES,
    MODEL_FOR_TABLE,
    SYNC_COLUMNS,
    SYNCED_TABLES,
    TABLE_FIELDS,
    FieldSpec,
    RowInvalid,
    WireScalar,
    decode_value,
    encode_row_data,
    encode_value,
    format_datetime,
    parse_datetime,
)

PROTOCOL_VERSION = 1
MAX_BATCH = 500  # mutations in one push
MAX_PAGE = 5000  # rows in one pull page
DEFAULT_PAGE = 1000
FIRST_SYNC_PAGE = MAX_PAGE  # a laptop with nothing yet asks for the largest pages
MAX_REQUEST_BYTES = 32 * 1024 * 1024  # the server refuses bodies larger than this

DIRECTORY_TABLES = frozenset({"service_area", "team", "staff"})
# An error's ``detail`` when the account has ended (a leaver, DESIGN.md §1.1): the laptop
# then removes every record it holds (``SyncClient``).
ACCOUNT_ENDED = "account_ended"
INSERT_ONLY_TABLES = frozenset({"signature", "disagreement_resolution", "record_document"})
# Fields only the supervisor and supervisee may read (DESIGN.md §2: wellbeing is private).
PRIVATE_FIELDS: dict[str, frozenset[str]] = {"supervision_session": frozenset({"wellbeing"})}

TableName = Literal[
    "service_area", "team", "staff", "child", "supervision_session", "case_discussion",
    "oversight_note", "action_item", "action_review", "addendum", "session_cancellation",
    "supervision_agreement", "supervisee_feedback", "team_feedback_total",
    "signature", "group_session", "group_attendance", "group_discussion", "group_action",
    "disagreement_resolution", "record_document",
]

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UUIDStr = Annotated[str, StringConstraints(pattern=UUID_PATTERN, min_length=36, max_length=36)]
ShortText = Annotated[str, StringConstraints(max_length=200)]


# Value rules the client database enforces with CHECK constraints; the server checks them
# too, so it never accepts a row that a laptop could not store.
_ALLOWED_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("supervision_session", "state"): frozenset({"draft", "shared", "supervisor_signed", "locked"}),
    ("oversight_note", "state"): frozenset({"draft", "locked"}),
    ("addendum", "state"): frozenset({"draft", "locked"}),
    ("action_item", "status"): frozenset({"open", "done", "no_longer_needed"}),
    ("addendum", "record_kind"): frozenset({"supervision", "oversight_note", "agreement", "group_session"}),
    ("signature", "record_kind"): frozenset({"supervision", "oversight_note", "addendum", "agreement",
                                             "group_session", "group_attendance"}),
    ("group_attendance", "attendance"): frozenset({"present", "apologies"}),
    ("group_action", "status"): frozenset({"open", "done", "no_longer_needed"}),
    ("record_document", "record_kind"): frozenset({"supervision", "oversight_note", "addendum",
                                                   "agreement", "group_session", "group_attendance"}),
    ("supervision_agreement", "state"): frozenset({"draft", "supervisor_signed", "locked"}),
    ("session_cancellation", "cancelled_by"): frozenset({"supervisor", "supervisee", "other"}),
    ("supervisee_feedback", "helpful"): frozenset({"yes", "partly", "no"}),
    ("supervisee_feedback", "emotional_support"): frozenset({"yes", "partly", "no"}),
    ("supervisee_feedback", "reflection_balance"): frozenset(
        {"mostly_reflection", "balanced", "mostly_case_monitoring"}),
    ("signature", "signer_role"): frozenset({"supervisor", "supervisee", "author"}),
    ("staff", "role"): frozenset(
        {"social_worker", "team_manager", "service_manager", "head_of_service", "qa_auditor",
         "administrator"}
    ),
}
_RANGES: dict[tuple[str, str], tuple[int, int]] = {
    ("supervision_session", "duration_minutes"): (1, 600),
    ("group_session", "duration_minutes"): (1, 600),
    ("case_discussion", "safety_scale"): (0, 10),
}
_UUID_FIELDS_SUFFIX = "_id"
# Nullable fields added after rows were already stored and sent: a row without one (from a
# server or laptop not yet upgraded, or stored before) reads as NULL rather than refused.
ADDED_LATER: frozenset[tuple[str, str]] = frozenset({
    ("staff", "line_manager_id"), ("staff", "last_supervised_on"),
    ("case_discussion", "session_held_at"), ("case_discussion", "session_supervisor_id"),
    ("case_discussion", "session_supervisee_id"), ("case_discussion", "session_state"),
})


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def check_data(table: str, data: dict[str, Any]) -> dict[str, WireScalar]:
    """Validate ``data`` for ``table`` and return it normalised; raise :class:`RowInvalid`.

    Every column must be present with the right type; unknown columns are refused.
    """
    specs = TABLE_FIELDS[table]
    names = {s.name for s in specs}
    unknown = set(data) - names
    if unknown:
        raise RowInvalid(f"unknown field(s) for {table}: {', '.join(sorted(unknown)[:5])}")
    out: dict[str, WireScalar] = {}
    for spec in specs:
        if spec.name not in data and (table, spec.name) not in ADDED_LATER:
            raise RowInvalid(f"{table}.{spec.name} is missing")
        value = data.get(spec.name)
        where = f"{table}.{spec.name}"
        if value is None:
            if not spec.nullable:
                raise RowInvalid(f"{where} may not be empty")
            out[spec.name] = None
            continue
        if spec.kind == "bool":
            if not isinstance(value, bool):
                raise RowInvalid(f"{where} must be true or false")
        elif spec.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 2**31 - 1:
                raise RowInvalid(f"{where} must be a whole number")
        else:
            if not isinstance(value, str):
                raise RowInvalid(f"{where} must be a string")
            if "\x00" in value:
                raise RowInvalid(f"{where} contains a NUL character")
            if spec.kind == "text":
                if spec.max_length is not None and len(value) > spec.max_length:
                    raise RowInvalid(f"{where} is longer than {spec.max_length} characters")
                if spec.name.endswith(_UUID_FIELDS_SUFFIX) and spec.max_length == 36 and not _is_uuid(value):
                    raise RowInvalid(f"{where} must be a record id")
            elif spec.kind == "date":
                try:
                    date.fromisoformat(value)
                except ValueError:
                    raise RowInvalid(f"{where} must be a date (YYYY-MM-DD)") from None
                if len(value) != 10:
                    raise RowInvalid(f"{where} must be a date (YYYY-MM-DD)")
            elif spec.kind == "datetime":
                try:
                    value = format_datetime(parse_datetime(value))
                except (ValueError, RowInvalid, OverflowError):
                    raise RowInvalid(f"{where} must be a time with a zone (ISO 8601)") from None
            elif spec.kind == "binary":
                if len(value) > (MAX_BINARY_BYTES * 4) // 3 + 4:
                    raise RowInvalid(f"{where} is too large")
                try:
                    base64.b64decode(value, validate=True)
                except (binascii.Error, ValueError):
                    raise RowInvalid(f"{where} must be base64") from None
        allowed = _ALLOWED_VALUES.get((table, spec.name))
        if allowed is not None and value not in allowed:
            raise RowInvalid(f"{where} has an unknown value")
        bounds = _RANGES.get((table, spec.name))
        if bounds is not None and not (isinstance(value, int) and bounds[0] <= value <= bounds[1]):
            raise RowInvalid(f"{where} must be between {bounds[0]} and {bounds[1]}")
        out[spec.name] = value
    if table == "action_item" and (out["session_id"] is None) == (out["oversight_note_id"] is None):
        raise RowInvalid("an action belongs to exactly one supervision session or oversight note")
    return out


# --- messages ---------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Row(_Strict):
    """One synced row as it travels. ``seq`` is the server's global sequence number
    (0 in a mutation the client sends)."""

    table: TableName
    id: UUIDStr
    version: int = Field(ge=1, le=2**31 - 1)
    updated_at: datetime
    updated_by: UUIDStr | None = None
    tombstone: bool = False
    data: dict[Annotated[str, StringConstraints(max_length=64)], WireScalar] = Field(
        max_length=64
    )
    seq: int = Field(default=0, ge=0)


class Mutation(_Strict):
    """A change made on a laptop. ``base_version`` is the version the change was made
    from (0 for a new row); ``row.version`` is higher (usually ``base_version + 1``). The
    server applies it only if its copy is still at ``base_version``; otherwise it is a
    conflict (or, for a locked record, refused)."""

    mutation_id: UUIDStr
    base_version: int = Field(ge=0, le=2**31 - 2)
    row: Row


HashHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class AnchorProof(_Strict):
    """The hash the laptop's log holds now at ``seq``."""

    seq: int = Field(ge=0, le=2**62)
    hash: HashHex


MAX_AUDIT_LINKS = 1000  # entries one anchor carries; a longer backlog goes over several
MAX_RECHECK_LINKS = 16
# no NUL: PostgreSQL text cannot hold one
AuditText = Annotated[str, StringConstraints(max_length=64, pattern=r"^[^\x00]*$")]


class AuditLink(_Strict):
    """One audit entry as the laptop's log holds it now: seq, time (as hashed), ids, action
    and the two hashes. Never record contents: the log holds none."""

    seq: int = Field(ge=1, le=2**53 - 1)
    at: AuditText
    actor_id: AuditText | None = None
    action: AuditText
    record_kind: AuditText
    record_id: AuditText
    prev_hash: AuditText
    entry_hash: AuditText


class AuditRecheck(_Strict):
    """Every entry the laptop holds now from ``first_seq`` to ``last_seq``, all anchored
    before. Sent when the laptop's own walk of its log found a broken link there: the
    server compares them with its copy and names the entry changed or deleted."""

    first_seq: int = Field(ge=1, le=2**53 - 1)
    last_seq: int = Field(ge=1, le=2**53 - 1)
    entries: list[AuditLink] = Field(default=[], max_length=MAX_RECHECK_LINKS)

    @model_validator(mode="after")
    def _in_range(self) -> "AuditRecheck":
        if not 0 <= self.last_seq - self.first_seq < MAX_RECHECK_LINKS:
            raise ValueError("a recheck covers 1 to 16 entries")
        seqs = [e.seq for e in self.entries]
        if seqs != sorted(set(seqs)) or any(not self.first_seq <= s <= self.last_seq for s in seqs):
            raise ValueError("rechecked entries must be in order, once each, within the range")
        return self


class AuditHead(_Strict):
    """The head of the laptop's audit chain, with proofs: the hashes its log now holds at
    the seqs the server anchored before (the last acknowledged one, and the one in
    flight if a previous sync was cut off). The server must find a proof of its latest
    anchor, matching, or it raises an alarm: the local log has been rewritten.

    ``entries`` are the entries since the last acknowledged anchor, in order, the last of
    them the head (at most :data:`MAX_AUDIT_LINKS`: a longer backlog is anchored over
    several pushes). The server keeps them and recomputes the chain link by link from the
    last entry it holds. A quiet sync with nothing appended sends none."""

    seq: int = Field(ge=0, le=2**62)
    hash: HashHex
    proofs: list[AnchorProof] = Field(default=[], max_length=4)
    entries: list[AuditLink] = Field(default=[], max_length=MAX_AUDIT_LINKS)
    recheck: AuditRecheck | None = None

    @model_validator(mode="after")
    def _entries_end_at_the_head(self) -> "AuditHead":
        if self.entries:
            seqs = [e.seq for e in self.entries]
            if seqs != sorted(set(seqs)):
                raise ValueError("audit entries must be in order, once each")
            last = self.entries[-1]
            if (last.seq, last.entry_hash) != (self.seq, self.hash):
                raise ValueError("the last audit entry sent must be the head")
        return self


class PushRequest(_Strict):
    device_id: UUIDStr
    mutations: list[Mutation] = Field(max_length=MAX_BATCH)
    audit_head: AuditHead | None = None


MutationStatus = Literal["applied", "duplicate", "rejected", "conflict"]


class MutationResult(_Strict):
    mutation_id: str
    status: MutationStatus
    reason: str = ""
    # The server's row after the mutation (applied / duplicate), or its current row
    # (conflict / rejected), when this user may see it.
    row: Row | None = None


class AuditAnchorResult(_Strict):
    status: Literal["anchored", "mismatch", "not_sent"]
    anchored_seq: int | None = None
    detail: str = ""


class PushResponse(_Strict):
    results: list[MutationResult]
    audit: AuditAnchorResult


class Removal(_Strict):
    table: TableName
    id: str
    # deleted under the retention schedule (DESIGN.md §3.10): gone for good, so nothing of
    # it is kept on the laptop, not even an unsent change (an ended access keeps that)
    retention: bool = False


class PullResponse(_Strict):
    rows: list[Row]
    # Rows this laptop may hold from before but may no longer see: delete them.
    removed: list[Removal] = []
    next_cursor: int
    has_more: bool
    # True when this user's access changed (role or teams): the server restarted the
    # pull from the beginning; when the client reaches the end, it removes every row it
    # holds that this resync did not send.
    resync: bool = False
    # An opaque digest of this user's access; the client sends it back with its next pull
    # (saved with the cursor), and a different value starts a resync.
    access: str = ""
    server_time: datetime


class LoginRequest(_Strict):
    username: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    device_id: UUIDStr
    # Sign in and change the password at once: needed after an administrator's one-time
    # password (the login answers 403 PASSWORD_CHANGE_NEEDED until it is given).
    new_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None


class LoginResponse(_Strict):
    token: str
    expires_at: datetime
    staff_id: str
    role: str


class Me(_Strict):
    staff_id: str
    username: str
    role: str
    team_id: str | None
    managed_team_ids: list[str]


class ErrorBody(_Strict):
    error: str
    detail: Any = None


class CertificateRequest(_Strict):
    csr_pem: Annotated[str, StringConstraints(min_length=1, max_length=8000)]


class CertificateIssued(_Strict):
    certificate_pem: str
    ca_certificate_pem: str
    serial: str


class CertificateEntry(_Strict):
    """One certificate issued to the signed-in person (``GET /v1/certificates``)."""
    serial: str
    fingerprint: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    device_id: str | None = None
    ca_retired: bool = False


class MyCertificates(_Strict):
    certificates: list[CertificateEntry]
    refusal: str | None = None  # why this sign-in may not enrol a new key now


# --- a pull page, read fast -------------------------------------------------------------
#
# A first sync receives tens of thousands of rows. Building a ``Row`` model per row and
# dumping it back to a dict cost as much as writing the row, so the client validates a
# whole page in one pass (pydantic-core, no Python per row) into plain dicts, against a
# schema stricter than ``PullResponse``: each row's ``data`` must hold its table's columns
# and no others, with the types, lengths and values ``check_data`` demands (the server
# only ever sends rows that passed it; a column that may be empty may be absent).
# ``PullResponse`` stays the documented model; a test checks every page the server sends
# passes both.

DATE_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$"
_Int32 = Annotated[int, Field(strict=True, ge=-(2**31 - 1), le=2**31 - 1)]
_Base64 = Annotated[str, StringConstraints(strict=True, max_length=(MAX_BINARY_BYTES * 4) // 3 + 4,
                                           pattern=r"^[A-Za-z0-9+/]*={0,2}$")]


def _wire_type(table: str, spec: FieldSpec) -> Any:
    """The strict pydantic type of one column on the wire (as ``check_data`` accepts it)."""
    allowed = _ALLOWED_VALUES.get((table, spec.name))
    bounds = _RANGES.get((table, spec.name))
    if allowed is not None:
        kind: Any = Literal[tuple(sorted(allowed))]
    elif bounds is not None:
        kind = Annotated[int, Field(strict=True, ge=bounds[0], le=bounds[1])]
    elif spec.kind == "bool":
        kind = StrictBool
    elif spec.kind == "int":
        kind = _Int32
    elif spec.kind == "date":
        kind = Annotated[str, StringConstraints(strict=True, pattern=DATE_PATTERN)]
    elif spec.kind == "datetime":
        kind = Annotated[str, StringConstraints(strict=True, max_length=40, pattern=DATETIME_PATTERN)]
    elif spec.kind == "binary":
        kind = _Base64
    elif spec.name.endswith(_UUID_FIELDS_SUFFIX) and spec.max_length == 36:
        kind = Annotated[str, StringConstraints(strict=True, pattern=UUID_PATTERN)]
    else:
        kind = Annotated[str, StringConstraints(strict=True, max_length=spec.max_length)]
    return kind | None if spec.nullable else kind


_FORBID = ConfigDict(extra="forbid")


def _data_field(table: str, spec: FieldSpec) -> Any:
    """A column the server's copy of an older row may lack is one that may be empty: it
    is stored empty (as before this schema existed); any other missing column is an error."""
    kind = _wire_type(table, spec)
    return NotRequired[kind] if spec.nullable else kind


def _row_type(table: str) -> type:
    """A TypedDict for a pulled row of ``table``, with its ``data`` columns typed."""
    data = with_config(_FORBID)(TypedDict(  # type: ignore[operator]
        f"{table}_data", {spec.name: _data_field(table, spec) for spec in TABLE_FIELDS[table]}))
    return with_config(_FORBID)(TypedDict(f"{table}_row", {  # type: ignore[operator]
        "table": Literal[table],
        "id": UUIDStr,
        "version": Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)],
        "updated_at": Annotated[str, StringConstraints(strict=True, max_length=40, pattern=DATETIME_PATTERN)],
        "updated_by": UUIDStr | None,
        "tombstone": StrictBool,
        "data": data,
        "seq": Annotated[int, Field(strict=True, ge=0)],
    }))


if TYPE_CHECKING:
    PulledRow = dict[str, Any]  # to the type checker; at run time one TypedDict a table:
else:
    PulledRow = Annotated[
        Union[tuple(_row_type(table) for table in SYNCED_TABLES)],
        Field(discriminator="table"),
    ]


@with_config(_FORBID)
class PulledRemoval(TypedDict):
    table: TableName
    id: Annotated[str, StringConstraints(strict=True, max_length=64)]
    retention: NotRequired[bool]


@with_config(_FORBID)
class PulledPage(TypedDict):
    """``PullResponse`` as plain dicts (see above)."""

    rows: list[PulledRow]
    removed: NotRequired[list[PulledRemoval]]
    next_cursor: Annotated[int, Field(strict=True, ge=0)]
    has_more: StrictBool
    resync: NotRequired[StrictBool]
    access: NotRequired[Annotated[str, StringConstraints(strict=True, max_length=64)]]
    server_time: datetime


PULLED_PAGE = TypeAdapter(PulledPage)
PULLED_ROW = TypeAdapter(PulledRow)


class PageInvalid(AppError, ValueError):
    """A pull page that does not fit the protocol; the message names where, never what."""


def read_pull_page(body: bytes) -> PulledPage:
    """Validate a pull page's JSON in one pass; raise :class:`PageInvalid`."""
    try:
        return PULLED_PAGE.validate_json(body)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False, include_context=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PageInvalid(f"{where or 'the page'}: {first['msg']}") from None


def check_pulled_row(row: dict[str, Any]) -> dict[str, Any]:
    """Validate one server row already parsed (a push answer's); raise :class:`PageInvalid`."""
    try:
        return PULLED_ROW.validate_python(row)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False, include_context=False)[0]
        raise PageInvalid(".".join(str(part) for part in first["loc"]) + f": {first['msg']}") from None
