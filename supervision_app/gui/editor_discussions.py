"""The record's case discussions, one box per child discussed (added by case ID or name,
moved, removed), each with its actions; and the record's other actions."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QAbstractButton, QCompleter, QGroupBox, QMessageBox, QPlainTextEdit, QWidget

from ..domain.text_rules import InvalidInput
from ..store import queries, supervision_records as sr
from .accessibility import style_headings
from .editor_fields import FieldBinder, text_parser
from .editor_forms import ActionsPanelForm, DiscussionForm
from .forms import load_widget
from .questions import question
from .tasks import user_message
from .widgets import ActionsPanel

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from .editor_host import EditorHost

DISCUSSION_FIELDS = {  # widget name -> (field, label)
    "positionEdit": ("current_position", "Current position"),
    "worriesEdit": ("worries", "What are we worried about"),
    "workingEdit": ("working_well", "What is working well"),
    "needsEdit": ("needs_to_happen", "What needs to happen"),
    "decisionEdit": ("decision", "Decision"),
    "rationaleEdit": ("rationale", "Rationale"),
}


def _panel_tab_stops(panel: ActionsPanel) -> list[QWidget]:
    p = ActionsPanelForm(panel.form.widget)
    return [p.actionsTable, p.descriptionEdit, p.ownerCombo, p.dueEdit, p.addActionButton,
            p.removeActionButton]


class DiscussionWidget:
    """One case discussion's box (ui/case_discussion.ui) and its actions."""

    panel: ActionsPanel  # set once the box is in place

    def __init__(self, container: QWidget, detail: queries.DiscussionDetail, index: int,
                 count: int) -> None:
        self.detail = detail
        box = load_widget("case_discussion.ui", container)
        if not isinstance(box, QGroupBox):
            raise TypeError("ui/case_discussion.ui is drawn as a QGroupBox")
        self.box = box
        self.box.setObjectName(f"discussion_{detail.discussion_id}")
        self.form = DiscussionForm(self.box)
        title = f"{index + 1}. {detail.child_label}"
        self.box.setTitle(title)
        self.box.setAccessibleName(f"Case discussion: {detail.child_label}")
        self.form.childDetailLabel.setText(detail.legal_status.label)
        for name, (field, label) in DISCUSSION_FIELDS.items():
            widget = self.text_box(name)
            widget.setAccessibleName(f"{label} for {detail.child_name}")
            widget.setPlainText(getattr(detail, field))
        self.form.scaleSpin.setAccessibleName(f"Safety scale 0 to 10 for {detail.child_name}")
        self.form.scaleSpin.setValue(-1 if detail.safety_scale is None else detail.safety_scale)
        for button in self.tool_buttons():
            button.setAccessibleName(f"{button.text()}: {detail.child_name}")
        self.form.moveUpButton.setEnabled(index > 0)
        self.form.moveDownButton.setEnabled(index < count - 1)

    def text_box(self, name: str) -> QPlainTextEdit:
        """One of the DISCUSSION_FIELDS boxes, by widget name."""
        box = getattr(self.form, name)
        if not isinstance(box, QPlainTextEdit):
            raise TypeError(f"{name} in ui/case_discussion.ui is not a QPlainTextEdit")
        return box

    def tool_buttons(self) -> list[QAbstractButton]:
        f = self.form
        return [f.moveUpButton, f.moveDownButton, f.removeButton]

    def tab_stops(self) -> list[QWidget]:
        f = self.form
        return [f.positionEdit, f.worriesEdit, f.workingEdit, f.needsEdit, f.scaleSpin, f.decisionEdit,
                f.rationaleEdit, *_panel_tab_stops(self.panel), *self.tool_buttons()]


