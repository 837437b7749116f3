"""Search across the records the person signed in may read."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHeaderView

from ..store import search_queries
from .models import Column, HighlightDelegate, RowsModel, split_highlights
from .pages import (
    Page,
    current_row,
    select_first,
    setup_table,
)

SEARCH_COLUMNS = [
    Column("Record", lambda h: h.title),
    Column("Section", lambda h: h.section_label),
    Column("Date", lambda h: h.when),
    Column("Match", lambda h: h.snippet,  # the markers are for the delegate, not for reading
           accessible=lambda h: split_highlights(h.snippet, search_queries.HIGHLIGHT_START,
                                                 search_queries.HIGHLIGHT_END)[0]),
]


class SearchPage(Page):
    title = "Search"
    form_name = "search_page.ui"

    def setup(self) -> None:
        f = self.form
        self.model = RowsModel(SEARCH_COLUMNS, self)
        setup_table(f.resultsTable, self.model, stretch=3)
        f.resultsTable.setItemDelegateForColumn(3, HighlightDelegate(
            self.model, search_queries.HIGHLIGHT_START, search_queries.HIGHLIGHT_END, self))
        f.resultsTable.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.run_search)
        f.searchEdit.textChanged.connect(lambda _t: self._timer.start())
        f.searchEdit.returnPressed.connect(self.run_search)
        f.resultsTable.activated.connect(lambda _i: self.open_result())
        f.openResultButton.clicked.connect(self.open_result)
        self._generation = 0

    def first_focus(self):
        return self.form.searchEdit

    def run_search(self) -> None:
        self._timer.stop()
        text = self.form.searchEdit.text()
        actor = self.ctx.actor
        self._generation += 1
        generation = self._generation

        def show(hits):
            if generation != self._generation:
                return  # an older search finishing late
            table = self.form.resultsTable
            # every row two lines tall: snippets are short, and even rows read calmly (set
            # only when the text size changed: each set lays the table out again)
            rows = table.verticalHeader()
            height = table.fontMetrics().lineSpacing() * 2 + 10
            if rows.defaultSectionSize() != height:
                rows.setDefaultSectionSize(height)
            self.model.set_rows(hits)
            select_first(table)
            self.form.resultSummaryLabel.setText(
                "" if not text.strip() else
                f"{len(hits)} result{'s' if len(hits) != 1 else ''}"
                + (" (showing the best 50)" if len(hits) >= 50 else ""))
            self.loaded.emit()

        self.ctx.tasks.read(lambda s: search_queries.search(s, actor, text), show, self.failed)

    def open_result(self) -> None:
        hit = current_row(self.form.resultsTable)
        if hit is None:
            return
        if hit.kind == "agreement" or hit.agreement_id:  # an agreement or an addendum to one
            self.open_agreement(hit)
        elif hit.kind == "cancellation":
            # cancellations are listed with the worker's supervision (team page counts,
            # history): open the supervisee's history
            self.ctx.window.open_history(hit.worker_id, hit.worker_name or "")
        elif hit.group_session_id:  # group supervision's text or one of its actions (issue 21)
            self.open_group(hit.group_session_id)
        elif hit.session_id:
            where = None
            if hit.kind == "case_discussion":
                where = f"section:{hit.section}@{hit.record_id}"
            elif hit.kind == "supervision":
                where = f"section:{hit.section}"
            elif hit.kind == "action":
                where = f"action:{hit.record_id}"
            elif hit.kind == "addendum":
                where = f"addendum:{hit.record_id}"
            self.ctx.window.open_session(hit.session_id, where=where)
        elif hit.oversight_note_id:
            self.ctx.window.open_note(note_id=hit.oversight_note_id)
        elif hit.child_id:
            self.ctx.window.open_child(hit.child_id)

    def open_agreement(self, hit: search_queries.SearchResult) -> None:
        """The agreement in its own dialog, as "My team" and "My supervision" open it."""
        from .practice_dialogs import AgreementDialog

        dialog = AgreementDialog(self.ctx, hit.worker_id or "", hit.worker_name or "",
                                 hit.agreement_id or hit.record_id, self)
        dialog.open()
        self.agreement_dialog = dialog

    def open_group(self, group_id: str) -> None:
        """The group session in its own dialog, as My team and My supervision open it (it
        shows the viewer only the actions they may see)."""
        from .group_dialogs import GroupSessionDialog

        dialog = GroupSessionDialog(self.ctx, group_id, None, self)
        dialog.changed.connect(self.run_search)  # an edit or a signature can change the hits
        dialog.open()
        self.group_dialog = dialog
