""""Children": the children the person may see, and one child's page with its chronology."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..domain.time_rules import format_date, format_london
from ..store import queries
from .models import Column, FilterProxy, RowsModel
from .page_forms import (
    ChildPageForm,
    ChildrenPageForm,
)
from .pages import (
    CHILD_COLUMNS,
    Page,
    current_row,
    named_row,
    select_first,
    setup_table,
)


class ChildrenPage(Page):
    title = "Children"
    form_name = "children_page.ui"
    form_class = ChildrenPageForm
    form: ChildrenPageForm

    def setup(self) -> None:
        f = self.form
        self.model = RowsModel(CHILD_COLUMNS, self)
        self.proxy = FilterProxy(self.model, self)
        setup_table(f.childrenTable, self.proxy, stretch=1, sort_column=1)
        f.filterEdit.textChanged.connect(self.proxy.setFilterFixedString)
        f.childrenTable.activated.connect(lambda _i: self.open_child())
        f.openChildButton.clicked.connect(self.open_child)
        f.newNoteButton.clicked.connect(self.new_note)
        f.newNoteButton.setVisible(bool(self.ctx.actor.managed_team_ids))

    def first_focus(self):
        return self.form.filterEdit

    def refresh(self) -> None:
        actor = self.ctx.actor
        self.ctx.tasks.read(lambda s: queries.my_children(s, actor), self._show, self.failed)

    def _show(self, rows) -> None:
        self.model.set_rows(rows)
        select_first(self.form.childrenTable)
        never = sum(c.last_oversight is None for c in rows)
        self.form.summaryLabel.setText(f"{len(rows)} children · {never} with no oversight recorded yet")
        self.loaded.emit()

    def open_child(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_child(row.child_id)

    def new_note(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_note(child_id=row.child_id)


CHRONOLOGY_COLUMNS = [
    Column("Date", lambda e: e.when),
    Column("Entry", lambda e: e.title),
    Column("By", lambda e: e.author_name),
    Column("Decision", lambda e: e.decision, text=lambda e: (e.decision or "").split("\n")[0][:120]),
    Column("State", lambda e: e.state),
]


def _add_button(beside: QWidget, row_name: str, name: str, text: str, accessible: str,
                before: bool = False):
    """A button in the form's row ``row_name`` beside ``beside``, and next to it in Tab order.
    (The row is found by name: walking a layout's items leaves wrappers Qt owns.)"""
    from PySide6.QtWidgets import QPushButton

    row = named_row(beside, row_name)
    button = QPushButton(text, beside.parentWidget())
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    at = row.indexOf(beside)
    row.insertWidget(at if before else at + 1, button)
    if before:
        QWidget.setTabOrder(button, beside)
    else:
        QWidget.setTabOrder(beside, button)
    return button


RECORD_STAYS_WITH_MANAGER = (
    "This case discussion came with the child from another team. Its full supervision "
    "record stays with the worker's own manager; its decision and rationale are shown here.")


def _came_without_record(entry) -> bool:
    """A case discussion that followed the child to this laptop without its supervision
    record (DESIGN.md §1.1): there is no record here to open."""
    return entry.kind == "case_discussion" and entry.session_id is None


class ChildPage(Page):
    form_name = "child_page.ui"
    form_class = ChildPageForm
    form: ChildPageForm

    def setup(self) -> None:
        f = self.form
        self.child_id: str | None = None
        self.model = RowsModel(CHRONOLOGY_COLUMNS, self)
        setup_table(f.chronologyTable, self.model, stretch=3)
        f.chronologyTable.selectionModel().currentRowChanged.connect(self._entry_selected)
        f.chronologyTable.activated.connect(lambda _i: self.open_entry())
        f.openEntryButton.clicked.connect(self.open_entry)
        f.newNoteButton.clicked.connect(lambda: self.ctx.window.open_note(child_id=self.child_id))
        f.backButton.clicked.connect(self.ctx.window.go_back)
        self.exportChronologyButton = _add_button(
            f.openEntryButton, "childButtons", "exportChronologyButton", "E&xport chronology…",
            "Export chronology for the case-management system", before=True)
        self.exportChronologyButton.clicked.connect(self.export_chronology)

    def export_chronology(self) -> None:
        if self.child_id is not None:
            self.ctx.window.open_chronology_export(self.child_id, self.form.titleLabel.text())

    def first_focus(self):
        return self.form.chronologyTable

    def show_child(self, child_id: str) -> None:
        self.child_id = child_id
        self.form.titleLabel.setText("Child")
        self.form.detailsLabel.setText("Loading…")
        self.model.set_rows([])
        self.form.entryView.clear()
        self._explain_open_button(None)
        self.refresh()

    def refresh(self) -> None:
        actor, child = self.ctx.actor, self.child_id
        if child is not None:
            self.ctx.tasks.write(lambda s: queries.child_chronology(s, actor, child), self._show, self.failed)

    def _show(self, detail: queries.ChildDetail) -> None:
        c = detail.child
        f = self.form
        f.titleLabel.setText(f"{c.name} ({c.case_id})")
        f.detailsLabel.setText(
            f"{c.legal_status.label} · born {format_date(detail.date_of_birth)} · allocated to "
            f"{c.worker_name or 'nobody'} · {len(detail.entries)} oversight entries")
        f.newNoteButton.setVisible(detail.can_add_note)
        self.model.set_rows(detail.entries)
        select_first(f.chronologyTable)
        self.loaded.emit()

    def _entry_selected(self, current, _previous) -> None:
        if not current.isValid():
            self.form.entryView.clear()
            self._explain_open_button(None)
            return
        e = self.model.row_at(current.row())
        parts = [f"{e.title} — {format_london(e.when)} — {e.author_name} — {e.state.label}",
                 "", "Decision:", e.decision or "(none yet)", "", "Rationale:", e.rationale or "(none yet)"]
        if e.next_review:
            parts += ["", f"Next review: {format_date(e.next_review)}"]
        if _came_without_record(e):
            parts += ["", RECORD_STAYS_WITH_MANAGER]
        self.form.entryView.setPlainText("\n".join(parts))
        self._explain_open_button(e)

    def _explain_open_button(self, e) -> None:
        """Say on the button why it cannot open a discussion that came with the child
        without its record (a disabled button takes no focus, so its tooltip and
        description say it, and the entry's text says it too)."""
        button = self.form.openEntryButton
        why = RECORD_STAYS_WITH_MANAGER if e is not None and _came_without_record(e) else ""
        button.setEnabled(not why)
        button.setToolTip(why)
        button.setAccessibleDescription(why)

    def open_entry(self) -> None:
        e = current_row(self.form.chronologyTable)
        if e is None:
            return
        if _came_without_record(e):
            self.ctx.notify(RECORD_STAYS_WITH_MANAGER)
        elif e.kind == "oversight_note":
            self.ctx.window.open_note(note_id=e.record_id)
        elif e.session_id:
            self.ctx.window.open_session(e.session_id, where=f"section:decision@{e.record_id}",
                                         quiet_denied=True)
