"""What the dialogs that export signed files to a folder share: the folder field with its
Browse button, the progress bar, the message line and the Export / Cancel export / Close
buttons, and how they behave while an export runs in the background (Close, or Escape,
cancels a running export before it closes the dialog)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from .accessibility import announce
from .layouts import add_form, add_row
from .tasks import user_message

if TYPE_CHECKING:
    from .main_window import AppContext


@dataclass(frozen=True)
class ExportWidgetNames:
    """The object names of one dialog's export widgets (tests and journeys find them so)."""

    folder: str
    browse: str
    progress: str
    message: str
    export: str
    cancel: str
    close: str


class _Relay(QObject):
    """Carries progress from the export's worker thread to the dialog (a queued signal)."""

    progressed = Signal(int, int)  # done, total


class FolderExportDialog(QDialog):
    """Base of a dialog that exports to a folder: a subclass builds its own fields, then
    calls :meth:`_add_folder_row` and :meth:`_add_export_footer`, and connects
    ``exportButton`` itself."""

    finished_export = Signal(object)  # what the export returned, or the error
    cancelling_text = "Cancelling…"  # a subclass says after what

    def __init__(self, ctx: AppContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._cancel = False  # set from the GUI thread, read by the export between files
        self._running = False
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._progress)

    def _start_layout(self, heading: str, hint: str) -> tuple[QVBoxLayout, QFormLayout]:
        """The heading and what the export does, above the form the subclass fills."""
        layout = QVBoxLayout(self)
        title = QLabel(heading)
        title.setProperty("heading", True)
        layout.addWidget(title)
        words = QLabel(hint)
        words.setWordWrap(True)
        layout.addWidget(words)
        return layout, add_form(layout)

    def _add_folder_row(self, form: QFormLayout, names: ExportWidgetNames) -> None:
        self.folderEdit = QLineEdit()
        self.folderEdit.setObjectName(names.folder)
        self.browseButton = QPushButton("&Browse…")
        self.browseButton.setObjectName(names.browse)
        self.browseButton.setAccessibleName("Choose folder")
        self.browseButton.clicked.connect(self.browse)
        folder_label = QLabel("F&older")
        folder_label.setBuddy(self.folderEdit)
        folder_row = QHBoxLayout()
        form.addRow(folder_label, folder_row)  # empty: see layouts.py
        folder_row.addWidget(self.folderEdit, 1)
        folder_row.addWidget(self.browseButton)

    def _add_export_footer(self, layout: QBoxLayout, names: ExportWidgetNames, export_text: str) -> None:
        self.progress = QProgressBar()
        self.progress.setObjectName(names.progress)
        self.progress.setAccessibleName("Export progress")
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.messageLabel = QLabel("")
        self.messageLabel.setObjectName(names.message)
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setAccessibleName("Message")
        layout.addWidget(self.messageLabel)
        buttons = add_row(layout)
        self.exportButton = QPushButton(export_text)
        self.exportButton.setObjectName(names.export)
        self.cancelButton = QPushButton("&Cancel export")
        self.cancelButton.setObjectName(names.cancel)
        self.cancelButton.setEnabled(False)
        self.closeButton = QPushButton("C&lose")
        self.closeButton.setObjectName(names.close)
        buttons.addStretch(1)
        for b in (self.exportButton, self.cancelButton, self.closeButton):
            buttons.addWidget(b)
        self.cancelButton.clicked.connect(self.cancel)
        self.closeButton.clicked.connect(self.reject)
        self.exportButton.setDefault(True)

    def _units(self, total: int) -> str:
        """What the progress counts, e.g. "records" (a subclass says)."""
        return "files"

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done} of {total} {self._units(total)}")

    def browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.folderEdit.text())
        if folder:
            self.folderEdit.setText(folder)

    def _say(self, text: str) -> None:
        """The message line, announced: a screen reader does not hear a label change by
        itself (issue 19: a status message is announced)."""
        self.messageLabel.setText(text)
        announce(self.messageLabel, text)

    def cancel(self) -> None:
        self._cancel = True
        self._say(self.cancelling_text)

    def _finish(self) -> None:
        self._running = False
        self.exportButton.setEnabled(True)
        self.cancelButton.setEnabled(False)
        self.closeButton.setFocus()

    def _failed(self, error) -> None:
        self._finish()
        if type(error).__name__ == "ExportCancelled":
            self._say(str(error) + " The files already written are complete.")
        else:
            self._say(user_message(error))
        self.finished_export.emit(error)

    def reject(self) -> None:
        if self._running:
            self.cancel()
            return
        super().reject()
