"""The encrypted local database: open, verify the key, migrate, and hand out sessions.

The database file is SQLCipher-encrypted with a random 32-byte key used as a raw key (no
passphrase derivation: the key is already random). The key lives only in the OS keyring.
Opening refuses, with a clear message and without touching any file, when the key is
missing, wrong, or the file is not ours.
"""
from __future__ import annotations

import json
import os
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import sqlcipher3
from sqlalchemy import URL, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from ..domain.text_rules import search_fold
from ..security.secret_store import SecretStore
from .errors import (
    DatabaseKeyMissing,
    DatabaseUnreadable,
    ForeignDatabase,
    ProfileDamaged,
    RecordLocked,
    StorageFull,
    StoreError,
)
from .outbox import ProfileSession  # its flushes write the sync outbox

DATABASE_FILE = "records.db"
PROFILE_FILE = "profile.json"
DATABASE_KEY_NAME = "database-key"
APPLICATION_ID = 0x53555056  # "SUPV": marks the file as ours once decrypted
# The newest Alembic revision (the head of store/migrations). A database already there is
# opened without loading Alembic at all (a quicker start); tests/store/test_latest_revision.py
# fails until this is bumped with each new migration.
LATEST_REVISION = "0018"
_PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"

SecretStoreFactory = Callable[[str], SecretStore]


@dataclass(frozen=True)
class Profile:
    folder: Path
    profile_id: str

    @property
    def database_path(self) -> Path:
        return self.folder / DATABASE_FILE


def _read_profile(folder: Path) -> Profile | None:
    marker = folder / PROFILE_FILE
    if not marker.exists():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        return Profile(folder=folder, profile_id=str(uuid.UUID(data["profile_id"])))
    except (ValueError, KeyError, TypeError, OSError):
        raise ProfileDamaged(
            f"The profile description in {folder} is damaged, so the app cannot tell which key "
            "opens this database. Nothing has been changed. Please contact IT support."
        ) from None


def _raw_key_pragma(key_hex: str) -> str:
    return f"x'{key_hex}'"


def _check_key_opens(path: Path, key_hex: str) -> None:
    """Open read-only with the key and read the schema; raise if it does not decrypt."""
    with path.open("rb") as handle:
        header = handle.read(16)
    if header == _PLAIN_SQLITE_HEADER:
        raise ForeignDatabase(
            f"{path.name} is an ordinary, unencrypted SQLite file, not a Supervision Recorder "
            "database. It has not been changed. Choose a different profile folder."
        )
    try:
        conn = sqlcipher3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlcipher3.DatabaseError as error:
        raise DatabaseUnreadable(f"The database file could not be opened ({error}).") from None
    try:
        conn.execute(f'PRAGMA key = "{_raw_key_pragma(key_hex)}"')
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    except sqlcipher3.DatabaseError:
        raise DatabaseUnreadable(
            f"The database in {path.parent} cannot be decrypted with the key in your keyring: "
            "the key is wrong or the file is damaged. Nothing has been changed. If you restored "
            "this folder from another computer, restore its keyring entry too, or contact IT."
        ) from None
    finally:
        conn.close()
    if application_id not in (0, APPLICATION_ID):
        raise ForeignDatabase(f"{path.name} belongs to another application. It has not been changed.")


def _search_fold_sql(value):
    return search_fold(value) if isinstance(value, str) else value


def _make_engine(path: Path, key_hex: str) -> Engine:
    url = URL.create("sqlite+pysqlcipher", password=_raw_key_pragma(key_hex), database=str(path))
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=4,
        max_overflow=4,
        connect_args={"check_same_thread": False, "timeout": 30},
        hide_parameters=True,  # record text must never reach a log through an error message
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()
        # SQLite's lower() folds ASCII only: name lookups compare with this instead
        dbapi_connection.create_function("search_fold", 1, _search_fold_sql, deterministic=True)

    return engine


