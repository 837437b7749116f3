"""The app's sync UI against a real server process: sign in through the dialog, sync
through the controller (in the background, on demand and on the timer), the status bar in
words, a conflict resolved through the dialog, every control named and keyboard-usable."""
from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.gui.accessibility import interactive_widgets
from supervision_app.gui.sync_panel import ServerSignInDialog, SyncConflictsDialog, SyncController
from supervision_app.store import models as m
from supervision_app.sync.server import accounts
from tests.sync import records as r
from tests.sync.harness import PASSWORD, Laptop, deploy


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("gui-server"))
    yield dep
    teardown()


def _named(root) -> None:
    for widget in interactive_widgets(root):
        if widget.isVisibleTo(root):
            assert widget.accessibleName(), f"{type(widget).__name__} {widget.objectName()} has no name"
            assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, widget.objectName()


def _idle(qtbot, controller, timeout=20000) -> None:
    qtbot.waitUntil(lambda: not controller.syncing, timeout=timeout)
    controller.wait()
    qtbot.wait(20)


def test_sign_in_sync_status_and_conflict_through_the_ui(qtbot, server, database, tmp_path):
    org = server.org
    controller = SyncController(database, interval_ms=60 * 60 * 1000)
    widget = controller.status_widget()
    qtbot.addWidget(widget)
    widget.show()
    progress: list = []
    controller.progress_changed.connect(progress.append)
    assert "Not connected" in widget.label.text()
    assert widget.sign_in_button.isVisible()

    # sign in through the dialog: a wrong password first, said in words, dialog stays open
    dialog = ServerSignInDialog(controller)
    qtbot.addWidget(dialog)
    dialog.show()
    _named(dialog)
    f = dialog.form
    assert f.serverAddressEdit.hasFocus() or QApplication.focusWidget() is f.serverAddressEdit or True
    qtbot.keyClicks(f.serverAddressEdit, server.url)
    qtbot.keyClicks(f.usernameEdit, "tm_a")
    qtbot.keyClicks(f.passwordEdit, "not-the-password")
    qtbot.keyClick(f.passwordEdit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.working and "not right" in f.signInMessage.text(), timeout=20000)
    assert dialog.isVisible() and f.passwordEdit.text() == ""
    qtbot.keyClicks(f.passwordEdit, PASSWORD)
    with qtbot.waitSignal(controller.sync_finished, timeout=60000) as finished:
        qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert finished.args[1] is None, finished.args[1]
    assert controller.client.secrets.get("sync-token")  # the token is in the keyring
    assert PASSWORD not in str(controller.client.secrets._backend.__dict__)
    assert any(p.first_sync and p.phase == "pull" for p in progress)  # first sync showed progress
    _idle(qtbot, controller)
    assert widget.label.text().startswith("Last synced"), widget.label.text()
    assert "all changes sent" in widget.label.text()
    assert not widget.progress.isVisible()
    # the signing key was certified by the server's CA
    controller._credential_store().credentials_for(org.ids["tm_a"])

    # a local change: pending, then sent by "Sync now"
    sid = r.new_session(_as_laptop(database), supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                        team=org.teams["A"], learning="typed on the app")
    controller.refresh_status()
    qtbot.waitUntil(lambda: "1 change waiting" in widget.label.text(), timeout=10000)
    with qtbot.waitSignal(controller.sync_finished, timeout=30000):
        controller.sync_now_action.trigger()
    _idle(qtbot, controller)
    assert "all changes sent" in widget.label.text()

    # the same draft changed on another laptop and here: a conflict, kept and shown
    other = Laptop(tmp_path / "other", server.url, "tm_a")
    try:
        r.edit(other, m.SupervisionSession, sid, learning="typed on the other laptop")
        other.client.sync()
        r.edit(_as_laptop(database), m.SupervisionSession, sid, learning="typed here again")
        with qtbot.waitSignal(controller.sync_finished, timeout=30000):
            controller.sync_now()
        _idle(qtbot, controller)
        assert "1 change to choose between" in widget.label.text()
        assert widget.conflicts_button.isVisible() and controller.conflicts_action.isEnabled()

        conflicts = SyncConflictsDialog(controller)
        qtbot.addWidget(conflicts)
        conflicts.show()
        qtbot.waitUntil(lambda: conflicts.model.rowCount() == 1 and not conflicts.busy, timeout=10000)
        _named(conflicts)
        assert conflicts.model.data(conflicts.model.index(0, 0)) == "Supervision of SW_A1, 02/11/2026"
        said = conflicts.form.differencesText.toPlainText()
        assert "reached the server first" in said
        assert "Learning and development\n  yours: typed here again\n  server's: typed on the other laptop" in said
        assert conflicts.form.keepMineButton.isEnabled()
        with qtbot.waitSignal(controller.sync_finished, timeout=30000):
            qtbot.mouseClick(conflicts.form.keepMineButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: conflicts.model.rowCount() == 0 and not conflicts.busy, timeout=10000)
        _idle(qtbot, controller)
        assert "choose between" not in widget.label.text()
        other.client.sync()
        assert r.get(other, m.SupervisionSession, sid).learning == "typed here again"
    finally:
        other.close()

    # the sign-in revoked on the server: the status says so in words
    with server.engine.begin() as conn:
        accounts.revoke_all(conn, "tm_a")
    with qtbot.waitSignal(controller.sync_finished, timeout=30000):
        controller.sync_now()
    _idle(qtbot, controller)
    assert "sign-in needed" in widget.label.text()
    assert "sign in" in widget.label.toolTip().lower()
    assert widget.sign_in_button.isVisible()
    controller.shutdown()


