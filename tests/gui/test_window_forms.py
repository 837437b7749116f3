"""The main window's, its pages' and its dialogs' typed forms agree with their Designer files: every
widget a form declares is in its .ui file with the class it is declared as (a rename in
Designer fails here, not when the window or dialog opens)."""
from __future__ import annotations

import pytest

from supervision_app.gui.app import application
from supervision_app.gui.editor_forms import Child
from supervision_app.gui.forms import Form, load_widget
from supervision_app.gui.page_forms import (
    ChildPageForm,
    ChildrenPageForm,
    HistoryPageForm,
    MySupervisionForm,
    SettingsPageForm,
    TeamPageForm,
)
from supervision_app.gui.window_forms import (
    AssurancePageForm,
    AuditPageForm,
    FirstRunForm,
    MainWindowForm,
    OversightNoteForm,
    ResolutionForm,
    SignInForm,
)

FORMS = [(MainWindowForm, "main_window.ui"), (OversightNoteForm, "oversight_note.ui"),
         (AssurancePageForm, "assurance_page.ui"), (AuditPageForm, "audit_page.ui"),
         (FirstRunForm, "first_run.ui"), (SignInForm, "sign_in.ui"),
         (ResolutionForm, "resolution_dialog.ui"), (MySupervisionForm, "my_supervision.ui"),
         (TeamPageForm, "team_page.ui"), (HistoryPageForm, "history_page.ui"),
         (ChildrenPageForm, "children_page.ui"), (ChildPageForm, "child_page.ui"),
         (SettingsPageForm, "settings_page.ui")]


@pytest.mark.parametrize(("form_class", "ui"), FORMS, ids=[ui for _f, ui in FORMS])
def test_every_declared_widget_is_in_its_form_with_its_class(qtbot, form_class: type[Form], ui: str):
    application()
    root = load_widget(ui)
    qtbot.addWidget(root)
    form = form_class(root)
    children = {name: c for name, c in vars(form_class).items() if isinstance(c, Child)}
    assert children
    for name, child in children.items():
        widget = getattr(form, name)
        assert isinstance(widget, child.kind), name
        assert widget.objectName() == name
