"""The Signatures dialog says, for each signature, when it is proven to have existed and the
level it reached (issue 20). A record signed on a computer not connected to a server has no
time stamp yet: the dialog says so in words, and that the server adds one."""
from __future__ import annotations

from PySide6.QtCore import Qt

from tests.gui.helpers import click, settle
from tests.gui.signing_steps import locked_records


def test_the_signatures_dialog_says_when_each_signature_is_proven(qtbot, open_window, team, database):
    (sid,) = locked_records(database, team, 1)
    window = open_window(team.worker_id)
    editor = window.open_session(sid)
    settle(qtbot, window)
    click(qtbot, window, editor.form.signaturesButton)
    dialog = editor.dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60000)
    headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in range(dialog.model.columnCount())]
    assert "Proven to exist" in headers and "Level" in headers
    proven, level = headers.index("Proven to exist"), headers.index("Level")
    for row in range(dialog.model.rowCount()):
        assert dialog.model.index(row, proven).data() == "Not yet (time stamped when it reaches the server)"
        assert dialog.model.index(row, level).data() == "B-B: no proof of time yet"
    assert "Not every signature has a time stamp yet" in dialog.summaryLabel.text()
    dialog.accept()
    window.close()
