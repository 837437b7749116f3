"""Search finds group supervision (issue 21), through the real widgets: a worker in the
group types on the Search page and finds the group's themes and their own action, with
readable sections, never another attendee's action; Enter on a hit opens the group
session dialog, which shows the shared part and only their own action."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.gui.group_dialogs import ACTION, NAME, GroupSessionDialog
from tests.gui.helpers import click, settle
from tests.gui.test_search_practice_records import _shown, _type_search as _first_search
from tests.store.test_group_search import _group, _sign_as_supervisor, action_words


def _type_search(qtbot, window, words: str):
    """Search again on the same page: the last search's count is cleared first, so waiting
    for a count waits for this search's."""
    page = window.show_page("search")
    page.form.resultSummaryLabel.clear()
    return _first_search(qtbot, window, words)


def _group_dialogs():
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, GroupSessionDialog) and w.isVisible()]


def test_a_worker_finds_the_group_and_their_own_action_and_opens_the_group(qtbot, database, team, open_window):
    group_id, _actions = _group(database, team)
    _sign_as_supervisor(database, team, group_id)
    window = open_window(team.worker_id)

    page = _type_search(qtbot, window, "nursery")  # another attendee's action
    assert _shown(page) == []
    page = _type_search(qtbot, window, "chronic neglect")
    assert _shown(page) == [("Group supervision led by Morgan Manager", "Group supervision: themes")]
    page = _type_search(qtbot, window, "paediatrician")
    assert _shown(page) == [("Action for Ben Steady from group supervision led by Morgan Manager",
                             "Group action")]

    page.form.resultsTable.setFocus()
    qtbot.keyClick(page.form.resultsTable, Qt.Key.Key_Return)  # Enter opens the result
    qtbot.waitUntil(lambda: bool(_group_dialogs()), timeout=10000)
    (dialog,) = _group_dialogs()
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id == group_id, timeout=10000)
    settle(qtbot, window)
    assert dialog.themesEdit.toPlainText() == "Chronic neglect and drift"
    model = dialog.peopleModel
    shown_actions = {model.item(r, NAME).text(): model.item(r, ACTION).text() for r in range(model.rowCount())}
    mine = [text for text in shown_actions.values() if text]
    assert mine == [action_words(team)[team.worker_id]]  # their own action only
    dialog.reject()
    assert not _group_dialogs()


def test_the_supervisor_opens_a_draft_group_from_a_case_discussion_hit(qtbot, database, team, open_window):
    group_id, _actions = _group(database, team)
    window = open_window(team.manager_id)
    page = _type_search(qtbot, window, "legal planning")
    assert _shown(page) == [("Group supervision led by Morgan Manager: case discussion",
                             "Group case discussion: decision")]
    click(qtbot, window, page.form.openResultButton)
    qtbot.waitUntil(lambda: bool(_group_dialogs()), timeout=10000)
    (dialog,) = _group_dialogs()
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id == group_id, timeout=10000)
    assert dialog.decisionEdit.toPlainText() == "Escalate to a legal planning meeting"
    dialog.reject()
    # an attendee does not find the draft
    assert _shown(_type_search(qtbot, open_window(team.worker_id), "legal planning")) == []