def translate_error(error: DBAPIError) -> StoreError:
    message = str(getattr(error, "orig", error))
    if "signed and locked" in message or "has been signed" in message:
        return RecordLocked(
            "This record has been signed, so it can no longer be changed. "
            "Add a signed addendum to correct or add to it."
        )
    if "append-only" in message:
        return RecordLocked("Signatures, signed documents and the audit log can never be changed.")
    if "disk is full" in message or "database or disk is full" in message:
        return StorageFull(
            "The disk is full, so your last change could not be saved. Everything saved before "
            "is safe, and what you typed is still on screen. Free some disk space and save again."
        )
    if isinstance(error, IntegrityError):
        return StoreError("That change breaks a rule of the record (a value is missing, too long "
                          "or out of range), so it was not saved.")
    if isinstance(error, OperationalError) and "readonly" in message:
        return StoreError("The database is read-only here, so nothing could be saved.")
    return StoreError("The change could not be saved because of a storage error. Nothing "
                      "saved before has been lost.")


class Database:
    """An open, migrated, encrypted profile database."""

    def __init__(self, profile: Profile, engine: Engine) -> None:
        self.profile = profile
        self.engine = engine
        self._sessions = sessionmaker(engine, class_=ProfileSession, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction, committed on success; storage errors come out as
        :class:`StoreError` with a user-facing message and nothing half-written."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except DBAPIError as error:
            session.rollback()
            raise translate_error(error) from error
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reading. Closing it (not rolling back) leaves the loaded objects
        readable after the block; nothing read here can be written back."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()


def _current_revision(connection) -> str | None:
    has_table = connection.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").first()
    if has_table is None:
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def _migrate(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.exec_driver_sql("PRAGMA application_id").scalar() == 0:
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        if _current_revision(connection) == LATEST_REVISION:
            return  # up to date: no need for Alembic's machinery
        from alembic import command

        from .migrations_config import alembic_config

        command.upgrade(alembic_config(connection), "head")


def open_database(folder: Path, secret_store_factory: SecretStoreFactory = SecretStore) -> Database:
    """Open (or create) the profile in ``folder``.

    A new profile checks the keyring is secure before writing anything, then stores a fresh
    key in it. An existing one must have its key in the keyring and the key must decrypt it.
    """
    folder = Path(folder)
    profile = _read_profile(folder) if folder.exists() else None
    database_path = folder / DATABASE_FILE

    if profile is None:
        if database_path.exists():
            raise ProfileDamaged(
                f"{folder} holds a database but no profile description, so the app cannot tell "
                "which key opens it. Nothing has been changed. Please contact IT support."
            )
        profile = Profile(folder=folder, profile_id=str(uuid.uuid4()))
        secrets_ = secret_store_factory(profile.profile_id)  # refuses an insecure keyring
        key_hex = secrets.token_bytes(32).hex()
        secrets_.set(DATABASE_KEY_NAME, key_hex)
        if secrets_.get(DATABASE_KEY_NAME) != key_hex:
            raise DatabaseKeyMissing("The keyring did not keep the new database key; nothing was created.")
        folder.mkdir(parents=True, exist_ok=True)
        if os.name == "posix":
            folder.chmod(0o700)
        (folder / PROFILE_FILE).write_text(
            json.dumps({"profile_id": profile.profile_id, "format": 1}), encoding="utf-8"
        )
    else:
        secrets_ = secret_store_factory(profile.profile_id)
        stored = secrets_.get(DATABASE_KEY_NAME)
        if database_path.exists():
            if not stored:
                raise DatabaseKeyMissing(
                    "The key for this database is not in your keyring, so it cannot be opened. "
                    "Nothing has been changed. If you moved to a new computer or account, sign "
                    "in and sync to get your records, or ask IT to restore the keyring entry."
                )
            _check_key_opens(database_path, stored)
            key_hex = stored
        elif not stored:
            key_hex = secrets.token_bytes(32).hex()
            secrets_.set(DATABASE_KEY_NAME, key_hex)
        else:
            key_hex = stored

    engine = _make_engine(database_path, key_hex)
    try:
        _migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        raise translate_error(error) from error
    return Database(profile, engine)
