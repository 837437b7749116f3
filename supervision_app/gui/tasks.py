"""Database work off the GUI thread: every query and write runs in a QThreadPool and comes
back by signal, so the window never freezes on the encrypted store.

Reads run on a small pool; writes run one at a time, in the order they were asked for, so an
older autosave can never land after a newer one.
"""
from __future__ import annotations

import sys
import traceback
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

if TYPE_CHECKING:  # the store (SQLAlchemy, SQLCipher) is loaded off the GUI thread at start
    from ..store.database import Database

Callback = Callable[[Any], None]


def expected_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message is written for the person at the keyboard. Imported when an
    error happens, not at start: the window's first frame needs none of these modules."""
    from ..domain.lifecycle import IllegalTransition
    from ..domain.text_rules import InvalidInput
    from ..security.secret_store import KeyringUnavailable
    from ..store.errors import StoreError
    from ..store.supervision_records import NotAllowed, NotFound

    found: list[type[BaseException]] = [InvalidInput, NotAllowed, NotFound, StoreError,
                                        IllegalTransition, KeyringUnavailable]
    for module, name in (("supervision_app.security.credentials", "CredentialsUnavailable"),
                         ("supervision_app.records.signoff", "RecordChangedWhileSigning"),
                         ("supervision_app.records.export", "ExportCancelled")):
        loaded = sys.modules.get(module)  # only if that feature has been used
        if loaded is not None:
            found.append(getattr(loaded, name))
    return tuple(found)


def user_message(error: BaseException) -> str:
    """What to tell the person; never the record contents behind an unexpected error."""
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and isinstance(error, expected_errors()):
        return reason
    if isinstance(error, expected_errors()):
        return str(error)
    return ("Something went wrong and that step did not finish. Nothing saved before has been "
            "lost. If it happens again, please tell IT support.")


class _Signals(QObject):
    """Created on the GUI thread, so ``deliver`` (its own slot) is queued back to it."""

    finished = Signal(object, object)  # result, error

    def __init__(self, callback: Callable[[Any, Any], None]) -> None:
        super().__init__()
        self._callback = callback
        self.finished.connect(self.deliver)

    @Slot(object, object)
    def deliver(self, result: Any, error: Any) -> None:
        callback, self._callback = self._callback, None  # once; breaks the reference cycle
        if callback is not None:
            callback(result, error)


class _Job(QRunnable):
    def __init__(self, work: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as error:  # noqa: BLE001 - reported to the GUI thread
            if not isinstance(error, expected_errors()):
                # type and stack only: exception messages could quote what was typed
                print(f"background task failed: {type(error).__name__}", file=sys.stderr)
                traceback.print_tb(error.__traceback__, file=sys.stderr)
            self._signals.finished.emit(None, error)
        else:
            self._signals.finished.emit(result, None)
        self._signals = None


def run_in_background(fn: Callable[[], Any], on_done: Callback, on_error: Callback) -> None:
    """``fn()`` on Qt's global pool; ``on_done(result)`` or ``on_error(error)`` on the GUI
    thread (used at start, before there is a database to give a :class:`TaskRunner`)."""
    def finished(result, error):
        _background.discard(signals)
        if error is None:
            on_done(result)
        else:
            on_error(error)

    signals = _Signals(finished)
    _background.add(signals)
    QThreadPool.globalInstance().start(_Job(fn, signals))


_background: set = set()


class TaskRunner(QObject):
    """Run ``fn(session)`` inside a database transaction on a worker thread; the callbacks
    run on the GUI thread. ``busy_changed`` drives the busy indicator."""

    busy_changed = Signal(bool)
    failed = Signal(str)  # a user-facing message for errors nobody handled

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._reads = QThreadPool(self)
        self._reads.setMaxThreadCount(2)
        self._writes = QThreadPool(self)
        self._writes.setMaxThreadCount(1)
        self._pending: set[_Signals] = set()

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def read(self, fn: Callable[[Any], Any], on_done: Callback | None = None,
             on_error: Callback | None = None) -> None:
        """``fn`` gets a session in a transaction (reads may audit a view)."""
        self._submit(self._reads, fn, on_done, on_error)

    def write(self, fn: Callable[[Any], Any], on_done: Callback | None = None,
              on_error: Callback | None = None) -> None:
        self._submit(self._writes, fn, on_done, on_error)

    def write_unit(self, fn: Callable[[], Any], on_done: Callback | None = None,
                   on_error: Callback | None = None) -> None:
        """``fn()`` in the write queue, managing its own transactions: signing, which must
        not overlap an autosave of the record it signs and is far too slow for the GUI."""
        self._submit(self._writes, fn, on_done, on_error, session=False)

    def _submit(self, pool: QThreadPool, fn, on_done, on_error, session: bool = True) -> None:
        was_busy = self.busy

        def work():
            if not session:
                return fn()
            with self.db.transaction() as s:
                return fn(s)

        def finished(result, error):
            self._pending.discard(signals)
            if not self.busy:
                self.busy_changed.emit(False)
            if error is None:
                if on_done is not None:
                    on_done(result)
            elif on_error is not None:
                on_error(error)
            else:
                self.failed.emit(user_message(error))

        signals = _Signals(finished)
        self._pending.add(signals)
        if not was_busy:
            self.busy_changed.emit(True)
        pool.start(_Job(work, signals))

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job has run (shutdown and tests only, never in a handler)."""
        return self._writes.waitForDone(msecs) and self._reads.waitForDone(msecs)
