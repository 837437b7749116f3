"""Never lose a word: changes queue here and are written to the encrypted store in the
background within a second of the last keystroke, and at once on every focus change."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from ..domain.permissions import Actor
from ..domain.text_rules import InvalidInput
from ..domain.time_rules import london, utc_now
from ..store import supervision_records as sr
from .tasks import TaskRunner, user_message

DEBOUNCE_MS = 1000  # after the last keystroke
MAX_WAIT_MS = 1500  # at the latest, however long someone keeps typing

Key = tuple[str, str]  # (kind, record id)


def _respond_comments(session, actor, record_id, fields):
    sr.respond(session, actor, record_id, comments=fields["comments"])


APPLY: dict[str, Callable[[Any, Actor, str, dict[str, Any]], Any]] = {
    "session": sr.update_session,
    "discussion": sr.update_case_discussion,
    "note": sr.update_oversight_note,
    "response": _respond_comments,
}


def apply_batch(session, actor: Actor, batch: dict[Key, dict[str, Any]]) -> list[tuple[Key, str, str]]:
    """Write every change; a change refused as invalid is reported, the rest still saved.
    The services check everything before writing, so a refused call leaves nothing half done."""
    refused: list[tuple[Key, str, str]] = []
    for key, fields in batch.items():
        apply = APPLY[key[0]]
        try:
            apply(session, actor, key[1], dict(fields))
        except InvalidInput:
            for name, value in fields.items():  # save what can be saved, one field at a time
                try:
                    apply(session, actor, key[1], {name: value})
                except InvalidInput as problem:
                    refused.append((key, name, str(problem)))
    return refused


def _application() -> QApplication:
    app = QApplication.instance()
    assert isinstance(app, QApplication)  # the forms autosaved are widgets: there is one
    return app


class Autosaver(QObject):
    state_changed = Signal(str)  # a short line for the status area
    refused = Signal(str, str, str, str)  # kind, record id, field, message

    def __init__(self, tasks: TaskRunner, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.actor = actor
        self.pending: dict[Key, dict[str, Any]] = {}
        self.in_flight = 0
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.flush)
        self._max_wait = QTimer(self)
        self._max_wait.setSingleShot(True)
        self._max_wait.setInterval(MAX_WAIT_MS)
        self._max_wait.timeout.connect(self.flush)
        _application().focusChanged.connect(self._focus_changed)

    def queue(self, kind: str, record_id: str, field: str, value: Any) -> None:
        self.pending.setdefault((kind, record_id), {})[field] = value
        self._timer.start()
        if not self._max_wait.isActive():
            self._max_wait.start()
        self.state_changed.emit("Unsaved changes…")

    def discard(self, kind: str, record_id: str, field: str) -> None:
        fields = self.pending.get((kind, record_id))
        if fields is not None:
            fields.pop(field, None)

    @property
    def idle(self) -> bool:
        return not self.pending and not self.in_flight

    def _focus_changed(self, _old, _new) -> None:
        if self.pending:
            self.flush()

    def flush(self, then: Callable[[], None] | None = None) -> None:
        """Write what is pending; ``then`` runs after it is written (or at once if nothing
        was pending and nothing is in flight)."""
        self._timer.stop()
        self._max_wait.stop()
        batch = {k: v for k, v in self.pending.items() if v}
        self.pending = {}
        if not batch:
            if then is not None:
                if self.in_flight:
                    self.tasks.write(lambda s: None, lambda _r: then())
                else:
                    then()
            return
        self.in_flight += 1
        self.state_changed.emit("Saving…")
        actor = self.actor

        def done(refused):
            self.in_flight -= 1
            for (kind, record_id), field, message in refused:
                self.refused.emit(kind, record_id, field, message)
            if refused:
                self.state_changed.emit("Some changes were not saved: see the highlighted fields")
            elif self.idle:
                self.state_changed.emit(f"All changes saved at {london(utc_now()):%H:%M:%S}")
            if then is not None:
                then()

        def failed(error):
            self.in_flight -= 1
            for key, fields in batch.items():  # keep them; newer typing wins
                mine = self.pending.setdefault(key, {})
                for name, value in fields.items():
                    mine.setdefault(name, value)
            self.state_changed.emit(f"Not saved: {user_message(error)}")

        self.tasks.write(lambda s: apply_batch(s, actor, batch), done, failed)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _application().focusChanged.disconnect(self._focus_changed)
        self.flush()
