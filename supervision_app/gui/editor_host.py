"""What the parts of the record editor may use of the editor that owns them.

The editor (``session_editor.SessionEditor``) is a shell: the record's fields, its case
discussions, the supervisee's response, sharing and signing are each a part it owns, and a
part sees the editor only through :class:`EditorHost`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store import queries
    from .autosave import Autosaver
    from .editor_forms import SessionEditorForm
    from .main_window import AppContext
    from .widgets import InlineErrors

Focus = Callable[[], QWidget | None]  # what takes the focus once the record is read back
Write = Callable[["Session"], Any]  # a write in the single write queue


class EditorHost(Protocol):
    ctx: AppContext
    session_id: str
    detail: queries.SessionDetail | None  # as last read back; None until the first read
    form: SessionEditorForm
    errors: InlineErrors
    autosaver: Autosaver
    dialog: QWidget | None  # the signatures, addendum or resolution dialog open over the record

    @property
    def page(self) -> QWidget:
        """The editor itself: the parent of the questions and dialogs a part opens."""

    def message(self, text: str) -> None:
        """The line at the foot of the record (announced to a screen reader)."""

    def reload(self, where: str | None = None, focus: Focus | None = None,
               no_longer_mine: Callable[[], None] | None = None) -> None:
        """Save what is pending, then read the record back and show it."""

    def structural(self, work: Write, *, focus: Focus | None = None,
                   on_done: Callable[[], None] | None = None) -> None:
        """A change to the record's shape: save typing first, write, then read it back."""

    def go_to(self, where: str, message: str | None = None) -> None:
        """Take the user to a part of the record (``case_discussion:<id>``...)."""

    def leave_now(self) -> None:
        """Leave the record without asking (what is typed is saved first)."""
