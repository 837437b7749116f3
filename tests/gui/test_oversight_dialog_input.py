"""What people type, on the way to a signature: the confirmation quotes it exactly as
written, and the oversight-note editor neither leaves an empty note behind nor loses
refused input, says what a note still needs before it can be signed, and clears each
message once its field is put right."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox

from supervision_app.store import supervision_records as sr
from tests.gui.conftest import settle
from tests.gui.helpers import click
from tests.gui.sample_team import session_time

MARKUP = ("<b>Not agreed</b>: the visit frequency <script>was never discussed</script> "
          "and <h1>risk</h1> is understated.")


def on_modal_box(handle) -> list:
    """Once a (modal, exec'd) message box is up, call ``handle(box)``; it must close it."""
    seen = []

    def look():
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
