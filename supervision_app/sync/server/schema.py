"""The server's own schema (SQLAlchemy Core), independent of the client's tables.

Synced rows are stored generically in ``record``: the sync columns, the row's data as
JSON, and what authorization needs (``auth``: the facts ``domain.permissions`` decides on;
``scope``: keys for narrowing a pull by index before ``decide`` has the final word).
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# One row, id 1: the global sequence. Bumping it takes a row lock that is held until the
# transaction commits, so sequence numbers become visible in order (no cursor skips one).
sequence = Table(
    "sync_sequence", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

record = Table(
    "record", metadata,
    Column("id", String(36), primary_key=True),
    Column("table_name", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("updated_at", DateTime, nullable=False),  # naive UTC
    Column("updated_by", String(36)),
    Column("tombstone", Boolean, nullable=False, default=False),
    Column("data", Text, nullable=False),  # JSON object of the wire data
    Column("auth", Text, nullable=False),  # JSON facts for domain.permissions
    Column("auth_history", Text),  # JSON list of earlier facts (for removal notices)
    Column("last_mutation_id", String(36)),
    # The row this row's facts are built from (session of a case discussion, worker of a
    # child...): when its facts change, the rows built on it are re-stamped.
    Column("parent_id", String(36), index=True),
)

# Keys a pull is narrowed by: 'dir' (directory rows), 't:<team>', 'p:<staff>'. A row keeps
# the keys of its earlier scopes too, so a user who lost sight of it is told to remove it.
record_scope = Table(
    "record_scope", metadata,
    Column("scope_key", String(40), primary_key=True),
    Column("record_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Index("ix_record_scope_key_seq", "scope_key", "seq"),
    Index("ix_record_scope_record", "record_id"),
)

mutation = Table(
    "mutation", metadata,
    Column("mutation_id", String(36), primary_key=True),
    Column("staff_id", String(36), nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("status", String(12), nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("received_at", DateTime, nullable=False),
)

# The directory as authorization reads it (maintained from the staff/team/service_area
# records in the same transaction that stores them).
directory_staff = Table(
    "directory_staff", metadata,
    Column("staff_id", String(36), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("team_id", String(36)),
    Column("active", Boolean, nullable=False, default=True),
)
directory_team = Table(
    "directory_team", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("service_area_id", String(36)),
    Column("manager_id", String(36), index=True),
)
directory_service_area = Table(
    "directory_service_area", metadata,
    Column("service_area_id", String(36), primary_key=True),
    Column("manager_id", String(36), index=True),
)

account = Table(
    "account", metadata,
    Column("id", String(36), primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("staff_id", String(36), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    # a one-time password an administrator generated: sign-in asks for a new one first (s0005)
    Column("must_change_password", Boolean, nullable=False, default=False),
)

auth_token = Table(
    "auth_token", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the token
    Column("account_id", String(36), nullable=False, index=True),
    Column("device_id", String(36), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
)

login_failure = Table(
    "login_failure", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(160), nullable=False),  # 'user:<name>' or 'addr:<ip>'
    Column("at", DateTime, nullable=False),
    Index("ix_login_failure_key_at", "key", "at"),
)

device = Table(
    "device", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("staff_id", String(36), primary_key=True),
    Column("access_fingerprint", String(64)),
    Column("last_seen", DateTime),
)

audit_anchor = Table(
    "audit_anchor", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("staff_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("hash", String(64), nullable=False),
    Column("received_at", DateTime, nullable=False),
)

audit_alarm = Table(
    "audit_alarm", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(36), nullable=False),
    Column("staff_id", String(36), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("detail", Text, nullable=False),
)

# The server's copy of each laptop's audit log (ids, actions, times and hashes: the log holds
# no contents), sent with each anchor and recomputed link by link (``audit_anchors``).
audit_copy = Table(
    "audit_copy", metadata,
    Column("device_id", String(36), primary_key=True),
    Column("staff_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("at", String(64), nullable=False),
    Column("actor_id", String(64)),
    Column("action", String(64), nullable=False),
    Column("record_kind", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# The organisation CA (DESIGN.md §4 "Signatures"). One row is active; a rotation retires it
# and adds a new one, so signatures made under the old CA can still be checked. The key is
# stored only encrypted with a passphrase the server is given by environment or file.
certificate_authority = Table(
    "certificate_authority", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("retired_at", DateTime),
    Column("certificate_pem", Text, nullable=False),
    Column("key_pem", Text, nullable=False),  # encrypted PKCS#8
    Column("crl_pem", Text, nullable=False),
    Column("crl_updated_at", DateTime, nullable=False),
)

# Every certificate the server has issued, for revocation by username and for refusing a
# pushed signature made with a revoked certificate.
issued_certificate = Table(
    "issued_certificate", metadata,
    Column("serial", String(64), primary_key=True),  # decimal
    Column("ca_id", Integer, nullable=False),
    Column("staff_id", String(36), nullable=False, index=True),
    Column("issued_at", DateTime, nullable=False),
    Column("not_after", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("certificate_pem", Text, nullable=False),
    Column("device_id", String(36)),  # the laptop that asked (a renewal supersedes only its own)
    Column("revoked_reason", Text),  # in words, for IT and for the person
)

# An administrator's leave for a person's laptop to enrol a new key at its next sync without
# signing in again (``allow-new-certificate``): it covers revocations made up to ``allowed_at``.
certificate_renewal = Table(
    "certificate_renewal", metadata,
    Column("staff_id", String(36), primary_key=True),
    Column("allowed_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

# Directory administration (migration s0005). A manager's cover of another team between two
# dates (DESIGN.md 1.1: leave, vacancy, acting up), inclusive; ``ended_at`` when ended early.
staff_cover = Table(
    "staff_cover", metadata,
    Column("id", String(36), primary_key=True),
    Column("manager_id", String(36), nullable=False, index=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
)
# The id each directory row has in the system it was imported from (HR, LCS/Mosaic), so a
# second import updates the row instead of adding another; kind is area/team/staff/child.
directory_source = Table(
    "directory_source", metadata,
    Column("kind", String(16), primary_key=True),
    Column("source_id", String(100), primary_key=True),
    Column("record_id", String(36), nullable=False, index=True),
)
# A child's case closed by an administrator (the child row stays: records about the child do).
child_case = Table(
    "child_case", metadata,
    Column("child_id", String(36), primary_key=True),
    Column("closed_on", Date),
)
# Directory listings read one kind of row (every child, every team) without a full scan.
Index("ix_record_table_name", record.c.table_name)
