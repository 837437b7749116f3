""""My supervision": the person's own supervision records, their actions and the children
they work with."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ..domain.time_rules import format_date
from ..domain.vocabulary import ActionStatus, RecordState
from ..store import queries, supervision_records as sr
from .models import Column, FilterProxy, RowsModel
from .page_forms import MySupervisionForm
from .pages import (
    ALERT,
    CHILD_COLUMNS,
    SESSION_COLUMNS,
    Page,
    current_row,
    select_first,
    setup_table,
)

MY_ACTION_COLUMNS = [
    Column("Action", lambda a: a.description),
    Column("Due", lambda a: a.due_on, foreground=lambda a: ALERT if a.overdue else None,
           text=lambda a: format_date(a.due_on) + (" (overdue)" if a.overdue else "")),
    Column("Child", lambda a: a.child_label),
    Column("From", lambda a: a.source),
]


def _waits_for_supervisee(row: queries.SessionRow) -> bool:
    """A shared record they have not yet responded to, or one the supervisor has signed
    and they have still to sign."""
    return ((row.state == RecordState.SHARED and not row.agreement)
            or row.state == RecordState.SUPERVISOR_SIGNED)


class MySupervisionPage(Page):
    title = "My supervision"
    form_name = "my_supervision.ui"
    form_class = MySupervisionForm
    form: MySupervisionForm

    def setup(self) -> None:
        f = self.form
        self.records = RowsModel(SESSION_COLUMNS, self)
        self.records_proxy = FilterProxy(self.records, self)
        setup_table(f.recordsTable, self.records_proxy, stretch=None, sort_column=0,
                    order=Qt.SortOrder.DescendingOrder)
        f.recordsTable.setColumnHidden(1, True)
        # not ``actions`` and ``children``: those are QWidget.actions() and QObject.children()
        self.actions_model = RowsModel(MY_ACTION_COLUMNS, self)
        self.actions_proxy = FilterProxy(self.actions_model, self)
        setup_table(f.actionsTable, self.actions_proxy, stretch=0)
        self.children_model = RowsModel(CHILD_COLUMNS, self)
        self.children_proxy = FilterProxy(self.children_model, self)
        setup_table(f.childrenTable, self.children_proxy, stretch=1, sort_column=1)
        for status in ActionStatus:
            if status != ActionStatus.OPEN:
                f.actionStatusCombo.addItem(status.label, status.value)
        f.recordsTable.activated.connect(lambda _i: self.open_record())
        f.openRecordButton.clicked.connect(self.open_record)
        f.setActionStatusButton.clicked.connect(self.set_status)
        f.openActionSourceButton.clicked.connect(self.open_source)
        f.actionsTable.activated.connect(lambda _i: self.open_source())
        f.childrenTable.activated.connect(lambda _i: self.open_child())
        f.openChildButton.clicked.connect(self.open_child)
        from .practice_dialogs import MyPractice

        self.practice = MyPractice(self)  # feedback and my agreement (issue 21)
        from .group_dialogs import GroupPractice

        self.groups = GroupPractice(self, team=False)  # group supervision (issue 21)

    def first_focus(self):
        return self.form.recordsTable

    def refresh(self) -> None:
        actor, today = self.ctx.actor, self.ctx.today()
        self.ctx.tasks.read(lambda s: (queries.my_records(s, actor), queries.my_actions(s, actor, today),
                                       queries.children_allocated_to(s, actor)),
                            self._show, self.failed)
        self.practice.refresh()
        self.groups.refresh()

    def _show(self, data) -> None:
        records, actions, children = data
        self.records.set_rows(records)
        self.actions_model.set_rows(actions)
        self.children_model.set_rows(children)
        for view in (self.form.recordsTable, self.form.actionsTable, self.form.childrenTable):
            select_first(view)
        waiting = sum(_waits_for_supervisee(r) for r in records)
        overdue = sum(a.overdue for a in actions)
        self.form.summaryLabel.setText(
            f"{waiting} record{'s' if waiting != 1 else ''} waiting for your response or signature · "
            f"{len(actions)} open action{'s' if len(actions) != 1 else ''}"
            + (f", {overdue} overdue" if overdue else ""))
        self.loaded.emit()

    def open_record(self) -> None:
        row = current_row(self.form.recordsTable)
        if row is not None:
            self.ctx.window.open_session(row.session_id)

    def set_status(self) -> None:
        row = current_row(self.form.actionsTable)
        if row is None:
            return
        status, actor = self.form.actionStatusCombo.currentData(), self.ctx.actor
        def updated(_result: object) -> None:
            self.ctx.notify("Action updated.")
            self.refresh()

        from ..store.group_records import set_group_action_status

        # an action agreed in a group session moves on by the group's rule (issue 21)
        write = set_group_action_status if row.group_session_id else sr.set_action_status
        self.ctx.tasks.write(lambda s: write(s, actor, row.action_id, status), updated, self.failed)

    def open_source(self) -> None:
        row = current_row(self.form.actionsTable)
        if row is None:
            return
        if row.session_id:
            self.ctx.window.open_session(row.session_id)
        elif row.oversight_note_id:
            self.ctx.window.open_note(note_id=row.oversight_note_id)
        elif row.group_session_id:
            self.groups.open_group(row.group_session_id)

    def open_child(self) -> None:
        row = current_row(self.form.childrenTable)
        if row is not None:
            self.ctx.window.open_child(row.child_id)
