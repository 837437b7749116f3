"""Screenshots of the chronology export, calendar buttons, reminders and their settings
(run under Xvfb: xvfb-run -a python docs/screenshots/take_practice_export_screenshots.py OUT)."""
import os, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import keyring
from tests.memory_keyring import MemoryKeyring
keyring.set_keyring(MemoryKeyring())
from PySide6.QtWidgets import QApplication
from supervision_app.gui.app import application, build_window
from supervision_app.store.database import open_database
from tests.records.chronology_world import build_chronology_world

app = application()
tmp = Path(tempfile.mkdtemp())
db = open_database(tmp / "profile")
world = build_chronology_world(db)
out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/practice_export_shots"); out.mkdir(parents=True, exist_ok=True)
from supervision_app.store import supervision_records as sr
from tests.gui.sample_team import session_time
from tests.records.steps import share_and_respond
with db.transaction() as s:
    sid = sr.create_session(s, sr.load_actor(s, world.team.manager_id), supervisee_id=world.team.other_worker_id, held_at=session_time(2))
share_and_respond(db, world.team.manager_id, world.team.other_worker_id, sid)

def pump(ms=1500):
    import time
    end = time.time() + ms / 1000
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)

def wait_idle(window):
    for _ in range(300):
        pump(50)
        if not window.ctx.tasks.busy:
            break
    pump(300)

window = build_window(db, world.team.manager_id)
window.resize(1280, 800)
window.show()
wait_idle(window)
window.grab().save(str(out / "reminder_status.png"))
window.open_child(world.child_id)
wait_idle(window)
window.grab().save(str(out / "child_page.png"))
window.child_page.exportChronologyButton.click()
wait_idle(window)
d = window.chronology_dialog
d.folderEdit.setText(str(tmp / "export"))
pump(300)
d.grab().save(str(out / "chronology_dialog.png"))
d.exportButton.click()
for _ in range(400):
    pump(50)
    if not d._running:
        break
pump(300)
d.grab().save(str(out / "chronology_dialog_done.png"))
files = list((tmp / "export").glob("*.pdf"))
import shutil
shutil.copy(files[0], out / "chronology.pdf")
d.reject()
pump(200)
window.show_page("my_team"); wait_idle(window)
window.chronology_action.trigger(); wait_idle(window)
d2 = window.chronology_dialog
d2.sinceEdit.setText("01/12/2026"); d2.folderEdit.setText(str(tmp / "team"))
d2.exportButton.click()
for _ in range(400):
    pump(50)
    if not d2._running:
        break
pump(300)
d2.grab().save(str(out / "chronology_team_done.png"))
d2.reject()
page = window.show_page("my_team")
wait_idle(window)
from tests.gui.helpers import select_row
select_row(page.form.workerTable, lambda r: r.worker_id == world.team.worker_id)
pump(300)
window.grab().save(str(out / "team_page.png"))
window.show_page("settings")
wait_idle(window)
window.grab().save(str(out / "settings.png"))
window.open_session(world.session_id)
wait_idle(window)
ed = window.editor
ed.form.nextDateEdit.setFocus()
scroll = ed.findChild(__import__("PySide6.QtWidgets", fromlist=["QScrollArea"]).QScrollArea)
if scroll is not None:
    scroll.ensureWidgetVisible(ed.calendarButton, 50, 200)
pump(400)
window.grab().save(str(out / "editor.png"))
print("done", window.reminders.last_texts, window.statusBar().currentMessage())
window.ctx.tasks.wait()
