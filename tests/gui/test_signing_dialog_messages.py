"""Issue 19's rule "a status message is announced", in the dialogs that sign a record
themselves (agreement, addendum, group session; gui/signing_widgets.SigningDialog): what
their message line says after saving, while signing, or on a refusal reaches a screen
reader as an announcement, not only as words on screen it never hears."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from supervision_app.gui.accessibility import announcer
from tests.gui.helpers import click, select_row, settle, type_into


def test_the_agreement_dialogs_messages_are_announced(qtbot, open_window, team):
    from supervision_app.gui.practice_dialogs import AgreementDialog

    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    click(qtbot, window, page.practice.agreementButton)
    dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, AgreementDialog) and w.isVisible())
    settle(qtbot, window)
    heard: list[str] = []
    announcer().announced.connect(lambda _source, text: heard.append(text))
    type_into(qtbot, dialog.edits["location"], " (door closed)")
    with qtbot.waitSignal(dialog.loaded, timeout=20000):
        click(qtbot, window, dialog.saveButton)
    said = dialog.messageLabel.text()
    assert said.startswith("Draft saved")
    assert said in heard
    dialog._busy(True)  # as signing starts (the key, the PDF, the signature take seconds)
    assert heard[-1] == "Signing… this takes a few seconds."
    dialog._busy(False)
    dialog._failed(RuntimeError("the keyring is locked"))  # a refusal, in words
    assert heard[-1] == dialog.messageLabel.text() and heard[-1]
    dialog.reject()
    window.close()
