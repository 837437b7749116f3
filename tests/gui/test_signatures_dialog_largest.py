"""The Signatures dialog at the Largest text size on a 1366x768 laptop (issue 19): what it
says about each signature (the level reached, whether the signer's certificate is from the
organisation) is in sight, its words wrapped onto more lines, not off to the right of a
table that scrolls sideways."""
from __future__ import annotations

import pytest

from tests.gui.helpers import click, settle
from tests.gui.signing_steps import locked_records
from tests.gui.test_largest_text import LAPTOP, largest  # noqa: F401  (the fixture)


@pytest.mark.xfail(strict=True, reason="the Signatures dialog's columns keep their whole one-line widths "
                   "and scroll sideways; fix requested in /tmp/team/audit19-request-signing.patch")
def test_every_column_of_the_signatures_is_in_sight_at_the_largest_text(qtbot, largest, team, database):  # noqa: F811
    (sid,) = locked_records(database, team, 1)
    window = largest(team.worker_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    click(qtbot, window, editor.form.signaturesButton)
    dialog = editor.dialog
    dialog.resize(LAPTOP[0] - 40, dialog.height())  # as wide as it opens on the laptop's screen
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60000)
    qtbot.wait(50)
    table = dialog.table
    assert table.horizontalScrollBar().maximum() == 0  # nothing off to the side
    header = table.horizontalHeader()
    shown = [c for c in range(dialog.model.columnCount()) if not table.isColumnHidden(c)]
    assert sum(header.sectionSize(c) for c in shown) <= table.viewport().width()
    qtbot.wait(50)
    assert table.viewport().height() >= table.verticalHeader().length()  # every row in sight
    for row in range(dialog.model.rowCount()):  # each cell's words whole: wrapped, not cut
        for column in shown:
            index = dialog.model.index(row, column)
            text = index.data()
            wanted = table.sizeHintForIndex(index) if text else None
            if wanted is not None:
                assert table.rowHeight(row) >= wanted.height() - 2, (row, column, text)
    dialog.accept()
    window.close()
