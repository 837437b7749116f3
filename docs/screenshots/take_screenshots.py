"""Regenerate the screenshots in this folder from the demo data (run under Xvfb):

    xvfb-run -a python docs/screenshots/take_screenshots.py

Uses a throwaway profile and an in-memory keyring; nothing touches your own profile.
"""
from __future__ import annotations

import sys
import tempfile
from datetime import date
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.memory_keyring import MemoryKeyring  # noqa: E402

keyring.set_keyring(MemoryKeyring())

from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from supervision_app.demo.generator import populate_team_demo  # noqa: E402
from supervision_app.gui.app import application, build_window  # noqa: E402
from supervision_app.store import queries  # noqa: E402
from supervision_app.store.database import open_database  # noqa: E402
from supervision_app.store.supervision_records import load_actor  # noqa: E402

OUT = Path(__file__).resolve().parent


def settle(window, ms=400):
    for _ in range(200):
        QTest.qWait(25)
        if not window.ctx.tasks.busy:
            break
    QTest.qWait(ms)


def shot(window, name):
    settle(window)
    QApplication.processEvents()
    window.grab().save(str(OUT / name))
    print("saved", name)


def main() -> None:
    folder = Path(tempfile.mkdtemp()) / "demo"
    db = open_database(folder)
    summary = populate_team_demo(db, today=date.today(), seed=7)
    application()

    window = build_window(db, summary.manager_id)
    window.resize(1366, 820)
    window.show()
    shot(window, "team.png")
    team = window.pages["my_team"]
    team.form.workerTable.setCurrentIndex(team.proxy.index(0, 0))
    for row in range(team.proxy.rowCount()):
        if team.proxy.row_for(team.proxy.index(row, 0)).worker_id == summary.disagreeing_worker_id:
            team.form.workerTable.setCurrentIndex(team.proxy.index(row, 0))
    team.open_history()
    shot(window, "worker_history.png")
    with db.transaction() as s:
        actor = load_actor(s, summary.manager_id)
        history = queries.worker_history(s, actor, summary.asye_worker_id)
        draft = next((r for r in history if r.state.value == "draft"), None)
        shared = next(r for r in history if r.discussions)
    editor = window.open_session((draft or shared).session_id)
    settle(window)
    ids = editor.discussion_ids()
    if ids:
        editor.go_to(f"case_discussion:{ids[0]}")
        editor.form.scrollArea.verticalScrollBar().setValue(0)
    shot(window, "session_editor.png")
    if ids:
        editor.form.scrollArea.ensureWidgetVisible(editor.discussion_widget(ids[0]).box, 0, 0)
        editor.form.scrollArea.ensureWidgetVisible(editor.discussion_widget(ids[0]).form.decisionEdit)
    shot(window, "case_discussion.png")
    children = window.show_page("children")
    shot(window, "children.png")
    children.form.childrenTable.setCurrentIndex(children.proxy.index(0, 0))
    children.open_child()
    settle(window)
    window.child_page.form.chronologyTable.setCurrentIndex(window.child_page.model.index(0, 0))
    shot(window, "child_chronology.png")
    search = window.show_page("search")
    search.form.searchEdit.setText("school attendance")
    search.run_search()
    shot(window, "search.png")
    window.show_page("settings")
    shot(window, "settings.png")
    dialog = window.open_note(child_id=window.child_page.child_id)
    settle(window)
    dialog.form.decisionEdit.setPlainText("Convene a review child protection conference.")
    settle(window, 1500)
    dialog.grab().save(str(OUT / "oversight_note.png"))
    print("saved oversight_note.png")
    dialog.reject()
    window.close()

    worker = build_window(db, summary.disagreeing_worker_id)
    worker.resize(1366, 820)
    worker.show()
    shot(worker, "my_supervision.png")
    mine = worker.pages["my_supervision"]
    if mine.records.rowCount():
        mine.form.recordsTable.setCurrentIndex(mine.records_proxy.index(0, 0))
        mine.open_record()
        settle(worker)
        worker.editor.go_to("field:commentsEdit")
        shot(worker, "worker_response.png")
    worker.close()

    above = build_window(db, summary.service_manager_id)
    above.resize(1366, 820)
    above.show()
    shot(above, "service_manager_team.png")
    above.close()
    db.close()


if __name__ == "__main__":
    main()