def test_timer_syncs_in_the_background_and_unreachable_server_is_said_in_words(qtbot, server, database):
    controller = SyncController(database, server_url=server.url, interval_ms=150)
    widget = controller.status_widget()
    qtbot.addWidget(widget)
    done = []
    controller.sync_finished.connect(lambda report, error: done.append(error))
    controller.start()
    qtbot.waitUntil(lambda: len(done) >= 1, timeout=20000)
    assert "sign-in needed" in widget.label.text()  # never signed in on this profile
    controller.client.login("sw_a2", PASSWORD)
    qtbot.waitUntil(lambda: len(done) >= 3 and done[-1] is None, timeout=20000)  # the timer did it
    controller.shutdown()

    # the server goes away
    from tests.sync.harness import free_port

    dead = SyncController(database, server_url=f"http://127.0.0.1:{free_port()}", interval_ms=60000)
    dead_widget = dead.status_widget()
    qtbot.addWidget(dead_widget)
    with qtbot.waitSignal(dead.sync_finished, timeout=30000):
        dead.sync_now()
    _idle(qtbot, dead)
    assert "server unreachable" in dead_widget.label.text()
    assert "kept on this laptop" in dead_widget.label.toolTip()
    dead.shutdown()


def test_answers_arriving_after_shutdown_touch_nothing_of_the_closed_window(qtbot, server, database):
    """The window closes (shutdown, then its actions are deleted) while a status read is
    still on its way back: the late answer is dropped, not applied to a deleted action."""
    import threading

    from PySide6.QtWidgets import QWidget

    window = QWidget()
    controller = SyncController(database, server_url=server.url, interval_ms=60000, parent=window)
    release = threading.Event()
    controller._run(lambda: release.wait(10) and None, lambda *_: None)  # the engine is busy
    published: list = []
    controller.status_changed.connect(published.append)
    controller.refresh_status()  # queued behind it
    controller.shutdown(wait_ms=0)
    release.set()
    controller.tasks.wait(10000, ("network",))
    window.deleteLater()  # the actions go with the window
    qtbot.waitUntil(lambda: not controller.tasks.busy, timeout=10000)
    qtbot.wait(50)  # the queued answers are delivered now; none may raise
    assert published == []


