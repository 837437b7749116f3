"""Regenerate the screenshots in this folder from the demo data (run under Xvfb):

    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/take_screenshots.py

Other window sizes and text sizes, to look at every screen as people will see it (written
elsewhere, so this folder keeps the README's set):

    xvfb-run -a -s "-screen 0 1366x768x24" python docs/screenshots/take_screenshots.py \
        --text-scale 3 --out /tmp/shots-largest
    xvfb-run -a -s "-screen 0 1920x1080x24" python docs/screenshots/take_screenshots.py \
        --size 1920x1080 --out /tmp/shots-1920

``--text-scale`` is the Settings text size (0 Standard ... 3 Largest), saved for every
person of the demo as they would choose it. Also saved: the first-run welcome page and the
signed record's last page as printed (``pdftoppm -png -r 60``, the signatures' fields).
Uses a throwaway profile and an in-memory keyring; nothing touches your own profile.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import keyring

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.memory_keyring import MemoryKeyring  # noqa: E402

keyring.set_keyring(MemoryKeyring())

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton  # noqa: E402
from sqlalchemy import select  # noqa: E402

from supervision_app.demo.generated_values import working_day_on_or_after  # noqa: E402
from supervision_app.demo.generator import SIGNED_SESSIONS_DAYS, populate_team_demo  # noqa: E402
from supervision_app.domain.time_rules import utc_now  # noqa: E402
from supervision_app.gui.app import application, build_window  # noqa: E402
from supervision_app.store import (  # noqa: E402
    queries,
    supervision_records as sr,
)
from supervision_app.store.database import open_database  # noqa: E402
from supervision_app.store.supervision_records import load_actor  # noqa: E402
from tests.gui.event_wait import pause  # noqa: E402

OUT = Path(__file__).resolve().parent
SIZE = (1366, 768)
TEXT_SCALE = 0


def options() -> None:
    global OUT, SIZE, TEXT_SCALE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1366x768", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--text-scale", type=int, default=0, choices=range(4),
                        help="the Settings text size: 0 Standard, 1 Large, 2 Larger, 3 Largest")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNGs")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.lower().split("x"))
    OUT, SIZE, TEXT_SCALE = args.out, (width, height), args.text_scale
    OUT.mkdir(parents=True, exist_ok=True)


def everyone_chooses_text_size(db, index: int) -> None:
    """Each person's Settings text size, saved as the Settings page saves it."""
    from supervision_app.gui.settings_page import save_text_scale
    from supervision_app.store.models import Staff

    with db.transaction() as s:
        for staff_id in s.scalars(select(Staff.id)).all():
            save_text_scale(s, staff_id, index)


def first_run_page(name: str) -> None:
    """The welcome page a new profile opens on (a profile with nobody in it yet)."""
    from supervision_app.gui.first_run import FirstRunPage

    empty = open_database(Path(tempfile.mkdtemp()) / "empty")
    page = FirstRunPage(empty)
    page.resize(*SIZE)
    page.show()
    pause(600)
    QApplication.processEvents()
    page.grab().save(str(OUT / name))
    print("saved", name)
    page.shutdown()
    page.close()
    empty.close()


def signed_pdf_page(db, session_id: str, name: str) -> None:
    """The signed record's last page, where the two signature fields are, as printed."""
    from supervision_app.domain.lifecycle import RecordKind
    from supervision_app.records.signoff import latest_document

    with db.reading() as s:
        pdf = latest_document(s, RecordKind.SUPERVISION, session_id).pdf
    folder = Path(tempfile.mkdtemp())
    (folder / "record.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(folder / "record.pdf"),
                    str(folder / "page")], check=True)
    last = sorted(folder.glob("page-*.png"))[-1]
    (OUT / name).write_bytes(last.read_bytes())
    print("saved", name)


def settle(window, ms=400):
    for _ in range(200):
        pause(25)
        if not window.ctx.tasks.busy:
            break
    pause(ms)


def shot(window, name, ms=None):
    settle(window) if ms is None else settle(window, ms)
    QApplication.processEvents()
    window.grab().save(str(OUT / name))
    print("saved", name)


def grab_dialog(dialog, name, ms=400):
    pause(ms)
    QApplication.processEvents()
    dialog.grab().save(str(OUT / name))
    print("saved", name)


