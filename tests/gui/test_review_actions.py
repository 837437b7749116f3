"""Carried-forward actions in the next session: the status and note boxes follow the
selected action, and setting a new status keeps the note already written."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.domain.vocabulary import ActionStatus
from supervision_app.store import supervision_records as sr
from supervision_app.store.models import ActionReview
from tests.gui.helpers import click, select_row, settle, type_into
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def _two_sessions(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        first = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(30))
        for words in ("Book the family group conference", "Chase the school nurse"):
            sr.add_action(s, manager, session_id=first, description=words, owner_id=team.worker_id,
                          due_on=date.today() + timedelta(days=3))
        sr.share_session(s, manager, first)
        second = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
    return second


def _note(database, review_id):
    with database.reading() as s:
        review = s.get(ActionReview, review_id)
        return review.status, review.note


def test_status_and_note_follow_the_selected_action_and_the_note_is_kept(
        qtbot, open_window, team, database):
    sid = _two_sessions(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    f = editor.form
    conference = select_row(f.reviewTable, lambda r: r.description.startswith("Book"))
    f.reviewStatusCombo.setCurrentIndex(f.reviewStatusCombo.findText("Done"))
    type_into(qtbot, f.reviewNoteEdit, "Held on the 3rd; plan agreed.")
    click(qtbot, window, f.setReviewButton)
    settle(qtbot, window)
    assert _note(database, conference.review_id) == (ActionStatus.DONE.value, "Held on the 3rd; plan agreed.")
    # the same action is still selected, with what was set
    assert editor.review_model.row_at(f.reviewTable.currentIndex().row()).review_id == conference.review_id
    assert f.reviewStatusCombo.currentText() == "Done"

    select_row(f.reviewTable, lambda r: r.description.startswith("Chase"))
    assert f.reviewStatusCombo.currentText() == "Open" and f.reviewNoteEdit.text() == ""
    select_row(f.reviewTable, lambda r: r.description.startswith("Book"))
    assert f.reviewNoteEdit.text() == "Held on the 3rd; plan agreed."
    f.reviewStatusCombo.setCurrentIndex(f.reviewStatusCombo.findText("No longer needed"))
    click(qtbot, window, f.setReviewButton)  # the note was not retyped
    settle(qtbot, window)
    assert _note(database, conference.review_id) == (ActionStatus.NO_LONGER_NEEDED.value,
                                                     "Held on the 3rd; plan agreed.")
