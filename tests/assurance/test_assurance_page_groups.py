"""The compliance page shows group sessions (issue 21), offscreen through its widgets: the
figure in the headline, the team's column and the worker's row, and the list behind it
opens the group session."""
from __future__ import annotations

import pytest

from supervision_app.gui.assurance_page import AssurancePage
from supervision_app.store.supervision_records import load_actor
from tests.assurance.test_assurance_page import cell
from tests.assurance.test_group_sessions_in_figures import TODAY, signed_by_ben  # noqa: F401 (fixture)

LABEL = "Group sessions attended, signed"


@pytest.fixture
def page(qtbot, database, team, signed_by_ben):  # noqa: F811 (the fixture imported above)
    with database.reading() as s:
        actor = load_actor(s, team.manager_id)
    opened = []
    widget = AssurancePage(database, actor, today=TODAY, open_record=lambda kind, rid: opened.append((kind, rid)))
    qtbot.addWidget(widget)
    widget.resize(1280, 860)
    widget.opened = opened
    with qtbot.waitSignals([widget.loaded, widget.signals_loaded], timeout=20000):
        widget.refresh()
    yield widget
    widget.tasks.wait(10000)


def test_the_page_shows_group_sessions_attended_and_signed(page, team, signed_by_ben, qtbot):  # noqa: F811
    gid = signed_by_ben[0]
    f = page.form
    headline = {f.headlineTable.model().index(r, 0).data(): f.headlineTable.model().index(r, 1).data()
                for r in range(f.headlineTable.model().rowCount())}
    assert headline[LABEL] == "\u26a0 50% (1/2)"  # Ben signed, Cara not yet: below 80%
    teams = f.teamTable.model()
    row = next(r for r in range(teams.rowCount()) if teams.index(r, 0).data() == LABEL)
    assert teams.index(row, 1).data() == "\u26a0 50% (1/2)"

    view = f.workerTable
    index = cell(view, lambda w: w.worker_id == team.worker_id, LABEL)
    assert index.data().endswith("100% (1/1)")
    dialog = page.show_records(view, index)
    qtbot.addWidget(dialog)
    assert dialog.proxy.rowCount() == 1
    assert dialog.proxy.index(0, 0).data() == "Group session signed by the supervisor and the worker"
    kinds = [dialog.proxy.index(0, c).data() for c in range(dialog.proxy.columnCount())]
    assert "Group supervision" in kinds
    dialog.table.setCurrentIndex(dialog.proxy.index(0, 0))
    dialog.open_button.click()
    assert page.opened == [("group_session", gid)]
