"""Sign in: choose yourself from the people in this profile's local directory, or go to
the organisation's server instead (someone new to this computer)."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

from ..store import queries
from .accessibility import ensure_accessible_names, style_headings
from .forms import embed_dialog_form
from .models import Column, FilterProxy, RowsModel
from .pages import setup_table
from .window_forms import SignInForm

PEOPLE_COLUMNS = [
    Column("Name", lambda e: e.display_name),
    Column("Role", lambda e: e.role),
    Column("Team", lambda e: e.team_name),
]


class SignInDialog(QDialog):
    def __init__(self, people: list[queries.StaffEntry], parent=None) -> None:
        super().__init__(parent)
        inner, _untyped = embed_dialog_form(self, "sign_in.ui")
        self.form = SignInForm(inner)
        f = self.form
        self.model = RowsModel(PEOPLE_COLUMNS, self)
        self.model.set_rows(people)
        self.proxy = FilterProxy(self.model, self)
        setup_table(f.peopleTable, self.proxy, stretch=0, sort_column=0)
        f.filterEdit.textChanged.connect(self._filter)
        f.filterEdit.returnPressed.connect(self.accept)
        f.peopleTable.activated.connect(lambda _i: self.accept())
        box: QDialogButtonBox = f.buttonBox
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        box.button(QDialogButtonBox.StandardButton.Ok).setText("&Sign in")
        self.wants_server = False
        server = QPushButton("Not listed? Sign in to your &organisation…", self)
        server.setObjectName("serverSignInInsteadButton")
        server.setAccessibleName("Not listed? Sign in to your organisation's server")
        server.setAutoDefault(False)
        server.clicked.connect(self._server_instead)
        box.addButton(server, QDialogButtonBox.ButtonRole.ActionRole)
        self.server_button = server
        ensure_accessible_names(self)
        style_headings(self)
        f.filterEdit.setFocus()
        self._filter("")

    def _server_instead(self) -> None:
        self.wants_server = True
        self.accept()

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if self.proxy.rowCount():
            self.form.peopleTable.setCurrentIndex(self.proxy.index(0, 0))

    def chosen(self) -> queries.StaffEntry | None:
        index = self.form.peopleTable.currentIndex()
        return self.proxy.row_for(index) if index.isValid() else None
