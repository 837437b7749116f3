"""Every control on every page and dialog has an accessible name; text follows the system
font and the Settings text size, never a fixed pixel size."""
from __future__ import annotations

import re
from datetime import date, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from supervision_app.gui.accessibility import TEXT_SCALES, interactive_widgets, system_point_size
from supervision_app.gui.signin import SignInDialog
from supervision_app.gui.signing import AddendumDialog, SignaturesDialog
from supervision_app.resources import resource_path
from supervision_app.store import queries, supervision_records as sr
from tests.gui.forms_check import unnamed
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time


def make_record(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        first = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(20))
        disc = sr.add_case_discussion(s, manager, first, "CS-1001")
        sr.update_case_discussion(s, manager, disc, {"decision": "d", "rationale": "r"})
        sr.add_action(s, manager, session_id=first, case_discussion_id=disc, description="a",
                      owner_id=team.asye_worker_id, due_on=date.today() + timedelta(days=2))
        sr.share_session(s, manager, first)
        second = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(1))
        sr.add_case_discussion(s, manager, second, "CS-1002")
    return second


def test_every_control_is_named(qtbot, open_window, team, database):
    session_id = make_record(database, team)
    window = open_window(team.manager_id)
    problems = []
    for key in list(window._page_classes):
        page = window.show_page(key)
        settle(qtbot, window)
        problems += unnamed(page)
    window.open_history(team.asye_worker_id, "Ava Newly")
    window.open_child(team.child_ids[0])
    editor = window.open_session(session_id)
    settle(qtbot, window)
    assert editor.discussion_ids()
    for widget in (window.history_page, window.child_page, editor, window):
        problems += unnamed(widget)
    dialog = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    problems += unnamed(dialog)
    dialog.accept()
    settle(qtbot, window)
    with database.reading() as s:
        people = queries.directory(s)
    sign_in = SignInDialog(people)
    qtbot.addWidget(sign_in)
    problems += unnamed(sign_in)
    assert not problems, "controls without an accessible name: " + ", ".join(problems)
    assert len(interactive_widgets(editor)) > 40  # the walk really covered the editor


def inspect_modal_box(found: list[str], seen: list[str]) -> None:
    """Once the (modal, exec'd) confirmation is up: check its controls, then Cancel it."""
    def look():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        seen.append(f"{box.accessibleName()}: {len(interactive_widgets(box))} controls")
        found.extend(unnamed(box))
        box.button(QMessageBox.StandardButton.Cancel).click()
    QTimer.singleShot(20, look)


def test_every_sign_off_dialog_is_named(qtbot, open_window, team, database):
    """The sign-off confirmation, the signatures panel, an addendum, the export dialog and
    the disagreement resolution: every control has a name a screen reader can say."""
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
        disc = sr.add_case_discussion(s, manager, sid, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, agreement="disagrees",
                   disagreement="Not discussed with me")
    window = open_window(team.manager_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    problems: list[str] = []
    seen: list[str] = []
    inspect_modal_box(problems, seen)
    editor.sign()  # the confirmation comes up, is checked and cancelled: nothing is signed
    settle(qtbot, window)
    assert seen == ["Sign the record: 2 controls"] and editor.detail.state.value == "shared"
    title = "supervision of Ben Steady"
    dialogs = [SignaturesDialog(window.ctx, "supervision", sid, title, parent=window),
               AddendumDialog(window.ctx, "supervision", sid, title, parent=window),
               window.open_export(worker_id=team.worker_id)]
    for dialog in dialogs:
        dialog.show()
        settle(qtbot, window)
        problems += unnamed(dialog)
        assert len(interactive_widgets(dialog)) >= 3, dialog.objectName()
        dialog.reject()
    settle(qtbot, window)
    window.close()

    above = open_window(team.service_manager_id)
    dialog = above.open_resolution(sid)
    settle(qtbot, above)
    assert dialog.form.recordButton.isEnabled()  # loaded for someone who may resolve it
    problems += unnamed(dialog)
    assert {"noteEdit", "recordButton", "cancelButton", "disagreementView"} <= {
        w.objectName() for w in interactive_widgets(dialog)}
    assert dialog.form.noteLabel.buddy() is dialog.form.noteEdit
    dialog.reject()
    assert not problems, "controls without an accessible name: " + ", ".join(problems)


def test_text_scale_follows_system_font_and_setting(qtbot, open_window, team):
    qss = resource_path("styles", "app.qss").read_text()
    assert not re.search(r"font-size\s*:\s*\d+\s*px", qss) and "font-size" not in qss
    window = open_window(team.manager_id)
    settings = window.show_page("settings")
    settle(qtbot, window)
    base = system_point_size()
    settings.form.textSizeCombo.setCurrentIndex(3)
    settle(qtbot, window)
    assert QApplication.font().pointSizeF() == base * TEXT_SCALES[3]
    heading = window.pages["my_team"].form.titleLabel
    assert heading.font().pointSizeF() > QApplication.font().pointSizeF()
    settings.form.textSizeCombo.setCurrentIndex(0)
    settle(qtbot, window)
    assert QApplication.font().pointSizeF() == base
