"""Search finds supervision agreements and cancellation reasons (issue 21), through the real
widgets: typing on the Search page lists them with readable sections; opening an agreement
shows it in the agreement dialog, opening a cancellation shows the worker's history."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.store import agreement_records as ar, cancellation_records as cr
from supervision_app.store.supervision_records import load_actor
from tests.gui.helpers import click, settle

DISAGREEMENTS = "Raised first with each other, then with the service manager within a fortnight"


def _agreement_dialogs():
    from supervision_app.gui.practice_dialogs import AgreementDialog

    return [w for w in QApplication.topLevelWidgets() if isinstance(w, AgreementDialog) and w.isVisible()]


def _type_search(qtbot, window, words: str):
    page = window.show_page("search")
    page.form.searchEdit.clear()
    page.form.searchEdit.setFocus()
    qtbot.keyClicks(page.form.searchEdit, words)  # the search runs on the pause in typing
    qtbot.waitUntil(lambda: page.form.resultSummaryLabel.text().endswith(("result", "results")), timeout=10000)
    settle(qtbot, window)
    return page


def _shown(page) -> list[tuple[str, str]]:
    model = page.model
    return [(model.index(row, 0).data(), model.index(row, 1).data()) for row in range(model.rowCount())]


def test_typing_finds_an_agreement_and_opening_it_shows_the_agreement(qtbot, database, team, open_window):
    with database.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, team.manager_id), team.worker_id,
                                           {"disagreements": DISAGREEMENTS})
    window = open_window(team.manager_id)
    page = _type_search(qtbot, window, "fortnight")
    assert _shown(page) == [("Supervision agreement with Ben Steady", "Agreement: how disagreements are handled")]
    assert page.form.resultSummaryLabel.text() == "1 result"

    page.form.resultsTable.setFocus()
    qtbot.keyClick(page.form.resultsTable, Qt.Key.Key_Return)  # Enter opens the result
    qtbot.waitUntil(lambda: bool(_agreement_dialogs()), timeout=10000)
    settle(qtbot, window)
    (dialog,) = _agreement_dialogs()
    assert dialog.agreement_id == agreement_id
    assert dialog.windowTitle() == "Supervision agreement — Ben Steady"
    qtbot.waitUntil(lambda: dialog.edits["disagreements"].toPlainText() == DISAGREEMENTS, timeout=10000)
    assert dialog.stateLabel.text() == "Draft: not signed yet."
    click(qtbot, window, dialog.closeButton)
    assert not _agreement_dialogs()

    # a colleague in the same team finds nothing of it
    other = open_window(team.other_worker_id)
    assert _shown(_type_search(qtbot, other, "fortnight")) == []


def test_opening_a_cancellation_reason_shows_the_workers_history(qtbot, database, team, open_window):
    with database.transaction() as s:
        cr.record_cancellation(s, load_actor(s, team.manager_id), team.worker_id, planned_for=date(2027, 1, 4),
                               cancelled_on=date(2027, 1, 4), cancelled_by="supervisee",
                               reason="Called to an emergency strategy meeting at the hospital")
    window = open_window(team.manager_id)
    page = _type_search(qtbot, window, "hospital")
    assert _shown(page) == [("Cancelled supervision of Ben Steady", "Cancellation reason")]
    click(qtbot, window, page.form.openResultButton)
    qtbot.waitUntil(lambda: window.form.pageStack.currentWidget() is window.history_page, timeout=10000)
    assert window.history_page.form.titleLabel.text() == "Supervision history: Ben Steady"
    assert window.history_page.worker_id == team.worker_id
