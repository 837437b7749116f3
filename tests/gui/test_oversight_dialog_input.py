"""What people type, on the way to a signature: the confirmation quotes it exactly as
written, and the oversight-note editor neither leaves an empty note behind nor loses
refused input, says what a note still needs before it can be signed, and clears each
message once its field is put right."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QPushButton

from supervision_app.store import supervision_records as sr
from tests.gui.helpers import click, settle
from tests.gui.sample_team import session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date

MARKUP = ("<b>Not agreed</b>: the visit frequency <script>was never discussed</script> "
          "and <h1>risk</h1> is understated.")


class BoxWatch(list):
    """The message boxes seen; ``stop()`` ends the watch (one that saw none is still on)."""

    stopped = False

    def stop(self) -> None:
        self.stopped = True


def on_modal_box(handle) -> BoxWatch:
    """Once a (modal, exec'd) message box is up, call ``handle(box)``; it must close it."""
    seen = BoxWatch()

    def look():
        if seen.stopped:
            return
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        seen.append(box)
        handle(box)
    QTimer.singleShot(20, look)
    return seen


def shown_texts(box: QMessageBox) -> dict[str, tuple[str, Qt.TextFormat]]:
    return {label.objectName(): (label.text(), label.textFormat())
            for label in box.findChildren(QLabel) if label.text()}


def test_the_sign_confirmation_quotes_a_disagreement_as_plain_text(qtbot, open_window, team, database):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        sr.share_session(s, manager, sid)
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), sid, comments="ok", agreement="disagrees",
                   disagreement=MARKUP)
    window = open_window(team.manager_id)
    window.open_session(sid)
    settle(qtbot, window)
    editor = window.editor
    texts = {}

    def read_and_cancel(box):
        texts.update(shown_texts(box))
        box.button(QMessageBox.StandardButton.Cancel).click()
    boxes = on_modal_box(read_and_cancel)
    click(qtbot, window, editor.form.signButton)
    assert boxes, "no confirmation came up"
    quoted = [(text, fmt) for text, fmt in texts.values() if "<script>was never discussed</script>" in text]
    assert quoted, "the disagreement is not quoted in full"
    assert all(fmt == Qt.TextFormat.PlainText for _text, fmt in texts.values()), texts
    assert editor.detail.state.value == "shared"  # cancelled: nothing signed


# --------------------------------------------------------------------------- the note editor

def notes_and_outbox(database) -> tuple[list[tuple[str, str]], int]:
    """The oversight notes stored (decision, rationale) and the sync outbox entries for them."""
    from sqlalchemy import func, select

    from supervision_app.store.models import OversightNote
    from supervision_app.store.outbox import outbox_table

    with database.reading() as s:
        notes = [(n.decision, n.rationale) for n in s.scalars(select(OversightNote))]
        queued = s.scalar(select(func.count()).select_from(outbox_table)
                          .where(outbox_table.c.table_name == "oversight_note"))
    return notes, queued


def new_note(qtbot, window, team):
    """A new note started from the child's page, as a manager does."""
    window.open_child(team.child_ids[2])
    settle(qtbot, window)
    click(qtbot, window, window.child_page.form.newNoteButton)
    dialog = window.note_dialog
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10000)
    settle(qtbot, window)
    return dialog


def type_in(qtbot, window, widget, text: str) -> None:
    widget.setFocus()
    qtbot.keyClicks(widget, text)
    settle(qtbot, window)


def paste_in(qtbot, window, widget, text: str) -> None:
    widget.setFocus()
    widget.insertPlainText(text)
    settle(qtbot, window)


