"""``supervision-app check-profile``, as a person or IT runs it: a real process opening a
real encrypted profile (its key in a file keyring the child process can read), reporting
in words, exit code 0 only when all is well."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from sqlalchemy import text

from supervision_app.store.audit_log import record_event
from supervision_app.store.database import open_database
from tests.gui.file_keyring import FileKeyring

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def profile(tmp_path):
    """A profile with a few audit entries, closed; its key in a file keyring."""
    keyring_file = tmp_path / "keyring.json"
    keyring.set_keyring(FileKeyring(keyring_file))  # the autouse fixture restores the old one
    folder = tmp_path / "profile"
    db = open_database(folder)
    with db.transaction() as s:
        for n in range(5):
            record_event(s, actor_id="worker-1", action="view", record_kind="supervision",
                         record_id=f"record-{n}")
    db.close()
    return folder, keyring_file


def _check(folder: Path | None, keyring_file: Path | None, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    if keyring_file is not None:
        env.update(PYTHON_KEYRING_BACKEND="tests.gui.file_keyring.FileKeyring",
                   TEST_KEYRING_FILE=str(keyring_file))
    args = ["check-profile", *(["--data-dir", str(folder)] if folder else []), *extra]
    return subprocess.run([sys.executable, "-m", "supervision_app.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _tamper(folder: Path, statement: str) -> None:
    db = open_database(folder)
    try:
        raw = db.engine.raw_connection()
        cur = raw.cursor()
        cur.execute("DROP TRIGGER audit_entry_no_update")
        cur.execute("DROP TRIGGER audit_entry_no_delete")
        cur.execute(statement)
        raw.commit()
        raw.close()
    finally:
        db.close()


def test_help_needs_no_profile():
    result = _check(None, None, "--help")
    assert result.returncode == 0
    assert "audit log" in result.stdout and "--data-dir" in result.stdout


def test_a_sound_profile_is_reported_well_with_exit_code_0(profile):
    folder, keyring_file = profile
    result = _check(folder, keyring_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All is well" in result.stdout
    assert "5 entries" in result.stdout


@pytest.mark.parametrize(("statement", "words"), [
    ("UPDATE audit_entry SET record_id = 'record-9' WHERE seq = 2", "entry 2 has been altered"),
    ("DELETE FROM audit_entry WHERE seq = 3", "entry 3 is missing"),
])
def test_a_rewritten_audit_log_is_reported_with_exit_code_1(profile, statement, words):
    folder, keyring_file = profile
    _tamper(folder, statement)
    result = _check(folder, keyring_file)
    assert result.returncode == 1
    assert "audit log has been changed outside the app" in result.stdout
    assert words in result.stdout
    assert "Tell IT" in result.stdout


def test_a_damaged_encrypted_page_is_reported_with_exit_code_1(profile):
    folder, keyring_file = profile
    db = open_database(folder)
    with db.reading() as s:  # the page holding a table that opening the profile never reads
        page_number = s.execute(text("select rootpage from sqlite_master where name = 'child'")).scalar()
    db.close()
    database = next(p for p in folder.iterdir() if p.suffix == ".db")
    data = bytearray(database.read_bytes())
    page = 4096
    data[(page_number - 1) * page + 100] ^= 0xFF
    database.write_bytes(bytes(data))
    result = _check(folder, keyring_file)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "encrypted database file fail" in result.stdout
    assert "Tell IT" in result.stdout


def test_no_profile_is_said_in_words(tmp_path):
    result = _check(tmp_path / "nowhere", tmp_path / "keyring.json")
    assert result.returncode == 2
    assert "There is no profile" in result.stderr
