"""Load the Qt Designer forms under the top-level ``ui/`` folder at run time.

In a checkout the forms are ``<repo>/ui/*.ui``; in a PyInstaller bundle the spec copies the
folder to ``sys._MEIPASS/ui``. ``SUPERVISION_APP_UI`` may point elsewhere (installers).
"""
from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Generic, TypeVar, overload

from PySide6.QtCore import QFile, QIODevice, QObject, Qt
from PySide6.QtUiTools import QUiLoader
from PySide6.QtWidgets import QVBoxLayout, QWidget

_ENV_VAR = "SUPERVISION_APP_UI"


@lru_cache(maxsize=1)
def ui_root() -> Path:
    candidates: list[Path] = []
    if os.environ.get(_ENV_VAR):
        candidates.append(Path(os.environ[_ENV_VAR]))
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidates.append(Path(meipass) / "ui")
    package_dir = Path(__file__).resolve().parent.parent
    candidates.append(package_dir.parent / "ui")  # source checkout
    candidates.append(package_dir / "ui")  # installed with package data
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("Qt Designer forms folder not found; looked in: "
                            + ", ".join(str(c) for c in candidates))


def ui_path(name: str) -> Path:
    return ui_root() / name


_loader: QUiLoader | None = None


def load_widget(name: str, parent: QWidget | None = None) -> QWidget:
    """Build the widget drawn in ``ui/<name>``."""
    global _loader
    if _loader is None:
        _loader = QUiLoader()
    handle = QFile(str(ui_path(name)))
    if not handle.open(QIODevice.OpenModeFlag.ReadOnly):
        raise FileNotFoundError(f"cannot open form {name}")
    try:
        widget = _loader.load(handle, parent)
    finally:
        handle.close()
    if widget is None:
        raise RuntimeError(f"form {name} could not be loaded: {_loader.errorString()}")
    return widget


class Form:
    """Named children of a loaded form as attributes: ``form.shareButton``."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget

    def __getattr__(self, name: str):
        child = self.widget.findChild(QObject, name)
        if child is None:
            raise AttributeError(f"form {self.widget.objectName()} has no child {name}")
        setattr(self, name, child)
        return child


def embed_form(host: QWidget, name: str, margin: int = 0) -> Form:
    """Load ``ui/<name>`` and make it fill ``host`` (with ``margin`` pixels around it)."""
    widget = load_widget(name, host)
    if widget.isWindow():  # drawn as a QDialog in Designer: embed it, not a second window
        widget.setWindowFlags(Qt.WindowType.Widget)
    layout = QVBoxLayout(host)
    layout.setContentsMargins(margin, margin, margin, margin)
    layout.addWidget(widget)
    return Form(widget)



def embed_dialog_form(dialog: QWidget, name: str) -> tuple[QWidget, Form]:
    """Fill ``dialog`` with the form drawn in ``ui/<name>``, taking its title and size."""
    form = embed_form(dialog, name, margin=12)
    dialog.setWindowTitle(form.widget.windowTitle())
    dialog.resize(form.widget.size())
    return form.widget, form


W = TypeVar("W", bound=QObject)


class Child(Generic[W]):
    """A form's child of a known class, named as the attribute, for typed forms
    (``class EditorForm(Form): shareButton = Child(QPushButton)``): found on first use, then
    kept in the form (as ``Form.__getattr__`` keeps what it finds)."""

    def __init__(self, kind: type[W]) -> None:
        self.kind = kind
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, form: None, owner: type | None = None) -> Child[W]: ...

    @overload
    def __get__(self, form: Form, owner: type | None = None) -> W: ...

    def __get__(self, form: Form | None, owner: type | None = None) -> Child[W] | W:
        if form is None:
            return self
        child = form.widget.findChild(self.kind, self.name)
        if child is None:  # not AttributeError: Form.__getattr__ would then hand it out untyped
            raise LookupError(f"form {form.widget.objectName()} has no {self.kind.__name__} {self.name}")
        form.__dict__[self.name] = child
        return child
