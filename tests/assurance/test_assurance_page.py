"""The dashboard page, offscreen: figures shown, the records behind one opened, exports."""
from __future__ import annotations

import csv

import pytest
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit

from supervision_app.gui.assurance_page import AssurancePage
from supervision_app.store.supervision_records import load_actor
from tests.assurance.world import TODAY


@pytest.fixture
def page(qtbot, database, world):
    with database.reading() as s:
        actor = load_actor(s, world.tm)
    opened = []
    widget = AssurancePage(database, actor, today=TODAY,
                           open_record=lambda kind, rid: opened.append((kind, rid)))
    qtbot.addWidget(widget)
    widget.resize(1280, 860)
    widget.opened = opened
    with qtbot.waitSignals([widget.loaded, widget.signals_loaded], timeout=20000):
        widget.refresh()
    yield widget
    widget.tasks.wait(10000)


def cell(view, row_match, column_title):
    model = view.model()
    source = model.sourceModel()
    col = next(i for i, c in enumerate(source.columns) if c.title == column_title)
    for r in range(model.rowCount()):
        if row_match(model.row_at(model.index(r, 0))):
            return model.index(r, model.mapFromSource(source.index(0, col)).column())
    raise AssertionError("row not found")


def test_figures_are_shown(page, world):
    f = page.form
    headline = {f.headlineTable.model().index(r, 0).data(): f.headlineTable.model().index(r, 1).data()
                for r in range(f.headlineTable.model().rowCount())}
    assert headline["Supervision held within policy (signed)"] == "\u26a0 65% (13/20)"  # below 80%
    assert headline["Unresolved disagreements"] == "\u26a0 1"
    assert f.teamTable.model().columnCount() == 2  # the figures, and the one team's
    assert f.workerTable.model().rowCount() == 3  # Ash, Bo, Cy: not Tam, who views them
    assert "Assessment A" in f.scopeLabel.text()
    assert [round(v) if v is not None else None for v in page.chart.series_values()[0]] == [
        100, 67, 67, 67, 75, 0]  # as test_compliance.test_monthly_trend
    assert "March 2026" in page.chart.accessibleDescription()
    assert f.signalsTable.model().rowCount() > 0


def test_a_figure_opens_the_records_behind_it(page, qtbot, world):
    view = page.form.workerTable
    index = cell(view, lambda w: w.worker_id == world.ash, "Supervision held within policy (signed)")
    assert index.data() == "\u26a0 17% (1/6)"
    dialog = page.show_records(view, index)
    qtbot.addWidget(dialog)
    assert dialog.proxy.rowCount() == 6
    outcomes = [dialog.proxy.index(r, 0).data() for r in range(6)]
    assert sum(o.startswith("Held within policy") for o in outcomes) == 1
    # open the record behind the one on time
    row = next(r for r in range(6) if outcomes[r].startswith("Held within policy"))
    dialog.table.setCurrentIndex(dialog.proxy.index(row, 0))
    dialog.open_button.click()
    assert page.opened == [("supervision", world.sessions["ash-oct"])]
    # a missed supervision has no record: the worker opens instead
    row = next(r for r in range(6) if outcomes[r].startswith("Missed"))
    dialog.table.setCurrentIndex(dialog.proxy.index(row, 0))
    dialog.open_button.click()
    assert page.opened[-1] == ("staff", world.ash)


def test_period_selector_recomputes_off_the_gui_thread(page, qtbot):
    with qtbot.waitSignal(page.loaded, timeout=20000):
        page.set_months(3)
    assert page.dashboard.period.months[0].month == 1
    assert len(page.chart.points) == 3


def test_every_control_has_an_accessible_name(page):
    kinds = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QComboBox, QLineEdit)
    unnamed = [w.objectName() for kind in kinds for w in page.findChildren(kind)
               if w.isVisibleTo(page) and not w.accessibleName()]
    # Qt's own parts (tab-bar scroll buttons, a spin box's line edit) are named by their owner
    assert [n for n in unnamed if n and not n.startswith("qt_")] == []
    assert page.chart.accessibleName()


def test_exports(page, qtbot, tmp_path):
    target = tmp_path / "figures.csv"
    with qtbot.waitSignal(page.exported, timeout=20000):
        page.export_to(target, "csv")
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0] == "Worker" and len(rows) == 4  # Ash, Bo, Cy: Tam is supervised by Sol
    book = tmp_path / "figures.xlsx"
    with qtbot.waitSignal(page.exported, timeout=20000):
        page.export_to(book, "xlsx")
    assert book.read_bytes()[:2] == b"PK"
