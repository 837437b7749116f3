"""Search snippets show whole lines: at a large text size a snippet may need more lines
than its row has, and then the lines that do not fit are left out, not cut in half."""
from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from supervision_app.gui.models import HighlightDelegate, RowsModel, whole_lines


def test_only_lines_that_fit_whole_are_counted(qtbot):
    QApplication.instance() or QApplication([])
    delegate = HighlightDelegate(RowsModel([]), "[", "]")
    font = QFont(QApplication.font())
    font.setPointSizeF(20)
    text = "The [school] reports attendance is improving; the family network has met twice. " * 3
    layout = delegate._layout(text, 300, font)
    line = layout.lineAt(0).height()
    assert layout.lineCount() > 3
    assert whole_lines(layout, 2 * line + 0.5) == 2  # a third line would be cut: left out
    assert whole_lines(layout, 3 * line + 1) == 3
    assert whole_lines(layout, line / 2) == 1  # a row too short still shows the start
    assert whole_lines(layout, 1000) == layout.lineCount()
