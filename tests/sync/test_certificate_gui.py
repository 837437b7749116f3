"""Re-enrolment from the app against a real server process: a revoked certificate shows in
the status line in words and stops signing; Sync > Get a new signing certificate says to
sign in again; signing in again through the dialog makes a new key that signs; after
``allow-new-certificate`` the menu action alone replaces the key."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from supervision_app.gui.sync_panel import ServerSignInDialog, SyncController
from supervision_app.records.signoff import sign_oversight_note
from supervision_app.security.credentials import CredentialsUnavailable
from tests.sync import records as r
from tests.sync.harness import CA_PASSPHRASE, PASSWORD, REPO, deploy


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("certificate-gui-server"))
    yield dep
    teardown()


def _cli(server, *args: str) -> str:
    env = dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE)
    done = subprocess.run(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
         server.database_url, "--log-level", "warning", *args],
        cwd=REPO, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _sync(qtbot, controller) -> None:
    with qtbot.waitSignal(controller.sync_finished, timeout=60000) as finished:
        controller.sync_now()
    assert finished.args[1] is None, finished.args[1]
    controller.wait()
    qtbot.waitUntil(lambda: not controller.syncing, timeout=20000)


def _new_certificate(qtbot, controller) -> str:
    """Sync > Get a new signing certificate; the message box's words."""
    with qtbot.waitSignal(controller.certificate_outcome, timeout=60000) as outcome:
        controller.new_certificate_action.trigger()
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.objectName() == "newCertificateMessage" and w.isVisible()]
    assert boxes and boxes[0].text() == outcome.args[0] and boxes[0].accessibleName()
    boxes[0].accept()
    controller.wait()
    return outcome.args[0]


def _sign(database, store, org, author="tm_a"):
    laptop = SimpleNamespace(db=database)
    note_id = r.new_note(laptop, child=org.children["a"], author=org.ids[author],
                         decision="keep the plan", rationale="it is working")
    return sign_oversight_note(database, store, note_id=note_id, signer_id=org.ids[author])


def test_revoked_then_re_enrolled_through_the_app(qtbot, server, database):
    org = server.org
    controller = SyncController(database, interval_ms=60 * 60 * 1000)
    widget = controller.status_widget()
    qtbot.addWidget(widget)
    widget.show()
    assert controller.new_certificate_action in controller.actions()
    assert "&new" in controller.new_certificate_action.text()

    # sign in through the dialog: the key is made and certified, then the first sync
    dialog = ServerSignInDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.form.serverAddressEdit, server.url)
    qtbot.keyClicks(dialog.form.usernameEdit, "tm_a")
    qtbot.keyClicks(dialog.form.passwordEdit, PASSWORD)
    with qtbot.waitSignal(controller.sync_finished, timeout=60000):
        qtbot.keyClick(dialog.form.passwordEdit, Qt.Key.Key_Return)
    controller.wait()
    store = controller._credential_store()
    first = store.credentials_for(org.ids["tm_a"]).certificate
    _sign(database, store, org)
    _sync(qtbot, controller)
    assert "certificate" not in widget.label.text()

    _cli(server, "revoke-certificate", "tm_a", "--reason", "key copied by mistake")
    _sync(qtbot, controller)
    qtbot.waitUntil(lambda: "cannot sign: new certificate needed" in widget.label.text(), timeout=30000)
    assert "key copied by mistake" in widget.label.accessibleDescription()
    assert "Sign in again" in widget.label.toolTip()
    assert widget.sign_in_button.isVisible()
    with pytest.raises(CredentialsUnavailable, match="revoked"):
        _sign(database, store, org)

    # the menu action alone is not enough after an administrator's revocation
    assert "Sign in again" in _new_certificate(qtbot, controller)
    assert store.credentials_for(org.ids["tm_a"]).certificate.serial_number == first.serial_number

    # signing in again does it: a new key, and signing works and is accepted by the server
    again = ServerSignInDialog(controller)
    qtbot.addWidget(again)
    again.show()
    again.form.serverAddressEdit.setText(server.url)
    again.form.usernameEdit.setText("tm_a")
    qtbot.keyClicks(again.form.passwordEdit, PASSWORD)
    with qtbot.waitSignal(controller.sync_finished, timeout=60000) as finished:
        qtbot.keyClick(again.form.passwordEdit, Qt.Key.Key_Return)
    assert finished.args[1] is None and finished.args[0].rejected == 0
    controller.wait()
    second = store.credentials_for(org.ids["tm_a"]).certificate
    assert second.serial_number != first.serial_number
    assert second.public_key().public_numbers() != first.public_key().public_numbers()
    _sign(database, store, org)
    with qtbot.waitSignal(controller.sync_finished, timeout=60000) as finished:
        controller.sync_now()
    assert finished.args[0].rejected == 0
    controller.wait()
    qtbot.waitUntil(lambda: "certificate" not in widget.label.text(), timeout=30000)

    # after allow-new-certificate the menu action replaces the key without a sign-in
    _cli(server, "allow-new-certificate", "tm_a", "--reason", "new role")
    assert "new signing certificate" in _new_certificate(qtbot, controller)
    third = store.credentials_for(org.ids["tm_a"]).certificate
    assert third.serial_number != second.serial_number
    _sign(database, store, org)

    # 20 days before it ends, the status line says so in words
    later = third.not_valid_after_utc - timedelta(days=20, hours=1)
    controller.client.clock = lambda: later
    controller.refresh_status()
    qtbot.waitUntil(lambda: "signing certificate expires in 20 days" in widget.label.text(), timeout=30000)
    assert "expires on" in widget.label.accessibleDescription()
    assert not widget.sign_in_button.isVisible()
    controller.shutdown()
