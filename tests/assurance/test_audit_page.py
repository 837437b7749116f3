"""The audit page, offscreen with real widgets: an auditor draws a sample from a seed, reads
and grades a record, adds an action for the manager and completes the round; the manager
sees the action and closes it; nothing audited changes."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit

from supervision_app.gui.audit_page import AuditPage
from supervision_app.store.supervision_records import load_actor
from tests.assurance.record_digest import snapshot
from tests.assurance.world import TODAY

WAIT = 20000


def make_page(qtbot, database, who):
    with database.reading() as s:
        actor = load_actor(s, who)
    page = AuditPage(database, actor, today=TODAY)
    qtbot.addWidget(page)
    page.resize(1280, 860)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    return page


@pytest.fixture
def auditor_page(qtbot, database, world):
    page = make_page(qtbot, database, world.auditor)
    yield page
    page.tasks.wait(10000)


def draw(page, qtbot, seed: str, size: int = 3):
    f = page.form
    f.roundTitleEdit.setText("Spring dip sample")
    f.populationCombo.setCurrentIndex(0)  # supervision records
    f.sizeSpin.setValue(size)
    f.seedEdit.setText(seed)
    with qtbot.waitSignals([page.drawn, page.round_loaded], timeout=WAIT):
        f.drawButton.click()
    return page.report


def labels(report):
    return [i.record_label for i in report.items]


def test_the_same_seed_draws_the_same_sample_and_shows_it(auditor_page, qtbot):
    page = auditor_page
    first = draw(page, qtbot, "4242")
    assert first.seed == 4242 and len(first.items) == 3
    assert f"seed {first.seed}" in page.form.roundSummary.text()
    assert page.item_proxy.rowCount() == 3
    again = draw(page, qtbot, "4242")
    assert labels(again) == labels(first) and again.round_id != first.round_id
    other = draw(page, qtbot, "777", size=6)
    assert len(other.items) == 6
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    assert page.round_proxy.rowCount() == 3


def test_auditor_grades_adds_an_action_and_completes_the_round_and_the_manager_closes_it(
        auditor_page, qtbot, database, world):
    page = auditor_page
    before = snapshot(database)
    report = draw(page, qtbot, "11", size=2)
    f = page.form
    # the first record opens read-only beside the checklist
    qtbot.waitUntil(lambda: "Supervision of" in f.recordView.toPlainText(), timeout=WAIT)
    assert f.recordView.isReadOnly()
    assert len(page._answer_combos) == len(report.checklist)
    assert not f.completeButton.isEnabled()

    # saving without every answer is refused in words, with nothing written
    with qtbot.waitSignal(page.failed, timeout=WAIT) as refused:
        f.saveGradeButton.click()
    assert "Answer every checklist question" in refused.args[0]

    for row in range(page.item_proxy.rowCount()):
        f.itemsTable.setCurrentIndex(page.item_proxy.index(row, 0))
        for n, combo in enumerate(page._answer_combos.values()):
            combo.setCurrentIndex(combo.findData("not_applicable" if n == 0 else "good"))
        f.overallCombo.setCurrentIndex(f.overallCombo.findData("requires_improvement"))
        f.findingEdit.setPlainText("Decisions recorded without their rationale.")
        with qtbot.waitSignals([page.graded, page.round_loaded], timeout=WAIT):
            f.saveGradeButton.click()
    assert all(i.grade is not None and i.grade.value == "requires_improvement" for i in page.report.items)
    assert f.progressLabel.text() == "2 of 2 graded"

    # an action for the team's manager on the selected record
    f.actionEdit.setText("Add the rationale to the decisions and review in supervision.")
    with qtbot.waitSignals([page.action_added, page.round_loaded], timeout=WAIT):
        f.addActionButton.click()
    assert any(i.actions for i in page.report.items)

    assert f.completeButton.isEnabled()
    with qtbot.waitSignals([page.completed, page.round_loaded], timeout=WAIT):
        f.completeButton.click()
    assert page.report.state == "completed"
    assert not f.saveGradeButton.isEnabled() and not f.completeButton.isEnabled()

    # the manager sees the action addressed to them, and closes it
    manager = make_page(qtbot, database, world.tm)
    m = manager.form
    assert m.tabs.currentWidget() is m.actionsTab
    assert not m.drawGroup.isVisibleTo(manager) and not m.gradeGroup.isVisibleTo(manager)
    assert manager.action_proxy.rowCount() == 1
    action = manager.action_proxy.row_at(manager.action_proxy.index(0, 0))
    assert action.addressed_to_me and action.status.value == "open"
    assert "1 for you" in m.tabs.tabText(m.tabs.indexOf(m.actionsTab))
    m.actionsTable.setCurrentIndex(manager.action_proxy.index(0, 0))
    m.closingNoteEdit.setText("Discussed with the team; rationale added by addendum.")
    with qtbot.waitSignals([manager.action_updated, manager.loaded], timeout=WAIT):
        m.doneButton.click()
    assert manager.action_proxy.rowCount() == 0  # closed ones are hidden until asked for
    m.showClosedCheck.setChecked(True)
    assert manager.action_proxy.row_at(manager.action_proxy.index(0, 0)).status.value == "done"

    # the manager reads the round's findings, read-only
    with qtbot.waitSignal(manager.round_loaded, timeout=WAIT):
        manager.open_round(report.round_id)
    assert manager.item_proxy.rowCount() == 2
    manager.tasks.wait(10000)

    # nothing audited changed, by any of this
    page.tasks.wait(10000)
    assert snapshot(database) == before


def test_round_exports_as_a_pdf_in_the_background(auditor_page, qtbot, tmp_path):
    page = auditor_page
    draw(page, qtbot, "5", size=2)
    target = tmp_path / "round.pdf"
    failures: list[str] = []
    page.failed.connect(failures.append)
    page.tasks.wait(WAIT)  # nothing from the draw still running
    with qtbot.waitSignal(page.exported, timeout=3 * WAIT, raising=False) as blocker:
        page.export_to(target)
        qtbot.waitUntil(lambda: failures or target.exists(), timeout=3 * WAIT)
    assert failures == []
    assert blocker.signal_triggered
    assert target.read_bytes()[:5] == b"%PDF-"


def test_children_can_be_sampled_and_read(auditor_page, qtbot):
    page = auditor_page
    f = page.form
    f.populationCombo.setCurrentIndex(1)
    assert not f.heldFromEdit.isEnabled()
    f.seedEdit.setText("3")
    f.sizeSpin.setValue(2)
    with qtbot.waitSignals([page.drawn, page.round_loaded], timeout=WAIT):
        f.drawButton.click()
    assert page.report.population.value == "children"
    qtbot.waitUntil(lambda: "Management oversight" in f.recordView.toPlainText(), timeout=WAIT)


def test_every_control_has_an_accessible_name_and_a_keyboard_path(auditor_page, qtbot):
    page = auditor_page
    draw(page, qtbot, "9", size=2)
    kinds = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit)
    for tab in range(page.form.tabs.count()):
        page.form.tabs.setCurrentIndex(tab)
        unnamed = [w.objectName() for kind in kinds for w in page.findChildren(kind)
                   if w.isVisibleTo(page) and not w.accessibleName()]
        assert [n for n in unnamed if n and not n.startswith("qt_")] == []
    # every checklist question is reached by its label's mnemonic-free buddy and has a name
    assert all(c.accessibleName().startswith("Question ") for c in page._answer_combos.values())
    # tabs and buttons carry keyboard mnemonics
    f = page.form
    for button in (f.drawButton, f.saveGradeButton, f.addActionButton, f.completeButton, f.exportButton):
        assert "&" in button.text()


def test_keyboard_opens_a_round_and_starts_grading_and_the_record_opens_in_the_app(
        qtbot, database, world):
    from PySide6.QtCore import Qt

    with database.reading() as s:
        actor = load_actor(s, world.auditor)
    opened = []
    page = AuditPage(database, actor, today=TODAY,
                     open_record=lambda kind, rid: opened.append((kind, rid)))
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    draw(page, qtbot, "21", size=2)
    f = page.form
    f.tabs.setCurrentWidget(f.roundsTab)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.refresh()
    f.roundsTable.setFocus()
    f.roundsTable.setCurrentIndex(page.round_proxy.index(0, 0))
    with qtbot.waitSignal(page.round_loaded, timeout=WAIT):
        qtbot.keyClick(f.roundsTable, Qt.Key.Key_Return)
    assert f.tabs.currentWidget() is f.sampleTab
    f.itemsTable.setFocus()
    qtbot.keyClick(f.itemsTable, Qt.Key.Key_Return)
    first = next(iter(page._answer_combos.values()))
    assert first.hasFocus()
    f.openRecordButton.click()
    item = page.item_proxy.row_at(f.itemsTable.currentIndex())
    assert opened == [("supervision", item.record_id)]
    page.tasks.wait(10000)
