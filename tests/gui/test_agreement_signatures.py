"""A signed supervision agreement's Signatures… button (issue 21): the signed PDF's
signatures checked against the organisation's certificate, and the PDF saved as it is held,
through the real widgets; a draft has no signed copy, so no button."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication, QFileDialog

from supervision_app.gui.signing import credential_store
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from tests.gui.helpers import click, select_row, settle
from tests.gui.signing_steps import answer_confirmation


def test_a_signed_agreement_shows_its_signatures_and_saves_its_pdf(qtbot, team, open_window, tmp_path,
                                                                    monkeypatch):
    from supervision_app.gui.practice_dialogs import AgreementDialog

    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
    click(qtbot, window, page.practice.agreementButton)
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, AgreementDialog) and w.isVisible()]
    settle(qtbot, window)
    assert not dialog.signaturesButton.isVisible()  # a draft: nothing signed yet
    answer_confirmation(qtbot)
    click(qtbot, window, dialog.signButton)
    qtbot.waitUntil(lambda: dialog.stateLabel.text().startswith("Signed by the supervisor"), timeout=60000)
    assert dialog.signaturesButton.isVisible() and dialog.signaturesButton.accessibleName() == "Signatures"

    click(qtbot, window, dialog.signaturesButton)
    signatures = dialog.sub_dialog
    qtbot.waitUntil(lambda: "intact, valid and trusted" in signatures.summaryLabel.text(), timeout=60000)
    assert signatures.windowTitle() == "Signatures — supervision agreement with Ben Steady"
    target = tmp_path / "agreement.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    click(qtbot, window, signatures.saveButton)
    qtbot.waitUntil(lambda: "Saved to" in signatures.trustLabel.text(), timeout=10000)
    ca = pki.load_certificate(credential_store(window.ctx).ca_certificate_pem())
    report = verify_pdf(target.read_bytes(), ca)
    assert report.all_ok, report
    assert [s.signer_common_name for s in report.signatures] == ["Morgan Manager"]
    signatures.accept()
    dialog.accept()