def test_a_new_note_closed_untouched_leaves_nothing_behind(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    assert "Casey Test" in dialog.form.titleLabel.text()
    assert dialog.form.decisionEdit.isVisible() and not dialog.form.decisionEdit.isReadOnly()
    click(qtbot, window, dialog.form.closeButton)
    assert not dialog.isVisible()
    assert notes_and_outbox(database) == ([], 0)  # no empty draft, and nothing for sync to push
    assert window.child_page.model.rowCount() == 0


def test_a_new_note_is_stored_once_written_in(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    assert notes_and_outbox(database) == ([], 0)
    type_in(qtbot, window, dialog.form.decisionEdit, "Visits go weekly")
    type_in(qtbot, window, dialog.form.rationaleEdit, "School raised worries")
    assert dialog.note_id is not None
    assert notes_and_outbox(database)[0] == [("Visits go weekly", "School raised worries")]
    click(qtbot, window, dialog.form.closeButton)
    assert [e.record_id for e in window.child_page.model.rows] == [dialog.note_id]


def test_an_action_added_to_a_new_note_stores_the_note_with_it(qtbot, open_window, team, database):
    from datetime import date, timedelta

    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    panel = dialog.panel.form
    type_in(qtbot, window, panel.descriptionEdit, "Call the school")
    panel.ownerCombo.setCurrentIndex(panel.ownerCombo.findText("Ben Steady"))
    type_in(qtbot, window, panel.dueEdit, (date.today() + timedelta(days=7)).strftime("%d/%m/%Y"))
    click(qtbot, window, panel.addActionButton)
    assert dialog.note_id is not None and len(notes_and_outbox(database)[0]) == 1
    assert [a.description for a in dialog.panel.model.rows] == ["Call the school"]


def test_closing_with_refused_input_asks_and_keep_editing_is_the_default(qtbot, open_window, team, database):
    from supervision_app.domain.text_rules import MAX_TEXT_CHARS

    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    f = dialog.form
    type_in(qtbot, window, f.decisionEdit, "Visits go weekly")
    paste_in(qtbot, window, f.rationaleEdit, "q" * (MAX_TEXT_CHARS + 1))
    assert "limit" in dialog.errors.message_for(f.rationaleEdit)
    asked = {}

    def press_enter(box):
        asked["default"] = box.defaultButton().accessibleName()
        asked["texts"] = shown_texts(box)
        qtbot.keyClick(box, Qt.Key.Key_Return)  # the default answer
    boxes = on_modal_box(press_enter)
    click(qtbot, window, f.closeButton)
    assert boxes, "closing did not ask"
    assert asked["default"] == "Keep editing"
    assert any("Rationale" in text for text, _fmt in asked["texts"].values())
    assert dialog.isVisible()  # kept open, the refused text still there and its field in focus
    assert len(f.rationaleEdit.toPlainText()) == MAX_TEXT_CHARS + 1
    qtbot.waitUntil(lambda: QApplication.focusWidget() is f.rationaleEdit, timeout=2000)

    boxes = on_modal_box(lambda box: box.findChild(QPushButton, "discardButton").click())
    dialog.reject()  # Escape or the window's close button: asked the same way
    assert boxes and not dialog.isVisible()
    assert notes_and_outbox(database)[0] == [("Visits go weekly", "")]


def test_closing_with_a_refused_date_asks_too(qtbot, open_window, team, database):
    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    f = dialog.form
    type_in(qtbot, window, f.decisionEdit, "Visits go weekly")
    type_in(qtbot, window, f.reviewDateEdit, "31/13/2026")
    assert dialog.errors.message_for(f.reviewDateEdit)
    boxes = on_modal_box(lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape))  # Escape keeps editing
    click(qtbot, window, f.closeButton)
    assert boxes and dialog.isVisible() and f.reviewDateEdit.text() == "31/13/2026"
    f.reviewDateEdit.clear()  # put right: nothing refused, so closing does not ask
    settle(qtbot, window)
    seen = on_modal_box(lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape))
    click(qtbot, window, f.closeButton)
    seen.stop()
    assert not dialog.isVisible() and not seen
    assert dialog.errors.message_for(f.reviewDateEdit) == ""


def test_signing_says_what_is_missing_and_goes_there(qtbot, open_window, team):
    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    f = dialog.form
    boxes = on_modal_box(lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    click(qtbot, window, f.signNoteButton)  # nothing written yet
    assert "decision" in dialog.errors.message_for(f.decisionEdit)
    assert "rationale" in dialog.errors.message_for(f.rationaleEdit)
    assert QApplication.focusWidget() is f.decisionEdit

    type_in(qtbot, window, f.decisionEdit, "Visits go weekly")
    assert dialog.errors.message_for(f.decisionEdit) == ""  # put right: its message goes
    click(qtbot, window, f.signNoteButton)
    assert dialog.errors.message_for(f.decisionEdit) == ""
    assert "rationale" in dialog.errors.message_for(f.rationaleEdit)
    assert QApplication.focusWidget() is f.rationaleEdit
    assert not boxes  # never asked to sign an incomplete note

    boxes.stop()
    type_in(qtbot, window, f.rationaleEdit, "School raised worries")
    assert dialog.errors.message_for(f.rationaleEdit) == ""  # and now it may be signed
    seen = on_modal_box(lambda box: box.button(QMessageBox.StandardButton.Cancel).click())
    click(qtbot, window, f.signNoteButton)
    assert [b.objectName() for b in seen] == ["signConfirmation"]


def test_refused_text_is_kept_with_its_message_when_the_note_reloads(qtbot, open_window, team):
    """Adding an action reads the note back; a field holding refused text keeps it (and the
    message about it) rather than showing the stored text under a stale message."""
    from datetime import date, timedelta

    window = open_window(team.manager_id)
    dialog = new_note(qtbot, window, team)
    f = dialog.form
    type_in(qtbot, window, f.decisionEdit, "Visits go weekly")
    type_in(qtbot, window, f.reviewDateEdit, "31/13/2026")
    message = dialog.errors.message_for(f.reviewDateEdit)
    assert message
    panel = dialog.panel.form
    type_in(qtbot, window, panel.descriptionEdit, "Call the school")
    panel.ownerCombo.setCurrentIndex(panel.ownerCombo.findText("Ben Steady"))
    type_in(qtbot, window, panel.dueEdit, (date.today() + timedelta(days=7)).strftime("%d/%m/%Y"))
    click(qtbot, window, panel.addActionButton)
    assert dialog.panel.model.rowCount() == 1  # reloaded
    assert f.reviewDateEdit.text() == "31/13/2026"
    assert dialog.errors.message_for(f.reviewDateEdit) == message
    f.reviewDateEdit.setText((date.today() + timedelta(days=14)).strftime("%d/%m/%Y"))
    settle(qtbot, window)
    assert dialog.errors.message_for(f.reviewDateEdit) == ""
