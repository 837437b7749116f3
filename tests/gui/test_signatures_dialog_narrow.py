"""The Signatures dialog where it is narrower than its columns on one line (issue 19: at
the Largest text size on a 1366x768 laptop the level and the signer's certificate went off
to the right of a table scrolling sideways). The tests' screen is 800 pixels wide, which
puts the Standard text size in the same place: what the dialog says about each signature
is in sight, its sentences wrapped onto more lines, every row in sight too."""
from __future__ import annotations

from tests.gui.helpers import click, settle
from tests.gui.signing_steps import locked_records


def test_every_column_of_the_signatures_is_in_sight_in_a_narrow_dialog(qtbot, open_window, team, database):
    (sid,) = locked_records(database, team, 1)
    window = open_window(team.worker_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    click(qtbot, window, editor.form.signaturesButton)
    dialog = editor.dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60000)
    qtbot.wait(100)
    table = dialog.table
    header = table.horizontalHeader()
    shown = [c for c in range(dialog.model.columnCount()) if not table.isColumnHidden(c)]
    one_line = sum(table.sizeHintForColumn(c) for c in shown)
    assert one_line > table.viewport().width()  # the case in question: it cannot all fit on one line
    assert table.horizontalScrollBar().maximum() == 0  # nothing off to the side
    assert sum(header.sectionSize(c) for c in shown) <= table.viewport().width()
    assert table.viewport().height() >= table.verticalHeader().length()  # every row in sight
    for row in range(dialog.model.rowCount()):  # each cell's words whole: wrapped, not cut
        for column in shown:
            index = dialog.model.index(row, column)
            if index.data():
                assert table.rowHeight(row) >= table.sizeHintForIndex(index).height() - 2, (row, column)
    dialog.accept()
    window.close()
