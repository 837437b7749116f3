"""Sign-off in the client: the confirmation, signing in the background, the signatures of a
stored PDF checked against the organisation's CA, addenda to signed records, and export.

Rendering and pyHanko signing are slow and run their own event loop, so every call into
``records`` runs in the task runner's write queue (never on the GUI thread, never beside an
autosave of the record being signed). Those modules are imported there, on first use.
"""
from __future__ import annotations

import threading
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.time_rules import format_london
from .accessibility import ensure_accessible_names, style_headings
from .folder_export import ExportWidgetNames, FolderExportDialog
from .layouts import add_row
from .models import Column, RowsModel
from .questions import plain_text
from .signing_widgets import SigningDialog
from .table_width import keep_within_width
from .tasks import user_message

if TYPE_CHECKING:
    from ..security.credentials import CredentialStore
    from .main_window import AppContext

# --------------------------------------------------------------------------- credentials

def credential_store(ctx):
    """The profile's signing keys and CA (made once per window, in a worker thread)."""
    with _credential_lock:  # the sync worker and a signing job may both ask first
        store = getattr(ctx, "_credential_store", None)
        if store is None:
            from ..security.credentials import CredentialStore
            from ..security.secret_store import SecretStore

            store = CredentialStore(ctx.db.profile.folder, SecretStore(ctx.db.profile.profile_id))
            ctx._credential_store = store
    return store


_credential_lock = threading.Lock()


def ensure_credentials(ctx) -> CredentialStore:
    """Standalone/demo mode: the signed-in person gets a key and a certificate from the
    local demo CA the first time they sign (a sync server issues them otherwise)."""
    store = credential_store(ctx)
    me = ctx.me
    if not store.has_key(me.staff_id):
        store.ensure_local_credentials(me.staff_id, me.display_name, me.role.value)
    return store


MEANING = ("Signing locks the record: after both signatures nobody can change it, in this app or "
           "anywhere else. Corrections can only be made by adding a signed addendum. Your name, "
           "the time and a fingerprint of exactly what you are signing are stored with the "
           "record and in its signed PDF.")


def confirm(parent: QWidget, title: str, text: str, detail: str, sign_text: str) -> bool:
    """A clear question before anything is signed; Cancel is the default. ``text`` and
    ``detail`` are shown as plain text: they quote what people wrote (names, a
    disagreement)."""
    box = QMessageBox(parent)
    box.setObjectName("signConfirmation")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(detail)
    plain_text(box)
    sign = box.addButton(sign_text, QMessageBox.ButtonRole.AcceptRole)
    sign.setObjectName("confirmSignButton")
    sign.setAccessibleName(sign_text.replace("&", ""))
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setAccessibleName("Cancel")
    box.setDefaultButton(cancel)
    box.setAccessibleName(title)
    box.exec()
    return box.clickedButton() is sign


def signed_summary(signatures) -> str:
    return " · ".join(f"Signed by {s.signer_name} ({s.label.lower()}) {format_london(s.signed_at)}"
                      for s in signatures)


# --------------------------------------------------------------------------- signatures

SIGNATURE_COLUMNS = [
    Column("Signed by", lambda r: r.signer_common_name),
    Column("When", lambda r: r.signing_time),
    Column("The record since", lambda r: r.intact and not r.disallowed_changes_after,
           text=lambda r: _record_since(r)),
    Column("Signature", lambda r: r.valid,
           text=lambda r: "Checks out" if r.valid else "Does not check out"),
    Column("Proven to exist", lambda r: r.proven_at, text=lambda r: _proven_words(r)),
    Column("Level", lambda r: r.level, text=lambda r: f"{r.level}: {LEVEL_WORDS.get(r.level, '')}"),
    Column("Signer's certificate", lambda r: r.trusted and not r.revoked,
           text=lambda r: _certificate_words(r)),
    Column("Problems", lambda r: "; ".join(r.problems) or "None"),
]
# the columns of sentences, which wrap onto more lines where the dialog is too narrow
WORDS_COLUMNS = (2, 4, 5, 6, 7)

