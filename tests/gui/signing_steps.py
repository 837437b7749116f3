"""Steps the signing tests share: a record shared (and agreed) through the store, records
signed and locked by both people, and waiting on the real confirmation box and signing."""
from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time
from tests.records.steps import share


def shared_record(database, team, respond=True, shared_days_ago=None):
    """A record written and shared by the manager (``shared_days_ago``: by the manager's
    clock that many days ago), and agreed by the worker if ``respond``."""
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        held = session_time(3 if shared_days_ago is None else shared_days_ago + 1)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=held)
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Stable"})
        sr.add_action(s, manager, session_id=sid, case_discussion_id=disc, description="Visit",
                      owner_id=team.worker_id, due_on=date.today() + timedelta(days=5))
    share(database, team.manager_id, sid,
          at=None if shared_days_ago is None else held + timedelta(days=1, hours=2))
    if respond:
        with database.transaction() as s:
            worker = sr.load_actor(s, team.worker_id)
            sr.respond(s, worker, sid, comments="Fair summary", agreement="agrees")
    return sid


def answer_confirmation(qtbot, accept=True, seen=None):
    """Click the real confirmation box's button once it is up."""
    def press():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, press)
            return
        if seen is not None:
            seen.append(box.text() + "\n" + box.informativeText())
        if accept:
            box.findChild(QPushButton, "confirmSignButton").click()
        else:
            box.button(QMessageBox.StandardButton.Cancel).click()
    QTimer.singleShot(50, press)


def wait_signed(qtbot, window, editor, state):
    qtbot.waitUntil(lambda: editor.detail is not None and editor.detail.state == state, timeout=60000)
    settle(qtbot, window)


def sign_both(database, team, session_id: str) -> None:
    """The manager, then the worker, sign the record through sign-off as the app does; it
    is then locked."""
    from supervision_app.records.signoff import sign_supervision_record
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    store.ensure_local_credentials(team.worker_id, "Ben Steady", "social_worker")
    sign_supervision_record(database, store, session_id=session_id, signer_id=team.manager_id)
    sign_supervision_record(database, store, session_id=session_id, signer_id=team.worker_id)


def locked_records(database, team, n):
    ids = []
    for _ in range(n):
        sid = shared_record(database, team)
        sign_both(database, team, sid)
        ids.append(sid)
    return ids
