"""Small pieces the editors share: inline error messages, parsing typed values, the
actions table with its add row."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Callable, cast

from PySide6.QtCore import QPersistentModelIndex, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QStyledItemDelegate,
    QTableView,
    QTextEdit,
    QWidget,
)

from ..domain.text_rules import InvalidInput, clean_text, parse_date
from ..domain.time_rules import format_date
from ..domain.vocabulary import ActionStatus
from ..store.queries import ActionDetail
from .accessibility import show_value
from .forms import embed_form
from .layouts import layout_holding
from .models import Column, RowsModel
from .table_width import show_cut_text


class PageScroll(QScrollArea):
    """Holds a page that can be taller than a laptop's screen at a large text size: it
    scrolls up and down rather than making the window taller than the screen (which put
    the page's last lines, and the status bar, below its edge). Never sideways: it is at
    least as wide as the page needs, so a page's own minimum width still counts."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{content.objectName() or 'page'}Scroll")
        self.setProperty("pageScroll", True)  # app.qss: the page's background
        content.setProperty("pageScroll", True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a stop of its own on the Tab round
        self.setWidget(content)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        page = self.widget()
        content = page.minimumSizeHint() if page is not None else QSize(0, 0)
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(content.width() + bar + 2 * self.frameWidth(),
                     min(content.height(), self.fontMetrics().height() * 10))

    def sizeHint(self) -> QSize:  # noqa: N802
        page = self.widget()
        return self.minimumSizeHint().expandedTo(page.sizeHint() if page is not None else QSize())


def columns_by_content(view: QTableView, stretch: tuple[int, ...], wrap: bool = True) -> None:
    """A short table's columns from its text in the font in use, at any text size: short
    columns (names, dates, states) as wide as their contents and heading, the ``stretch``
    columns sharing the rest of the width, their text wrapped onto more lines (``wrap``,
    rows as tall as they need) or cut short with the whole text as a tooltip. No widths in
    pixels: fixed widths cut dates and headings off at the largest text size."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(view.fontMetrics().averageCharWidth() * 6)
    for column in range(header.count()):
        mode = QHeaderView.ResizeMode.Stretch if column in stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(column, mode)
    view.setWordWrap(wrap)
    if wrap:
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    show_cut_text(view)


def optional_date(label: str, text: str) -> date | None:
    return parse_date(label, text) if (text or "").strip() else None


def _vertical(layout: QBoxLayout) -> bool:
    return layout.direction() in (QBoxLayout.Direction.TopToBottom, QBoxLayout.Direction.BottomToTop)


def set_read_only(widget: QLineEdit | QPlainTextEdit | QTextEdit, read_only: bool) -> None:
    """Make a text box read-only or editable, and look it: the style sheet draws a
    read-only box grey by its ``readOnly`` property, which Qt reads only when it polishes
    the widget; a box loaded read-only and then opened for writing stayed grey, looking
    disabled."""
    if widget.isReadOnly() != read_only:
        widget.setReadOnly(read_only)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


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
        self._advice: set[QWidget] = set()

    def advise(self, widget: QWidget, message: str) -> None:
        """A message under a box that is not part of the record (a search, say): it tells
        why something asked for was not done, and holds nothing back: ``first_invalid``
        passes over it."""
        self.show(widget, message)
        self._advice.add(widget)

    def show(self, widget: QWidget, message: str) -> None:
        self._advice.discard(widget)
        set_invalid(widget, True)
        widget.setAccessibleDescription(message)
        label = self.labels.get(widget)
        if label is None:
            label = QLabel(widget.parentWidget())
            label.setObjectName(f"{widget.objectName()}Error")
            label.setProperty("error", True)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            show_value(label, f"Problem with {widget.accessibleName() or 'this field'}")
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
        host = widget.parentWidget()
        top = host.layout() if host is not None else None
        holder = layout_holding(top, widget) if top is not None else None
        if holder is None:
            return False
        if isinstance(holder, QFormLayout):
            # PySide6's stubs say object; it is (row, role), as getLayoutPosition's say
            row, _role = cast("tuple[int, QFormLayout.ItemRole]", holder.getWidgetPosition(widget))
            holder.insertRow(row + 1, "", label)
            return True
        if isinstance(holder, QBoxLayout) and _vertical(holder):
            holder.insertWidget(holder.indexOf(widget) + 1, label)
            return True
        # inside a row: put the message under the whole row
        outer = holder.parent()
        if isinstance(outer, QFormLayout):
            row, _role = outer.getLayoutPosition(holder)
            if row >= 0:
                outer.insertRow(row + 1, "", label)
                return True
        if isinstance(outer, QBoxLayout) and _vertical(outer):
            index = outer.indexOf(holder)
            if index >= 0:
                outer.insertWidget(index + 1, label)
                return True
        return False

    def clear(self, widget: QWidget) -> None:
        self._advice.discard(widget)
        set_invalid(widget, False)
        widget.setAccessibleDescription("")
        label = self.labels.get(widget)
        if label is not None:
            label.setVisible(False)

    def forget_within(self, container: QWidget) -> None:
        """Drop the messages of fields inside ``container``, which is about to be deleted."""
        for widget in [w for w in self.labels if container.isAncestorOf(w)]:
            del self.labels[widget]
            self._advice.discard(widget)

    def first_invalid(self) -> QWidget | None:
        for widget, label in self.labels.items():
            if not label.isHidden() and widget not in self._advice:
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
EDITABLE_ACTION_FIELDS = {0: "description", 1: "owner_id", 2: "due_on"}  # column -> field
EDIT_HINT = "Select an action and press F2 (or double-click it) to change what, who or when."


def check_action_field(field: str, raw: Any) -> Any:
    """What was typed or chosen for one part of an action, checked the way adding one is;
    raises :class:`InvalidInput` with a message to show beside the table."""
    if field == "description":
        text = clean_text("Action", raw or "").strip()
        if not text:
            raise InvalidInput("Say what the action is; an action cannot be left blank.")
        return text
    if field == "owner_id":
        if raw is None:
            raise InvalidInput("Choose who owns the action.")
        return raw
    return parse_date("Due date", raw or "")


class ActionsModel(RowsModel):
    """The actions table; while the record is a draft, description, owner and due date
    can be edited in place (``on_edit(action_id, field, value)`` does the writing)."""

    def __init__(self, parent=None) -> None:
        super().__init__(ACTION_COLUMNS, parent)
        self.editable = False
        self.on_edit: Callable[[str, str, Any], Any] | None = None

    def flags(self, index):
        flags = super().flags(index)
        if self.editable and self.on_edit is not None and index.column() in EDITABLE_ACTION_FIELDS:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def edit_value(self, index) -> Any:
        action = self.rows[index.row()]
        field = EDITABLE_ACTION_FIELDS[index.column()]
        if field == "due_on":
            return format_date(action.due_on)
        return getattr(action, field)

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        """``value`` has been checked by the delegate; unchanged values write nothing."""
        if role != Qt.ItemDataRole.EditRole or index.column() not in EDITABLE_ACTION_FIELDS:
            return False
        action = self.rows[index.row()]
        field = EDITABLE_ACTION_FIELDS[index.column()]
        if getattr(action, field) == value or self.on_edit is None:
            return False
        self.on_edit(action.action_id, field, value)
        return True


class ActionEditDelegate(QStyledItemDelegate):
    """Editors for an action's description (text), owner (the people who can own it) and
    due date (dd/mm/yyyy). A value that does not pass is explained under the table and
    the editor opens again with exactly what was typed, so nothing is lost."""

    def __init__(self, panel: "ActionsPanel") -> None:
        super().__init__(panel.form.actionsTable)
        self.panel = panel
        self._kept: dict[tuple[int, int], str] = {}  # (row, column) -> text that did not pass

    def createEditor(self, parent, option, index):  # noqa: N802
        field = EDITABLE_ACTION_FIELDS.get(index.column())
        action = self.panel.model.rows[index.row()]
        what = action.description[:60] or "this action"
        if field == "owner_id":
            editor = QComboBox(parent)
            for staff_id, name in self.panel.owners:
                editor.addItem(name, staff_id)
            editor.setAccessibleName(f"Owner of the action: {what}")
        else:
            editor = QLineEdit(parent)
            editor.setFrame(False)
            if field == "due_on":
                editor.setPlaceholderText("dd/mm/yyyy")
                editor.setAccessibleName(f"Due date of the action: {what}")
            else:
                editor.setAccessibleName("What needs doing")
        editor.setObjectName(f"actionEdit_{field}")
        return editor

    def setEditorData(self, editor, index) -> None:  # noqa: N802
        kept = self._kept.pop((index.row(), index.column()), None)
        value = self.panel.model.edit_value(index)
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findData(value)))
        else:
            editor.setText(kept if kept is not None else (value or ""))

    def setModelData(self, editor, model, index) -> None:  # noqa: N802
        field = EDITABLE_ACTION_FIELDS[index.column()]
        raw = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        table = self.panel.form.actionsTable
        try:
            value = check_action_field(field, raw)
        except InvalidInput as problem:
            self.panel.errors.show(table, str(problem))
            self._kept[(index.row(), index.column())] = raw
            where = QPersistentModelIndex(index)
            QTimer.singleShot(0, lambda: self._reopen(where))
            return
        self.panel.clear_error()
        model.setData(index, value, Qt.ItemDataRole.EditRole)

    def _reopen(self, where: QPersistentModelIndex) -> None:
        table = self.panel.form.actionsTable
        if where.isValid() and table.isVisible():
            index = table.model().index(where.row(), where.column())
            table.setCurrentIndex(index)
            table.setFocus()
            table.edit(index)

    def updateEditorGeometry(self, editor, option, index) -> None:  # noqa: N802
        rect = option.rect
        if isinstance(editor, QComboBox):  # wide enough to read the names
            rect = rect.adjusted(0, 0, max(0, editor.sizeHint().width() - rect.width()), 0)
        editor.setGeometry(rect)


class ActionsPanel:
    """The actions table of a case discussion, a record or a note, with an add row.
    ``on_add(description, owner_id, due_on)`` and ``on_remove(action_id)`` do the writing."""

    def __init__(self, host: QWidget, *, name: str, owners: list[tuple[str, str]],
                 default_owner: str | None, on_add: Callable[[str, str, date], Any],
                 on_remove: Callable[[str], Any], editable: bool,
                 on_edit: Callable[[str, str, Any], Any] | None = None) -> None:
        self.form = embed_form(host, "actions_panel.ui")
        self.errors = InlineErrors()
        self.owners = list(owners)
        self.model = ActionsModel(host)
        self.model.on_edit = on_edit
        table = self.form.actionsTable
        table.setModel(self.model)
        table.setAccessibleName(name)
        table.setItemDelegate(ActionEditDelegate(self))
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, header.ResizeMode.ResizeToContents)
        f = self.form
        # with two discussions open, a screen reader must hear which child an add row is for
        for widget, words in ((f.descriptionEdit, "new action, what needs doing"),
                              (f.ownerCombo, "owner of the new action"),
                              (f.dueEdit, "due date of the new action"),
                              (f.addActionButton, "add action"),
                              (f.removeActionButton, "remove selected action")):
            widget.setAccessibleName(f"{name}: {words}")
        # a long name must not squeeze "what needs doing" to nothing: the owner box keeps
        # a name's usual width and the description takes the rest of the row
        f.ownerCombo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        f.ownerCombo.setMinimumContentsLength(12)
        f.descriptionEdit.setMinimumWidth(f.descriptionEdit.fontMetrics().averageCharWidth() * 14)
        top = f.descriptionEdit.parentWidget().layout()
        row = layout_holding(top, f.descriptionEdit) if top is not None else None
        if isinstance(row, QBoxLayout):  # the add row is a QHBoxLayout in the .ui file
            row.setStretchFactor(f.descriptionEdit, 3)
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
        self.set_editable(editable)

    def set_editable(self, editable: bool) -> None:
        f = self.form
        for w in (f.descriptionEdit, f.ownerCombo, f.dueEdit, f.addActionButton, f.removeActionButton):
            w.setVisible(editable)
        self.model.editable = editable
        in_place = editable and self.model.on_edit is not None
        triggers = QAbstractItemView.EditTrigger
        f.actionsTable.setEditTriggers(
            (triggers.DoubleClicked | triggers.EditKeyPressed) if in_place else triggers.NoEditTriggers)
        f.actionsTable.setToolTip(EDIT_HINT if in_place else "")
        f.actionsTable.setAccessibleDescription(EDIT_HINT if in_place else "")

    def edited(self, action_id: str, field: str, value: Any) -> None:
        """The change is stored: show it in the row (selection and focus stay put)."""
        for row, action in enumerate(self.model.rows):
            if action.action_id == action_id:
                changes: dict[str, Any] = {field: value}
                if field == "owner_id":
                    changes["owner_name"] = dict(self.owners).get(value, "")
                self.model.replace_row(row, replace(action, **changes))
                break
        self.clear_error()

    def clear_error(self) -> None:
        table = self.form.actionsTable
        self.errors.clear(table)
        table.setAccessibleDescription(table.toolTip())

    def edit_failed(self, message: str) -> None:
        self.errors.show(self.form.actionsTable, message)

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