LEVEL_WORDS: dict[str, str] = {
    "B-B": "no proof of time yet",
    "B-T": "time stamped",
    "B-LT": "time stamped, checking data kept",
    "B-LTA": "time stamped, checking data kept and time stamped",
}


def _proven_words(report) -> str:
    if report.proven_at is None:
        return "Not yet (time stamped when it reaches the server)"
    return f"{format_london(report.proven_at)} ({report.proven_by})"


def _certificate_words(report) -> str:
    """Valid when it signed, and what has happened to it since, in plain words."""
    if report.revoked:
        return "Revoked before it signed"
    if not report.trusted:
        return "Not from your organisation, or not valid when it signed"
    if report.revoked_after_signing:
        return f"Valid when it signed; revoked since, on {format_london(report.revoked_at)}"
    return "From your organisation, valid when it signed"


def _record_since(report) -> str:
    """In plain words, what happened to the record after this signature: nothing, only the
    later signatures its sign-off allows, or a change (which makes the copy untrustworthy).
    ("Unchanged since: Yes" and "Changed after: Only the later signature" were jargon.)"""
    if not report.intact:
        return "Changed: not what was signed"
    if not report.modified_after:
        return "Not changed"
    if not report.disallowed_changes_after:
        return "Not changed; the next person signed"
    return "Changed after signing"


def _ca_words(subject) -> str:
    """The CA certificate's name and organisation, as people read them."""
    from cryptography.x509.oid import NameOID

    parts = [a.value for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME)
             for a in subject.get_attributes_for_oid(oid)]
    return ", ".join(parts) or subject.rfc4514_string()


