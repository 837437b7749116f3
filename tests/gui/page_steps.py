"""Pages brought to a state several tests start from: an auditor's audit page with a round
drawn, and a draft supervision record holding a case discussion."""
from __future__ import annotations

from supervision_app.gui.audit_page import AuditPage
from supervision_app.store import supervision_records as sr
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY as WORLD_TODAY
from tests.gui.sample_team import session_time


def auditor_page(qtbot, database, world):
    with database.reading() as s:
        actor = load_actor(s, world.auditor)
    page = AuditPage(database, actor, today=WORLD_TODAY)
    qtbot.addWidget(page)
    page.resize(1366, 820)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.refresh()
    f = page.form
    f.roundTitleEdit.setText("Spring dip sample")
    f.sizeSpin.setValue(2)
    f.seedEdit.setText("11")
    with qtbot.waitSignals([page.drawn, page.round_loaded], timeout=20000):
        f.drawButton.click()
    f.tabs.setCurrentWidget(f.sampleTab)
    return page


def draft_with_discussion(database, team) -> str:
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        sid = sr.create_session(s, manager, supervisee_id=team.worker_id, held_at=session_time(2))
        sr.add_case_discussion(s, manager, sid, "CS-1003")
    return sid