def shared_record(db, manager_id, worker_id, *, days_ago, topics, response=None, share=True):
    """A record the manager has written and shared (through the service functions, as the
    app does): header, wellbeing, workload, a case discussion per child, actions."""
    today = date.today()
    with db.transaction() as s:
        manager = load_actor(s, manager_id)
        worker = load_actor(s, worker_id)
        children = queries.children_allocated_to(s, worker)[:len(topics)]
        held = utc_now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
        sid = sr.create_session(s, manager, supervisee_id=worker_id, held_at=held, location="Team room 2")
        sr.update_session(s, manager, sid, {
            "wellbeing": "Managing a heavy court week; has taken the time back owed from last month.",
            "caseload_count": 17, "caseload_complexity": "high", "capacity": "at_capacity",
            "workload_notes": "Two care proceedings running in parallel; no new allocations this fortnight.",
            "learning": "Attended the trauma-informed practice workshop; wants to shadow a legal gateway meeting.",
            "next_session_on": working_day_on_or_after(today + timedelta(days=26))})
        for child, (decision, rationale, action) in zip(children, topics):
            disc = sr.add_case_discussion(s, manager, sid, child.case_id)
            sr.update_case_discussion(s, manager, disc, {
                "current_position": "Reviewed the latest visit and the school's report.",
                "worries": "Attendance has dropped again and mum has missed two appointments.",
                "working_well": "Grandmother is providing after-school care every weekday.",
                "needs_to_happen": "A core group meeting before the review conference.",
                "safety_scale": 5, "decision": decision, "rationale": rationale})
            sr.add_action(s, manager, session_id=sid, case_discussion_id=disc, description=action,
                          owner_id=worker_id, due_on=today + timedelta(days=10))
        if share:
            sr.share_session(s, manager, sid)
    if response is not None:
        with db.transaction() as s:
            sr.respond(s, load_actor(s, worker_id), sid, comments=response, agreement="agrees")
    return sid


def share_latest_draft(db, manager_id, worker_id):
    """Complete and share the worker's latest draft, as the manager would in the app: fill
    in any decision or rationale still missing, then share it."""
    with db.transaction() as s:
        manager = load_actor(s, manager_id)
        history = queries.worker_history(s, manager, worker_id)
        draft = next((r for r in history if r.state.value == "draft"), None)
    if draft is None:  # the demo's calendar put no draft in flight today: write one
        return shared_record(db, manager_id, worker_id, days_ago=1, topics=[
            ("Keep the current plan until the review meeting.",
             "Nothing has changed that would justify a different plan yet.",
             "Book the core group meeting")])
    with db.transaction() as s:
        manager = load_actor(s, manager_id)
        for disc in queries.session_detail(s, manager, draft.session_id).discussions:
            missing = {}
            if not disc.decision.strip():
                missing["decision"] = "Keep the current plan until the review meeting."
            if not disc.rationale.strip():
                missing["rationale"] = "Nothing has changed that would justify a different plan yet."
            if missing:
                sr.update_case_discussion(s, manager, disc.discussion_id, missing)
        sr.share_session(s, manager, draft.session_id)
        return draft.session_id


def answer_confirmation(name, then_sign):
    """Grab the sign-off confirmation while it is up, then press Sign (or Cancel)."""
    def look():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, look)
            return
        pause(200)
        box.grab().save(str(OUT / name))
        print("saved", name)
        if then_sign:
            box.findChild(QPushButton, "confirmSignButton").click()
        else:
            box.button(QMessageBox.StandardButton.Cancel).click()
    QTimer.singleShot(50, look)


def wait_for(predicate, seconds=90):
    for _ in range(seconds * 20):
        if predicate():
            return
        pause(50)
    raise TimeoutError("the screen did not get there in time")