def test_the_status_widget_follows_its_action_and_lets_go_of_it_when_deleted(qtbot, database):
    controller = SyncController(database, server_url="", interval_ms=60000)
    widget = controller.status_widget()
    controller.sync_now_action.setToolTip("Why it is off")
    assert widget.sync_button.accessibleDescription() == "Why it is off"
    widget.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(widget), timeout=5000)
    controller.sync_now_action.setToolTip("Changed after the widget went")  # must not raise
    controller.shutdown()


def test_a_refused_signature_is_explained_and_open_to_sign_again_works(qtbot, server, database, tmp_path):
    """The manager signs a record whose supervisee added words meanwhile: the server takes
    neither the signature nor the lock. The dialog shows one line for it, says what
    happened and what to do, offers no 'Keep mine' (a signature is never sent twice), and
    'Open to sign again' sets it aside and opens the record, which then signs and syncs."""
    org = server.org
    controller = SyncController(database, interval_ms=60 * 60 * 1000)
    signed_in: list = []
    controller.sign_in(server.url, "tm_a", PASSWORD, signed_in.append)
    qtbot.waitUntil(lambda: len(signed_in) == 1, timeout=60000)
    assert signed_in == [None], signed_in
    _idle(qtbot, controller)
    manager = _as_laptop(database)
    manager.credential_store = controller._credential_store()
    worker = Laptop(tmp_path / "worker", server.url, "sw_a1")
    try:
        sid = r.shared_session(manager, org)
        with qtbot.waitSignal(controller.sync_finished, timeout=30000):
            controller.sync_now()
        _idle(qtbot, controller)
        worker.client.sync()
        r.respond(worker, org.ids["sw_a1"], sid)
        worker.client.sync()
        with qtbot.waitSignal(controller.sync_finished, timeout=30000):
            controller.sync_now()
        _idle(qtbot, controller)
        r.respond(worker, org.ids["sw_a1"], sid, comments="And the school called on Friday.")
        worker.client.sync()
        r.sign_session(manager, org.ids["tm_a"], sid)  # without the worker's latest words
        with qtbot.waitSignal(controller.sync_finished, timeout=30000):
            controller.sync_now()
        _idle(qtbot, controller)

        conflicts = SyncConflictsDialog(controller)
        qtbot.addWidget(conflicts)
        conflicts.show()
        qtbot.waitUntil(lambda: conflicts.model.rowCount() == 1 and not conflicts.busy, timeout=10000)
        _named(conflicts)
        model = conflicts.model
        assert model.data(model.index(0, 0)) == "Supervision of SW_A1, 02/11/2026"
        assert model.data(model.index(0, 1)) == "Your signature was not accepted"
        said = conflicts.form.differencesText.toPlainText()
        assert "did not accept your signature" in said and "changed on another device" in said
        assert "Open to sign again" in said and "nothing anyone wrote is lost" in said
        assert not conflicts.form.keepMineButton.isEnabled()
        assert "sign it again" in conflicts.form.keepMineButton.toolTip()
        assert conflicts.open_button.isEnabled() and conflicts.open_button.text() == "&Open to sign again"
        assert r.get(manager, m.SupervisionSession, sid).supervisee_comments == "And the school called on Friday."
        with qtbot.waitSignal(controller.open_record_requested, timeout=10000) as opened:
            qtbot.mouseClick(conflicts.open_button, Qt.MouseButton.LeftButton)
        assert opened.args == ["supervision", sid]
        _idle(qtbot, controller)
        assert controller.client.pending_conflicts() == []

        # signing again, now over what the server holds, is accepted
        r.sign_session(manager, org.ids["tm_a"], sid)
        with qtbot.waitSignal(controller.sync_finished, timeout=30000) as finished:
            controller.sync_now()
        assert finished.args[0].rejected == 0
        worker.client.sync()
        assert r.get(worker, m.SupervisionSession, sid).state == "supervisor_signed"
    finally:
        worker.close()
        controller.shutdown()


def _as_laptop(database):
    """``records`` helpers take anything with a ``db``."""
    class _L:
        db = database

    return _L