class SignaturesDialog(QDialog):
    """The stored signed PDF of a record, each signature checked against the profile's CA."""

    loaded = Signal()

    def __init__(self, ctx: AppContext, record_kind: str, record_id: str, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("SignaturesDialog")
        self.setWindowTitle(f"Signatures — {title}")
        self.ctx, self.record_kind, self.record_id = ctx, record_kind, record_id
        self.pdf: bytes | None = None
        self.report = None
        layout = QVBoxLayout(self)
        heading = QLabel(f"Signatures: {title}")
        heading.setProperty("heading", True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(heading)
        self.summaryLabel = QLabel("Checking the signatures…")
        self.summaryLabel.setObjectName("signaturesSummary")
        self.summaryLabel.setWordWrap(True)
        self.summaryLabel.setAccessibleName("Verification result")
        layout.addWidget(self.summaryLabel)
        self.model = RowsModel(SIGNATURE_COLUMNS, self)
        self.table = QTableView()
        self.table.setObjectName("signaturesTable")
        self.table.setAccessibleName("Signatures on the signed PDF")
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        # sized to their contents as rows arrive (_show); at the largest text size the
        # words wrap rather than the level and the certificate going off to the side
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._refit_due = False
        self.table.verticalHeader().sectionResized.connect(self._rows_resized)
        layout.addWidget(self.table)
        self.trustLabel = QLabel("")
        self.trustLabel.setWordWrap(True)
        self.trustLabel.setObjectName("trustLabel")
        layout.addWidget(self.trustLabel)
        buttons = add_row(layout)
        self.saveButton = QPushButton("&Save PDF…")
        self.saveButton.setObjectName("savePdfButton")
        self.saveButton.setEnabled(False)
        self.saveButton.clicked.connect(self.save_pdf)
        self.closeButton = QPushButton("&Close")
        self.closeButton.setObjectName("closeButton")
        self.closeButton.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.saveButton)
        buttons.addWidget(self.closeButton)
        ensure_accessible_names(self)
        style_headings(self)
        # sized by the text size in use (a fixed 260 px squeezed the table under its own
        # rows and the labels over it at the larger text sizes), within the screen
        line = self.fontMetrics().lineSpacing()
        self.table.setMinimumHeight(6 * line)
        screen = self.screen().availableGeometry()
        self.resize(min(screen.width() - 40, 75 * self.fontMetrics().averageCharWidth()),
                    min(screen.height() - 60, 17 * line))
        self.closeButton.setFocus()
        self._load()

    def _load(self) -> None:
        ctx, kind, rid = self.ctx, self.record_kind, self.record_id

        def work():
            from ..domain.lifecycle import RecordKind
            from ..records.signoff import latest_document
            from ..records.verify import verify_pdf
            from ..security import pki
            from ..store.audit_log import record_event

            with ctx.db.transaction() as session:
                document = latest_document(session, RecordKind(kind), rid)
                if document is None:
                    return None, None, ""
                record_event(session, actor_id=ctx.actor.staff_id, action="view_signatures",
                             record_kind=kind, record_id=rid)
                pdf = document.pdf
            ca_pem = credential_store(ctx).ca_certificate_pem()
            if ca_pem is None:
                return pdf, None, "This computer does not hold the organisation's CA certificate."
            ca = pki.load_certificate(ca_pem)
            # The CA certificates a rotation replaced still vouch for the records they signed.
            from ..security.credentials import CA_FOLDER, RETIRED_FOLDER

            earlier = [pki.load_certificate(path.read_bytes()) for path in
                       sorted((ctx.db.profile.folder / CA_FOLDER / RETIRED_FOLDER).glob("*.pem"))]
            report = verify_pdf(pdf, [ca, *earlier] if earlier else ca)
            return pdf, report, _ca_words(ca.subject)

        self.ctx.tasks.write_unit(work, self._show, self._failed)

    def _show(self, result) -> None:
        pdf, report, trust = result
        self.pdf = pdf
        self.report = report
        self.saveButton.setEnabled(pdf is not None)
        if pdf is None:
            self.summaryLabel.setText("There is no signed copy of this record on this computer yet.")
        elif report is None:
            self.summaryLabel.setText(trust)
        else:
            rows = list(report.signatures)
            self.model.set_rows(rows)
            self.table.setColumnHidden(len(SIGNATURE_COLUMNS) - 1,
                                       not any(r.problems for r in rows))
            self.table.resizeColumnsToContents()
            keep_within_width(self.table, wrap=WORDS_COLUMNS)
            self._fit_height(len(rows))
            if report.error:
                self.summaryLabel.setText(f"The PDF could not be checked: {report.error}")
            elif report.all_ok:
                proven = [r for r in rows if r.proven_at is not None]
                when = (" Each is proven to have existed at the time shown, so it stays valid after "
                        "the signer's certificate expires or is revoked." if len(proven) == len(rows)
                        else " Not every signature has a time stamp yet: the server adds one when the "
                             "signed record reaches it.")
                self.summaryLabel.setText(
                    f"All {len(rows)} signature{'s' if len(rows) != 1 else ''} are intact, valid and "
                    "trusted, and nothing was changed after signing." + when)
            else:
                self.summaryLabel.setText("WARNING: at least one signature does not check out; "
                                          "see the table. Do not rely on this copy.")
            self.trustLabel.setText(f"Checked against the organisation's certificate: {trust}.")
            self._fit_to_text()
        self.loaded.emit()

    def _rows_resized(self, *_section: int) -> None:
        """A row grew or shrank to show its wrapped words: the table fits all rows again,
        once the header has them all (its length is not up to date while it signals)."""
        if self.report is not None and not self._refit_due:
            self._refit_due = True
            QTimer.singleShot(0, self._refit)

    def _refit(self) -> None:
        self._refit_due = False
        self._fit_height(self.model.rowCount())

    def _fit_height(self, rows: int) -> None:
        """The table as tall as its rows (a few at most), so the dialog has no empty well."""
        table = self.table
        # (and its scroll bar: at a large text size the columns are wider than the dialog)
        # the rows' own heights: at the largest text size their words wrap onto more lines
        lines = table.verticalHeader().length() if rows else table.verticalHeader().defaultSectionSize()
        height = (table.horizontalHeader().sizeHint().height()
                  + lines + 2 * table.frameWidth() + 2
                  + table.horizontalScrollBar().sizeHint().height())
        table.setFixedHeight(height)
        self._fit_to_text()

    def _fit_to_text(self) -> None:
        """Tall enough for the wrapped messages at this width (sizeHint alone ignores how
        word-wrapped labels grow, so they were drawn over the table)."""
        layout = self.layout()
        if layout is None:  # never: __init__ lays the dialog out
            return
        margins = layout.contentsMargins()
        columns = (self.table.horizontalHeader().length() + 2 * self.table.frameWidth()
                   + margins.left() + margins.right())
        width = min(self.screen().availableGeometry().width() - 40, max(self.width(), 860, columns))
        self.resize(width, layout.totalHeightForWidth(width))

    def _failed(self, error) -> None:
        self.summaryLabel.setText(user_message(error))
        self.loaded.emit()

    def save_pdf(self, path: str | None = None) -> None:
        if self.pdf is None:
            return
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Save signed PDF", "record.pdf", "PDF (*.pdf)")
        if not path:
            return
        pdf, ctx, kind, rid = self.pdf, self.ctx, self.record_kind, self.record_id

        def work(session):
            from ..store.audit_log import record_event

            Path(path).write_bytes(pdf)
            record_event(session, actor_id=ctx.actor.staff_id, action="export",
                         record_kind=kind, record_id=rid)
            return path

        ctx.tasks.write(work, lambda p: self.trustLabel.setText(f"Saved to {p}"), self._failed)


# --------------------------------------------------------------------------- addenda

class AddendumDialog(SigningDialog, QDialog):
    """Write an addendum to a signed record, save it as a draft, then sign and lock it."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, record_kind: str, record_id: str, title: str, addendum=None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("AddendumDialog")
        self.setWindowTitle(f"Addendum — {title}")
        self.ctx, self.record_kind, self.record_id = ctx, record_kind, record_id
        self.addendum_id = addendum.addendum_id if addendum is not None else None
        locked = addendum is not None and addendum.state.value == "locked"
        mine = addendum is None or addendum.author_id == ctx.actor.staff_id
        layout = QVBoxLayout(self)
        heading = QLabel(f"Addendum to {title}")
        heading.setProperty("heading", True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(heading)
        hint = QLabel("The record itself is signed and cannot change. Write the correction or "
                      "addition here; once you sign it, it is locked and kept with the record "
                      "and its signed PDF.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.bodyLabel = QLabel("&Addendum")
        self.bodyEdit = QPlainTextEdit()
        self.bodyEdit.setObjectName("addendumEdit")
        self.bodyEdit.setAccessibleName("Addendum text")
        self.bodyEdit.setTabChangesFocus(True)
        self.bodyLabel.setBuddy(self.bodyEdit)
        if addendum is not None:
            self.bodyEdit.setPlainText(addendum.body)
        self.bodyEdit.setReadOnly(locked or not mine)
        layout.addWidget(self.bodyLabel)
        layout.addWidget(self.bodyEdit, 1)
        self.messageLabel = QLabel("")
        self.messageLabel.setObjectName("addendumMessage")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setAccessibleName("Message")
        layout.addWidget(self.messageLabel)
        if addendum is not None and locked:
            self.messageLabel.setText(f"Signed and locked by {addendum.author_name} "
                                      f"{format_london(addendum.signed_at or addendum.created_at)}.")
        buttons = add_row(layout)
        self.saveButton = QPushButton("Save &draft")
        self.saveButton.setObjectName("saveAddendumButton")
        self.signButton = QPushButton("Si&gn and lock")
        self.signButton.setObjectName("signAddendumButton")
        self.closeButton = QPushButton("&Close")
        self.closeButton.setObjectName("closeButton")
        for b in (self.saveButton, self.signButton):
            b.setVisible(mine and not locked)
        buttons.addStretch(1)
        for b in (self.saveButton, self.signButton, self.closeButton):
            buttons.addWidget(b)
        self.saveButton.clicked.connect(lambda: self.save())
        self.signButton.clicked.connect(self.sign)
        self.closeButton.clicked.connect(self.accept)
        ensure_accessible_names(self)
        style_headings(self)
        self.resize(700, 420)
        self.bodyEdit.setFocus()

    def _text(self) -> str | None:
        from ..domain.text_rules import InvalidInput, clean_text

        try:
            body = clean_text("Addendum", self.bodyEdit.toPlainText())
        except InvalidInput as problem:
            self._say(str(problem))
            return None
        if not body.strip():
            self._say("Write the addendum first.")
            self.bodyEdit.setFocus()
            return None
        return body

    def save(self, then: Callable[[], None] | None = None) -> None:
        body = self._text()
        if body is None:
            return
        ctx, kind, rid, aid = self.ctx, self.record_kind, self.record_id, self.addendum_id

        def work(session):
            from ..records.signoff import create_addendum, update_addendum

            if aid is None:  # kind: a RecordKind's value, or 'group_session' (issue 21)
                return create_addendum(session, author_id=ctx.actor.staff_id,
                                       record_kind=kind, record_id=rid, body=body)
            update_addendum(session, author_id=ctx.actor.staff_id, addendum_id=aid, body=body)
            return aid

        def done(addendum_id):
            self.addendum_id = addendum_id
            self._draft_saved("Draft saved. Only you can see it until you sign it.", then)

        ctx.tasks.write(work, done, self._failed)

    def sign(self) -> None:
        if self._text() is None:
            return
        self._confirm_then_sign(
            ("Sign this addendum?", "Sign and lock this addendum?",
             "Once signed it can never be changed; it is kept with the record and its signed PDF. "
             "Anything more must go in another addendum."),
            "Si&gn and lock", save_first=True, sign=self._sign_saved)

    def _sign_saved(self) -> None:
        ctx, aid = self.ctx, self.addendum_id

        def work():
            from ..records.signoff import sign_addendum

            store = ensure_credentials(ctx)
            return sign_addendum(ctx.db, store, addendum_id=aid, signer_id=ctx.actor.staff_id)

        def done(result):
            self.bodyEdit.setReadOnly(True)
            for b in (self.saveButton, self.signButton):
                b.setVisible(False)
            self._say(f"Signed and locked {format_london(result.signed_at)}.")
            self.changed.emit()
            self.closeButton.setFocus()
            self.loaded.emit()

        self._sign_in_background(work, done)


# --------------------------------------------------------------------------- export

_EXPORT_NAMES = ExportWidgetNames(
    folder="exportFolderEdit", browse="browseButton", progress="exportProgress", message="exportMessage",
    export="startExportButton", cancel="cancelExportButton", close="closeButton")


class ExportDialog(FolderExportDialog):
    """Export the signed PDFs of a worker's or a whole team's locked records for a date
    range, in the background, with progress and Cancel. ``finished_export`` carries the
    ExportResult or the error."""

    cancelling_text = "Cancelling after the record being written…"

    def __init__(self, ctx: AppContext, workers: list[tuple[str, str, str]], teams: list[tuple[str, str]],
                 parent=None, worker_id: str | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("ExportDialog")
        self.setWindowTitle("Export signed records")
        layout, form = self._start_layout(
            "Export signed records",
            "Each signed record is saved as its signed PDF (and any signed addenda), "
            "named by date so the files sort in order. Files already in the folder are "
            "never overwritten.")
        self.whoCombo = QComboBox()
        self.whoCombo.setObjectName("exportWhoCombo")
        for team_id, team_name in teams:
            self.whoCombo.addItem(f"Whole team: {team_name}", f"team:{team_id}")
        for staff_id, name, team_name in workers:
            self.whoCombo.addItem(f"{name} ({team_name})" if team_name else name, f"worker:{staff_id}")
        if worker_id is not None:
            self.whoCombo.setCurrentIndex(max(0, self.whoCombo.findData(f"worker:{worker_id}")))
        self.fromEdit = QLineEdit()
        self.fromEdit.setObjectName("exportFromEdit")
        self.fromEdit.setPlaceholderText("dd/mm/yyyy (optional)")
        self.toEdit = QLineEdit()
        self.toEdit.setObjectName("exportToEdit")
        self.toEdit.setPlaceholderText("dd/mm/yyyy (optional)")
        for text, widget in (("&Records of", self.whoCombo), ("&From", self.fromEdit),
                             ("&To", self.toEdit)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self._add_folder_row(form, _EXPORT_NAMES)
        self._add_export_footer(layout, _EXPORT_NAMES, "&Export")
        self.exportButton.clicked.connect(self.start)
        ensure_accessible_names(self)
        style_headings(self)
        # as wide as the text size needs, and tall enough for every field at that width (a
        # fixed 620 x 360 squeezed the fields, cutting their text, at the larger text sizes)
        width = min(self.screen().availableGeometry().width() - 40,
                    max(620, 62 * self.fontMetrics().averageCharWidth()))
        self.resize(width, max(360, layout.totalHeightForWidth(width)
                               + 3 * self.fontMetrics().lineSpacing()))
        self.whoCombo.setFocus()

    def _dates(self) -> tuple[date | None, date | None] | None:
        from ..domain.text_rules import InvalidInput, check_order, parse_date

        try:
            start = parse_date("From", self.fromEdit.text()) if self.fromEdit.text().strip() else None
            end = parse_date("To", self.toEdit.text()) if self.toEdit.text().strip() else None
            if start and end:
                check_order("From", start, "To", end)
        except InvalidInput as problem:
            self._say(str(problem))
            return None
        return start, end

    def start(self) -> None:
        dates = self._dates()
        if dates is None:
            return
        folder = self.folderEdit.text().strip()
        if not folder:
            self._say("Choose the folder to export to.")
            self.folderEdit.setFocus()
            return
        kind, _, ident = self.whoCombo.currentData().partition(":")
        ctx, (start, end) = self.ctx, dates
        self._cancel = False
        self._running = True
        self.exportButton.setEnabled(False)
        self.cancelButton.setEnabled(True)
        self.cancelButton.setFocus()
        self._say("Exporting…")
        self.progress.setValue(0)
        progress_signal = self._relay.progressed

        def work():
            from ..records.export import export_records, locked_sessions

            ids = locked_sessions(ctx.db, actor_id=ctx.actor.staff_id,
                                  worker_ids=[ident] if kind == "worker" else None,
                                  team_id=ident if kind == "team" else None, start=start, end=end)
            progress_signal.emit(0, len(ids))
            return export_records(ctx.db, actor_id=ctx.actor.staff_id, session_ids=ids,
                                  folder=Path(folder), progress=progress_signal.emit,
                                  cancelled=lambda: self._cancel)

        ctx.tasks.write_unit(work, self._done, self._failed)

    def _units(self, total: int) -> str:
        return "records"

    def _done(self, result) -> None:
        self._finish()
        records = sum(1 for p in result.written if "_addendum-" not in p.name)
        files = len(result.written)
        text = (f"Exported {records} signed record{'s' if records != 1 else ''}"
                + (f" ({files} files, with their addenda)." if files != records else ".")
                if result.written else "There are no signed records for that choice and period.")
        if result.skipped:
            from collections import Counter

            for reason, count in sorted(Counter(result.skipped).items()):
                text += " " + (reason if count == 1 else reason.replace("A record", f"{count} records", 1)
                               .replace(" was ", " were ", 1))
        self._say(text)
        self.finished_export.emit(result)
