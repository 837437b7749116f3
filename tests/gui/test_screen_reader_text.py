"""What a screen reader hears is what is on screen: a label showing a value (a state, a
message, a result) is named by its text, a combo box is labelled by a label, and a status
message is announced and names the status bar. Walked on every page and dialog."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from supervision_app.gui.accessibility import accessible_name, announcer, interactive_widgets
from supervision_app.gui.signin import SignInDialog
from supervision_app.gui.signing import AddendumDialog, SignaturesDialog
from supervision_app.gui.sync_panel import ServerSignInDialog, SyncConflictsDialog
from supervision_app.store import queries, supervision_records as sr
from tests.gui.helpers import settle
from tests.gui.sample_team import session_time


def _shown_text(label: QLabel) -> str:
    """The label's text as a screen reader should hear it (no mnemonic marks, no tags)."""
    from PySide6.QtGui import QTextDocument

    text = label.text()
    if label.textFormat() == label.textFormat().RichText or (
            label.textFormat() == label.textFormat().AutoText and "<" in text):
        document = QTextDocument()
        document.setHtml(text)
        text = document.toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def hidden_text(root: QWidget) -> list[str]:
    """Labels under ``root`` whose words a screen reader would not hear: a label that
    names a field (has a buddy) may say anything; any other label's name is its text."""
    found = []
    for label in root.findChildren(QLabel):
        if label.buddy() is not None or not label.text().strip() or not label.pixmap().isNull():
            continue
        heard = accessible_name(label)
        if heard.strip() != _shown_text(label).strip():
            found.append(f"{label.objectName() or '?'} in {root.objectName()}: "
                         f"shows {label.text()!r}, heard as {heard!r}")
    return found


def unlabelled_combos(root: QWidget) -> list[str]:
    """Combo boxes no label names (on Linux a combo box is heard by its value; its label
    comes through the labelled-by relation, which the buddy gives)."""
    found = []
    for combo in interactive_widgets(root):
        if not isinstance(combo, QComboBox) or not combo.isVisibleTo(root):
            continue
        labels = [lb for lb in combo.window().findChildren(QLabel) if lb.buddy() is combo]
        if not labels:
            found.append(f"{combo.objectName() or '?'} ({combo.accessibleName()}) in {root.objectName()}")
    return found


def check(root: QWidget, problems: list[str]) -> None:
    problems += hidden_text(root)
    problems += unlabelled_combos(root)


def _records(database, team):
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        shared = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3))
        disc = sr.add_case_discussion(s, manager, shared, "CS-1003")
        sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Stable"})
        sr.share_session(s, manager, shared)
        draft = sr.create_session(s, manager, supervisee_id=team.asye_worker_id, held_at=session_time(1))
        sr.add_case_discussion(s, manager, draft, "CS-1001")
    with database.transaction() as s:
        sr.respond(s, sr.load_actor(s, team.worker_id), shared, agreement="disagrees",
                   disagreement="Not discussed with me")
    return shared, draft


def test_every_label_is_heard_by_what_it_shows(qtbot, open_window, team, database):
    shared, draft = _records(database, team)
    problems: list[str] = []
    window = open_window(team.manager_id)
    for key in list(window._page_classes):
        page = window.show_page(key)
        settle(qtbot, window)
        check(page, problems)
    window.open_history(team.worker_id, "Ben Steady")
    settle(qtbot, window)
    window.open_child(team.child_ids[0])
    settle(qtbot, window)
    check(window.history_page, problems)
    check(window.child_page, problems)
    for session_id in (draft, shared):
        editor = window.open_session(session_id)
        settle(qtbot, window)
        assert window.editor is editor and editor.form.stateLabel.text()
        check(editor, problems)
    check(window, problems)  # the status bar: who is signed in, sync status
    note = window.open_note(child_id=team.child_ids[0])
    settle(qtbot, window)
    check(note, problems)
    note.accept()
    title = "supervision of Ben Steady"
    dialogs = [SignaturesDialog(window.ctx, "supervision", shared, title, parent=window),
               AddendumDialog(window.ctx, "supervision", shared, title, parent=window),
               window.open_export(worker_id=team.worker_id),
               ServerSignInDialog(window.sync, parent=window),
               SyncConflictsDialog(window.sync, parent=window)]
    for dialog in dialogs:
        dialog.show()
        settle(qtbot, window)
        check(dialog, problems)
        dialog.reject()
    settle(qtbot, window)
    window.close()

    above = open_window(team.service_manager_id)
    dialog = above.open_resolution(shared)
    settle(qtbot, above)
    check(dialog, problems)
    dialog.reject()
    worker = open_window(team.worker_id)
    for key in list(worker._page_classes):
        check(worker.show_page(key), problems)
        settle(qtbot, worker)
    with database.reading() as s:
        people = queries.directory(s)
    sign_in = SignInDialog(people)
    qtbot.addWidget(sign_in)
    check(sign_in, problems)
    assert not problems, "\n".join(problems)


def test_a_label_is_heard_by_its_new_text(qtbot, open_window, team, database):
    _shared, draft = _records(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(draft)
    settle(qtbot, window)
    state = editor.form.stateLabel
    assert accessible_name(state) == state.text() and state.text()
    assert state.accessibleDescription() == "Record state"
    editor.form.saveStateLabel.setText("Saving…")
    assert accessible_name(editor.form.saveStateLabel) == "Saving…"


def test_a_status_message_names_the_status_bar_and_is_announced(qtbot, open_window, team):
    window = open_window(team.manager_id)
    heard: list[str] = []
    announcer().announced.connect(lambda _source, text: heard.append(text))
    window.ctx.notify("Shared with the supervisee.")
    bar = window.statusBar()
    assert accessible_name(bar) == "Shared with the supervisee."
    assert heard == ["Shared with the supervisee."]
    bar.clearMessage()
    assert accessible_name(bar) == "Status"


def test_the_editors_message_is_announced(qtbot, open_window, team, database):
    _shared, draft = _records(database, team)
    window = open_window(team.manager_id)
    editor = window.open_session(draft)
    settle(qtbot, window)
    heard: list[str] = []
    announcer().announced.connect(lambda _source, text: heard.append(text))
    box = editor.form.heldDateEdit
    box.setText("31/02/2026")
    settle(qtbot, window)
    editor.share()  # refused: the field needs correcting
    settle(qtbot, window)
    banner = editor.form.messageLabel
    assert banner.isVisible() and banner.text().startswith("Some fields need correcting")
    assert heard and heard[-1] == banner.text()
    assert accessible_name(banner) == banner.text()
