"""Actions carried forward from earlier sessions, each reviewed in this one (status and note)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPersistentModelIndex

from ..store import supervision_records as sr
from .models import Column, RowsModel
from .widgets import columns_by_content, status_choices

if TYPE_CHECKING:
    from ..store import queries
    from .editor_host import EditorHost

REVIEW_COLUMNS = [
    Column("Action", lambda r: r.description),
    Column("Owner", lambda r: r.owner_name),
    Column("Due", lambda r: r.due_on),
    Column("From session", lambda r: r.from_held),
    Column("Status now", lambda r: r.status),
    Column("Note", lambda r: r.note),
]


class ActionReviews:
    def __init__(self, host: EditorHost) -> None:
        self._host = host
        f = host.form
        for text, value in status_choices():
            f.reviewStatusCombo.addItem(text, value)
        self.model = RowsModel(REVIEW_COLUMNS, host.page)
        f.reviewTable.setModel(self.model)
        f.reviewTable.selectionModel().currentRowChanged.connect(self._selected)
        # what the action is and the note wrap; owner, dates and status as wide as they read
        columns_by_content(f.reviewTable, stretch=(0, 5))
        f.reviewTable.verticalHeader().sectionResized.connect(lambda *_a: self._fit_height())
        f.setReviewButton.clicked.connect(self.set_review)

    def show(self, d: queries.SessionDetail) -> None:
        f = self._host.form
        current = f.reviewTable.currentIndex()
        selected = self.model.row_at(current.row()).review_id if current.isValid() else None
        self.model.set_rows(d.reviews)
        for row, review in enumerate(d.reviews):
            if review.review_id == selected:  # the same action stays selected
                f.reviewTable.setCurrentIndex(self.model.index(row, 0))
        f.reviewGroup.setVisible(bool(d.reviews))
        f.reviewHint.setText(
            "Open actions carry forward until they are closed. Select one and set its status."
            if d.can_edit else "Actions carried forward from earlier sessions, with their "
            "status as reviewed in this one.")
        f.reviewTable.resizeRowsToContents()
        self._fit_height()

    def _fit_height(self) -> None:
        """The carried-forward actions as tall as their rows (up to eight; it scrolls
        beyond), again whenever a row's wrapped text takes more or fewer lines (a narrower
        window, a larger text size)."""
        table = self._host.form.reviewTable
        rows = table.verticalHeader()
        shown = sum(rows.sectionSize(r) for r in range(min(rows.count(), 8)))
        height = (table.horizontalHeader().sizeHint().height() + max(shown, 30)
                  + 2 * table.frameWidth() + 2)
        if table.horizontalScrollBar().isVisible():
            height += table.horizontalScrollBar().sizeHint().height()
        if table.height() != height or table.minimumHeight() != height:
            table.setFixedHeight(height)

    def _selected(self, current: QModelIndex | QPersistentModelIndex,
                  _previous: QModelIndex | QPersistentModelIndex | None = None) -> None:
        """The status and note boxes show the selected action's, so setting one does not
        reset the other."""
        if not current.isValid():
            return
        f = self._host.form
        review = self.model.row_at(current.row())
        for i in range(f.reviewStatusCombo.count()):
            if f.reviewStatusCombo.itemData(i) == review.status:
                f.reviewStatusCombo.setCurrentIndex(i)
        f.reviewNoteEdit.setText(review.note)

    def set_review(self) -> None:
        host = self._host
        f = host.form
        index = f.reviewTable.currentIndex()
        if not index.isValid():
            host.message("Select a carried-forward action first.")
            f.reviewTable.setFocus()
            return
        review = self.model.row_at(index.row())
        status = f.reviewStatusCombo.currentData()
        note = f.reviewNoteEdit.text()
        actor = host.ctx.actor
        host.structural(lambda s: sr.set_action_review(s, actor, review.review_id, status=status, note=note),
                        focus=lambda: f.reviewTable)
