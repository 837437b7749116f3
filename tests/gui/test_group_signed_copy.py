"""A worker's signed copy of a group session through the real widgets (issue 21): after the
supervisor has signed, the worker opens the group session, signs it with the Sign button,
then opens 'My signed copy…': the records' Signatures dialog checks the one signature on
their PDF against the organisation's CA and saves the PDF, which holds their own action and
no other attendee's."""
from __future__ import annotations

import subprocess

from PySide6.QtWidgets import QApplication

from supervision_app.gui.group_dialogs import GroupSessionDialog, GroupSessionsDialog
from supervision_app.gui.group_signatures import GroupSignaturesDialog
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store.group_models import GroupAction
from supervision_app.store.models import Staff
from tests.gui.helpers import click, settle
from tests.gui.signing_steps import answer_confirmation
from tests.store.test_group_records import _group


def _dialog(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def test_worker_signs_then_checks_and_saves_their_signed_copy(qtbot, database, team, open_window, tmp_path):
    gid = _group(database, team)
    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    with database.reading() as s:
        names = {p: s.get_one(Staff, p).display_name for p in (team.manager_id, team.worker_id)}
        actions = {a.owner_id: a.description for a in s.query(GroupAction).filter_by(group_session_id=gid)}
    store.ensure_local_credentials(team.manager_id, names[team.manager_id], "team_manager")
    store.ensure_local_credentials(team.worker_id, names[team.worker_id], "social_worker")
    sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)

    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    click(qtbot, window, page.groups.button)
    listing = _dialog(GroupSessionsDialog)
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1)
    listing.table.selectRow(0)
    click(qtbot, window, listing.openButton)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id == gid)
    assert not dialog.signedCopyButton.isVisible()  # nothing signed by them yet
    answer_confirmation(qtbot)
    click(qtbot, window, dialog.signButton)
    qtbot.waitUntil(lambda: any(p.signed for p in dialog.detail.people if p.staff_id == team.worker_id),
                    timeout=60000)
    qtbot.waitUntil(dialog.signedCopyButton.isVisible)
    assert dialog.signedCopyButton.accessibleName()

    click(qtbot, window, dialog.signedCopyButton)
    signatures = _dialog(GroupSignaturesDialog)
    qtbot.waitUntil(lambda: signatures.report is not None, timeout=60000)
    assert signatures.report.all_ok
    assert signatures.summaryLabel.text().startswith("All 1 signature")
    assert signatures.model.rowCount() == 1
    assert signatures.saveButton.isEnabled()
    path = tmp_path / "my-group-copy.pdf"
    signatures.save_pdf(str(path))
    qtbot.waitUntil(lambda: signatures.trustLabel.text().startswith("Saved to"))
    saved = path.read_bytes()
    report = verify_pdf(saved, pki.load_certificate(store.ca_certificate_pem()))
    assert report.all_ok and report.signatures[0].signer_common_name == names[team.worker_id]
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60,
                                   check=True).stdout.split())
    assert actions[team.worker_id] in text
    assert not any(action in text for owner, action in actions.items() if owner != team.worker_id)
    signatures.accept()
    dialog.accept()
    listing.accept()
