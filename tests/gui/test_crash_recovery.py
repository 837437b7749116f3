"""Never lose a word: a real process killed with SIGKILL mid-typing reopens with the text."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest

from supervision_app.store import supervision_records as sr
from supervision_app.store.database import open_database
from tests.gui.file_keyring import FileKeyring
from tests.gui.helpers import settle
from tests.gui.sample_team import build_sample_team, session_time
from tests.gui.typing_child import FIRST

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX kill -9")
def test_kill_9_mid_typing_keeps_the_draft(tmp_path, qtbot):
    keyring_file = tmp_path / "keyring.json"
    keyring.set_keyring(FileKeyring(keyring_file))  # the autouse fixture restores the old one
    folder = tmp_path / "profile"
    db = open_database(folder)
    team = build_sample_team(db)
    with db.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        session_id = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(1))
    db.close()

    env = dict(os.environ, PYTHON_KEYRING_BACKEND="tests.gui.file_keyring.FileKeyring",
               TEST_KEYRING_FILE=str(keyring_file), QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    child = subprocess.Popen([sys.executable, "-m", "tests.gui.typing_child", str(folder),
                              team.manager_id, session_id], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "TYPED", child.stderr.read()
        time.sleep(2.5)  # "within a couple of seconds of typing"; it is still typing
        assert child.poll() is None
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    db = open_database(folder)  # reopening after the kill: the draft is there, in the editor
    try:
        from supervision_app.gui.app import application, build_window

        application()
        window = build_window(db, team.manager_id)
        qtbot.addWidget(window)
        window.show()
        editor = window.open_session(session_id)
        settle(qtbot, window)
        text = editor.form.learningEdit.toPlainText()
        assert text.startswith(FIRST)
        assert "more" in text  # typing that went on after the first autosave was saved too
        editor.close_editor()
        window.ctx.tasks.wait()
    finally:
        db.close()
