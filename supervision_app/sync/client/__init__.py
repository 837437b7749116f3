"""The laptop's sync engine: push the outbox, pull what the server sends, keep both
versions of a conflict, anchor the audit chain.

Use it from a background worker (it blocks on the network)::

    client = SyncClient(database, "https://sync.example.org")
    client.login(username, password)          # the token goes to the OS keyring
    report = client.sync(progress=callback)   # push, then pull; raises SyncError in words
    client.status()                           # last sync, pending changes, last error
    client.pending_conflicts()                # versions that lost, for the user to choose
    client.resolve_conflict(conflict_id, keep="server" | "mine")
    client.enrol_certificate(credential_store)  # the server's CA certifies this laptop's key
    client.ensure_signing_certificate(store)  # after sign-in: enrol, or replace a bad certificate

The engine is one object, :class:`SyncClient`, built from one part a concept; each part
is a class over the shared :class:`~.state.ClientState` (one database, one lock, the
``sync_state`` bookkeeping), and a part that needs another inherits from it:

- ``state``: raw transactions, ``sync_state``, the local audit log
- ``session``: sign-in, sign-out, HTTP requests and their failures in words
- ``conflicts``: versions kept for the user, and settling them
- ``row_writes``: the server's rows written here, removals, lifting lock triggers
- ``audit_anchor``: the audit chain's head and proofs sent with each push
- ``push`` / ``pull``: the outbox out, pages in
- ``certificates``: enrolment, renewal, the CA's revocation list
- ``engine``: :class:`SyncClient`, the whole sync and the status line
- ``table_sql``, ``errors``, ``results``: wire rows as stored, errors, what is reported
"""
from __future__ import annotations

from .engine import SyncClient
from .errors import AccountEnded, ServerUnreachable, SignInNeeded, SyncError
from .pull import BULK_ROWS, BULK_TRANSACTION_ROWS
from .push import PUSH_BATCH, PUSH_MAX_BYTES
from .results import CertificateOutcome, Conflict, SyncProgress, SyncReport, SyncStatus
from .session import TOKEN_NAME
from .table_sql import APPLY_ORDER, TABLE_SQL

__all__ = [
    "APPLY_ORDER", "BULK_ROWS", "BULK_TRANSACTION_ROWS", "PUSH_BATCH", "PUSH_MAX_BYTES",
    "TABLE_SQL", "TOKEN_NAME", "AccountEnded", "CertificateOutcome", "Conflict",
    "ServerUnreachable", "SignInNeeded", "SyncClient", "SyncError", "SyncProgress",
    "SyncReport", "SyncStatus",
]
