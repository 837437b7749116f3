"""Desktop reminders in the system tray (or, where there is none, quietly in the status
bar): records awaiting my signature, supervision due soon, my overdue actions, agreements to
review. Worked out off the GUI thread at start and after each sync; each item at most once
a day; the words are counts only (``domain.reminders``)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QStyle, QSystemTrayIcon

if TYPE_CHECKING:
    from .main_window import AppContext

TITLE = "Supervision Recorder"


class ReminderController(QObject):
    shown = Signal(list)  # the texts just shown (tests and the status bar read them)

    def __init__(self, ctx: AppContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._checking = False
        self._again = False
        self.tray: QSystemTrayIcon | None = None
        self.last_texts: list[str] = []

    def check(self) -> None:
        """Work out what is due (in the task runner); a check asked while one runs is run after."""
        if self._checking:
            self._again = True
            return
        self._checking = True
        ctx = self.ctx
        staff_id, today = ctx.actor.staff_id, ctx.today()

        def work(session):
            from ..store import agreement_records  # noqa: F401  (its agreements-to-review source)
            from ..store.reminder_queries import check_reminders

            return check_reminders(session, staff_id, today)

        ctx.tasks.write(work, self._show, self._failed)

    def _finished(self) -> None:
        self._checking = False
        if self._again:
            self._again = False
            self.check()

    def _failed(self, _error) -> None:
        self._finished()  # a reminder is a courtesy: never an error message of its own

    def _show(self, reminders) -> None:
        self._finished()
        if not reminders:
            return
        texts = [r.text for r in reminders]
        self.last_texts = texts
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray = self._tray()
            tray.setToolTip(f"{TITLE}: " + "; ".join(texts))
            tray.showMessage(TITLE, "\n".join(texts), QSystemTrayIcon.MessageIcon.Information, 10000)
        else:
            self.ctx.window.statusBar().showMessage("; ".join(texts), 15000)
        self.shown.emit(texts)

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            window = self.ctx.window
            icon = window.windowIcon()
            if icon.isNull():
                icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
            self.tray = QSystemTrayIcon(QIcon(icon), self)
            self.tray.setToolTip(TITLE)
            self.tray.messageClicked.connect(self._bring_window_forward)
            self.tray.activated.connect(lambda _reason: self._bring_window_forward())
            self.tray.show()
        return self.tray

    def _bring_window_forward(self) -> None:
        window = self.ctx.window
        window.showNormal()
        window.raise_()
        window.activateWindow()