class CaseDiscussions:
    def __init__(self, host: EditorHost, fields: FieldBinder) -> None:
        self._host = host
        self._fields = fields
        self._widgets: dict[str, DiscussionWidget] = {}
        self._panels: list[tuple[ActionsPanel, set[str]]] = []  # each with the actions it shows
        self.general_panel: ActionsPanel | None = None  # "Other actions", not about one child
        self._children_loaded = False
        f = host.form
        f.addDiscussionButton.clicked.connect(self.add)
        f.childSearchEdit.returnPressed.connect(self.add)
        # a changed search is a new question: the last one's answer no longer applies
        f.childSearchEdit.textChanged.connect(lambda _t: host.errors.clear(f.childSearchEdit))
        self._completer_model = QStringListModel(host.page)
        completer = QCompleter(self._completer_model, host.page)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        f.childSearchEdit.setCompleter(completer)
        f.childSearchEdit.textEdited.connect(self._load_children_once)

    def widget(self, discussion_id: str) -> DiscussionWidget | None:
        return self._widgets.get(discussion_id)

    def ids(self) -> list[str]:
        return list(self._widgets)

    # ------------------------------------------------------------------ showing

    def rebuild(self, d: queries.SessionDetail) -> None:
        host = self._host
        f = host.form
        layout = f.discussionsLayout
        for old in self._widgets.values():
            self._fields.forget_within(old.box)
            layout.removeWidget(old.box)
            old.box.hide()
            old.box.deleteLater()
        self._widgets = {}
        self._panels = []
        for index, disc in enumerate(d.discussions):
            w = DiscussionWidget(f.discussionsContainer, disc, index, len(d.discussions))
            layout.addWidget(w.box)
            did = disc.discussion_id
            self._widgets[did] = w
            for name, (field, label) in DISCUSSION_FIELDS.items():
                self._fields.bind(w.text_box(name), "discussion", did, field, text_parser(label))
            self._fields.bind(w.form.scaleSpin, "discussion", did, "safety_scale",
                              lambda sp: None if sp.value() < 0 else sp.value())
            w.form.moveUpButton.clicked.connect(lambda _=False, i=did: self._move(i, -1))
            w.form.moveDownButton.clicked.connect(lambda _=False, i=did: self._move(i, 1))
            w.form.removeButton.clicked.connect(lambda _=False, i=did: self.ask_remove(i))
            w.panel = self._actions_panel(d, w.form.actionsHost, f"Actions for {disc.child_name}",
                                          disc.actions, case_discussion_id=did)
            for button in w.tool_buttons():
                button.setVisible(d.can_edit)
            style_headings(w.box)
        if self.general_panel is None:
            self.general_panel = self._actions_panel(d, f.generalActionsHost, "Other actions", d.actions)
        else:
            self.general_panel.set_actions(d.actions)
            self.general_panel.set_editable(d.can_edit)
            self._panels.append((self.general_panel, {a.action_id for a in d.actions}))
        f.actionsGroup.setVisible(d.can_edit or bool(d.actions))

    def _actions_panel(self, d: queries.SessionDetail, host_widget: QWidget, name: str,
                       actions: list[queries.ActionDetail],
                       case_discussion_id: str | None = None) -> ActionsPanel:
        host = self._host
        actor, sid = host.ctx.actor, host.session_id

        def add(description: str, owner_id: str, due_on: date) -> None:
            def focus() -> QWidget:
                # the panel's own form, which keeps the widget it found: once a read-back has
                # rebuilt the discussions this one may be gone, and _arrive checks for that
                box: QWidget = panel.form.descriptionEdit
                return box
            host.structural(lambda s: sr.add_action(
                s, actor, session_id=sid, case_discussion_id=case_discussion_id,
                description=description, owner_id=owner_id, due_on=due_on), focus=focus,
                on_done=panel.clear_entry)

        def edit(action_id: str, field: str, value: object) -> None:
            host.autosaver.flush(lambda: host.ctx.tasks.write(
                lambda s: sr.update_action(s, actor, action_id, {field: value}),
                lambda _r: panel.edited(action_id, field, value),
                lambda error: panel.edit_failed(user_message(error))))

        panel = ActionsPanel(host_widget, name=name, owners=d.owners, default_owner=d.supervisee_id,
                             on_add=add, on_remove=lambda action_id: host.structural(
                                 lambda s: sr.remove_action(s, actor, action_id)),
                             editable=d.can_edit, on_edit=edit)
        panel.set_actions(actions)
        self._panels.append((panel, {a.action_id for a in actions}))
        return panel

    def tab_stops(self) -> list[QWidget]:
        """The discussions' fields, actions and buttons, in the order Tab takes them."""
        return [widget for w in self._widgets.values() for widget in w.tab_stops()]

    def general_tab_stops(self) -> list[QWidget]:
        return [] if self.general_panel is None else _panel_tab_stops(self.general_panel)

    # ------------------------------------------------------------------ going to a part

    def landing(self, discussion_id: str, message: str | None) -> QWidget | None:
        """Where a problem with a discussion is put right: its decision, then its rationale."""
        w = self._widgets.get(discussion_id)
        if w is None:
            return None
        f = w.form
        if not f.decisionEdit.toPlainText().strip():
            if message and not f.rationaleEdit.toPlainText().strip():
                self._host.errors.show(f.rationaleEdit, "Give the rationale for the decision too.")
            return f.decisionEdit
        if not f.rationaleEdit.toPlainText().strip():
            return f.rationaleEdit
        return f.positionEdit

    def section_box(self, discussion_id: str, section: str) -> QWidget | None:
        """A discussion's box for a field found by search (``decision``...)."""
        w = self._widgets.get(discussion_id)
        if w is None:
            return None
        names = {field: name for name, (field, _label) in DISCUSSION_FIELDS.items()}
        return w.text_box(names.get(section, "positionEdit"))

    def action_table(self, action_id: str) -> QWidget | None:
        """The actions table with ``action_id`` selected in it."""
        for panel, ids in self._panels:
            if action_id in ids and panel.select(action_id):
                table: QWidget = panel.form.actionsTable
                return table
        return None

    # ------------------------------------------------------------------ commands

    def _load_children_once(self, _text: str) -> None:
        if self._children_loaded:
            return
        self._children_loaded = True
        actor = self._host.ctx.actor
        self._host.ctx.tasks.read(lambda s: queries.my_children(s, actor), lambda rows: (
            self._completer_model.setStringList([f"{c.case_id} — {c.name}" for c in rows])))

    def add(self) -> None:
        host = self._host
        f = host.form
        typed = f.childSearchEdit.text()
        ref = typed.split(" — ")[0].strip()
        if not ref:
            host.errors.advise(f.childSearchEdit,
                               "Type the child's case ID, or part of their name and pick from the list.")
            return
        actor, sid = host.ctx.actor, host.session_id

        def done(discussion_id: str) -> None:
            f.childSearchEdit.clear()
            host.errors.clear(f.childSearchEdit)
            host.reload(focus=lambda: self._widgets[discussion_id].form.positionEdit
                        if discussion_id in self._widgets else None)

        def failed(error: BaseException) -> None:
            host.errors.advise(f.childSearchEdit, user_message(error))  # what was typed stays

        def work(s: Session) -> str:
            try:
                return sr.add_case_discussion(s, actor, sid, ref)
            except InvalidInput:
                matches = queries.find_children(s, actor, ref, limit=2)
                if len(matches) == 1:
                    return sr.add_case_discussion(s, actor, sid, matches[0].case_id)
                raise

        host.autosaver.flush(lambda: host.ctx.tasks.write(work, done, failed))

    def _move(self, discussion_id: str, by: int) -> None:
        host = self._host
        host.structural(lambda s: sr.move_case_discussion(s, host.ctx.actor, discussion_id, by))

    def ask_remove(self, discussion_id: str) -> None:
        """Removing a discussion takes its decision, rationale and actions with it: ask
        first, with Keep as the default."""
        w = self._widgets.get(discussion_id)
        if w is None:
            return
        host = self._host
        actions = len(w.detail.actions)
        box, buttons = question(
            host.page, name="removeDiscussionQuestion", title="Remove case discussion",
            text=f"Remove the case discussion about {w.detail.child_name}?",
            detail="Its current position, analysis, decision and rationale"
                   + (f", and its {actions} action{'s' if actions != 1 else ''}," if actions else "")
                   + " will be removed from this record.",
            answers={"confirmRemoveButton": ("Remove discussion", QMessageBox.ButtonRole.DestructiveRole),
                     "keepDiscussionButton": ("Keep it", QMessageBox.ButtonRole.RejectRole)},
            safe="keepDiscussionButton", icon=QMessageBox.Icon.Warning)
        actor = host.ctx.actor

        def answered(button: QAbstractButton) -> None:
            if button is buttons["confirmRemoveButton"]:
                host.structural(lambda s: sr.remove_case_discussion(s, actor, discussion_id))

        box.buttonClicked.connect(answered)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, without a nested event loop
