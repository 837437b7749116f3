"""The addenda of a signed record in the dialog that shows the record itself (issue 21: a
supervision agreement, a group session): their table (signed ones, and the viewer's own
drafts), "Add addendum…", "Open addendum" and "Addendum signatures…". Addenda are written
and signed in the records' AddendumDialog and checked in its SignaturesDialog
(``gui.signing``), so an addendum to any kind of record is signed and locked alike."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QTableView

from .layouts import add_row
from .models import Column, RowsModel

if TYPE_CHECKING:
    from .main_window import AppContext

# as a supervision record's addenda are listed (the session editor's table)
ADDENDA_COLUMNS = [
    Column("Written", lambda a: a.created_at),
    Column("By", lambda a: a.author_name),
    Column("State", lambda a: a.state, text=lambda a: "Signed and locked" if a.signed_at is not None
           else "Draft (only you can see it)"),
    Column("Addendum", lambda a: a.body, text=lambda a: a.body.replace("\n", " ")[:160]),
]


class AddendaSection:
    """A mixin for a dialog (listed before QDialog) showing one signed record: call
    ``_addenda_section`` once while laying the dialog out, ``_show_addenda`` with what its
    read found (an object with ``addenda`` and ``can_add``, or None before it may have any).
    The dialog names the record with ``_addenda_record`` and ``_addendum_title`` and has
    ``_say`` and ``_load`` (``signing_widgets.SigningDialog``)."""

    ctx: AppContext
    sub_dialog: QDialog
    _say: Callable[[str], None]
    _load: Callable[[], None]

    def _addenda_record(self) -> tuple[str, str | None]:
        """(record kind, id) the addenda amend; the id None until the record is saved."""
        raise NotImplementedError

    def _addendum_title(self) -> str:
        """The record as a title says it: "Addendum — <this>"."""
        raise NotImplementedError

    def _addenda_section(self, layout, name: str, what: str) -> None:
        """``name``: the object names' word ("agreement" makes agreementAddendaTable,
        addAgreementAddendumButton…); ``what``: the record in the table's accessible name."""
        label = name[0].upper() + name[1:]
        self.addendaLabel = QLabel("Addenda")
        self.addendaLabel.setObjectName(f"{name}AddendaLabel")
        self.addenda_model = RowsModel(ADDENDA_COLUMNS, self)
        self.addendaTable = QTableView()
        self.addendaTable.setObjectName(f"{name}AddendaTable")
        self.addendaTable.setAccessibleName(f"Addenda to this {what}")
        self.addendaTable.setModel(self.addenda_model)
        self.addendaTable.verticalHeader().setVisible(False)
        self.addendaTable.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.addendaTable.setTabKeyNavigation(False)
        self.addendaTable.horizontalHeader().setStretchLastSection(True)
        self.addendaTable.setMaximumHeight(120)
        self.addendaTable.activated.connect(lambda _i: self.open_addendum())
        self.addendaLabel.setBuddy(self.addendaTable)
        layout.addWidget(self.addendaLabel)
        layout.addWidget(self.addendaTable)
        buttons = add_row(layout)
        buttons.addStretch(1)
        self.addAddendumButton = QPushButton("Add a&ddendum…")
        self.addAddendumButton.setObjectName(f"add{label}AddendumButton")
        self.openAddendumButton = QPushButton("&Open addendum")
        self.openAddendumButton.setObjectName(f"open{label}AddendumButton")
        self.addendumSignaturesButton = QPushButton("Addendum s&ignatures…")
        self.addendumSignaturesButton.setObjectName(f"{name}AddendumSignaturesButton")
        self.addendumSignaturesButton.setToolTip("Check the signed addendum's PDF signature, or save the PDF")
        for b in (self.addAddendumButton, self.openAddendumButton, self.addendumSignaturesButton):
            buttons.addWidget(b)
        self.addAddendumButton.clicked.connect(lambda: self.open_addendum(new=True))
        self.openAddendumButton.clicked.connect(lambda: self.open_addendum())
        self.addendumSignaturesButton.clicked.connect(self.show_addendum_signatures)
        self._show_addenda(None)

    def _show_addenda(self, addenda: Any) -> None:
        rows = list(addenda.addenda) if addenda is not None else []
        self.addenda_model.set_rows(rows)
        if rows:
            self.addendaTable.setCurrentIndex(self.addenda_model.index(0, 0))
        for w in (self.addendaLabel, self.addendaTable, self.openAddendumButton):
            w.setVisible(bool(rows))
        self.addAddendumButton.setVisible(addenda is not None and addenda.can_add)
        self.addendumSignaturesButton.setVisible(any(r.signed_at is not None for r in rows))

    def _selected_addendum(self):
        index = self.addendaTable.currentIndex()
        return self.addenda_model.rows[index.row()] if index.isValid() else None

    def open_addendum(self, new: bool = False) -> None:
        from .signing import AddendumDialog

        kind, record_id = self._addenda_record()
        addendum = None if new else self._selected_addendum()
        if record_id is None or (addendum is None and not new):
            return
        dialog = AddendumDialog(self.ctx, kind, record_id, self._addendum_title(), addendum=addendum,
                                parent=self)
        dialog.changed.connect(self._load)
        dialog.setModal(True)
        dialog.show()
        self.sub_dialog = dialog

    def show_addendum_signatures(self) -> None:
        from .signing import SignaturesDialog

        addendum = self._selected_addendum()
        if addendum is None:
            return
        if addendum.signed_at is None:
            self._say("That addendum is a draft: it has no signed copy until you sign it.")
            return
        self.sub_dialog = SignaturesDialog(self.ctx, "addendum", addendum.addendum_id,
                                           f"addendum to {self._addendum_title()}", parent=self)
        self.sub_dialog.setModal(True)
        self.sub_dialog.show()
