"""Small pieces the editors share: inline error messages, parsing typed values, the
actions table with its add row."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFormLayout,
    QLabel,
    QWidget,
)

from ..domain.text_rules import InvalidInput, clean_text, parse_date
from ..domain.vocabulary import ActionStatus
from ..store.queries import ActionDetail
from .forms import embed_form
from .models import Column, RowsModel


def optional_date(label: str, text: str) -> date | None:
    return parse_date(label, text) if (text or "").strip() else None


def set_invalid(widget: QWidget, invalid: bool) -> None:
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class InlineErrors:
    """A message directly under the field it is about; the field keeps what was typed."""

    def __init__(self, fallback: QLabel | None = None) -> None:
        self.labels: dict[QWidget, QLabel] = {}
        self.fallback = fallback

    def show(self, widget: QWidget, message: str) -> None:
        set_invalid(widget, True)
        widget.setAccessibleDescription(message)
        label = self.labels.get(widget)
        if label is None:
            label = QLabel(widget.parentWidget())
            label.setObjectName(f"{widget.objectName()}Error")
            label.setProperty("error", True)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setAccessibleName(f"Problem with {widget.accessibleName() or 'this field'}")
            if not self._place(widget, label):
                label.deleteLater()
                label = None
            else:
                self.labels[widget] = label
        if label is None:
            if self.fallback is not None:
                self.fallback.setText(message)
                self.fallback.setVisible(True)
            return
        label.setText(message)
        label.setVisible(True)

    def _place(self, widget: QWidget, label: QLabel) -> bool:
        layout = widget.parentWidget().layout() if widget.parentWidget() else None
        if isinstance(layout, QFormLayout):
            row, _role = layout.getWidgetPosition(widget)
            if row >= 0:
                layout.insertRow(row + 1, "", label)
                return True
        if isinstance(layout, QBoxLayout):
            index = layout.indexOf(widget)
            if index >= 0 and layout.direction() in (QBoxLayout.Direction.TopToBottom,
                                                      QBoxLayout.Direction.BottomToTop):
                layout.insertWidget(index + 1, label)
                return True
            # inside a row: put the message under the whole row
            for i in range(layout.count()):
                sub = layout.itemAt(i).layout()
                if sub is not None and sub.indexOf(widget) >= 0 and isinstance(sub, QBoxLayout):
                    layout.insertWidget(i + 1, label)
                    return True
        return False

    def clear(self, widget: QWidget) -> None:
        set_invalid(widget, False)
        widget.setAccessibleDescription("")
        label = self.labels.get(widget)
        if label is not None:
            label.setVisible(False)

    def first_invalid(self) -> QWidget | None:
        for widget, label in self.labels.items():
            if not label.isHidden():
                return widget
        return None

    def message_for(self, widget: QWidget) -> str:
        label = self.labels.get(widget)
        return label.text() if label is not None and not label.isHidden() else ""


ACTION_COLUMNS = [
    Column("Action", lambda a: a.description),
    Column("Owner", lambda a: a.owner_name),
    Column("Due", lambda a: a.due_on),
    Column("Status", lambda a: a.status),
]


class ActionsPanel:
    """The actions table of a case discussion, a record or a note, with an add row.
    ``on_add(description, owner_id, due_on)`` and ``on_remove(action_id)`` do the writing."""

    def __init__(self, host: QWidget, *, name: str, owners: list[tuple[str, str]],
                 default_owner: str | None, on_add: Callable[[str, str, date], Any],
                 on_remove: Callable[[str], Any], editable: bool) -> None:
        self.form = embed_form(host, "actions_panel.ui")
        self.errors = InlineErrors()
        self.model = RowsModel(ACTION_COLUMNS, host)
        table = self.form.actionsTable
        table.setModel(self.model)
        table.setAccessibleName(name)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, header.ResizeMode.ResizeToContents)
        f = self.form
        f.descriptionEdit.setAccessibleName(f"New action for {name.lower()}: what needs doing")
        f.ownerCombo.addItem("Choose owner…", None)
        for staff_id, staff_name in owners:
            f.ownerCombo.addItem(staff_name, staff_id)
        if default_owner is not None:
            f.ownerCombo.setCurrentIndex(max(0, f.ownerCombo.findData(default_owner)))
        self._on_add, self._on_remove = on_add, on_remove
        f.addActionButton.clicked.connect(self.add)
        f.dueEdit.returnPressed.connect(self.add)
        f.descriptionEdit.returnPressed.connect(f.ownerCombo.setFocus)
        f.removeActionButton.clicked.connect(self.remove)
        for w in (f.descriptionEdit, f.ownerCombo, f.dueEdit, f.addActionButton, f.removeActionButton):
            w.setVisible(editable)

    def set_actions(self, actions: list[ActionDetail]) -> None:
        self.model.set_rows(actions)
        rows = max(1, len(actions))
        table = self.form.actionsTable
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height()
                               + rows * table.verticalHeader().defaultSectionSize() + 6)
        table.setMaximumHeight(table.minimumHeight() + 4 if len(actions) < 8 else 16777215)

    def select(self, action_id: str) -> bool:
        for row, action in enumerate(self.model.rows):
            if action.action_id == action_id:
                self.form.actionsTable.selectRow(row)
                self.form.actionsTable.setFocus()
                return True
        return False

    def add(self) -> None:
        f = self.form
        ok = True
        try:
            description = clean_text("Action", f.descriptionEdit.text()).strip()
            if not description:
                raise InvalidInput("Say what the action is.")
            self.errors.clear(f.descriptionEdit)
        except InvalidInput as problem:
            self.errors.show(f.descriptionEdit, str(problem))
            ok = False
        owner = f.ownerCombo.currentData()
        if owner is None:
            self.errors.show(f.ownerCombo, "Choose who owns the action.")
            ok = False
        else:
            self.errors.clear(f.ownerCombo)
        try:
            due = parse_date("Due date", f.dueEdit.text())
            self.errors.clear(f.dueEdit)
        except InvalidInput as problem:
            self.errors.show(f.dueEdit, str(problem))
            ok = False
        if ok:
            self._on_add(description, owner, due)

    def clear_entry(self) -> None:
        self.form.descriptionEdit.clear()
        self.form.dueEdit.clear()

    def remove(self) -> None:
        index = self.form.actionsTable.currentIndex()
        if index.isValid():
            self._on_remove(self.model.row_at(index.row()).action_id)


def status_choices() -> list[tuple[str, str]]:
    return [(s.label, s.value) for s in ActionStatus]
