"""A search result opens the record at the section that matched: the field has the focus
and is scrolled into view, even in a case discussion built as the record opened."""
from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QPoint, QRect

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import search_for, select_row, settle
from tests.gui.sample_team import session_time

LONG = "Background to the family's circumstances. " * 60


def _record(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(4))
        sr.update_session(s, manager, sid, {"workload_notes": LONG, "learning": LONG})
        first = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, first, {"current_position": LONG, "worries": LONG})
        second = sr.add_case_discussion(s, manager, sid, "CS-1001")
        sr.update_case_discussion(s, manager, second, {
            "current_position": LONG, "worries": LONG,
            "working_well": "Grandmother collects from school: zephyrine routine holding."})
        action = sr.add_action(s, manager, session_id=sid, case_discussion_id=None,
                               description="Quillwort referral to the early help hub",
                               owner_id=team.worker_id, due_on=date.today() + timedelta(days=9))
    return sid, second, action


def _on_screen(editor, widget) -> bool:
    viewport = editor.form.scrollArea.viewport()
    where = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return viewport.rect().intersects(where)


def test_a_case_discussion_hit_opens_at_its_field(qtbot, open_window, team, database):
    sid, second, _action = _record(database, team)
    window = open_window(team.manager_id)
    page = search_for(qtbot, window, "zephyrine")
    hit = select_row(page.form.resultsTable, lambda h: h.session_id == sid)
    assert hit.kind == "case_discussion"
    page.open_result()
    settle(qtbot, window)
    editor = window.editor
    qtbot.waitUntil(lambda: editor.discussion_widget(second) is not None
                    and editor.discussion_widget(second).form.workingEdit.hasFocus())
    target = editor.discussion_widget(second).form.workingEdit
    assert _on_screen(editor, target)
    assert editor.form.scrollArea.verticalScrollBar().value() > 0  # it had to scroll


def test_an_action_hit_opens_at_the_actions_table_with_the_action_selected(
        qtbot, open_window, team, database):
    sid, _second, action = _record(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(sid, where=f"action:{action}")
    settle(qtbot, window)
    table = editor._general_panel.form.actionsTable
    qtbot.waitUntil(table.hasFocus)
    assert _on_screen(editor, table)
    assert editor._general_panel.model.row_at(table.currentIndex().row()).action_id == action


def test_an_addendum_hit_opens_the_record_with_the_addendum_selected(qtbot, open_window, team, database):
    from supervision_app.domain.lifecycle import RecordKind
    from supervision_app.records.signoff import create_addendum
    from tests.gui.signing_steps import locked_records

    sid = locked_records(database, team, 1)[0]
    with database.transaction() as s:
        addendum = create_addendum(s, author_id=team.manager_id, record_kind=RecordKind.SUPERVISION,
                                   record_id=sid, body="Correction: the quokkaberry visit was on Tuesday.")
    window = open_window(team.manager_id)
    page = search_for(qtbot, window, "quokkaberry")
    hit = select_row(page.form.resultsTable, lambda h: h.kind == "addendum")
    assert hit.session_id == sid
    page.open_result()
    settle(qtbot, window)
    table = window.editor.form.addendaTable
    qtbot.waitUntil(table.hasFocus)
    assert window.editor.addenda_model.row_at(table.currentIndex().row()).addendum_id == addendum
