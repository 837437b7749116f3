"""An addendum to a signed supervision agreement through the real widgets (issue 21): the
manager opens the locked agreement from My team, adds an addendum, signs and locks it; the
addendum's own signed PDF checks out in its Signatures dialog; the worker, on My
supervision, sees it in the agreement's addenda and may add one too. Before both have
signed there is no way to add one."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication

from supervision_app.gui.signing import ensure_credentials
from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.store import agreement_records as ar
from supervision_app.store.supervision_records import load_actor
from tests.gui.helpers import click, select_row, settle
from tests.gui.signing_steps import answer_confirmation


def _dialog(kind):
    (found,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found


def test_manager_adds_a_signed_addendum_and_the_worker_sees_it(qtbot, team, open_window, database):
    from supervision_app.gui.practice_dialogs import AgreementDialog
    from supervision_app.gui.signing import AddendumDialog, SignaturesDialog

    window = open_window(team.manager_id)
    worker_window = open_window(team.worker_id)
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, team.manager_id), team.worker_id)
    sign_agreement(database, ensure_credentials(window.ctx), agreement_id=agreement_id,
                   signer_id=team.manager_id)

    page = window.show_page("my_team")
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    click(qtbot, window, page.practice.agreementButton)
    dialog = _dialog(AgreementDialog)
    settle(qtbot, window)
    assert dialog.stateLabel.text().startswith("Signed by the supervisor")
    assert not dialog.addAddendumButton.isVisible()  # not signed by both yet
    dialog.accept()

    sign_agreement(database, ensure_credentials(worker_window.ctx), agreement_id=agreement_id,
                   signer_id=team.worker_id)
    page.refresh()
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    click(qtbot, window, page.practice.agreementButton)
    dialog = _dialog(AgreementDialog)
    settle(qtbot, window)
    assert dialog.stateLabel.text() == "Signed by both and locked."
    assert dialog.addAddendumButton.isVisible() and not dialog.addendaTable.isVisible()

    click(qtbot, window, dialog.addAddendumButton)
    addendum = _dialog(AddendumDialog)
    assert addendum.windowTitle() == "Addendum — the supervision agreement with Ben Steady"
    qtbot.keyClicks(addendum.bodyEdit, "From January we meet on Thursday mornings.")
    answer_confirmation(qtbot)
    click(qtbot, window, addendum.signButton)
    qtbot.waitUntil(lambda: addendum.messageLabel.text().startswith("Signed and locked"), timeout=60000)
    assert addendum.bodyEdit.isReadOnly()
    addendum.accept()
    qtbot.waitUntil(lambda: dialog.addenda_model.rowCount() == 1, timeout=10000)
    assert dialog.addendaTable.isVisible()
    row = dialog.addenda_model.rows[0]
    assert row.author_name == "Morgan Manager" and row.signed_at is not None

    click(qtbot, window, dialog.addendumSignaturesButton)
    signatures = _dialog(SignaturesDialog)
    qtbot.waitUntil(lambda: "intact, valid and trusted" in signatures.summaryLabel.text(), timeout=60000)
    assert [s.signer_common_name for s in signatures.report.signatures] == ["Morgan Manager"]
    signatures.accept()
    dialog.accept()

    mine = worker_window.show_page("my_supervision")
    settle(qtbot, worker_window)
    click(qtbot, worker_window, mine.practice.agreementButton)
    theirs = _dialog(AgreementDialog)
    qtbot.waitUntil(lambda: theirs.addenda_model.rowCount() == 1, timeout=10000)
    assert "Thursday mornings" in theirs.addenda_model.rows[0].body
    assert theirs.addAddendumButton.isVisible()  # the worker may add their own
    click(qtbot, worker_window, theirs.openAddendumButton)
    opened = _dialog(AddendumDialog)
    assert opened.bodyEdit.isReadOnly() and not opened.signButton.isVisible()
    assert opened.messageLabel.text().startswith("Signed and locked by Morgan Manager")
    opened.accept()
    theirs.accept()
