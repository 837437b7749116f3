"""Opening the encrypted profile: encryption, keyring failures, wrong keys, full disks."""
from __future__ import annotations

import hashlib
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring
from sqlalchemy import text

from supervision_app.security.secret_store import KeyringUnavailable, SecretStore
from supervision_app.store.database import DATABASE_KEY_NAME, open_database
from supervision_app.store.errors import (
    DatabaseKeyMissing,
    DatabaseUnreadable,
    ForeignDatabase,
    ProfileDamaged,
    StorageFull,
    StoreError,
)
from supervision_app.store.models import Staff, SupervisionSession
from tests.memory_keyring import BrokenKeyring


def _fingerprint(folder: Path) -> dict[str, str]:
    if not folder.exists():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def _add_staff(db, name="Alex Example"):
    with db.transaction() as s:
        staff = Staff(display_name=name, username=name.lower().replace(" ", "."), role="social_worker",
                      started_on=date(2024, 1, 1))
        s.add(staff)
    return staff.id


def test_plain_sqlite_cannot_read_the_database(database, profile_dir):
    _add_staff(database, "Unmistakable Name")
    database.close()
    raw = (profile_dir / "records.db").read_bytes()
    assert b"SQLite format 3" not in raw[:16]
    assert b"Unmistakable" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(profile_dir / "records.db").execute("select * from sqlite_master").fetchall()


def test_reopening_with_the_keyring_key_reads_the_data(database, profile_dir):
    staff_id = _add_staff(database)
    database.close()
    again = open_database(profile_dir)
    with again.reading() as s:
        assert s.get(Staff, staff_id).display_name == "Alex Example"
    again.close()


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), PlaintextKeyring()],
                         ids=["fail", "null", "plaintext-file"])
def test_an_insecure_keyring_is_refused_before_anything_is_written(backend, profile_dir):
    keyring.set_keyring(backend)
    with pytest.raises(KeyringUnavailable) as refused:
        open_database(profile_dir)
    assert "secure keyring" in str(refused.value)
    assert "Nothing has been written" in str(refused.value)
    assert not profile_dir.exists()


def test_a_failing_keyring_gives_a_clear_message(profile_dir):
    keyring.set_keyring(BrokenKeyring())
    with pytest.raises(KeyringUnavailable, match="KeyringLocked"):
        open_database(profile_dir)
    assert not profile_dir.exists()


def test_missing_key_for_an_existing_database_refuses_and_touches_nothing(database, profile_dir, memory_keyring):
    _add_staff(database)
    database.close()
    memory_keyring.secrets.clear()
    before = _fingerprint(profile_dir)
    with pytest.raises(DatabaseKeyMissing, match="not in your keyring"):
        open_database(profile_dir)
    assert _fingerprint(profile_dir) == before


def test_wrong_key_refuses_and_touches_nothing(database, profile_dir, memory_keyring):
    _add_staff(database)
    database.close()
    (service, user), = [k for k in memory_keyring.secrets if k[1].endswith(DATABASE_KEY_NAME)]
    memory_keyring.secrets[(service, user)] = "00" * 32
    before = _fingerprint(profile_dir)
    with pytest.raises(DatabaseUnreadable, match="cannot be decrypted"):
        open_database(profile_dir)
    assert _fingerprint(profile_dir) == before


def test_a_plain_sqlite_file_in_the_profile_is_refused(profile_dir, database):
    database.close()
    target = profile_dir / "records.db"
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    target.unlink()
    sqlite3.connect(target).execute("create table t(x)").connection.commit()
    before = _fingerprint(profile_dir)
    with pytest.raises(ForeignDatabase, match="unencrypted"):
        open_database(profile_dir)
    assert _fingerprint(profile_dir) == before


def test_a_corrupt_file_is_refused(profile_dir, database):
    database.close()
    target = profile_dir / "records.db"
    data = bytearray(target.read_bytes())
    data[100:4000] = b"\xff" * 3900
    target.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    with pytest.raises(DatabaseUnreadable):
        open_database(profile_dir)


def test_a_damaged_profile_description_is_refused(profile_dir, database):
    database.close()
    (profile_dir / "profile.json").write_text("{not json")
    with pytest.raises(ProfileDamaged):
        open_database(profile_dir)


def test_a_full_disk_gives_a_clear_message_and_keeps_what_was_saved(database):
    kept = _add_staff(database, "Saved Before")
    with database.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
    # Simulate a full disk: let the file grow no further on any pooled connection.
    from sqlalchemy import event

    @event.listens_for(database.engine, "checkout")
    def _cap(dbapi_connection, *_):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    database.engine.dispose()
    with pytest.raises(StorageFull, match="disk is full"):
        with database.transaction() as s:
            for i in range(50):
                s.add(Staff(display_name="x" * 5000, username=f"bulk{i}", role="social_worker",
                            started_on=date(2024, 1, 1)))
    with database.reading() as s:
        assert s.get(Staff, kept).display_name == "Saved Before"
        assert s.execute(text("select count(*) from staff")).scalar() == 1


def test_text_over_the_limit_is_refused_by_the_database_itself(database):
    staff_id = _add_staff(database)
    with pytest.raises(StoreError, match="not saved"):
        with database.transaction() as s:
            s.add(SupervisionSession(
                supervisee_id=staff_id, supervisor_id=staff_id, held_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                duration_minutes=60, session_type="planned_1to1", learning="y" * 100_001))


def test_naive_datetimes_are_refused(database):
    staff_id = _add_staff(database)
    with pytest.raises(Exception, match="naive"):
        with database.transaction() as s:
            s.add(SupervisionSession(supervisee_id=staff_id, supervisor_id=staff_id,
                                     held_at=datetime(2026, 1, 1), duration_minutes=60,
                                     session_type="planned_1to1"))


def test_secret_store_keeps_profiles_apart(memory_keyring):
    a, b = SecretStore("profile-a"), SecretStore("profile-b")
    a.set("token", "one")
    assert b.get("token") is None and a.get("token") == "one"
