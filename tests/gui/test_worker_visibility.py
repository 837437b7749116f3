"""A worker's own page on real widgets: nothing from a draft not yet shared with them, and the
summary counts every record waiting for them, for a response or for their signature."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.records.signoff import sign_supervision_record
from supervision_app.security.credentials import CredentialStore
from supervision_app.security.secret_store import SecretStore
from supervision_app.store import supervision_records as sr
from tests.gui.helpers import search_for, settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def record_with_action(database, team, *, share: bool) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep the plan", "rationale": "Stable"})
        sr.add_action(s, manager, session_id=sid, case_discussion_id=disc, description="Ring the numbat clinic",
                      owner_id=team.worker_id, due_on=date.today() + timedelta(days=4))
        if share:
            sr.share_session(s, manager, sid)
    return sid


def waiting(page) -> int:
    """The number of records the summary says wait for the worker."""
    text = page.form.summaryLabel.text()
    assert " waiting for your response" in text
    return int(text.split()[0])


def test_an_action_in_a_draft_is_nowhere_on_the_workers_screens(qtbot, open_window, team, database):
    sid = record_with_action(database, team, share=False)
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    assert page.actions_model.rowCount() == 0 and page.records.rowCount() == 0
    assert page.form.summaryLabel.text().endswith("0 open actions")
    assert search_for(qtbot, window, "numbat").model.rowCount() == 0
    window.close()

    with database.transaction() as s:
        sr.share_session(s, sr.load_actor(s, team.manager_id), sid)
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    assert [a.description for a in page.actions_model.rows] == ["Ring the numbat clinic"]
    assert page.form.summaryLabel.text().endswith("1 open action")
    assert [h.kind for h in search_for(qtbot, window, "numbat").model.rows] == ["action"]


def test_a_record_signed_by_the_supervisor_is_waiting_for_the_workers_signature(
        qtbot, open_window, team, database):
    sid = record_with_action(database, team, share=True)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, comments="Fair", agreement="agrees")
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    # responded; now the supervisor's turn: nothing waits for Ben
    assert waiting(page) == 0
    window.close()

    store = CredentialStore(database.profile.folder, SecretStore(database.profile.profile_id))
    store.ensure_local_credentials(team.manager_id, "Morgan Manager", "team_manager")
    sign_supervision_record(database, store, session_id=sid, signer_id=team.manager_id)
    window = open_window(team.worker_id)
    page = window.show_page("my_supervision")
    settle(qtbot, window)
    assert waiting(page) == 1
    assert page.form.summaryLabel.text().startswith("1 record waiting for your response or signature")
