"""Group supervision through the real widgets (issue 21): the manager opens "Group
sessions…" on My team, starts a new one, ticks three workers in the group (one sent
apologies), types each person's action, and signs; a worker opens it from My supervision,
sees the shared part and only their own action, and signs."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.domain.vocabulary import RecordState
from supervision_app.gui.group_dialogs import (
    ACTION,
    NAME,
    PRESENT,
    GroupPractice,
    GroupSessionDialog,
    GroupSessionsDialog,
)
from tests.gui.helpers import click, settle, type_into
from tests.gui.signing_steps import answer_confirmation


def _dialog(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def _groups(page, team: bool) -> GroupPractice:
    # the page's own line once pages.py carries it (patch requested), else made here as it would
    return getattr(page, "groups", None) or GroupPractice(page, team)


def _row_of(dialog, name: str) -> int:
    model = dialog.peopleModel
    return next(r for r in range(model.rowCount()) if model.item(r, NAME).text().startswith(name))


def test_manager_holds_a_group_and_each_worker_sees_only_their_own_action(qtbot, database, team, open_window):
    window = open_window(team.manager_id)
    page = window.show_page("my_team")
    settle(qtbot, window)
    groups = _groups(page, team=True)
    settle(qtbot, window)
    click(qtbot, window, groups.button)
    listing = _dialog(GroupSessionsDialog)
    click(qtbot, window, listing.newButton)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None)
    assert dialog.peopleTable.accessibleName() == "People in the group"
    names = {}
    for person_id in (team.worker_id, team.other_worker_id, team.asye_worker_id):
        with database.reading() as s:
            from supervision_app.store.models import Staff

            names[person_id] = s.get(Staff, person_id).display_name
        # by keyboard: the person's row, Space ticks them in; their action in its own field
        row = _row_of(dialog, names[person_id])
        dialog.peopleTable.setFocus()
        dialog.peopleTable.setCurrentIndex(dialog.peopleModel.index(row, NAME))
        qtbot.keyClick(dialog.peopleTable, Qt.Key.Key_Space)
        assert dialog.peopleModel.item(row, NAME).checkState() == Qt.CheckState.Checked
        type_into(qtbot, dialog.actionEdit, f"Action for {names[person_id]}")
    apologies = _row_of(dialog, names[team.asye_worker_id])
    dialog.peopleTable.setCurrentIndex(dialog.peopleModel.index(apologies, PRESENT))
    qtbot.keyClick(dialog.peopleTable, Qt.Key.Key_Space)  # sent apologies
    assert dialog.peopleModel.item(apologies, PRESENT).checkState() == Qt.CheckState.Unchecked
    assert dialog.peopleModel.item(apologies, ACTION).text() == f"Action for {names[team.asye_worker_id]}"
    type_into(qtbot, dialog.themesEdit, "Working with neglect")
    type_into(qtbot, dialog.summaryEdit, "A family where neglect is chronic")
    answer_confirmation(qtbot)
    click(qtbot, window, dialog.signButton)
    qtbot.waitUntil(lambda: dialog.stateLabel.text().startswith("Signed by the supervisor"), timeout=60000)
    waiting = dialog.stateLabel.text()
    assert names[team.worker_id] in waiting and names[team.asye_worker_id] not in waiting
    assert not dialog.saveButton.isVisible()
    dialog.accept()
    listing.accept()

    worker_window = open_window(team.worker_id)
    mine = worker_window.show_page("my_supervision")
    settle(qtbot, worker_window)
    worker_groups = _groups(mine, team=False)
    qtbot.waitUntil(lambda: worker_groups.label.text().endswith(": 1"))
    click(qtbot, worker_window, worker_groups.button)
    listing = _dialog(GroupSessionsDialog)
    assert not listing.newButton.isVisible()
    qtbot.waitUntil(lambda: listing.model.rowCount() == 1)
    listing.table.selectRow(0)
    click(qtbot, worker_window, listing.openButton)
    dialog = _dialog(GroupSessionDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None and dialog.detail.group_id is not None)
    assert dialog.themesEdit.toPlainText() == "Working with neglect" and dialog.themesEdit.isReadOnly()
    actions = {dialog.peopleModel.item(r, NAME).text(): dialog.peopleModel.item(r, ACTION).text()
               for r in range(dialog.peopleModel.rowCount())}
    assert actions[names[team.worker_id]] == f"Action for {names[team.worker_id]}"
    assert actions[names[team.other_worker_id]] == ""  # never another's action
    answer_confirmation(qtbot)
    click(qtbot, worker_window, dialog.signButton)
    qtbot.waitUntil(lambda: dialog.detail.people and any(
        p.signed for p in dialog.detail.people if p.staff_id == team.worker_id), timeout=60000)
    assert dialog.detail.state == RecordState.SUPERVISOR_SIGNED  # the other present worker still to sign
    assert not dialog.signButton.isVisible()


def test_the_service_manager_decides_whether_group_sessions_count(qtbot, database, team, open_window):
    from supervision_app.store.queries import team_policy

    window = open_window(team.service_manager_id)
    page = window.show_page("settings")
    settle(qtbot, window)
    f = page.form
    f.policyTeamCombo.setCurrentIndex(f.policyTeamCombo.findData(team.team_id))
    check = page.groupCountsCheck
    assert not check.isChecked() and check.isEnabled()  # no by default
    assert check.accessibleName() == "Group sessions count toward supervision frequency"
    check.setFocus()
    qtbot.keyClick(check, Qt.Key.Key_Space)
    page.durationSpin.setValue(75)
    click(qtbot, window, f.savePolicyButton)
    settle(qtbot, window)
    with database.reading() as s:
        policy = team_policy(s, team.team_id)
    assert policy.group_counts_toward_frequency and policy.standard_duration_minutes == 75
    # a team manager reads it, and cannot change it
    manager_window = open_window(team.manager_id)
    settings = manager_window.show_page("settings")
    settle(qtbot, manager_window)
    settings.form.policyTeamCombo.setCurrentIndex(settings.form.policyTeamCombo.findData(team.team_id))
    assert settings.groupCountsCheck.isChecked() and not settings.groupCountsCheck.isEnabled()
