"""Regenerate audit_page.png (an auditor grading a dip sample) and audit_actions.png (the
team manager's audit actions) from the demo data:

    QT_QPA_PLATFORM=offscreen python docs/screenshots/take_audit_screenshots.py

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

from PySide6.QtCore import QThreadPool  # noqa: E402
from PySide6.QtTest import QSignalSpy  # noqa: E402
from tests.gui.event_wait import pause  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from supervision_app.demo.generator import populate_team_demo  # noqa: E402
from supervision_app.gui.audit_page import AuditPage  # noqa: E402
from supervision_app.store.database import open_database  # noqa: E402
from supervision_app.store.supervision_records import load_actor  # noqa: E402

OUT = Path(__file__).resolve().parent
TODAY = date(2026, 11, 23)


def after(action, *signals, ms: int = 30000) -> None:
    """Do ``action`` and wait for each of ``signals``, listening before it starts: a second
    signal can come while the first is awaited."""
    spies = [QSignalSpy(signal) for signal in signals]
    action()
    for spy in spies:
        for _ in range(ms // 25):
            if spy.count():
                break
            pause(25)
        else:
            raise TimeoutError("the page did not finish in time")


def page_for(db, staff_id: str) -> AuditPage:
    with db.reading() as s:
        actor = load_actor(s, staff_id)
    page = AuditPage(db, actor, today=TODAY, pool=QThreadPool.globalInstance())
    page.resize(1366, 900)
    page.show()
    after(page.refresh, page.loaded)
    return page


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    db = open_database(Path(tempfile.mkdtemp()) / "demo")
    summary = populate_team_demo(db, today=TODAY, seed=7)

    page = page_for(db, summary.auditor_id)
    f = page.form
    f.roundTitleEdit.setText("November dip sample")
    f.sizeSpin.setValue(8)
    f.seedEdit.setText("20261123")
    f.weightCheck.setChecked(True)
    after(f.drawButton.click, page.round_loaded, page.record_loaded)
    for n, combo in enumerate(page._answer_combos.values()):
        combo.setCurrentIndex(combo.findData("requires_improvement" if n == 2 else "good"))
    f.overallCombo.setCurrentIndex(f.overallCombo.findData("requires_improvement"))
    f.findingEdit.setPlainText("Supervision is regular and reflective, but two case decisions "
                               "have a one-line rationale that does not explain the risk.")
    after(f.saveGradeButton.click, page.round_loaded)
    f.actionEdit.setText("Record the rationale for both decisions by addendum")
    after(f.addActionButton.click, page.round_loaded)
    after(lambda: f.itemsTable.setCurrentIndex(page.item_proxy.index(1, 0)), page.record_loaded)
    pause(300)
    page.grab().save(str(OUT / "audit_page.png"))
    print("saved audit_page.png")
    QThreadPool.globalInstance().waitForDone(10000)

    manager = page_for(db, summary.manager_id)
    pause(300)
    manager.grab().save(str(OUT / "audit_actions.png"))
    print("saved audit_actions.png")
    QThreadPool.globalInstance().waitForDone(10000)
    db.close()
    app.quit()


if __name__ == "__main__":
    main()
