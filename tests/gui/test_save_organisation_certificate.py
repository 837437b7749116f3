"""Help > Save the organisation's certificate…: the profile's CA certificate saved through a
real file dialog, typed into from the keyboard; a profile without one says so in words."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit

from supervision_app.gui.organisation_certificate import NO_CERTIFICATE
from supervision_app.gui.signing import credential_store


def _help_actions(window):
    menus = [a.menu() for a in window.menuBar().actions() if a.menu() is not None]
    help_menu = next(m for m in menus if m.title() == "&Help")
    return help_menu.actions()


def _dialog(qtbot, window) -> QFileDialog:
    found: list[QFileDialog] = []

    def shown():
        found[:] = [d for d in window.findChildren(QFileDialog, "saveCertificateDialog") if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown, timeout=10000)
    return found[0]


def test_help_saves_the_organisation_certificate_as_pem(qtbot, team, open_window, tmp_path):
    window = open_window(team.manager_id)
    action = window.save_certificate_action
    assert action in _help_actions(window)
    assert action.text() == "&Save the organisation's certificate…"
    ca_pem = credential_store(window.ctx).local_ca().certificate_pem()  # this profile's CA

    action.trigger()
    dialog = _dialog(qtbot, window)
    assert dialog.accessibleName() == "Save the organisation's certificate"
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    name_edit = dialog.findChild(QLineEdit, "fileNameEdit")
    name_edit.setFocus()
    name_edit.clear()
    target = tmp_path / "for-the-court.pem"
    qtbot.keyClicks(name_edit, str(target))
    qtbot.keyClick(name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: target.exists() and "Saved the organisation's certificate" in
                    window.statusBar().currentMessage(), timeout=10000)
    assert target.read_bytes() == ca_pem
    assert str(target) in window.statusBar().currentMessage()


def test_without_a_certificate_it_says_where_one_comes_from(qtbot, team, open_window):
    window = open_window(team.worker_id)
    window.save_certificate_action.trigger()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == NO_CERTIFICATE, timeout=10000)
    assert not [d for d in window.findChildren(QFileDialog) if d.isVisible()]
