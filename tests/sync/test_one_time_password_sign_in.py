"""A person given a one-time password by IT signs in through the app's sign-in dialog: the
server says a password of their own is needed, the dialog asks for it (twice, named for
screen readers), and the same sign-in goes on with it (issue 18)."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from supervision_app.gui.sync_panel import ServerSignInDialog, SyncController
from tests.sync.admin_cli import run
from tests.sync.harness import deploy

OWN_PASSWORD = "a password of my own"


@pytest.fixture
def server(tmp_path):
    dep, teardown = deploy("sqlite", tmp_path / "server")
    yield dep
    teardown()


def _answer_prompts(qtbot, answers: list[str], seen: list[str]) -> None:
    """Type each answer into the next password prompt as it opens (they run modally)."""
    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QInputDialog) and dialog.isVisible():
            edit = dialog.findChild(QLineEdit)
            assert edit.accessibleName() == "New password"
            assert edit.echoMode() == QLineEdit.EchoMode.Password
            seen.append(dialog.labelText())
            edit.setText(answers.pop(0))
            qtbot.keyClick(edit, Qt.Key.Key_Return)
        if answers:
            QTimer.singleShot(50, poll)

    QTimer.singleShot(50, poll)


def test_the_sign_in_dialog_asks_for_a_new_password_when_the_server_says_so(qtbot, server, database):
    done = run(server.database_url, "set-password", "sw_a1", "--one-time-password", "--json")
    assert done.returncode == 0, done.stderr
    once = json.loads(done.stdout)["one_time_password"]

    controller = SyncController(database, interval_ms=60 * 60 * 1000)
    dialog = ServerSignInDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    f = dialog.form
    qtbot.keyClicks(f.serverAddressEdit, server.url)
    qtbot.keyClicks(f.usernameEdit, "sw_a1")
    qtbot.keyClicks(f.passwordEdit, once)
    seen: list[str] = []
    # a mismatch first: asked again, then the same password twice
    _answer_prompts(qtbot, [OWN_PASSWORD, "something else!", OWN_PASSWORD, OWN_PASSWORD], seen)
    with qtbot.waitSignal(controller.sync_finished, timeout=90000):
        qtbot.keyClick(f.passwordEdit, Qt.Key.Key_Return)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert "choose a new password of your own" in seen[0]
    assert seen[2].startswith("The two passwords were not the same")
    qtbot.waitUntil(lambda: not controller.syncing, timeout=30000)
    controller.wait()

    # the one-time password is used up; the person's own works
    from supervision_app.sync.client import SyncError

    with pytest.raises(SyncError):
        controller.client.login("sw_a1", once)
    assert controller.client.login("sw_a1", OWN_PASSWORD).staff_id == server.org.ids["sw_a1"]


def test_the_first_run_page_asks_for_a_new_password_too(qtbot, server, database, monkeypatch, tmp_path):
    from supervision_app.client_settings import CONFIG_PATH_ENV, SERVER_URL_ENV
    from supervision_app.gui.app import application
    from supervision_app.gui.first_run import FirstRunPage

    monkeypatch.delenv(SERVER_URL_ENV, raising=False)
    monkeypatch.setenv(CONFIG_PATH_ENV, str(tmp_path / "machine" / "client.toml"))
    done = run(server.database_url, "set-password", "tm_b", "--one-time-password", "--json")
    once = json.loads(done.stdout)["one_time_password"]
    application()
    page = FirstRunPage(database)
    qtbot.addWidget(page)
    page.show()
    try:
        f = page.form
        qtbot.mouseClick(f.connectButton, Qt.MouseButton.LeftButton)
        f.serverAddressEdit.clear()
        qtbot.keyClicks(f.serverAddressEdit, server.url)
        qtbot.keyClicks(f.usernameEdit, "tm_b")
        qtbot.keyClicks(f.passwordEdit, once)
        seen: list[str] = []
        _answer_prompts(qtbot, [OWN_PASSWORD, OWN_PASSWORD], seen)
        qtbot.mouseClick(f.signInButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.staff_id is not None, timeout=120000)
        assert page.staff_id == server.org.ids["tm_b"]
        assert "choose a new password of your own" in seen[0]
        qtbot.waitUntil(lambda: page.state in ("done", "form", "sync_failed"), timeout=120000)
    finally:
        page.shutdown()
        if page.controller.client is not None:
            page.controller.client.close()
