"""The child's page for a case discussion that followed the child (DESIGN.md §1.1, third
bullet) through a real server: the child's new manager's laptop holds the discussion
without its supervision record, so "Open full record" cannot open anything. The button
says so (disabled, with a tooltip and an accessible description), the entry's text says
where the record stays, and pressing Enter on the entry says it in the status bar; an
entry whose record is here still opens it."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from supervision_app.gui.app import application, build_window
from supervision_app.store import models as m
from tests.gui.helpers import select_row, settle
from tests.sync import records as r
from tests.sync.harness import Deployment, deploy
from tests.sync.test_case_discussions_follow_child import DECISION, moved_with_shared_record


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("server-sqlite"))
    yield dep
    teardown()


def _window(qtbot, laptop, staff_id):
    application()
    window = build_window(laptop.db, staff_id)
    qtbot.addWidget(window)
    window.show()
    settle(qtbot, window)
    return window


def test_open_full_record_says_the_record_stays_with_the_workers_own_manager(qtbot, deployment, laptops):
    org = deployment.org
    tm_a = laptops("tm_a")
    tm_a.client.sync()
    child, shared, discussed = moved_with_shared_record(deployment, tm_a, org, "CASE-PAGE-1")
    tm_b = laptops("tm_b")
    tm_b.client.sync()
    assert r.get(tm_b, m.SupervisionSession, shared) is None  # the discussion alone

    window = _window(qtbot, tm_b, org.ids["tm_b"])
    try:
        window.open_child(child)
        settle(qtbot, window)
        page = window.child_page
        table, button = page.form.chronologyTable, page.form.openEntryButton
        select_row(table, lambda e: e.record_id == discussed[child])
        assert DECISION in page.form.entryView.toPlainText()
        assert "stays with the worker's own manager" in page.form.entryView.toPlainText()
        assert not button.isEnabled()
        assert "stays with the worker's own manager" in button.toolTip()
        assert "stays with the worker's own manager" in button.accessibleDescription()
        assert button.accessibleName()

        table.setFocus()
        qtbot.keyClick(table, "\r")  # open it, as a person would
        settle(qtbot, window)
        assert window.editor is None
        assert window.form.pageStack.currentWidget() is page
        assert QApplication.focusWidget() is table
        assert "stays with the worker's own manager" in window.statusBar().currentMessage()
    finally:
        window.ctx.tasks.wait()

    # the record's own manager: the same entry opens the record, the button as before
    window = _window(qtbot, tm_a, org.ids["tm_a"])
    try:
        window.open_child(child)
        settle(qtbot, window)
        page = window.child_page
        select_row(page.form.chronologyTable, lambda e: e.record_id == discussed[child])
        button = page.form.openEntryButton
        assert button.isEnabled() and button.toolTip() == "" and button.accessibleDescription() == ""
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        settle(qtbot, window)
        assert window.editor is not None and window.editor.session_id == shared
    finally:
        if window.editor is not None:
            window.editor.close_editor()
        window.ctx.tasks.wait()
