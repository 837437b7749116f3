"""Bringing the server database's schema to head safely when several instances start at once.

Every instance used to run the Alembic upgrade as it started; started together on a fresh
or older database they raced (two ``CREATE TABLE`` for one table, and one crashed). Here
the upgrade runs under a lock that every instance takes first:

* PostgreSQL: a session-level advisory lock on a fixed key, held by a connection of its own
  (autocommit, so it keeps no transaction open) while another connection migrates. Advisory
  locks belong to one database, so servers of other databases in the cluster don't wait.
  If the process dies the session ends and the lock goes with it.
* SQLite (one machine, a pilot): SQLite's own write lock. The upgrade runs in one
  ``BEGIN IMMEDIATE`` transaction, so a second process waits on the busy timeout (and tries
  again until ``lock_timeout``), then finds the schema at head and does nothing.

The first instance to get the lock upgrades; the others wait, then see head and go on.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Iterator

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from ...errors import AppError
from .storage import MIGRATIONS_DIR, make_engine, migrate

log = logging.getLogger("supervision_app.sync.server.startup")

# Any fixed 64-bit number that nothing else in the database uses as an advisory lock key
# (it reads "supervis" in ASCII).
MIGRATION_LOCK_KEY = 0x7375706572766973
# ... and the one for the sweep of records left pending for the background archiver ("archivex").
ARCHIVE_SWEEP_LOCK_KEY = 0x6172636869766578
# The server's Alembic version table (migrations/env.py names it).
VERSION_TABLE = "sync_server_alembic_version"


class MigrationError(AppError):
    """The schema could not be brought to head, or is not at head when it must be."""


def head_revisions() -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return tuple(sorted(ScriptDirectory.from_config(config).get_heads()))


def current_revisions(connection: Connection) -> tuple[str, ...]:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return tuple(sorted(context.get_current_heads()))


def _describe(revisions: tuple[str, ...]) -> str:
    return ", ".join(revisions) if revisions else "empty"


def check_current(engine: Engine) -> None:
    """Raise :class:`MigrationError` unless the schema is at head (for ``--no-migrate``)."""
    with engine.connect() as connection:
        current = current_revisions(connection)
    heads = head_revisions()
    if current != heads:
        raise MigrationError(
            f"The database schema is at {_describe(current)} but this server needs "
            f"{_describe(heads)}: run `supervision-server migrate` first (migrate_on_start is off).")


def migrate_once(engine: Engine, *, lock_timeout: float = 300.0) -> bool:
    """Bring the schema to head unless another instance does; True if this process upgraded.

    Raises :class:`MigrationError` if the lock is not had within ``lock_timeout`` seconds."""
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        return _migrate_postgresql(engine, lock_timeout)
    if backend == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return _migrate_sqlite(engine, lock_timeout)
    # an in-memory database belongs to this one process: nobody to race
    migrate(engine)
    return True


def _upgrade_if_behind(engine: Engine) -> bool:
    """Only under the advisory lock: the check cannot go stale before the upgrade."""
    heads = head_revisions()
    with engine.begin() as connection:
        before = current_revisions(connection)
    if before == heads:
        log.info("database schema already at %s", _describe(heads))
        return False
    log.info("upgrading the database schema from %s to %s", _describe(before), _describe(heads))
    started = time.monotonic()
    migrate(engine)
    log.info("database schema upgraded to %s in %.1f s", _describe(heads), time.monotonic() - started)
    return True


def _migrate_postgresql(engine: Engine, lock_timeout: float) -> bool:
    key = {"key": MIGRATION_LOCK_KEY}
    with engine.connect() as lock:
        lock.execution_options(isolation_level="AUTOCOMMIT")
        deadline = time.monotonic() + lock_timeout
        waiting_said = False
        while not lock.execute(text("SELECT pg_try_advisory_lock(:key)"), key).scalar():
            if not waiting_said:
                log.info("another server instance is upgrading the database schema; waiting")
                waiting_said = True
            if time.monotonic() > deadline:
                raise MigrationError(
                    f"Another server instance held the schema upgrade lock for more than "
                    f"{lock_timeout:g} s. If none is running, look for a stuck session in "
                    f"pg_locks (locktype 'advisory', objid {MIGRATION_LOCK_KEY & 0xFFFFFFFF}).")
            time.sleep(0.2)
        try:
            return _upgrade_if_behind(engine)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), key)


def _immediate_engine(engine: Engine) -> Engine:
    """An engine on the same SQLite file whose transactions start with BEGIN IMMEDIATE
    (the write lock at once), instead of pysqlite's deferred, statement-by-statement ones."""
    immediate = make_engine(engine.url.render_as_string(hide_password=False))

    @event.listens_for(immediate, "connect")
    def _no_implicit_transactions(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(immediate, "begin")
    def _begin_immediate(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return immediate


def _migrate_sqlite(engine: Engine, lock_timeout: float) -> bool:
    immediate = _immediate_engine(engine)
    heads = head_revisions()
    found: list[tuple[str, ...]] = []

    # Read the revision inside the upgrade's own BEGIN IMMEDIATE transaction (this listener
    # runs after the one that began it), so that what is logged and returned is what this
    # process found under the write lock, not a guess made before it.
    @event.listens_for(immediate, "begin")
    def _note_revision(connection) -> None:
        found.append(current_revisions(connection))
        if found[-1] != heads:
            log.info("upgrading the database schema from %s to %s", _describe(found[-1]),
                     _describe(heads))

    deadline = time.monotonic() + lock_timeout
    try:
        while True:
            found.clear()
            started = time.monotonic()
            try:
                migrate(immediate)
                break
            except OperationalError as error:
                # the busy timeout ran out while another process held the write lock
                if "locked" not in str(error.orig):
                    raise
                if time.monotonic() > deadline:
                    raise MigrationError(
                        f"The SQLite database stayed locked for more than {lock_timeout:g} s "
                        f"during the schema upgrade.") from None
                log.info("the SQLite database is locked by another process; trying again")
    finally:
        immediate.dispose()
    if found and found[0] == heads:
        log.info("database schema already at %s", _describe(heads))
        return False
    log.info("database schema upgraded to %s in %.1f s", _describe(heads), time.monotonic() - started)
    return True


@contextmanager
def only_one_instance(engine: Engine, key: int) -> Iterator[bool]:
    """Whether this process is the one server instance doing the job ``key`` names now
    (without waiting: True, or False when another instance is at it).

    PostgreSQL: a session-level advisory lock on ``key``, held by a connection of its own
    for the job and let go after it (or when the process dies). SQLite serves one instance
    (a pilot on one machine): always True."""
    if engine.url.get_backend_name() != "postgresql":
        yield True
        return
    with engine.connect() as lock:
        lock.execution_options(isolation_level="AUTOCOMMIT")
        got = bool(lock.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar())
        try:
            yield got
        finally:
            if got:
                lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
