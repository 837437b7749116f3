"""Help > Save the organisation's certificate…: the organisation CA certificate kept in the
profile, saved as a PEM file for people outside the organisation (a court, an inspector,
another council) who need to check a signed PDF with any PDF reader or with
``supervision-app verify FILE.pdf --ca FILE``.

The certificate is read and written off the GUI thread; the file dialog is Qt's own, so that
it works the same from the keyboard on every platform and in tests.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QDir, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from .tasks import run_in_background, user_message

if TYPE_CHECKING:
    from .main_window import MainWindow

DEFAULT_FILE_NAME = "organisation-ca.pem"
NO_CERTIFICATE = ("This computer does not have the organisation's certificate yet: it is kept when "
                  "you first sign in to your organisation's sync server (Sync menu).")


def add_save_action(window: "MainWindow", help_menu: QMenu) -> QAction:
    action = QAction("&Save the organisation's certificate…", window)
    action.setObjectName("saveOrganisationCertificateAction")
    action.setToolTip("Save the certificate that signed PDFs are checked against, for someone "
                      "outside the organisation")
    action.triggered.connect(lambda _=False: save_organisation_certificate(window))
    help_menu.addAction(action)
    return action


def _profile_ca(folder: Path) -> bytes | None:
    from ..security.credentials import CA_CERTIFICATE_FILE, CA_FOLDER

    path = folder / CA_FOLDER / CA_CERTIFICATE_FILE
    return path.read_bytes() if path.exists() else None


def save_organisation_certificate(window: "MainWindow",
                                  on_dialog: Callable[[QFileDialog], None] | None = None) -> None:
    """Read the profile's CA certificate (worker), ask where to save it, write it (worker),
    and say what happened in the status bar. ``on_dialog`` is given the file dialog once it
    is open (tests drive it)."""
    ctx = window.ctx
    if ctx is None:
        window.statusBar().showMessage("Open your records first.", 8000)
        return
    folder = Path(ctx.db.profile.folder)

    def ask(pem: bytes | None) -> None:
        if pem is None:
            ctx.notify(NO_CERTIFICATE)
            return
        dialog = _save_dialog(window)
        dialog.fileSelected.connect(lambda path: _write(ctx, Path(path), pem))
        dialog.open()
        if on_dialog is not None:
            on_dialog(dialog)

    run_in_background(lambda: _profile_ca(folder), ask,
                      lambda error: ctx.notify(user_message(error)))


def _save_dialog(parent: QWidget) -> QFileDialog:
    dialog = QFileDialog(parent, "Save the organisation's certificate",
                         str(Path(QDir.homePath()) / DEFAULT_FILE_NAME),
                         "Certificates (*.pem);;All files (*)")
    dialog.setObjectName("saveCertificateDialog")
    dialog.setAccessibleName("Save the organisation's certificate")
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setDefaultSuffix("pem")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return dialog


def _write(ctx, path: Path, pem: bytes) -> None:
    def write() -> Path:
        path.write_bytes(pem)
        return path

    def saved(where: Path) -> None:
        ctx.notify(f"Saved the organisation's certificate to {where}. Anyone can check a signed "
                   "record's PDF with it (in a PDF reader, add it as a trusted certificate).")

    run_in_background(write, saved, lambda error: ctx.notify(
        f"The certificate could not be saved there: {user_message(error)}"))
