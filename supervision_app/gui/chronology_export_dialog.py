"""Export a child's management-oversight chronology (signed PDF + CSV) for the child's file
in the case-management system, or every child of a team with entries signed since a date.

Rendering and signing run in the task runner's write queue (``records.chronology_export``),
never on the GUI thread; progress comes back by signal and Cancel stops before the next child.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit

from .accessibility import ensure_accessible_names, style_headings
from .folder_export import ExportWidgetNames, FolderExportDialog
from .tasks import user_message

if TYPE_CHECKING:
    from .main_window import AppContext

CHILD = "child"
TEAM = "team"


_NAMES = ExportWidgetNames(
    folder="chronologyFolderEdit", browse="chronologyBrowseButton", progress="chronologyProgress",
    message="chronologyMessage", export="startChronologyExportButton",
    cancel="cancelChronologyExportButton", close="closeChronologyButton")


class ChronologyExportDialog(FolderExportDialog):
    """``child`` is (child id, label) when opened from a child's page; teams the person may
    export are added when they have loaded. ``finished_export`` carries ChronologyFiles,
    BulkResult, or the error."""

    cancelling_text = "Cancelling after the child being written…"

    def __init__(self, ctx: AppContext, child: tuple[str, str] | None = None, parent=None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("ChronologyExportDialog")
        self.setWindowTitle("Export a child's chronology")
        layout, form = self._start_layout(
            "Export management-oversight chronology",
            "Every decision and its rationale you can see for the child, as a PDF signed "
            "with your key and a CSV for Excel, to attach to the child's file in the "
            "case-management system. Private wellbeing notes are never included. Files "
            "already in the folder are never overwritten.")
        self.scopeCombo = QComboBox()
        self.scopeCombo.setObjectName("chronologyScopeCombo")
        if child is not None:
            self.scopeCombo.addItem(f"This child: {child[1]}", f"{CHILD}:{child[0]}")
        self.sinceEdit = QLineEdit()
        self.sinceEdit.setObjectName("chronologySinceEdit")
        self.sinceEdit.setPlaceholderText("dd/mm/yyyy (needed for a whole team)")
        for text, widget in (("&Export", self.scopeCombo), ("Signed &since", self.sinceEdit)):
            label = QLabel(text)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self._add_folder_row(form, _NAMES)
        self._add_export_footer(layout, _NAMES, "E&xport")
        self.exportButton.setAccessibleName("Export chronology")
        self.exportButton.clicked.connect(self.start)
        ensure_accessible_names(self)
        style_headings(self)
        self.resize(640, 340)
        self.scopeCombo.setFocus()
        self._load_teams()

    def _load_teams(self) -> None:
        staff_id = self.ctx.actor.staff_id
        if not self.ctx.actor.managed_team_ids:
            return

        def work(session):
            from ..records.chronology_export import exportable_teams

            return exportable_teams(session, staff_id)

        self.ctx.tasks.read(work, self._show_teams, lambda e: self._say(user_message(e)))

    def _show_teams(self, teams) -> None:
        for team_id, name in teams:
            self.scopeCombo.addItem(f"Whole team: {name}, every child with entries signed since",
                                    f"{TEAM}:{team_id}")

    def start(self) -> None:
        from ..domain.text_rules import InvalidInput, parse_date

        data = self.scopeCombo.currentData()
        if not data:
            self._say("Choose what to export.")
            return
        kind, _, ident = data.partition(":")
        try:
            since = parse_date("Signed since", self.sinceEdit.text()) if self.sinceEdit.text().strip() else None
        except InvalidInput as problem:
            self._say(str(problem))
            self.sinceEdit.setFocus()
            return
        if kind == TEAM and since is None:
            self._say("Enter the date to export a whole team's entries signed since "
                      "(dd/mm/yyyy).")
            self.sinceEdit.setFocus()
            return
        folder = self.folderEdit.text().strip()
        if not folder:
            self._say("Choose the folder to export to.")
            self.folderEdit.setFocus()
            return
        ctx = self.ctx
        self._cancel = False
        self._running = True
        self.exportButton.setEnabled(False)
        self.cancelButton.setEnabled(kind == TEAM)
        (self.cancelButton if kind == TEAM else self.progress).setFocus()
        self._say("Exporting… (signing each PDF takes a moment)")
        self.progress.setValue(0)
        relay = self._relay.progressed

        def work():
            from ..records import chronology_export as ce
            from .signing import ensure_credentials

            store = ensure_credentials(ctx)
            if kind == CHILD:
                relay.emit(0, 1)
                files = ce.export_child_chronology(ctx.db, store, actor_id=ctx.actor.staff_id,
                                                   child_id=ident, folder=Path(folder), since=since)
                relay.emit(1, 1)
                return files
            return ce.export_team_chronologies(ctx.db, store, actor_id=ctx.actor.staff_id, team_id=ident,
                                               since=since, folder=Path(folder), progress=relay.emit,
                                               cancelled=lambda: self._cancel)

        ctx.tasks.write_unit(work, self._done, self._failed)

    def _units(self, total: int) -> str:
        return "child" if total == 1 else "children"

    def _done(self, result) -> None:
        self._finish()
        if hasattr(result, "pdf"):
            entries = result.entries
            text = (f"Saved {result.pdf.name} (signed) and {result.csv.name}: "
                    f"{entries} entr{'y' if entries == 1 else 'ies'}.")
        elif result.written:
            n = len(result.written)
            text = f"Saved a signed PDF and a CSV for {n} child{'ren' if n != 1 else ''}."
        else:
            text = "No child of that team has entries signed since that date."
        if getattr(result, "skipped", None):
            text += f" {len(result.skipped)} left out: you may no longer see them."
        self._say(text)
        self.finished_export.emit(result)
