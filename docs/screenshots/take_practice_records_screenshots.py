"""Screenshots of issue 21's screens: the team page's agreements and cancellations line, the
cancellation dialog, the agreement dialog (manager, then worker), the feedback dialog and
the agreement's signed PDF (run under Xvfb:
xvfb-run -a python docs/screenshots/take_practice_records_screenshots.py OUT)."""
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import keyring  # noqa: E402

from tests.memory_keyring import MemoryKeyring  # noqa: E402

keyring.set_keyring(MemoryKeyring())
from supervision_app.gui.app import application, build_window  # noqa: E402
from supervision_app.store import cancellation_records as cr  # noqa: E402
from supervision_app.store import supervision_records as sr  # noqa: E402
from supervision_app.store.database import open_database  # noqa: E402
from tests.gui.helpers import select_row  # noqa: E402
from tests.gui.sample_team import build_sample_team, session_time  # noqa: E402

app = application()
tmp = Path(tempfile.mkdtemp())
db = open_database(tmp / "profile")
team = build_sample_team(db)
out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/practice_records_shots")
out.mkdir(parents=True, exist_ok=True)
today = date.today()
with db.transaction() as s:
    manager = sr.load_actor(s, team.manager_id)
    cr.record_cancellation(s, manager, team.other_worker_id, planned_for=today - timedelta(days=9),
                           cancelled_on=today - timedelta(days=10), cancelled_by="supervisor",
                           reason="Strategy meeting", rebooked_on=today - timedelta(days=6))
    sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(3),
                            duration_minutes=90)
    sr.share_session(s, manager, sid)
    sr.respond(s, sr.load_actor(s, team.worker_id), sid, comments="Fair", agreement="agrees")


def pump(ms=1500):
    end = time.time() + ms / 1000
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_idle(window):
    for _ in range(600):
        pump(50)
        if not window.ctx.tasks.busy:
            break
    pump(300)


window = build_window(db, team.manager_id)
window.resize(1280, 800)
window.show()
page = window.show_page("my_team")
wait_idle(window)
select_row(page.form.workerTable, lambda r: r.worker_id == team.worker_id)
window.grab().save(str(out / "team_agreements_cancellations.png"))
page.practice.record_cancellation()
pump(300)
d = page.practice.dialog
d.whoCombo.setCurrentIndex(d.whoCombo.findData("supervisee"))
d.reasonEdit.setPlainText("Unwell; back on Monday")
d.leaveCheck.setChecked(True)
d.rebookedCheck.setChecked(True)
pump(300)
d.grab().save(str(out / "cancellation_dialog.png"))
d.reject()
page.practice.open_agreement()
wait_idle(window)
a = page.practice.dialog
a.grab().save(str(out / "agreement_dialog_manager.png"))
a.save()
wait_idle(window)
from supervision_app.gui.signing import ensure_credentials  # noqa: E402
from supervision_app.records.agreement_signoff import sign_agreement  # noqa: E402
from supervision_app.records.signoff import sign_supervision_record  # noqa: E402

sign_agreement(db, ensure_credentials(window.ctx), agreement_id=a.agreement_id, signer_id=team.manager_id)
sign_supervision_record(db, ensure_credentials(window.ctx), session_id=sid, signer_id=team.manager_id)
a.reject()
worker = build_window(db, team.worker_id)
worker.resize(1280, 800)
worker.show()
mine = worker.show_page("my_supervision")
wait_idle(worker)
sign_supervision_record(db, ensure_credentials(worker.ctx), session_id=sid, signer_id=team.worker_id)
mine.refresh()
wait_idle(worker)
worker.grab().save(str(out / "my_supervision_feedback_agreement.png"))
mine.practice.open_agreement()
wait_idle(worker)
mine.practice.dialog.grab().save(str(out / "agreement_dialog_worker.png"))
mine.practice.dialog.reject()
select_row(mine.form.recordsTable, lambda r: r.session_id == sid)
mine.practice.give_feedback()
pump(300)
f = mine.practice.dialog
f.helpfulCombo.setCurrentIndex(1)
f.balanceCombo.setCurrentIndex(3)
f.grab().save(str(out / "feedback_dialog.png"))
from supervision_app.domain.lifecycle import RecordKind  # noqa: E402
from supervision_app.records.signoff import latest_document  # noqa: E402

with db.reading() as s:
    (out / "agreement.pdf").write_bytes(latest_document(s, RecordKind.AGREEMENT, a.agreement_id).pdf)
print("saved to", out)
