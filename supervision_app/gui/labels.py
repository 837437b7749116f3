"""Labels for the window's frame, which is on screen before the records open: Qt only,
nothing that loads the store (see main_window's note on start-up)."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget


class WrappingLabel(QLabel):
    """A label on one line where there is room for it, wrapped onto more where there is
    not (a plain word-wrapped label asks for a narrower "nice" width and wraps even beside
    empty space)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, share: float = 0.0) -> None:
        """``share``: the part of its parent's width it keeps, where its text needs that
        much, before others beside it are wrapped (the status bar's message: a third)."""
        super().__init__(text, parent)
        self.share = share
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        least = super().minimumSizeHint()
        parent = self.parentWidget()
        if not self.share or parent is None:
            return least
        width = max(least.width(), min(self.sizeHint().width(), int(parent.width() * self.share)))
        return QSize(width, self.heightForWidth(width))

    def sizeHint(self) -> QSize:  # noqa: N802
        margins = self.contentsMargins()
        line = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.margin() + 2
        width = line + margins.left() + margins.right()
        return QSize(width, self.heightForWidth(width))
