"""Group supervision in the window (issue 21): the list of group sessions a person may see,
and one group session in its own dialog. The manager opens "Group sessions…" on My team,
holds a new one with workers they supervise (ticking who is in the group and who is
present, each person's action), saves and signs it; each attendee opens it from My
supervision, reads the shared part and their own action only, and signs. Every read and
write runs in the task runner; signing runs in the background (``signing_widgets``)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..domain.group_supervision import GROUP_KIND, Attendance
from ..domain.time_rules import format_date, london_date
from ..domain.vocabulary import ActionStatus, RecordState
from .accessibility import ensure_accessible_names, style_headings
from .addenda_section import AddendaSection
from .layouts import add_row
from .models import Column, RowsModel
from .practice_dialogs import _date_edit, _heading, _message, _practice_row, _pydate, _qdate
from .signing import ensure_credentials
from .signing_widgets import SigningDialog

if TYPE_CHECKING:
    from ..store.group_records import GroupDetail, GroupListing
    from .main_window import AppContext

STATE_WORDS = {
    RecordState.DRAFT: "Draft: only the supervisor can see it.",
    RecordState.SUPERVISOR_SIGNED: "Signed by the supervisor; waiting for: {waiting}.",
    RecordState.LOCKED: "Signed by everyone present and locked.",
}
NAME, PRESENT, ACTION = 0, 1, 2


def state_words(state: RecordState, waiting: list[str]) -> str:
    return STATE_WORDS[state].format(waiting=", ".join(waiting) or "nobody")


class GroupSessionDialog(SigningDialog, AddendaSection, QDialog):
    """One group session: the shared part (when, where, themes, the group's case discussion),
    who was in it and who came, and each person's action: the supervisor sees every action,
    an attendee only their own. Once locked it never changes; its supervisor or anyone
    present adds a signed addendum (``addenda_section``), which everyone who sees the shared
    part reads."""

    changed = Signal()
    loaded = Signal()

    def __init__(self, ctx: AppContext, group_id: str | None = None, candidates: list[str] | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("GroupSessionDialog")
        self.setWindowTitle("Group supervision")
        self.ctx, self.group_id, self.candidates = ctx, group_id, list(candidates or [])
        self.detail: GroupDetail | None = None
        layout = QVBoxLayout(self)
        self.heading = _heading(layout, "Group supervision")
        self.stateLabel = QLabel("")
        self.stateLabel.setObjectName("groupStateLabel")
        self.stateLabel.setAccessibleName("Group session status")
        self.stateLabel.setWordWrap(True)
        layout.addWidget(self.stateLabel)
        form = QFormLayout()
        layout.addLayout(form)
        self.heldEdit = QDateTimeEdit()
        self.heldEdit.setObjectName("groupHeldEdit")
        self.heldEdit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.heldEdit.setCalendarPopup(True)
        self.durationSpin = QSpinBox()
        self.durationSpin.setObjectName("groupDurationSpin")
        self.durationSpin.setRange(1, 600)
        self.durationSpin.setSuffix(" minutes")
        self.locationEdit = QLineEdit()
        self.locationEdit.setObjectName("groupLocationEdit")
        self.themesEdit = self._text("groupThemesEdit")
        self.summaryEdit = self._text("groupSummaryEdit")
        self.decisionEdit = self._text("groupDecisionEdit")
        self.rationaleEdit = self._text("groupRationaleEdit")
        self.dueEdit = _date_edit("groupActionsDueEdit", "Actions due by", ctx.today())
        for text, widget in (("&Held on", self.heldEdit), ("&Length", self.durationSpin),
                             ("&Where", self.locationEdit), ("T&hemes discussed", self.themesEdit),
                             ("Case discussion: s&ummary", self.summaryEdit),
                             ("Case discussion: d&ecision", self.decisionEdit),
                             ("Case discussion: &rationale", self.rationaleEdit),
                             ("Actions d&ue by", self.dueEdit)):
            label = QLabel(text)
            label.setBuddy(widget)
            widget.setAccessibleName(text.replace("&", ""))
            form.addRow(label, widget)
        self.peopleLabel = people = QLabel("")
        people.setWordWrap(True)
        layout.addWidget(people)
        self.peopleModel = QStandardItemModel(0, 3, self)
        self.peopleModel.setHorizontalHeaderLabels(["In the group", "Present", "Their action"])
        self.peopleTable = QTableView()
        self.peopleTable.setObjectName("groupPeopleTable")
        self.peopleTable.setAccessibleName("People in the group")
        self.peopleTable.setModel(self.peopleModel)
        self.peopleTable.horizontalHeader().setSectionResizeMode(ACTION, QHeaderView.ResizeMode.Stretch)
        self.peopleTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Tab leaves the table for the controls below it (the arrow keys move between cells),
        # or a keyboard user never reaches the signing and addenda buttons
        self.peopleTable.setTabKeyNavigation(False)
        people.setBuddy(self.peopleTable)
        layout.addWidget(self.peopleTable)
        # the selected person's action, typed in a plain field (a table cell editor is hard to
        # reach by keyboard and by screen readers)
        action_form = QFormLayout()
        layout.addLayout(action_form)
        self.actionEdit = QLineEdit()
        self.actionEdit.setObjectName("groupActionEdit")
        self.actionEdit.setAccessibleName("Action for the selected person")
        self.actionLabel = QLabel("&Action for the selected person")
        self.actionLabel.setBuddy(self.actionEdit)
        action_form.addRow(self.actionLabel, self.actionEdit)
        # once signed, the selected action's owner (or the supervisor) moves it on here, as on
        # My supervision; only its status changes, the words stay as signed
        self.statusCombo = QComboBox()
        self.statusCombo.setObjectName("groupActionStatusCombo")
        self.statusCombo.setAccessibleName("Status of the selected action")
        for status in ActionStatus:
            self.statusCombo.addItem(status.label, status.value)
        self.statusButton = QPushButton("Set s&tatus")
        self.statusButton.setObjectName("setGroupActionStatusButton")
        self.statusButton.setAccessibleName("Set the selected action's status")
        self.statusLabel = QLabel("&Status of the action")
        self.statusLabel.setBuddy(self.statusCombo)
        status_row = QHBoxLayout()
        status_row.addWidget(self.statusCombo, 1)
        status_row.addWidget(self.statusButton)
        action_form.addRow(self.statusLabel, status_row)
        self.statusButton.clicked.connect(self.set_action_status)
        self.peopleTable.selectionModel().currentRowChanged.connect(lambda current, _p: self._person_chosen())
        self.actionEdit.textEdited.connect(self._action_typed)
        self.messageLabel = _message(layout, "groupMessage")
        self._addenda_section(layout, "group", "group session")
        self.openAddendumButton.setText("Open adde&ndum")  # Alt+O is "My signed copy…" here
        row = add_row(layout)
        row.addStretch(1)
        self.saveButton = QPushButton("Save &draft")
        self.saveButton.setObjectName("saveGroupButton")
        self.signButton = QPushButton("Si&gn")
        self.signButton.setObjectName("signGroupButton")
        # the PDF the viewer signed (their own form), checked and saved as a record's
        self.signedCopyButton = QPushButton("My signed c&opy…")
        self.signedCopyButton.setObjectName("groupSignedCopyButton")
        self.signedCopyButton.setToolTip("Check the signature on the PDF you signed, or save the PDF")
        self.signedCopyButton.setVisible(False)
        self.signedCopyButton.clicked.connect(self.show_signed_copy)
        self.closeButton = QPushButton("&Close")
        self.closeButton.setObjectName("closeButton")
        for b in (self.signedCopyButton, self.saveButton, self.signButton, self.closeButton):
            row.addWidget(b)
        self.saveButton.clicked.connect(lambda: self.save())
        self.signButton.clicked.connect(self.sign)
        self.closeButton.clicked.connect(self.accept)
        ensure_accessible_names(self)
        style_headings(self)
        self.resize(760, 760)
        self._load()

    def _addenda_record(self) -> tuple[str, str | None]:
        return GROUP_KIND, self.group_id

    def _addendum_title(self) -> str:
        detail = self.detail
        if detail is None or detail.held_at is None:
            return "the group session"
        return (f"the group session held by {detail.supervisor_name} "
                f"on {format_date(london_date(detail.held_at))}")

    @staticmethod
    def _text(name: str) -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setObjectName(name)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(54)
        return edit

    def _load(self) -> None:
        ctx, gid, candidates = self.ctx, self.group_id, self.candidates

        def work(session):
            from ..store.group_records import group_detail

            return group_detail(session, ctx.actor, gid, candidates)

        ctx.tasks.read(work, self._show, self._failed)

    def _show(self, detail: GroupDetail) -> None:
        self.detail = detail
        editing = detail.may_edit
        held = detail.held_at or datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
        self.heldEdit.setDateTime(QDateTime.fromSecsSinceEpoch(int(held.timestamp())))
        self.durationSpin.setValue(detail.duration_minutes)
        self.locationEdit.setText(detail.location)
        self.themesEdit.setPlainText(detail.themes)
        for edit, text in zip((self.summaryEdit, self.decisionEdit, self.rationaleEdit), detail.discussion):
            edit.setPlainText(text)
        if detail.actions_due is not None:
            self.dueEdit.setDate(_qdate(detail.actions_due))
        for widget in (self.heldEdit, self.durationSpin, self.dueEdit):
            widget.setEnabled(editing)
        self.locationEdit.setReadOnly(not editing)
        for box in (self.themesEdit, self.summaryEdit, self.decisionEdit, self.rationaleEdit):
            box.setReadOnly(not editing)
        self.heading.setText(f"Group supervision held by {detail.supervisor_name}"
                             + (f" on {format_date(london_date(detail.held_at))}" if detail.held_at else ""))
        row = self.peopleTable.currentIndex().row()
        was = self.peopleModel.item(row, NAME).data(Qt.ItemDataRole.UserRole) if row >= 0 else None
        self.peopleModel.removeRows(0, self.peopleModel.rowCount())
        for person in detail.people:
            name = QStandardItem(person.name + (" (signed)" if person.signed else ""))
            name.setData(person.staff_id, Qt.ItemDataRole.UserRole)
            present = QStandardItem(person.attendance.label if person.attendance else "")
            action = QStandardItem(person.action)
            if person.action_status not in (None, ActionStatus.OPEN):
                action.setText(f"{person.action} ({person.action_status.label})")
            for item in (name, present):
                item.setEditable(False)
                if editing:
                    item.setCheckable(True)
            if editing:
                name.setCheckState(Qt.CheckState.Checked if person.listed else Qt.CheckState.Unchecked)
                present.setText("Present")
                present.setCheckState(Qt.CheckState.Checked if person.attendance != Attendance.APOLOGIES
                                      else Qt.CheckState.Unchecked)
            action.setEditable(editing)
            self.peopleModel.appendRow([name, present, action])
        # headings before sizing, so each column is at least as wide as its heading
        self.peopleModel.setHorizontalHeaderLabels(["In the group", "Present", "Their action"] if editing
                                                   else ["Person", "Attendance", "Action"])
        self.peopleTable.resizeColumnsToContents()
        # an attendee reads the list and their own action; only the supervisor types actions
        self.peopleLabel.setText("&People: tick who is in the group and who came; type each person's action"
                                 if editing else "&People in the group (you see only your own action)")
        self.actionEdit.setVisible(editing)
        self.actionLabel.setVisible(editing)
        if self.peopleModel.rowCount():  # the person chosen before a reload stays chosen
            ids = [p.staff_id for p in detail.people]
            self.peopleTable.setCurrentIndex(self.peopleModel.index(ids.index(was) if was in ids else 0, NAME))
        self._person_chosen()
        self.saveButton.setVisible(editing)
        self.signButton.setVisible(detail.may_sign or (editing and detail.group_id is None))
        me = self.ctx.actor.staff_id
        self.signedCopyButton.setVisible(
            any(p.staff_id == me and p.signed for p in detail.people)
            or (me == detail.supervisor_id and detail.state != RecordState.DRAFT))
        self.stateLabel.setText(state_words(detail.state, detail.waiting_for))
        self._show_addenda(detail.addenda)
        self.loaded.emit()

    def _person_chosen(self) -> None:
        row = self.peopleTable.currentIndex().row()
        item = self.peopleModel.item(row, ACTION) if row >= 0 else None
        self.actionEdit.setText(item.text() if item is not None else "")
        person = self._chosen_person()
        may = person is not None and person.may_set_status
        for widget in (self.statusLabel, self.statusCombo, self.statusButton):
            widget.setVisible(may)
        if may and person is not None and person.action_status is not None:
            self.statusCombo.setCurrentIndex(self.statusCombo.findData(person.action_status.value))

    def _chosen_person(self):
        row = self.peopleTable.currentIndex().row()
        if self.detail is None or row < 0:
            return None
        staff_id = self.peopleModel.item(row, NAME).data(Qt.ItemDataRole.UserRole)
        return next((p for p in self.detail.people if p.staff_id == staff_id), None)

    def set_action_status(self) -> None:
        person = self._chosen_person()
        if person is None or person.action_id is None:
            return
        ctx, action_id, status = self.ctx, person.action_id, self.statusCombo.currentData()

        def work(session):
            from ..store.group_records import set_group_action_status

            set_group_action_status(session, ctx.actor, action_id, status)

        def done(_result) -> None:
            self._say("Action updated.")
            self.changed.emit()
            self._load()

        ctx.tasks.write(work, done, self._failed)

    def _action_typed(self, text: str) -> None:
        row = self.peopleTable.currentIndex().row()
        if row >= 0:
            self.peopleModel.item(row, ACTION).setText(text)

    def _choices(self) -> tuple[dict[str, Attendance | None], dict[str, str]]:
        attendance: dict[str, Attendance | None] = {}
        actions: dict[str, str] = {}
        for row in range(self.peopleModel.rowCount()):
            name, present, action = (self.peopleModel.item(row, c) for c in (NAME, PRESENT, ACTION))
            person = name.data(Qt.ItemDataRole.UserRole)
            listed = name.checkState() == Qt.CheckState.Checked
            came = present.checkState() == Qt.CheckState.Checked
            attendance[person] = (Attendance.PRESENT if came else Attendance.APOLOGIES) if listed else None
            actions[person] = action.text()
        return attendance, actions

    def save(self, then=None) -> None:
        ctx, gid = self.ctx, self.group_id
        attendance, actions = self._choices()
        held = datetime.fromtimestamp(self.heldEdit.dateTime().toSecsSinceEpoch(), timezone.utc)
        values = dict(held_at=held, duration_minutes=self.durationSpin.value(),
                      location=self.locationEdit.text(), themes=self.themesEdit.toPlainText(),
                      discussion=(self.summaryEdit.toPlainText(), self.decisionEdit.toPlainText(),
                                  self.rationaleEdit.toPlainText()),
                      attendance=attendance, actions=actions, actions_due=_pydate(self.dueEdit))

        def work(session):
            from ..store.group_records import save_group

            return save_group(session, ctx.actor, gid, **values)

        def done(group_id):
            self.group_id = group_id
            self._draft_saved("Draft saved. The people in the group see it once you have signed it.", then)
            if then is None:
                self._load()

        ctx.tasks.write(work, done, self._failed)

    def sign(self) -> None:
        # the supervisor's draft is saved as shown first; an attendee has nothing to save
        self._confirm_then_sign(
            ("Sign this group session?", "Sign the group supervision record?",
             "Your signature, the time and a fingerprint of what you can see of this session are "
             "kept with it. Once the supervisor and everyone present have signed, it is locked."),
            "Si&gn", save_first=self.detail is not None and self.detail.may_edit, sign=self._sign_saved)

    def _sign_saved(self) -> None:
        ctx, gid = self.ctx, self.group_id

        def work():
            from ..records.group_signoff import sign_group_session

            return sign_group_session(ctx.db, ensure_credentials(ctx), group_id=gid,
                                      signer_id=ctx.actor.staff_id)

        self._sign_then_reload(work)

    def show_signed_copy(self) -> None:
        from .group_signatures import GroupSignaturesDialog

        if self.group_id is None:
            return
        self.sub_dialog = GroupSignaturesDialog(self.ctx, self.group_id, "your signed copy of this group session",
                                                parent=self)
        self.sub_dialog.setModal(True)
        self.sub_dialog.show()


GROUP_COLUMNS = [
    Column("Held", lambda g: g.held_at, text=lambda g: format_date(london_date(g.held_at))),
    Column("Supervisor", lambda g: g.supervisor_name),
    Column("Present", lambda g: g.present, text=lambda g: f"{g.present} of {g.attendees}", align_right=True),
    Column("State", lambda g: g.state.value, text=lambda g: ("Waiting for your signature" if g.awaiting_me
                                                             else g.state.label)),
]


class GroupSessionsDialog(QDialog):
    """The group sessions a person may see, newest first; a manager starts a new one here."""

    changed = Signal()

    def __init__(self, ctx: AppContext, candidates: list[str] | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("GroupSessionsDialog")
        self.setWindowTitle("Group supervision")
        self.ctx, self.candidates = ctx, candidates
        layout = QVBoxLayout(self)
        _heading(layout, "Group supervision sessions")
        self.model = RowsModel(GROUP_COLUMNS, self)
        self.table = QTableView()
        self.table.setObjectName("groupSessionsTable")
        self.table.setAccessibleName("Group sessions")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        layout.addWidget(self.table)
        row = add_row(layout)
        self.newButton = QPushButton("&New group session…")
        self.newButton.setObjectName("newGroupButton")
        self.newButton.setVisible(candidates is not None)
        self.openButton = QPushButton("&Open")
        self.openButton.setObjectName("openGroupButton")
        self.closeButton = QPushButton("&Close")
        self.closeButton.setObjectName("closeGroupsButton")
        row.addWidget(self.newButton)
        row.addStretch(1)
        row.addWidget(self.openButton)
        row.addWidget(self.closeButton)
        self.newButton.clicked.connect(self.new_group)
        self.openButton.clicked.connect(self.open_selected)
        self.closeButton.clicked.connect(self.accept)
        self.dialog: QDialog | None = None
        ensure_accessible_names(self)
        style_headings(self)
        self.resize(640, 420)
        self.refresh()

    def refresh(self) -> None:
        ctx = self.ctx

        def work(session):
            from ..store.group_records import groups_for

            return listing_rows(session, groups_for(session, ctx.actor))

        ctx.tasks.read(work, self.model.set_rows, lambda error: None)

    def _open(self, group_id: str | None) -> None:
        dialog = GroupSessionDialog(self.ctx, group_id, self.candidates, self)
        dialog.changed.connect(self.refresh)
        dialog.changed.connect(self.changed)
        dialog.open()
        self.dialog = dialog

    def new_group(self) -> None:
        self._open(None)

    def open_selected(self) -> None:
        indexes = self.table.selectionModel().selectedRows()
        if not indexes:
            self.ctx.notify("Choose a group session in the list first.")
            return
        self._open(self.model.row_at(indexes[0].row()).group_id)


class _Listing:
    """A listing with its supervisor's name, for the table."""

    def __init__(self, listing: GroupListing, supervisor_name: str) -> None:
        self.group_id, self.held_at, self.supervisor_name = listing.group_id, listing.held_at, supervisor_name
        self.attendees, self.present, self.state = listing.attendees, listing.present, listing.state
        self.awaiting_me = listing.awaiting_me


def listing_rows(session, listings: list[GroupListing]) -> list[_Listing]:
    from ..store.models import Staff

    def name(staff_id: str) -> str:
        staff = session.get(Staff, staff_id)
        return staff.display_name if staff is not None else ""

    return [_Listing(g, name(g.supervisor_id)) for g in listings]


class GroupPractice:
    """A line on My team (with the workers the manager may hold a group with) or on My
    supervision: how many group sessions wait for my signature, and a button to list them."""

    def __init__(self, page, team: bool) -> None:
        self.page, self.team = page, team
        self.label, (self.button,) = _practice_row(
            page, "groupPracticeLabel",
            [("groupSessionsButton", "Gro&up sessions…", "Group supervision sessions")])
        self.label.setAccessibleName("Group supervision")
        self.button.clicked.connect(self.open_list)
        self.dialog: QDialog | None = None
        QTimer.singleShot(0, self.refresh)

    def _candidates(self) -> list[str] | None:
        if not self.team:
            return None
        model = self.page.form.workerTable.model()
        source = getattr(model, "sourceModel", lambda: model)()
        return [source.row_at(r).worker_id for r in range(source.rowCount())]

    def refresh(self) -> None:
        ctx = self.page.ctx

        def work(session):
            from ..store.group_records import groups_for

            return sum(1 for g in groups_for(session, ctx.actor) if g.awaiting_me)

        ctx.tasks.read(work, self._show, lambda error: None)

    def _show(self, waiting: int) -> None:
        self.label.setText(f"Group sessions waiting for your signature: {waiting}" if waiting
                           else "No group session waits for your signature")

    def open_list(self) -> None:
        dialog = GroupSessionsDialog(self.page.ctx, self._candidates(), self.page)
        dialog.changed.connect(self.refresh)
        dialog.open()
        self.dialog = dialog

    def open_group(self, group_id: str) -> None:
        """One group session straight away (from one of its actions on My supervision); the
        page reloads when something in it changes, such as an action's status."""
        dialog = GroupSessionDialog(self.page.ctx, group_id, self._candidates(), self.page)
        dialog.changed.connect(self.refresh)
        dialog.changed.connect(self.page.refresh)
        dialog.open()
        self.dialog = dialog


def add_group_policy_check(page) -> QCheckBox:
    """Settings > the team's supervision policy: whether group sessions count toward each
    attendee's frequency (no by default). Placed after the standard session length."""
    form = page.form
    check = QCheckBox("&Group sessions count toward how often each worker is supervised", form.policyGroup)
    check.setObjectName("groupCountsCheck")
    check.setAccessibleName("Group sessions count toward supervision frequency")
    check.setToolTip("When ticked, a group session a worker was present at (once the supervisor has "
                     "signed it) counts as their last supervision, as a 1:1 session does.")
    form.policyGroup.findChild(QFormLayout, "policyForm").insertRow(4, "", check)
    QWidget.setTabOrder(page.durationSpin, check)
    QWidget.setTabOrder(check, form.savePolicyButton)
    return check
