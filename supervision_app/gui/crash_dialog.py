"""What happens when the desktop app meets an error nobody expected.

The traceback goes to the profile's log (``logging_setup``: exception classes and
``file:line in function``, never the exception's message or local values: an
``InvalidInput`` or a database error can quote what someone typed), and the person sees a
plain-words dialog that says their work is saved (true: the editor writes every change
within a second or two of typing, on its own queue, so an error in a slot does not undo
it), where the log file is, and offers "Copy details" for IT: version, platform and the
traceback's frames only.

Both ``sys.excepthook`` (errors in Qt slots and on the GUI thread) and
``threading.excepthook`` (other Python threads; the dialog is shown on the GUI thread).
"""
from __future__ import annotations

import logging
import platform
import sys
import threading
import types
from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..logging_setup import safe_traceback
from ..version import __version__
from .accessibility import show_value

log = logging.getLogger(__name__)

HEADLINE = "Something went wrong."
EXPLANATION = (
    "Your work is saved: Supervision Recorder saves what you type within a second or two. "
    "You can carry on. If something on screen looks wrong, close the app and open it again.\n\n"
    "To report the problem, press Copy details and send them to IT support with the log file:"
)


def crash_details(error: BaseException, log_file: Path | None) -> str:
    """What "Copy details" puts on the clipboard: nothing a record holds."""
    return "\n".join([
        f"Supervision Recorder {__version__}",
        f"Python {platform.python_version()}, PySide6 {pyside_version}, "
        f"{platform.system()} {platform.release()} ({platform.machine()})",
        f"Log file: {log_file if log_file is not None else 'none'}",
        "",
        safe_traceback(error),
    ])


class CrashDialog(QDialog):
    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Supervision Recorder: something went wrong")
        self.setAccessibleName("Something went wrong")
        self.details = details
        layout = QVBoxLayout(self)
        headline = QLabel(HEADLINE)
        headline.setProperty("role", "heading")
        explanation = QLabel(EXPLANATION)
        explanation.setWordWrap(True)
        # heard by what they say (issue 19): a fixed name hid the advice and the log's place
        show_value(explanation, "What happened and what to do")
        location = QLabel(str(log_file) if log_file is not None else "(no log file: no profile is open)")
        location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                         | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        show_value(location, "Log file location")
        self.location = location
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy details")
        self.copy_button.setAccessibleName("Copy details")
        self.copy_button.setAutoDefault(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        for widget in (headline, explanation, location, buttons):
            layout.addWidget(widget)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details)
        self.copy_button.setText("&Copied")


class CrashReporter:
    """Installed once at start; ``log_file`` is asked for when an error comes (the profile
    folder, and so the log, may be chosen after start)."""

    def __init__(self, log_file: Any) -> None:
        self._log_file = log_file
        self.dialog: CrashDialog | None = None
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook

    def install(self) -> CrashReporter:
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        sys.excepthook = self._previous_hook
        threading.excepthook = self._previous_thread_hook

    def excepthook(self, kind: type[BaseException], error: BaseException,
                   trace: types.TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._previous_hook(kind, error, trace)
            return
        log.critical("Unexpected error", exc_info=(kind, error, trace))
        self._report(error)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        log.critical("Unexpected error in a background thread", exc_info=(
            args.exc_type, args.exc_value, args.exc_traceback))
        self._report(args.exc_value)

    def _report(self, error: BaseException) -> None:
        if sys.stderr is not None:  # a console (none in the windowed bundle): the same safe frames
            print(f"Unexpected error\n{safe_traceback(error)}", file=sys.stderr)
        app = QApplication.instance()
        if app is None:
            return
        if threading.current_thread() is threading.main_thread():  # the GUI thread
            self._show(error)
        else:  # queued to the GUI thread (works however early the reporter was installed)
            QTimer.singleShot(0, app, lambda: self._show(error))

    def _show(self, error: BaseException) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            return  # one dialog at a time; the log has every error
        log_file = self._log_file()
        self.dialog = CrashDialog(crash_details(error, log_file), log_file,
                                  QApplication.activeWindow())
        self.dialog.open()


def install_crash_reporter(log_file: Any) -> CrashReporter:
    """``log_file()`` gives the log's path, or None before a profile is chosen."""
    return CrashReporter(log_file).install()