def main() -> None:
    options()
    folder = Path(tempfile.mkdtemp()) / "demo"
    db = open_database(folder)
    summary = populate_team_demo(db, today=date.today(), seed=7)
    everyone_chooses_text_size(db, TEXT_SCALE)
    # the disagreeing worker's newest record: shared with them, not yet answered or signed
    share_latest_draft(db, summary.manager_id, summary.disagreeing_worker_id)
    # a draft being written for the newly qualified worker (open actions carried forward)
    draft = shared_record(db, summary.manager_id, summary.asye_worker_id, days_ago=0, share=False, topics=[
        ("Step down to child in need at the review conference.",
         "Risks reduced since the safety plan: no incidents in 12 weeks and school reports steady attendance.",
         "Prepare the review conference report"),
        ("Keep the current plan; no change before the court hearing.",
         "The parenting assessment is not finished; changing the plan now would pre-empt it.",
         "Chase the parenting assessment timetable")])
    # another worker's record, answered and ready for the supervisor to sign
    plain = [w for w in summary.worker_ids if w not in (
        summary.asye_worker_id, summary.overdue_worker_id, summary.awaiting_signature_worker_id,
        summary.disagreeing_worker_id)]
    to_sign = shared_record(db, summary.manager_id, plain[0], days_ago=5, topics=[
        ("Continue weekly visits until the next looked-after review.",
         "The placement is settling but contact with dad is still unsettling him afterwards.",
         "Arrange a contact review meeting")],
        response="A fair summary of what we agreed. I will book the contact review this week.")
    application()

    first_run_page("first_run.png")
    window = build_window(db, summary.manager_id)
    window.resize(*SIZE)
    window.show()
    shot(window, "team.png")
    team = window.pages["my_team"]
    team.form.workerTable.setCurrentIndex(team.proxy.index(0, 0))
    for row in range(team.proxy.rowCount()):
        if team.proxy.row_for(team.proxy.index(row, 0)).worker_id == summary.disagreeing_worker_id:
            team.form.workerTable.setCurrentIndex(team.proxy.index(row, 0))
    team.open_history()
    shot(window, "worker_history.png")
    editor = window.open_session(draft)
    settle(window)
    wait_for(lambda: editor.detail is not None and editor.discussion_ids())  # loaded off the GUI thread
    ids = editor.discussion_ids()
    editor.form.scrollArea.verticalScrollBar().setValue(0)
    shot(window, "session_editor.png")
    box = editor.discussion_widget(ids[0]).box
    editor.form.scrollArea.verticalScrollBar().setValue(
        box.mapTo(editor.form.scrollContent, box.rect().topLeft()).y() - 8)
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
    window.show_page("compliance")
    shot(window, "assurance_dashboard.png", ms=1500)  # figures for the whole period: a longer read
    dialog = window.open_note(child_id=window.child_page.child_id)
    settle(window)
    dialog.form.decisionEdit.setPlainText("Convene a review child protection conference.")
    settle(window, 3000)  # autosaved: the note says "Saved"
    dialog.grab().save(str(OUT / "oversight_note.png"))
    print("saved oversight_note.png")
    dialog.reject()

    # sign-off: the supervisor's confirmation, both signatures, the signatures panel
    editor = window.open_session(to_sign)
    settle(window)
    wait_for(lambda: editor.detail is not None and editor.detail.can_sign)  # loaded off the GUI thread
    answer_confirmation("sign_off_confirmation.png", then_sign=True)
    editor.sign()
    wait_for(lambda: editor.detail is not None and editor.detail.state.value == "supervisor_signed")
    window.close()
    signer = build_window(db, plain[0])
    signer.resize(*SIZE)
    signer.show()
    settle(signer)
    signer_editor = signer.open_session(to_sign)
    settle(signer)
    wait_for(lambda: signer_editor.detail is not None and signer_editor.detail.can_sign)
    answer_confirmation("sign_off_worker_confirmation.png", then_sign=True)
    signer_editor.sign()
    wait_for(lambda: signer_editor.detail is not None and signer_editor.detail.state.value == "locked")
    settle(signer)
    signer.close()
    window = build_window(db, summary.manager_id)
    window.resize(*SIZE)
    window.show()
    settle(window)
    editor = window.open_session(to_sign)
    settle(window)
    wait_for(lambda: editor.detail is not None)
    shot(window, "signed_record.png")
    signed_pdf_page(db, to_sign, "signed_pdf_page.png")
    editor.show_signatures()
    wait_for(lambda: editor.dialog.report is not None)
    grab_dialog(editor.dialog, "signatures.png")
    editor.dialog.accept()
    export = window.open_export(worker_id=plain[0])
    # the demo's records of the last SIGNED_SESSIONS_DAYS are signed for real (README)
    export.fromEdit.setText((date.today() - timedelta(days=SIGNED_SESSIONS_DAYS - 1)).strftime("%d/%m/%Y"))
    export.toEdit.setText(date.today().strftime("%d/%m/%Y"))
    export.folderEdit.setText(str(Path(tempfile.mkdtemp()) / "Supervision records"))
    Path(export.folderEdit.text()).mkdir()
    export.start()
    wait_for(lambda: not export._running)
    export.folderEdit.setText("/home/morgan/Documents/Supervision records")  # the temp path is noise
    grab_dialog(export, "export_dialog.png")
    export.reject()
    window.close()

    worker = build_window(db, summary.disagreeing_worker_id)
    worker.resize(*SIZE)
    worker.show()
    shot(worker, "my_supervision.png")
    mine = worker.pages["my_supervision"]
    if mine.records.rowCount():
        mine.form.recordsTable.setCurrentIndex(mine.records_proxy.index(0, 0))
        mine.open_record()
        settle(worker)
        wf = worker.editor.form
        wf.commentsEdit.setPlainText("Thank you. I agree with the plan for Leo, and I will ask the "
                                     "school for their attendance figures before the core group.")
        wf.agreeRadio.setChecked(True)
        bar = wf.scrollArea.verticalScrollBar()
        bar.setValue(bar.maximum())
        wf.commentsEdit.setFocus()
        settle(worker, 2500)  # the comment autosaves ("Saved")
        shot(worker, "worker_response.png")
    worker.close()

    above = build_window(db, summary.service_manager_id)
    above.resize(*SIZE)
    above.show()
    shot(above, "service_manager_team.png")
    flagged = above.pages["my_team"].flagged_model.rows
    resolution = above.open_resolution(flagged[0].session_id)
    settle(above)
    resolution.form.noteEdit.setPlainText(
        "Met with the worker and their team manager on " + date.today().strftime("%d/%m/%Y")
        + ". We agreed the decision stands for now, and that the worker's view will be put to "
        "the review conference; the plan will be revisited with the family there.")
    grab_dialog(resolution, "resolution_dialog.png")
    resolution.reject()
    above.close()
    db.close()


if __name__ == "__main__":
    main()
