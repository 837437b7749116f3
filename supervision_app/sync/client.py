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

With a credential store (given to the constructor or to ``enrol_certificate``) every sync
also fetches the CA's revocation list (a 304 when unchanged) and saves it, so a
certificate revoked on the server stops signing here at the next sync. Then, at every sync,
:meth:`SyncClient.ensure_signing_certificate` replaces a certificate that is revoked,
expired, from a rotated CA, or within 30 days of its end, with a new key (the server may
ask the person to sign in again first: its refusal is kept in words for the status line,
never a failed sync).

Rows from the server are written with plain SQL on one connection, in one transaction per
page together with the cursor that covers them, so a laptop killed at any moment resumes
where its last committed page ended. They are applied children before parents within a
page (the server numbers a record's parts before the record), so the lock triggers never
see a part arrive under a record that is already signed. Only when the server directs it
(access removed, or a local change it refused to a record signed here) does the engine
lift a record's protection triggers, inside the same transaction, to put the server's
version in place; what is replaced is kept in ``sync_conflict`` first.

A first sync (and any large page) takes a faster path: pages of up to
``protocol.FIRST_SYNC_PAGE`` rows, validated whole into plain dicts
(``protocol.read_pull_page``: a malformed row stops the sync with a message and nothing
of its transaction is kept), several pages to a transaction (each still saving its
cursor), every trigger on the synced tables suspended inside that transaction and the
search index written set-based, page by page, before its commit (``search_index``), so
every committed state holds an exact index. The WAL the load grew is checkpointed after
``sync()`` has returned.
"""
from __future__ import annotations

import base64
import binascii
import itertools
import json
import logging
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, Iterator

import httpx

from ..domain.time_rules import utc_now
from ..errors import AppError
from ..logging_setup import SafeText
from ..security.audit_chain import GENESIS_HASH, entry_hash, verify_links
from ..security.secret_store import SecretStore
from ..store import outbox as _outbox  # noqa: F401  (installs the outbox flush hook)
from ..store.audit_log import read_links, verify_cursor
from ..store.database import Database
from . import protocol as p, search_index
from .collector import collector_paused

if TYPE_CHECKING:
    from cryptography import x509

    from ..security.credentials import CredentialStore

log = logging.getLogger("supervision_app.sync.client")

TOKEN_NAME = "sync-token"
PUSH_BATCH = 200
PUSH_MAX_BYTES = 16 * 1024 * 1024
BULK_ROWS = 200  # a pulled page this large is indexed set-based (search_index.rebuild)
# Large pages are written several to a transaction, up to this many rows. Each commit
# encrypts and writes every page the transaction touched, and pages shared by consecutive
# transactions (index interiors, search segments) are written again: a manager's share of
# 12,631 rows took ~3% longer in two transactions than in one (bench_sync). A first sync
# cut off midway fetches again at most this much: about a second's work.
BULK_TRANSACTION_ROWS = 20000


class SyncError(AppError):
    """Sync did not complete; ``str(error)`` is fit to show in the status bar. ``status`` is
    the server's HTTP status when it answered (sign-in tells a wrong password from a locked
    or disabled account by it)."""

    def __init__(self, message: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SignInNeeded(SyncError):
    pass


class AccountEnded(SyncError):
    """The server says this account has ended (a leaver, DESIGN.md §1.1): the laptop has
    removed the records it held."""


class ServerUnreachable(SyncError):
    pass


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "push" or "pull"
    done: int  # mutations sent / rows received so far
    cursor: int
    first_sync: bool


@dataclass
class SyncReport:
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    pulled: int = 0
    removed: int = 0
    pages: int = 0
    audit_status: str = "not_sent"
    seconds: float = 0.0


@dataclass(frozen=True)
class SyncStatus:
    signed_in: bool
    last_sync_at: datetime | None
    pending_changes: int
    unresolved_conflicts: int
    last_error: str
    audit_alarm: str
    cursor: int
    # the signing certificate, in words ("" when all is well), and its CertificateState status,
    # or "refused" / "refused_signin" (the server wants a fresh sign-in) after a failed renewal
    certificate_notice: str = ""
    certificate_status: str = ""
    certificate_summary: str = ""  # a few words for the status line


@dataclass(frozen=True)
class CertificateOutcome:
    """What :meth:`SyncClient.ensure_signing_certificate` did: ``action`` is ``none``
    (nothing needed, or not possible here), ``enrolled`` (a first certificate), ``renewed``
    (a new key and certificate replaced the old) or ``refused`` (the server would not issue
    one: ``message`` says why and what to do)."""

    action: str
    message: str = ""


@dataclass(frozen=True)
class Conflict:
    id: str
    table: str
    row_id: str
    kind: str  # conflict (changed elsewhere) / rejected (server refused) / removed (access lost)
    reason: str
    local: dict[str, Any]
    server: dict[str, Any] | None
    created_at: datetime


# --- wire <-> local database values -----------------------------------------------------

def _audit_link(link: tuple) -> p.AuditLink:
    """A local audit entry as it travels. Text longer than the app ever writes is cut to
    the wire's limits (the server then finds the entry altered): a tampered log must not
    stop the sync that reports it."""
    seq, at, actor_id, action, kind, record_id, prev_hash, digest = link

    def clip(value) -> str:
        return str(value)[:64].replace("\x00", "\ufffd")

    return p.AuditLink(seq=seq, at=clip(at), actor_id=None if actor_id is None else clip(actor_id),
                       action=clip(action), record_kind=clip(kind), record_id=clip(record_id),
                       prev_hash=clip(prev_hash), entry_hash=clip(digest))


def _db_datetime(value: str) -> str:
    """A wire time (UTC, ``Z``) as the local database stores it; raises
    :class:`protocol.PageInvalid` for anything that is not a time with a zone."""
    if len(value) == 27 and value[10] == "T" and value[26] == "Z":
        return f"{value[:10]} {value[11:26]}"
    try:
        moment = p.parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        raise p.PageInvalid("a time is not a time with a zone (ISO 8601)") from None
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def _db_binary(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise p.PageInvalid("binary data is not base64") from None


# Columns whose wire value is not what the local database stores (text, numbers, dates and
# booleans are stored as they travel).
_CONVERTERS = {"datetime": _db_datetime, "binary": _db_binary}


@dataclass(frozen=True)
class _TableSQL:
    """How a wire row of one table becomes the parameters of its INSERT: ``data``'s
    columns in :data:`protocol.TABLE_FIELDS` order (picked in one C call), then the sync
    columns."""

    names: tuple[str, ...]
    pick: Callable[[dict[str, Any]], tuple]
    converted: tuple[tuple[int, Callable[[str], Any]], ...]
    upsert: str

    def params(self, row: dict[str, Any]) -> tuple:
        """Raises :class:`protocol.PageInvalid` if ``data`` has columns of another table.
        A column missing (one that may be empty, from a row older than it) is stored empty."""
        data = row["data"]
        try:
            values = self.pick(data) if len(data) == len(self.names) else tuple(data.get(n) for n in self.names)
        except KeyError:
            raise p.PageInvalid(f"a {row['table']} row has columns of another table") from None
        if self.converted:
            values = list(values)
            for index, convert in self.converted:
                if values[index] is not None:
                    values[index] = convert(values[index])
        return (*values, row["id"], row["version"], _db_datetime(row["updated_at"]),
                row["updated_by"], row["tombstone"])


def _picker(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple]:
    if len(names) == 1:  # itemgetter of one name returns the value, not a tuple
        name = names[0]
        return lambda data: (data[name],)
    return itemgetter(*names)


def _table_sql(table: str) -> _TableSQL:
    specs = p.TABLE_FIELDS[table]
    names = tuple(spec.name for spec in specs)
    columns = (*names, *p.SYNC_COLUMNS)
    converted = tuple((i, _CONVERTERS[spec.kind]) for i, spec in enumerate(specs) if spec.kind in _CONVERTERS)
    listed = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    if table in p.INSERT_ONLY_TABLES:
        sql = f"INSERT INTO {table} ({listed}) VALUES ({marks})"  # never replaced
    else:
        sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
        sql = f"INSERT INTO {table} ({listed}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {sets}"
    return _TableSQL(names, _picker(names), converted, sql)


TABLE_SQL = {table: _table_sql(table) for table in p.SYNCED_TABLES}
APPLY_ORDER = tuple(reversed(p.SYNCED_TABLES))  # parts before the records they belong to


def _done(value) -> Future:
    future: Future = Future()
    future.set_result(value)
    return future


_UNIT_ROWS = 3  # a signing: the record's move, its signature, its signed PDF
_SIGNED_STATES = frozenset({"supervisor_signed", "locked"})


def _signing_of(payload: str) -> str | None:
    """The record whose signing this outbox entry is part of (its move to a signed state,
    the signature or the signed PDF), or None."""
    row = json.loads(payload)
    table, data = row["table"], row["data"]
    if table in ("signature", "record_document"):
        return data.get("record_id")
    if table in ("supervision_session", "oversight_note", "addendum") and data.get("state") in _SIGNED_STATES:
        return row["id"]
    return None


def _whole_signings(rows: list, cut: int) -> int:
    """Move a batch's cut so that no signing is split across two pushes: the server takes
    a record's move to signed only together with its signature and PDF (``signoff._sign``
    writes them one after another). The cut goes back to before the signing, or, if the
    signing opens the batch, forward past it."""
    if cut >= len(rows):
        return cut
    record_id = _signing_of(rows[cut][4])
    if record_id is None:
        return cut
    start = cut
    while start > 0 and _signing_of(rows[start - 1][4]) == record_id:
        start -= 1
    if start > 0:
        return start
    end = cut
    while end < len(rows) and _signing_of(rows[end][4]) == record_id:
        end += 1
    return end


def _chunks(items: list, size: int = 400) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _unreadable(invalid: p.PageInvalid) -> SyncError:
    """A page or row that breaks the protocol (the message says where, never what)."""
    log.warning("the sync server sent rows that do not fit the protocol: %s", SafeText(str(invalid)))
    return SyncError(f"The sync server sent records this version of the app cannot read "
                     f"({invalid}). Nothing from them was kept; ask IT whether an update is due.")


def _parse_answer(model, response: httpx.Response):
    try:
        return model.model_validate_json(response.content)
    except ValueError:
        raise SyncError("The sync server sent an answer this version of the app does not "
                        "understand. Nothing was changed; ask IT whether an update is due.") from None


# --- the engine ------------------------------------------------------------------------

class SyncClient:
    def __init__(self, database: Database, server_url: str, *, secret_store: SecretStore | None = None,
                 http: httpx.Client | None = None, timeout: float = 30.0,
                 page_size: int = p.DEFAULT_PAGE, verify: bool | str = True,
                 credentials: "CredentialStore | None" = None) -> None:
        self.db = database
        self.credentials = credentials
        self.server_url = server_url.rstrip("/")
        self.secrets = secret_store or SecretStore(database.profile.profile_id)
        self.http = http or httpx.Client(base_url=self.server_url, timeout=timeout, verify=verify)
        self.page_size = page_size
        self.first_sync_page_size = p.FIRST_SYNC_PAGE
        self.bulk_rows = BULK_ROWS
        self.bulk_transaction_rows = BULK_TRANSACTION_ROWS
        self._lock = threading.RLock()  # sync() may enrol again (CA rotated)
        self.clock: Callable[[], datetime] = utc_now  # tests move it to see certificates age
        self._housekeeping: threading.Thread | None = None

    # -- state ---------------------------------------------------------------------------

    @contextmanager
    def _raw(self, write: bool = True, bulk: bool = False) -> Iterator[Any]:
        """A cursor on one connection in one transaction (BEGIN IMMEDIATE), foreign keys
        off: rows arrive in the server's order, and a part may come before the record it
        belongs to, or without it (a child this user may not see). Committed on success.
        ``bulk``: settings for writing many new rows (restored before the connection goes
        back to the pool): no automatic WAL checkpoint inside the load (one at its end),
        temporary tables in memory, and no zeroing of freed pages (a first sync frees
        only index pages that hold what is still stored, in an encrypted file)."""
        fairy = self.db.engine.raw_connection()
        conn = fairy.dbapi_connection
        previous = conn.isolation_level
        try:
            conn.isolation_level = None
            cur = conn.cursor()
            cur.execute("PRAGMA foreign_keys = OFF")
            cur.execute("PRAGMA cache_size = -65536")  # 64 MiB: a page of rows re-touches pages
            if bulk:
                cur.execute("PRAGMA wal_autocheckpoint = 0")
                cur.execute("PRAGMA temp_store = MEMORY")
                cur.execute("PRAGMA secure_delete = OFF")
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.execute("PRAGMA foreign_keys = ON")
                if bulk:
                    cur.execute("PRAGMA secure_delete = ON")
                    cur.execute("PRAGMA temp_store = DEFAULT")
                    cur.execute("PRAGMA wal_autocheckpoint = 1000")
                cur.close()
        finally:
            conn.isolation_level = previous
            fairy.close()

    def _checkpoint(self) -> None:
        """Fold the WAL a bulk load grew back into the database file (it was not
        checkpointed page by page)."""
        fairy = self.db.engine.raw_connection()
        try:
            fairy.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            fairy.close()

    def _fold_wal_in_background(self) -> None:
        """Checkpoint after ``sync()`` has returned, not before: the rows are committed (and
        read from the WAL meanwhile), so nobody need wait for this housekeeping (0.05-0.16 s
        of a 0.8 s first sync, measured). A PASSIVE checkpoint never blocks the writes that
        follow; ``close()`` waits for it."""
        self._wait_for_housekeeping()

        def fold() -> None:
            try:
                self._checkpoint()
            except Exception:  # noqa: BLE001 - SQLite folds the WAL at a later commit anyway
                pass

        self._housekeeping = threading.Thread(target=fold, name="sync-fold-wal", daemon=True)
        self._housekeeping.start()

    def _wait_for_housekeeping(self) -> None:
        thread, self._housekeeping = self._housekeeping, None
        if thread is not None:
            thread.join()

    @staticmethod
    def _get(cur, key: str, default: str | None = None) -> str | None:
        row = cur.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    @staticmethod
    def _set(cur, key: str, value: str) -> None:
        cur.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def device_id(self) -> str:
        with self._raw() as cur:
            device = self._get(cur, "device_id")
            if device is None:
                device = str(uuid.uuid4())
                self._set(cur, "device_id", device)
            return device

    def _record_outcome(self, error: str = "", success: bool = False) -> None:
        with self._raw() as cur:
            self._set(cur, "last_error", error)
            if success:
                self._set(cur, "last_sync_at", p.format_datetime(utc_now()))

    # -- accounts -------------------------------------------------------------------------

    def login(self, username: str, password: str, new_password: str | None = None) -> p.LoginResponse:
        """Sign in; with ``new_password``, also change the password (after an administrator's
        one-time password the server answers 428 until one is given)."""
        body = p.LoginRequest(username=username, password=password, device_id=self.device_id(),
                              new_password=new_password)
        # without new_password the body is what servers before it accept
        response = self._request("POST", "/v1/login", content=body.model_dump_json(exclude_none=True),
                                 auth=False)
        login = _parse_answer(p.LoginResponse, response)
        self.secrets.set(TOKEN_NAME, login.token)
        with self._raw() as cur:
            self._set(cur, "staff_id", login.staff_id)
        return login

    def logout(self) -> None:
        try:
            if self.secrets.get(TOKEN_NAME):
                self._request("POST", "/v1/logout")
        except SyncError:
            pass
        finally:
            self.secrets.delete(TOKEN_NAME)

    # -- HTTP -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, content: str | bytes | None = None,
                 params: dict[str, Any] | None = None, auth: bool = True,
                 accept: tuple[int, ...] = (200,), extra_headers: dict[str, str] | None = None,
                 ) -> httpx.Response:
        headers = {"Content-Type": "application/json", **(extra_headers or {})}
        if auth:
            token = self.secrets.get(TOKEN_NAME)
            if not token:
                raise SignInNeeded("Sign in to the sync server to send and receive records.")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, path, content=content, params=params, headers=headers)
        except httpx.TimeoutException:
            raise ServerUnreachable("The sync server did not answer in time. Your changes are "
                                    "kept on this laptop and will be sent at the next sync.") from None
        except httpx.TransportError:
            raise ServerUnreachable("The sync server could not be reached. Your changes are kept "
                                    "on this laptop and will be sent at the next sync.") from None
        if response.status_code in accept:
            return response
        try:
            body = response.json()
            message, detail = body.get("error", ""), body.get("detail")
        except (ValueError, AttributeError):
            message, detail = "", None
        if response.status_code == 403 and detail == p.ACCOUNT_ENDED and auth:
            raise AccountEnded(message, status=403)
        if response.status_code == 401:
            raise SignInNeeded(message or "Your sign-in has expired; sign in again to sync.",
                               status=401)
        if response.status_code == 429:
            raise SyncError(message or "Too many attempts; wait a few minutes and try again.",
                            status=429)
        if response.status_code >= 500:
            raise ServerUnreachable("The sync server had a problem. Your changes are kept on this "
                                    "laptop and will be sent at the next sync.",
                                    status=response.status_code)
        raise SyncError(message or f"The sync server refused the request ({response.status_code}).",
                        status=response.status_code)

    # -- sync -------------------------------------------------------------------------------

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        """Push every pending change, then pull everything new. Safe to call at any time
        and to interrupt: nothing is lost and nothing is applied twice."""
        with self._lock:
            started = time.perf_counter()
            report = SyncReport()
            try:
                self._push(report, progress)
                self._pull(report, progress)
                self._refresh_crl()
                self._check_certificate()
            except AccountEnded as error:
                self._forget_records()
                self._record_outcome(str(error))
                raise
            except SyncError as error:
                self._record_outcome(str(error))
                raise
            self._record_outcome("", success=True)
            report.seconds = time.perf_counter() - started
            return report

    def push(self) -> SyncReport:
        with self._lock:
            report = SyncReport()
            self._push(report, None)
            return report

    def pull(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncReport:
        with self._lock:
            report = SyncReport()
            self._pull(report, progress)
            return report

    # certificates

    def enrol_certificate(self, credential_store: "CredentialStore | None" = None,
                          new_key: bool = False) -> "x509.Certificate":
        """Have the server's CA certify this laptop's signing key for the person signed in
        (a key is made on first use; its passphrase goes to the keyring). With
        ``new_key``, a new key is made and certified, and replaces the current one only
        once its certificate is installed. The certificate and the CA certificate are
        installed in ``credential_store``, with the current revocation list."""
        from cryptography.hazmat.primitives import serialization

        from ..security import pki

        store = credential_store or self.credentials
        if store is None:
            raise ValueError("a credential store is needed to enrol a certificate")
        self.credentials = store
        with self._lock:
            with self._raw(write=False) as cur:
                staff_id = self._get(cur, "staff_id")
                found = cur.execute("SELECT display_name FROM staff WHERE id = ?", (staff_id,)).fetchone()
            if not staff_id:
                raise SignInNeeded("Sign in to the sync server before asking for a signing certificate.")
            name = " ".join((found[0] if found else "Staff member").split())[:64] or "Staff member"
            csr = (store.new_certificate_request(staff_id, name) if new_key and store.has_key(staff_id)
                   else store.certificate_request(staff_id, name))
            body = p.CertificateRequest(csr_pem=csr.public_bytes(serialization.Encoding.PEM).decode())
            response = self._request("POST", "/v1/certificates", content=body.model_dump_json())
            issued = _parse_answer(p.CertificateIssued, response)
            store.install_certificate(staff_id, issued.certificate_pem.encode(),
                                      issued.ca_certificate_pem.encode())
            with self._raw() as cur:
                self._set(cur, "crl_etag", "")
                self._audit(cur, "certificate_enrolled", "", "")
            self._refresh_crl(enrolling=True)
            log.info("signing certificate installed (serial %s)", issued.serial)
            return pki.load_certificate(issued.certificate_pem.encode())

    def ensure_signing_certificate(self, credential_store: "CredentialStore | None" = None,
                                   *, force: bool = False, _crl_fresh: bool = False) -> CertificateOutcome:
        """Make sure the person signed in can sign on this laptop: enrol if there is no
        certificate yet; make a new key and certificate if the current one is revoked,
        expired, from a rotated CA or within 30 days of its end (or always, with
        ``force``). The old certificate is kept but its key never signs again. A refusal
        by the server (say, a revocation that needs a fresh sign-in) is returned in words,
        and kept for the status line; network and sign-in problems raise as in ``sync``.
        Call it after ``login`` (sign-in) and from a worker thread."""
        from ..security.credentials import CredentialsUnavailable

        store = credential_store or self.credentials
        if store is None:
            raise ValueError("a credential store is needed to enrol a certificate")
        self.credentials = store
        with self._lock:
            with self._raw(write=False) as cur:
                staff_id = self._get(cur, "staff_id")
            if not staff_id:
                raise SignInNeeded("Sign in to the sync server before asking for a signing certificate.")
            if not _crl_fresh:
                self._refresh_crl()  # a revocation made since the last sync counts now
            state = store.certificate_state(staff_id, self.clock())
            if not force and state.status == "ok":
                self._note_certificate("", "ok")
                return CertificateOutcome("none")
            if not force and state.status == "renew_soon" and self._renewed_today():
                self._note_certificate(state.message, state.status)  # renewed, and still close: a clock problem
                return CertificateOutcome("none", state.message)
            if state.status != "missing":
                mine = self._my_certificates()
                if mine is not None and mine.refusal:  # an administrator's revocation: a fresh sign-in is needed
                    self._note_certificate(mine.refusal, "refused_signin")
                    return CertificateOutcome("refused", mine.refusal)
            if state.status != "missing":
                # what the old key signed goes before the server supersedes it (again at sync:
                # a signature may have been made since the sync's own push)
                self._push(SyncReport(), None)
            try:
                # a key without a certificate was never certified: a new one costs nothing
                self.enrol_certificate(store, new_key=True)
            except (CredentialsUnavailable, ValueError) as problem:
                message = str(problem) if isinstance(problem, CredentialsUnavailable) else (
                    "Your new signing key could not be kept on this computer.")
                self._note_certificate(message, "refused")
                return CertificateOutcome("refused", message)
            except SyncError as refused:
                if isinstance(refused, (SignInNeeded, ServerUnreachable)):
                    raise
                self._note_certificate(str(refused), "refused_signin" if refused.status == 403 else "refused")
                return CertificateOutcome("refused", str(refused))
            with self._raw() as cur:
                self._set(cur, "certificate_renewed_on", self.clock().date().isoformat())
            after = store.certificate_state(staff_id, self.clock())
            self._note_certificate(after.message if after.status != "ok" else "", after.status)
            if state.status == "missing":
                return CertificateOutcome("enrolled", "Your signing certificate has been issued.")
            return CertificateOutcome("renewed", "You have a new signing certificate. "
                                      + (state.message if state.status != "renew_soon" else ""))

    def renew_certificate(self, credential_store: "CredentialStore | None" = None) -> CertificateOutcome:
        """A new key and certificate now, whatever the state of the current one (the
        app's Sync > Get a new signing certificate)."""
        return self.ensure_signing_certificate(credential_store, force=True)

    def _my_certificates(self) -> "p.MyCertificates | None":
        """This person's certificates as the server sees them; None from a server too old
        to say (it refuses, if it must, when asked for the certificate)."""
        response = self._request("GET", "/v1/certificates", accept=(200, 404, 405))
        if response.status_code != 200:
            return None
        return _parse_answer(p.MyCertificates, response)

    def _renewed_today(self) -> bool:
        with self._raw(write=False) as cur:
            return self._get(cur, "certificate_renewed_on") == self.clock().date().isoformat()

    def _note_certificate(self, message: str, status: str) -> None:
        with self._raw(write=False) as cur:
            if (self._get(cur, "certificate_notice", "") == message
                    and self._get(cur, "certificate_status", "") == status):
                return
        with self._raw() as cur:
            self._set(cur, "certificate_notice", message)
            self._set(cur, "certificate_status", status)

    def _certificate_words(self, cur) -> dict[str, str]:
        """The certificate's standing for the status line, read now (an offline laptop
        still warns of its end): a refusal kept from the last attempt, else the state."""
        notice = self._get(cur, "certificate_notice", "") or ""
        status = self._get(cur, "certificate_status", "") or ""
        staff_id = self._get(cur, "staff_id")
        refused = {"certificate_notice": notice, "certificate_status": status,
                   "certificate_summary": "cannot sign: new certificate needed"}
        if self.credentials is None or not staff_id:
            return refused if status.startswith("refused") and notice else {}
        from ..security.credentials import CredentialsUnavailable

        try:
            state = self.credentials.certificate_state(staff_id, self.clock())
        except (CredentialsUnavailable, ValueError, OSError):
            return refused if status.startswith("refused") and notice else {}
        if state.status == "ok":
            return {"certificate_status": "ok"}
        if status.startswith("refused") and notice:
            return refused
        return {"certificate_notice": state.message, "certificate_status": state.status,
                "certificate_summary": state.summary}

    def _check_certificate(self) -> None:
        """At sync: replace a certificate that needs it. A keyring or key-file problem is
        kept for the status line; it does not fail the sync."""
        if self.credentials is None:
            return
        from ..security.credentials import CredentialsUnavailable

        try:
            self.ensure_signing_certificate(self.credentials, _crl_fresh=True)
        except CredentialsUnavailable as problem:
            self._note_certificate(str(problem), "refused")
        except (SignInNeeded, ServerUnreachable):
            raise
        except SyncError as problem:  # the records synced; only the certificate waits
            self._note_certificate(str(problem), "refused")

    def _refresh_crl(self, enrolling: bool = False) -> None:
        """Fetch the CA's revocation list if it changed and keep it where signing checks
        it. A list this laptop's CA did not sign means the server's CA was rotated: the
        certificate check that follows at sync makes a new key for the new CA."""
        store = self.credentials
        if store is None:
            return
        from ..security import pki

        with self._raw(write=False) as cur:
            tag = self._get(cur, "crl_etag", "") or ""
        response = self._request("GET", "/v1/crl", auth=False, accept=(200, 304, 404),
                                 extra_headers={"If-None-Match": tag} if tag else None)
        if response.status_code != 200:
            return  # unchanged, or the server has no CA
        try:
            crl = pki.load_crl(response.content)
        except ValueError:
            raise SyncError("The sync server sent a revocation list that could not be read.") from None
        ca_pem = store.ca_certificate_pem()
        ca = pki.load_certificate(ca_pem) if ca_pem else None
        if ca is None or crl.issuer != ca.subject or not crl.is_signature_valid(ca.public_key()):
            if not enrolling:
                self._take_new_ca(store)
            return
        store.save_crl(response.content)
        with self._raw() as cur:
            self._set(cur, "crl_etag", response.headers.get("ETag", ""))

    def _take_new_ca(self, store: "CredentialStore") -> None:
        """The server's CA was rotated: keep its new certificate (the old one is kept in the
        profile for records signed under it). The certificate check makes a new key."""
        response = self._request("GET", "/v1/ca", auth=False, accept=(200, 404))
        if response.status_code != 200:
            return
        from ..security import pki

        try:
            pki.load_certificate(response.content)
        except ValueError:
            raise SyncError("The sync server sent a CA certificate that could not be read.") from None
        log.info("the organisation CA has changed: its new certificate is kept")
        store.save_ca_certificate(response.content)
        with self._raw() as cur:
            self._set(cur, "crl_etag", "")

    # push

    # Within one sync (until ``last_sync_at`` moves, and for at most a minute) the whole log
    # is walked once: a sync pushing several batches anchors with each, and walks again
    # only the entries appended since.
    AUDIT_WALK_SECONDS = 60.0
    _audit_walked: tuple | None = None  # (monotonic time, last_sync_at, seq, hash) of the last walk

    def _audit_head(self, cur) -> p.AuditHead:
        """The head of the local audit chain, the entries appended since the last anchor
        (the server keeps them and recomputes every link) and proofs of the anchored
        entries. With nothing appended (a quiet sync) only the head and proofs go. When
        something was, the laptop walks its own log first: a break among entries anchored
        before goes to the server as a recheck, which names the entry changed or deleted."""
        row = cur.execute("SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        seq, digest = (row[0], row[1]) if row else (0, GENESIS_HASH)
        proofs = []
        for key in ("audit_anchor_acked", "audit_anchor_pending"):
            value = self._get(cur, key)
            if value is None or not value.isdigit():
                continue
            anchored = int(value)
            if anchored == 0:
                proofs.append(p.AnchorProof(seq=0, hash=GENESIS_HASH))
                continue
            found = cur.execute("SELECT entry_hash FROM audit_entry WHERE seq = ?", (anchored,)).fetchone()
            # a missing entry is proved with a hash that cannot match: the server raises the alarm
            proofs.append(p.AnchorProof(seq=anchored, hash=found[0] if found else "f" * 64))
        acked_text = self._get(cur, "audit_anchor_acked") or ""
        # unreadable bookkeeping sends the whole log: the server compares it with its copy
        acked = int(acked_text) if acked_text.isdigit() else None
        entries: list[p.AuditLink] = []
        recheck = None
        if acked is None or seq > acked:
            entries = [_audit_link(link) for link in itertools.islice(
                read_links(cur, (acked or 0) + 1), p.MAX_AUDIT_LINKS)]
            recheck = self._walk_audit_log(cur, acked or 0, seq, digest)
        if entries:
            seq, digest = entries[-1].seq, entries[-1].entry_hash
        self._set(cur, "audit_anchor_pending", str(seq))
        return p.AuditHead(seq=seq, hash=digest, proofs=proofs, entries=entries, recheck=recheck)

    def _walk_audit_log(self, cur, acked: int, seq: int, digest: str) -> p.AuditRecheck | None:
        """Recompute the local chain; a break at or before the first entry not yet anchored
        becomes a recheck of the anchored entries around it."""
        walked, now = self._audit_walked, time.monotonic()
        this_sync = self._get(cur, "last_sync_at", "")
        if (walked is not None and now - walked[0] < self.AUDIT_WALK_SECONDS
                and walked[1] == this_sync and walked[2] <= seq):
            report = verify_links(read_links(cur, walked[2] + 1), after=(walked[2], walked[3]))
            if report.ok:
                self._audit_walked = (walked[0], this_sync, seq, digest)
                return None
        report = verify_cursor(cur)
        if report.ok:
            self._audit_walked = (now, this_sync, seq, digest)
            return None
        self._audit_walked = None
        log.warning("the local audit log is broken at entry %s", report.first_broken_seq)
        broken = report.first_broken_seq or 1
        first, last = max(1, broken - 1), min(broken, acked)
        if broken > acked + 1 or last < first:
            return None  # among entries not anchored yet: the server finds it in what is sent
        held = [_audit_link(link) for link in read_links(cur, first, last)]
        return p.AuditRecheck(first_seq=first, last_seq=last, entries=held)

    def _push(self, report: SyncReport, progress) -> None:
        device = self.device_id()
        sent_any = False
        while True:
            with self._raw() as cur:
                # a few rows beyond the batch, to see whether the cut splits a signing
                rows = cur.execute(
                    "SELECT seq, mutation_id, row_id, base_version, payload FROM sync_outbox "
                    "ORDER BY seq LIMIT ?", (PUSH_BATCH + _UNIT_ROWS,)).fetchall()
                head = self._audit_head(cur)
            if not rows and sent_any:
                return
            cut, size = 0, 0
            for _seq, _mutation_id, _row_id, _base, payload in rows[:PUSH_BATCH]:
                size += len(payload)
                if cut and size > PUSH_MAX_BYTES:
                    break
                cut += 1
            cut = _whole_signings(rows, cut)
            batch = [(seq, mutation_id, base_version, payload)
                     for seq, mutation_id, _row_id, base_version, payload in rows[:cut]]
            mutations = [
                p.Mutation(mutation_id=mid, base_version=base, row=p.Row.model_validate_json(payload))
                for _seq, mid, base, payload in batch
            ]
            request = p.PushRequest(device_id=device, mutations=mutations, audit_head=head)
            response = self._request("POST", "/v1/push", content=request.model_dump_json())
            answer = _parse_answer(p.PushResponse, response)
            if len(answer.results) != len(batch):
                raise SyncError("The sync server gave an incomplete answer; sync will retry.")
            try:
                with self._raw() as cur:
                    self._take_results(cur, batch, answer, report)
            except p.PageInvalid as invalid:
                raise _unreadable(invalid) from None
            report.pushed += len(batch)
            sent_any = True
            if progress:
                progress(SyncProgress("push", report.pushed, 0, False))
            if not batch:
                return

    def _take_results(self, cur, batch, answer: p.PushResponse, report: SyncReport) -> None:
        for (seq, mutation_id, _base, payload), result in zip(batch, answer.results):
            if result.mutation_id != mutation_id:
                raise SyncError("The sync server answered for the wrong change; sync will retry.")
            local = json.loads(payload)
            table, row_id = local["table"], local["id"]
            if result.status in ("applied", "duplicate"):
                if result.status == "applied":
                    report.applied += 1
                else:
                    report.duplicates += 1
                cur.execute("DELETE FROM sync_outbox WHERE seq = ?", (seq,))
                if result.row is not None and not self._pending(cur, row_id):
                    server_row = p.check_pulled_row(result.row.model_dump(mode="json"))
                    held = cur.execute(f"SELECT version, tombstone FROM {table} WHERE id = ?",
                                       (row_id,)).fetchone()
                    if held is None or (held[0], bool(held[1])) != (server_row["version"], server_row["tombstone"]):
                        self._apply_row(cur, server_row, force=True)
                continue
            still = cur.execute("SELECT seq FROM sync_outbox WHERE seq = ?", (seq,)).fetchone()
            if still is None:
                continue  # an earlier result in this batch already settled this row
            if result.status == "conflict":
                report.conflicts += 1
            else:
                report.rejected += 1
            latest = cur.execute(
                "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", (row_id,)
            ).fetchone()[0]
            server_row = p.check_pulled_row(result.row.model_dump(mode="json")) if result.row is not None else None
            self._keep_conflict(cur, table, row_id, result.status, result.reason, latest, server_row)
            cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (row_id,))
            if server_row is not None:
                self._apply_row(cur, server_row, force=True)
            else:
                self._delete_rows(cur, table, [row_id])
        audit = answer.audit
        report.audit_status = audit.status
        if audit.status == "anchored" and audit.anchored_seq is not None:
            self._set(cur, "audit_anchor_acked", str(audit.anchored_seq))
            cur.execute("DELETE FROM sync_state WHERE key = 'audit_anchor_pending'")
            self._set(cur, "audit_alarm", "")
        elif audit.status == "mismatch":
            self._set(cur, "audit_alarm", "The server found that this laptop's audit log no "
                                          f"longer matches what it recorded ({audit.detail}).")

    @staticmethod
    def _pending(cur, row_id: str) -> bool:
        return cur.execute("SELECT 1 FROM sync_outbox WHERE row_id = ? LIMIT 1", (row_id,)).fetchone() is not None

    def _keep_conflict(self, cur, table: str, row_id: str, kind: str, reason: str,
                       local_payload: str, server_row: dict | None) -> None:
        cur.execute(
            "INSERT INTO sync_conflict (id, table_name, row_id, kind, reason, local_payload, "
            "server_payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (str(uuid.uuid4()), table, row_id, kind, reason, local_payload,
             json.dumps(server_row) if server_row is not None else None,
             utc_now().strftime("%Y-%m-%d %H:%M:%S.%f")))
        self._audit(cur, f"sync_{kind}", table, row_id)

    # pull

    def _page_size(self, page_number: int, first_sync: bool) -> int:
        """A first sync asks for the largest pages the server gives, working up to them: an
        ordinary page first (writing starts sooner), then half the largest, then the largest.
        While one page is written the server makes the next; asked for at once, the largest
        took longer to come than the small first page took to write."""
        if not first_sync:
            return self.page_size
        largest = self.first_sync_page_size
        if page_number == 0:
            return min(self.page_size, largest)
        if page_number == 1:
            return min(max(self.page_size, largest // 2), largest)
        return largest

    def _fetch_page(self, after: int, access: str, first_sync: bool, page_number: int) -> p.PulledPage:
        limit = self._page_size(page_number, first_sync)
        params: dict[str, Any] = {"after": after, "limit": limit}
        if access:
            params["access"] = access
        larger = limit > p.DEFAULT_PAGE
        response = self._request("GET", "/v1/pull", params=params, accept=(200, 422) if larger else (200,))
        if response.status_code == 422:  # a server from before first-sync pages grew
            params["limit"] = self.first_sync_page_size = p.DEFAULT_PAGE
            response = self._request("GET", "/v1/pull", params=params)
        try:
            return p.read_pull_page(response.content)
        except p.PageInvalid as invalid:
            raise _unreadable(invalid) from None

    def _pull(self, report: SyncReport, progress) -> None:
        with collector_paused():  # pages of JSON make many dicts and no cycles: see collector.py
            self._pull_pages(report, progress)

    def _pull_pages(self, report: SyncReport, progress) -> None:
        """Pull pages until the server has no more. The next page is fetched (in a helper
        thread) while the current one is written. A first sync asks for the largest pages
        the server gives; large pages are written several to a transaction, each with its
        cursor, with bulk-load settings and the search index written set-based after each
        page, while the next is on its way (:func:`search_index.pending`)."""
        with self._raw() as cur:
            cursor = int(self._get(cur, "cursor", "0"))
            access = self._get(cur, "access", "") or ""
        first_sync = cursor == 0
        fetcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-prefetch")

        asked = itertools.count()

        def fetch(after: int, access: str) -> Future:
            return fetcher.submit(self._fetch_page, after, access, first_sync, next(asked))

        try:
            upcoming = fetch(cursor, access)
            while upcoming is not None:
                upcoming = self._pull_transaction(upcoming.result(), fetch, report, progress, first_sync)
        except p.PageInvalid as invalid:  # a row the schema let through but cannot be stored
            raise _unreadable(invalid) from None
        finally:
            fetcher.shutdown(wait=False, cancel_futures=True)
        with self._raw() as cur:
            if self._get(cur, "needs_resync") == "1":
                self._set(cur, "access", "0")  # never a real digest: the next pull resyncs
                self._set(cur, "needs_resync", "0")
        if first_sync and report.pulled >= self.bulk_rows:
            self._fold_wal_in_background()

    def _pull_transaction(self, page: p.PulledPage, fetch: Callable[[int, str], Future],
                          report: SyncReport, progress, first_sync: bool) -> Future | None:
        """Write ``page`` and, if it is large, the large pages after it, up to
        ``bulk_transaction_rows``, in one transaction. Returns the next page to come, or
        None when the server has no more."""
        bulk = len(page["rows"]) >= self.bulk_rows
        rows = 0
        with self._raw(bulk=bulk) as cur, self._indexing(cur, bulk) as index:
            while True:
                upcoming = fetch(page["next_cursor"], page.get("access", "")) if page["has_more"] else None
                self._take_page(cur, page, report, index)
                report.pages += 1
                rows += len(page["rows"])
                if progress:
                    progress(SyncProgress("pull", report.pulled, page["next_cursor"], first_sync))
                if upcoming is None or not bulk or rows >= self.bulk_transaction_rows:
                    return upcoming
                page = upcoming.result()
                if len(page["rows"]) < self.bulk_rows:
                    return _done(page)  # a small page: commit, then write it on its own

    @contextmanager
    def _indexing(self, cur, bulk: bool) -> Iterator["search_index.PendingIndex | None"]:
        """A bulk transaction writes with every trigger on the synced tables suspended:
        the search index is written set-based, page by page, and the lock triggers,
        which only ever sent a server row down the slow path to be stored with them
        lifted (the server's row is authoritative), would make SQLite keep a statement
        journal for every row inserted."""
        if not bulk:
            yield None
            return
        with search_index.triggers_suspended(cur, p.SYNCED_TABLES), search_index.pending(cur) as index:
            yield index

    def _take_page(self, cur, page: p.PulledPage, report: SyncReport,
                   index: "search_index.PendingIndex | None") -> None:
        if page.get("resync"):
            cur.execute("DELETE FROM sync_seen")
            self._set(cur, "resync", "1")
        resyncing = self._get(cur, "resync") == "1"
        rows = page["rows"]
        removed = page.get("removed") or []
        pending = {r[0] for r in cur.execute("SELECT DISTINCT row_id FROM sync_outbox")}
        written = self._apply_rows(cur, rows, pending)
        self._index_page(cur, written, index)
        report.pulled += sum(len(pairs) for pairs in written.values())
        if resyncing and rows:
            cur.executemany("INSERT OR IGNORE INTO sync_seen (row_id) VALUES (?)",
                            [(row["id"],) for row in rows])
        if removed:
            by_table: dict[str, list[str]] = {}
            for removal in removed:
                by_table.setdefault(removal["table"], []).append(removal["id"])
            for table, ids in by_table.items():
                self._remove(cur, table, ids, pending, "Your access to this record has ended.", index)
                report.removed += len(ids)
        if resyncing and not page["has_more"]:
            for table in APPLY_ORDER:
                stale = [r[0] for r in cur.execute(
                    f"SELECT id FROM {table} WHERE id NOT IN (SELECT row_id FROM sync_seen)")
                    if r[0] not in pending]
                if stale:
                    self._remove(cur, table, stale, pending, "Your access to this record has changed.", index)
                    report.removed += len(stale)
            cur.execute("DELETE FROM sync_seen")
            self._set(cur, "resync", "0")
        self._set(cur, "cursor", str(page["next_cursor"]))
        self._set(cur, "access", page.get("access", ""))
        if rows or removed:
            self._audit(cur, "sync_pull", "", "")

    @staticmethod
    def _index_page(cur, written: dict[str, list[tuple[str, int]]],
                    index: "search_index.PendingIndex | None") -> None:
        """Bulk: note the rows for the transaction's index. Otherwise the triggers have
        indexed them; parts that came before their parent get its team and session."""
        if index is not None:
            index.add(written)
            index.flush()
        elif any(written.get(table) for table in search_index.PARENT_TABLES):
            search_index.clear_written(cur)
            search_index.note_written(cur, written)
            search_index.fix_scope(cur, written)

    def _remove(self, cur, table: str, ids: list[str], pending: set[str], reason: str,
                index: "search_index.PendingIndex | None" = None) -> None:
        """Remove rows as the server directs; unsent local changes to them are kept.
        With the search triggers suspended (``index``), their index rows go too."""
        for row_id in ids:
            if row_id in pending:
                latest = cur.execute(
                    "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1",
                    (row_id,)).fetchone()[0]
                self._keep_conflict(cur, table, row_id, "removed", reason, latest, None)
                cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (row_id,))
            self._audit(cur, "sync_remove", table, row_id)
        self._delete_rows(cur, table, ids)
        if index is not None and table in search_index.SEARCH_TABLES:
            index.forget(ids)

    def _apply_rows(self, cur, rows: list[dict[str, Any]], pending: set[str]) -> dict[str, list[tuple[str, int]]]:
        """Upsert a page of server rows, parts before the records they belong to. Rows
        with unsent local changes are left alone (the push settles them). Returns the
        (id, seq) of the rows written, by table."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_table.setdefault(row["table"], []).append(row)
        written: dict[str, list[tuple[str, int]]] = {}
        for table in APPLY_ORDER:
            group = by_table.get(table)
            if group:
                todo = self._changed(cur, table, group, pending)
                if todo:
                    self._upsert_many(cur, table, todo)
                    written[table] = [(row["id"], row["seq"]) for row in todo]
        return written

    @staticmethod
    def _changed(cur, table: str, group: list[dict[str, Any]], pending: set[str]) -> list[dict[str, Any]]:
        """The rows of ``group`` not held here already at their version and tombstone."""
        held: dict[str, tuple[int, bool]] = {}
        for ids in _chunks([row["id"] for row in group]):
            marks = ",".join("?" for _ in ids)
            for row_id, version, tombstone in cur.execute(
                f"SELECT id, version, tombstone FROM {table} WHERE id IN ({marks})", ids
            ):
                held[row_id] = (version, bool(tombstone))
        return [row for row in group
                if row["id"] not in pending and held.get(row["id"]) != (row["version"], row["tombstone"])]

    def _upsert_many(self, cur, table: str, todo: list[dict[str, Any]]) -> None:
        """One executemany; if the database refuses a row, row by row to settle each."""
        sql = TABLE_SQL[table]
        params = [sql.params(row) for row in todo]  # a malformed row stops the sync here
        cur.execute("SAVEPOINT page_table")
        try:
            cur.executemany(sql.upsert, params)
            cur.execute("RELEASE page_table")
        except Exception:  # noqa: BLE001 - sqlcipher3 errors: retry row by row to find the one
            cur.execute("ROLLBACK TO page_table")
            cur.execute("RELEASE page_table")
            for row in todo:
                self._apply_row(cur, row, force=False)

    def _apply_row(self, cur, row: dict[str, Any], *, force: bool) -> bool:
        """Upsert one server row; if the local copy is protected (signed here but refused
        by the server) and ``force`` is set, replace it with the protection lifted."""
        table = row["table"]
        sql = TABLE_SQL[table]
        params = sql.params(row)
        if table == "signature":
            self._make_room_for_signature(cur, row)
        cur.execute("SAVEPOINT one_row")
        try:
            cur.execute(sql.upsert, params)
            cur.execute("RELEASE one_row")
            return True
        except Exception as error:  # noqa: BLE001 - a lock trigger refused it: stored below as the server has it
            cur.execute("ROLLBACK TO one_row")
            cur.execute("RELEASE one_row")
            log.info("a %s row is stored with the lock triggers lifted (%s)", SafeText(table), type(error))
        # The server's row is authoritative and the server never changes a locked record,
        # so a trigger objecting here is about order (an agreed action whose status moved
        # on after sign-off, arriving after its signed record), not about a change to a
        # signed record: store it as the server has it.
        cur.execute("SAVEPOINT one_row")
        try:
            with self._protection_lifted(cur, table):
                cur.execute(f"DELETE FROM {table} WHERE id = ?", (row["id"],))
                cur.execute(sql.upsert, params)
            cur.execute("RELEASE one_row")
        except Exception as error:
            cur.execute("ROLLBACK TO one_row")
            cur.execute("RELEASE one_row")
            if force:
                raise
            # Keep going, and have the next sync start a resync, which sends everything
            # again and heals whatever this was.
            log.warning("a pulled %s row could not be stored: %s", SafeText(table), type(error))
            self._set(cur, "needs_resync", "1")
            return False
        if force:
            self._audit(cur, "sync_replace", table, row["id"])
        return True

    def _make_room_for_signature(self, cur, row: dict[str, Any]) -> None:
        """The server holds a signature for this record and role that this laptop also
        made (on two devices at once): the server's stands, the local one is kept aside."""
        data = row["data"]
        clash = cur.execute(
            "SELECT id FROM signature WHERE record_kind = ? AND record_id = ? AND signer_role = ? "
            "AND id <> ?", (data["record_kind"], data["record_id"], data["signer_role"], row["id"])
        ).fetchall()
        for (local_id,) in clash:
            latest = cur.execute(
                "SELECT payload FROM sync_outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1",
                (local_id,)).fetchone()
            if latest is not None:
                self._keep_conflict(cur, "signature", local_id, "conflict",
                                    "This record was signed on another device first.", latest[0], row)
                cur.execute("DELETE FROM sync_outbox WHERE row_id = ?", (local_id,))
            self._delete_rows(cur, "signature", [local_id])

    def _forget_records(self) -> None:
        """A leaver's laptop: remove every record (the directory stays), the changes not yet
        sent and the kept conflict copies; start again from the beginning if the account is
        ever enabled again. The records stay on the server (DESIGN.md §1.1)."""
        with self._raw() as cur:
            for table in APPLY_ORDER:
                if table in p.DIRECTORY_TABLES:
                    continue
                ids = [r[0] for r in cur.execute(f"SELECT id FROM {table}")]
                if ids:
                    self._delete_rows(cur, table, ids)
            cur.execute("DELETE FROM sync_outbox")
            cur.execute("DELETE FROM sync_conflict")
            self._set(cur, "cursor", "0")
            self._audit(cur, "account_ended", "", "")

    def _delete_rows(self, cur, table: str, ids: list[str]) -> None:
        with self._protection_lifted(cur, table):
            for chunk in _chunks(ids):
                marks = ",".join("?" for _ in chunk)
                cur.execute(f"DELETE FROM {table} WHERE id IN ({marks})", chunk)

    @contextmanager
    def _protection_lifted(self, cur, table: str) -> Iterator[None]:
        """Drop the lock triggers on ``table`` and put them back exactly as they were, in
        the caller's transaction (nothing else can write meanwhile: BEGIN IMMEDIATE)."""
        triggers = cur.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND sql LIKE '%RAISE(ABORT%'", (table,)).fetchall()
        for name, _sql in triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _name, sql in triggers:
                cur.execute(sql)

    # audit

    def _audit(self, cur, action: str, record_kind: str, record_id: str) -> None:
        """Append to the hash-chained audit log in this transaction (ids only)."""
        last = cur.execute("SELECT seq, entry_hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        at = utc_now()
        actor = self._get(cur, "staff_id")
        digest = entry_hash(seq=seq, at=at, actor_id=actor, action=action, record_kind=record_kind,
                            record_id=record_id, prev_hash=prev)
        cur.execute(
            "INSERT INTO audit_entry (seq, at, actor_id, action, record_kind, record_id, prev_hash, "
            "entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at.strftime("%Y-%m-%d %H:%M:%S.%f"), actor, action, record_kind, record_id, prev, digest))

    # -- what the app shows -----------------------------------------------------------

    def status(self) -> SyncStatus:
        with self._raw(write=False) as cur:
            last = self._get(cur, "last_sync_at")
            pending = cur.execute("SELECT count(*) FROM sync_outbox").fetchone()[0]
            conflicts = cur.execute(
                "SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL").fetchone()[0]
            return SyncStatus(
                signed_in=bool(self.secrets.get(TOKEN_NAME)),
                last_sync_at=p.parse_datetime(last) if last else None,
                pending_changes=pending, unresolved_conflicts=conflicts,
                last_error=self._get(cur, "last_error", "") or "",
                audit_alarm=self._get(cur, "audit_alarm", "") or "",
                cursor=int(self._get(cur, "cursor", "0")),
                **self._certificate_words(cur),
            )

    def pending_conflicts(self) -> list[Conflict]:
        with self._raw(write=False) as cur:
            rows = cur.execute(
                "SELECT id, table_name, row_id, kind, reason, local_payload, server_payload, created_at "
                "FROM sync_conflict WHERE resolved_at IS NULL ORDER BY created_at").fetchall()
        return [
            Conflict(id=r[0], table=r[1], row_id=r[2], kind=r[3], reason=r[4],
                     local=json.loads(r[5]), server=json.loads(r[6]) if r[6] else None,
                     created_at=datetime.fromisoformat(r[7]).replace(tzinfo=timezone.utc))
            for r in rows
        ]

    def resolve_conflict(self, conflict_id: str, keep: str) -> None:
        """``keep='server'``: accept what is on the server (already in place).
        ``keep='mine'``: write the local version again on top of the server's, as a new
        change that the next sync sends."""
        if keep not in ("server", "mine"):
            raise ValueError("keep must be 'server' or 'mine'")
        conflict = next((c for c in self.pending_conflicts() if c.id == conflict_id), None)
        if conflict is None:
            raise SyncError("That conflict has already been resolved.")
        if keep == "mine" and (conflict.kind != "conflict" or conflict.table in p.INSERT_ONLY_TABLES):
            # the server refused it (it would again), access ended, or it is a signature:
            # only a version that lost to another device's change can be sent again
            raise SyncError("This change cannot be sent again: keep the server's version, "
                            "and sign again or retype what is needed.")
        if keep == "mine":
            model = p.MODEL_FOR_TABLE[conflict.table]
            specs = {s.name: s for s in p.TABLE_FIELDS[conflict.table]}
            with self.db.transaction() as session:
                obj = session.get(model, conflict.row_id)
                if obj is None:
                    obj = model(id=conflict.row_id)
                    session.add(obj)
                for name, value in conflict.local["data"].items():
                    setattr(obj, name, p.decode_value(specs[name], value))
                obj.tombstone = bool(conflict.local["tombstone"])
        with self._raw() as cur:
            cur.execute("UPDATE sync_conflict SET resolved_at = ?, resolution = ? WHERE id = ?",
                        (utc_now().strftime("%Y-%m-%d %H:%M:%S.%f"), keep, conflict_id))
            self._audit(cur, f"conflict_keep_{keep}", conflict.table, conflict.row_id)

    def close(self) -> None:
        self._wait_for_housekeeping()
        self.http.close()
