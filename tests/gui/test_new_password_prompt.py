"""The dialog that replaces an administrator's one-time password: its buttons have names a
screen reader says (Qt makes them only when the dialog is first shown), and the password is
asked twice and must be 12 characters or more."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QPushButton

from supervision_app.gui.app import application
from supervision_app.gui.sync_panel import ask_new_password


def test_the_new_password_is_asked_twice_in_a_dialog_whose_buttons_are_named(qtbot):
    application()
    typed = iter(["too short", "too short", "a long enough password", "a long enough password"])
    seen: list[tuple[set[str], str]] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog) or not dialog.findChildren(QPushButton):
            QTimer.singleShot(10, answer)
            return
        buttons = {b.accessibleName(): b for b in dialog.findChildren(QPushButton)}
        seen.append((set(buttons), dialog.labelText()))
        dialog.findChild(QLineEdit).setText(next(typed))
        if len(seen) < 4:
            QTimer.singleShot(10, answer)
        # by its text: a nameless button must fail the test below, not hang it here
        next(b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == "OK").click()

    QTimer.singleShot(10, answer)
    chosen = ask_new_password(None, "Choose a password of your own.")
    assert chosen == "a long enough password"
    assert all(names == {"OK", "Cancel"} for names, _label in seen)
    labels = [label for _names, label in seen]
    assert labels[0].startswith("Choose a password of your own.")
    assert "again" in labels[1]
    assert "shorter than 12 characters" in labels[2]  # asked again, saying why
