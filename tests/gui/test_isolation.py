"""A worker cannot reach another worker's record through any page or search."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import search_for, settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date

SECRET_WORDS = ("zebra", "giraffe", "okapi", "pangolin", "narwhal", "Casey", "placement")


@pytest.fixture
def bens_record(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(4))
        sr.update_session(s, manager, sid, {"wellbeing": "zebra", "learning": "giraffe"})
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "okapi placement", "rationale": "pangolin"})
        sr.add_action(s, manager, session_id=sid, case_discussion_id=disc, description="narwhal",
                      owner_id=team.worker_id, due_on=date.today() + timedelta(days=3))
        sr.share_session(s, manager, sid)
        sr.create_oversight_note(s, manager, child_id=team.child_ids[2], trigger="plan_review",
                                 decision="okapi again", rationale="zebra")
    return sid


def test_colleague_reaches_nothing_of_bens(qtbot, open_window, team, bens_record):
    window = open_window(team.other_worker_id)  # Cara, same team as Ben
    assert "my_team" not in window._page_classes  # no team page for a worker
    mine = window.show_page("my_supervision")
    settle(qtbot, window)
    assert mine.records.rowCount() == 0 and mine.actions_model.rowCount() == 0
    assert [c.case_id for c in mine.children_model.rows] == ["CS-1004"]
    children = window.show_page("children")
    settle(qtbot, window)
    assert [c.case_id for c in children.model.rows] == ["CS-1004"]

    search = window.show_page("search")
    for word in SECRET_WORDS:
        search.form.searchEdit.setText(word)
        search.run_search()
        settle(qtbot, window)
        assert search.model.rowCount() == 0, word

    # even asked directly (a stale link, a crafted id), the pages refuse and show nothing:
    # no editor opens, the page in front stays, and the window says why
    window.open_session(bens_record)
    settle(qtbot, window)
    assert window.editor is None and window.form.pageStack.currentWidget() is search
    assert "belongs to another worker" in window.statusBar().currentMessage()
    assert "belongs to another worker" in window.refused_message.text()
    window.refused_message.accept()
    window.open_child(team.child_ids[2])
    settle(qtbot, window)
    assert window.child_page.model.rowCount() == 0
    assert "Casey" not in window.child_page.form.titleLabel.text()
    window.open_history(team.worker_id, "Ben Steady")
    settle(qtbot, window)
    assert window.history_page.model.rowCount() == 0


def test_ben_sees_his_own_but_not_wellbeing_of_others(qtbot, open_window, team, bens_record):
    window = open_window(team.worker_id)
    search = search_for(qtbot, window, "zebra")
    # his own wellbeing matches; the manager's draft oversight note does not
    assert [(h.kind, h.section) for h in search.model.rows] == [("supervision", "wellbeing")]
    search.form.resultsTable.setCurrentIndex(search.model.index(0, 0))
    search.open_result()
    settle(qtbot, window)
    from PySide6.QtWidgets import QApplication
    assert QApplication.focusWidget() is window.editor.form.wellbeingEdit  # opened at the section


def test_worker_in_another_team_sees_nothing(qtbot, open_window, team, bens_record):
    window = open_window(team.outsider_id)
    search = window.show_page("search")
    for word in SECRET_WORDS:
        search.form.searchEdit.setText(word)
        search.run_search()
        settle(qtbot, window)
        assert search.model.rowCount() == 0, word
