"""Fields of the record saved as they are typed.

Each widget is bound to a field of a record, ``(kind, record id, field)``, with a parser.
A change is parsed and queued with the autosaver; a refusal (too long, not a date...) is
shown under the field, which keeps what was typed, and the save line never says "Saved"
while a refused entry is on screen.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from ..domain.text_rules import InvalidInput, clean_text
from .autosave import Autosaver
from .widgets import InlineErrors

FieldKey = tuple[str, str, str]  # (kind, record id, field), as the autosaver stores it
KeptInputs = dict[tuple[FieldKey, str], tuple[str, str]]  # (field, widget name) -> (text, message)
W = TypeVar("W", bound=QWidget)

# the two dates are checked against each other
PAIRED_FIELDS = {"held_at": ("next_session_on",), "next_session_on": ("held_at",)}


def text_parser(label: str) -> Callable[[QPlainTextEdit | QLineEdit], str]:
    return lambda w: clean_text(label, w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text())


def show_text(widget: QPlainTextEdit, text: str) -> None:
    """Put the stored text in a box without touching it (nor its cursor) if it is there already."""
    if widget.toPlainText() != text:
        widget.setPlainText(text)


def show_line(widget: QLineEdit, text: str) -> None:
    if widget.text() != text:
        widget.setText(text)


class FieldBinder:
    def __init__(self, errors: InlineErrors, autosaver: Autosaver, save_state: QLabel, *,
                 on_corrected: Callable[[], None]) -> None:
        """``on_corrected()`` runs after an entry is accepted (a message about a refused
        one may now be out of date)."""
        self._errors = errors
        self._autosaver = autosaver
        self._save_state = save_state
        self._on_corrected = on_corrected
        self._loading = False
        self._bound: dict[FieldKey, list[QWidget]] = {}
        self._recheck: dict[QWidget, Callable[[], None]] = {}
        autosaver.state_changed.connect(self.show_save_state)
        autosaver.refused.connect(self._refused)

    @contextmanager
    def loading(self) -> Iterator[None]:
        """The stored record is being put on screen: that is no change to save."""
        self._loading = True
        try:
            yield
        finally:
            self._loading = False

    def bind(self, widget: W, kind: str, record_id: str, field: str, parse: Callable[[W], object]) -> None:
        self._bound.setdefault((kind, record_id, field), []).append(widget)
        widget.setProperty("field", field)
        errors = self._errors

        def changed(*_args: object) -> None:
            if self._loading:
                return
            try:
                value = parse(widget)
            except InvalidInput as problem:
                self._autosaver.discard(kind, record_id, field)
                errors.show(widget, str(problem))
                self.show_save_state(self._save_state.text())
                return
            for w in self._bound[(kind, record_id, field)]:
                errors.clear(w)
            self._autosaver.queue(kind, record_id, field, value)
            # a partner refused for the order of the two may be right now, and is saved
            # only if checked again
            for partner in PAIRED_FIELDS.get(field, ()):
                for w in self._bound.get((kind, record_id, partner), []):
                    if errors.message_for(w):
                        self._recheck[w]()
            self._on_corrected()

        self._recheck[widget] = changed
        if isinstance(widget, (QPlainTextEdit, QLineEdit)):
            widget.textChanged.connect(changed)
        elif isinstance(widget, QSpinBox):
            widget.valueChanged.connect(changed)
        elif isinstance(widget, QComboBox):
            widget.currentIndexChanged.connect(changed)
        elif isinstance(widget, QCheckBox):
            widget.toggled.connect(changed)

    def forget_within(self, container: QWidget) -> None:
        """Drop the fields inside ``container`` (and their messages): it is about to be deleted."""
        for key, widgets in list(self._bound.items()):
            if any(container.isAncestorOf(w) for w in widgets):
                del self._bound[key]
        self._errors.forget_within(container)
        for widget in [w for w in self._recheck if container.isAncestorOf(w)]:
            del self._recheck[widget]

    def show_save_state(self, text: str) -> None:
        """The autosave line, which must not say all is saved while a refused entry is
        still on screen."""
        if self._errors.first_invalid() is not None and not text.startswith(("Saving", "Not saved")):
            text = "Not saved: correct the highlighted field"
        self._save_state.setText(text)

    def _refused(self, kind: str, record_id: str, field: str, message: str) -> None:
        for widget in self._bound.get((kind, record_id, field), []):
            self._errors.show(widget, message)

    def kept_inputs(self) -> KeptInputs:
        """What is on screen but was refused, with its message, by field: a read-back puts
        the saved value in each field, and would wipe it."""
        kept = {}
        for key, widgets in self._bound.items():
            for w in widgets:
                message = self._errors.message_for(w)
                if message and isinstance(w, (QLineEdit, QPlainTextEdit)):
                    text = w.text() if isinstance(w, QLineEdit) else w.toPlainText()
                    kept[(key, w.objectName())] = (text, message)
        return kept

    def restore(self, kept: KeptInputs) -> None:
        for (key, name), (text, message) in kept.items():
            for w in self._bound.get(key, []):  # gone if its discussion was removed
                if w.objectName() == name:
                    if isinstance(w, QLineEdit):
                        show_line(w, text)
                    elif isinstance(w, QPlainTextEdit):
                        show_text(w, text)
                    self._errors.show(w, message)
