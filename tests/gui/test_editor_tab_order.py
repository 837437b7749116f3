"""The editor's Tab order follows the page from top to bottom, through "Other actions" to
the next supervision date; each discussion's add-action row says which child it is for."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time


def _editor(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
        sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.add_case_discussion(s, manager, sid, "CS-1001")
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    return window, editor


def test_tab_goes_from_learning_through_other_actions_to_the_next_date(qtbot, open_window, team, database):
    window, editor = _editor(qtbot, open_window, team, database)
    f, general = editor.form, editor._general_panel.form
    f.learningEdit.setFocus()
    reached = []
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
        if reached[-1] is f.nextDateEdit:
            break
    assert reached[-1] is f.nextDateEdit
    assert general.descriptionEdit in reached and general.addActionButton in reached
    assert reached.index(general.descriptionEdit) < reached.index(general.addActionButton)
    assert f.shareButton not in reached  # the buttons at the foot come after the date


def test_each_add_action_row_names_its_child(qtbot, open_window, team, database):
    _window, editor = _editor(qtbot, open_window, team, database)
    names = {}
    for did in editor.discussion_ids():
        w = editor.discussion_widget(did)
        p = w.panel.form
        for widget in (p.descriptionEdit, p.ownerCombo, p.dueEdit, p.addActionButton, p.removeActionButton):
            assert w.detail.child_name in widget.accessibleName()
            names.setdefault(widget.objectName(), set()).add(widget.accessibleName())
    assert all(len(v) == 2 for v in names.values())  # no two rows sound the same


def test_long_names_do_not_widen_the_editor_past_a_small_laptop_screen(qtbot, open_window, team, database):
    from supervision_app.store.models import Staff

    with database.transaction() as s:
        s.get(Staff, team.worker_id).display_name = "Oluwaseun Adebayo-Fitzwilliam-Montgomery Wójcik-Kowalczyk"
    window, editor = _editor(qtbot, open_window, team, database)
    window.resize(1024, 700)
    settle(qtbot, window)
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024
    p = editor.discussion_widget(editor.discussion_ids()[0]).panel.form
    chars = p.descriptionEdit.fontMetrics().averageCharWidth()
    assert p.descriptionEdit.width() >= 14 * chars  # "what needs doing" keeps its room
    assert p.ownerCombo.width() < p.descriptionEdit.width() * 2


