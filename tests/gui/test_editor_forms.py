"""The editor's typed forms agree with the Designer files: every widget a form declares is in
its .ui file with the class it is declared as (a rename in Designer fails here, not when a
record is opened), and a widget of another class is never handed out untyped."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QPushButton

from supervision_app.gui.app import application
from supervision_app.gui.editor_forms import ActionsPanelForm, Child, DiscussionForm, SessionEditorForm
from supervision_app.gui.forms import Form, load_widget

FORMS = [(SessionEditorForm, "session_editor.ui"), (DiscussionForm, "case_discussion.ui"),
         (ActionsPanelForm, "actions_panel.ui")]


def declared(form_class: type[Form]) -> dict[str, Child]:
    return {name: child for name, child in vars(form_class).items() if isinstance(child, Child)}


@pytest.mark.parametrize(("form_class", "ui"), FORMS, ids=[ui for _f, ui in FORMS])
def test_every_declared_widget_is_in_its_form_with_its_class(qtbot, form_class, ui):
    application()
    root = load_widget(ui)
    qtbot.addWidget(root)
    form = form_class(root)
    children = declared(form_class)
    assert children
    for name, child in children.items():
        widget = getattr(form, name)
        assert isinstance(widget, child.kind), name
        assert widget.objectName() == name
        assert getattr(form, name) is widget  # found once, then kept


def test_a_widget_of_another_class_is_refused_not_handed_out_untyped(qtbot):
    class Mistyped(Form):
        titleLabel = Child(QPushButton)  # noqa: N815 -- a Designer object name

    application()
    root = load_widget("session_editor.ui")
    qtbot.addWidget(root)
    with pytest.raises(LookupError, match="titleLabel"):
        _ = Mistyped(root).titleLabel
    assert isinstance(Form(root).titleLabel, QLabel)  # what Form alone finds by name
