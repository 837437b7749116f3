"""Work off the GUI thread, one mechanism for the whole app: every query, write and network
job runs in a QThreadPool and comes back by a queued signal, so the window never freezes on
the encrypted store or the server.

:func:`submit` is the primitive; :class:`TaskRunner` names the pools (reads, the single write
queue, network), drives the busy indicator and lets a newer request supersede an older one;
:func:`run_in_background` is for start-up, before there is a database.
"""
from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any, Callable, Hashable

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from ..errors import AppError

if TYPE_CHECKING:  # the store (SQLAlchemy, SQLCipher) is loaded off the GUI thread at start
    from ..store.database import Database

log = logging.getLogger(__name__)
Callback = Callable[[Any], None]


def expected_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message is written for the person at the keyboard: the app's own
    (:class:`~supervision_app.errors.AppError`), each with a plain-words ``reason``."""
    return (AppError,)


def user_message(error: BaseException) -> str:
    """What to tell the person; never the record contents behind an unexpected error."""
    if isinstance(error, AppError):
        return error.reason
    return ("Something went wrong and that step did not finish. Nothing saved before has been "
            "lost. If it happens again, please tell IT support.")


class _Signals(QObject):
    """Created on the GUI thread, so ``deliver`` (its own slot) is queued back to it."""

    finished = Signal(object, object)  # result, error

    def __init__(self, callback: Callable[[Any, Any], None]) -> None:
        super().__init__()
        self._callback: Callable[[Any, Any], None] | None = callback
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
        self._signals: _Signals | None = signals

    def run(self) -> None:
        signals = self._signals
        assert signals is not None
        try:
            result = self._work()
        except BaseException as error:  # reported to the GUI thread (and logged)
            if not isinstance(error, expected_errors()):
                # type and stack only: exception messages could quote what was typed
                log.error("Background task failed", exc_info=error)
            signals.finished.emit(None, error)
        else:
            signals.finished.emit(result, None)
        self._signals = None


_in_flight: set[_Signals] = set()  # alive until their callback has run on the GUI thread


def submit(pool: QThreadPool, work: Callable[[], Any],
           finished: Callable[[Any, Any], None]) -> None:
    """The one way work leaves the GUI thread: ``work()`` on ``pool``, then
    ``finished(result, error)`` on the GUI thread (call this from the GUI thread)."""
    def deliver(result: Any, error: Any) -> None:
        _in_flight.discard(signals)
        finished(result, error)

    signals = _Signals(deliver)
    _in_flight.add(signals)
    pool.start(_Job(work, signals))


def run_in_background(fn: Callable[[], Any], on_done: Callback, on_error: Callback) -> None:
    """``fn()`` on Qt's global pool; ``on_done(result)`` or ``on_error(error)`` on the GUI
    thread (used at start, before there is a database to give a :class:`TaskRunner`)."""
    submit(QThreadPool.globalInstance(), fn,
           lambda result, error: on_done(result) if error is None else on_error(error))


def after_paint(context: QObject, fn: Callable[[], None]) -> None:
    """``fn()`` on the GUI thread once the events already waiting are handled, the paint of
    rows just shown among them: for work that would otherwise share the interpreter with
    that paint (reads started beside it slowed the first page's). A one-millisecond timer,
    not a zero one: in Qt 6 that is a posted event and ran before the paint (measured);
    a timer fires once the posted events are done. Not called if ``context`` is deleted."""
    QTimer.singleShot(1, context, fn)


READS, WRITES, NETWORK = "reads", "writes", "network"
_THREADS = {READS: 2, WRITES: 1, NETWORK: 1}  # writes and the sync engine: one at a time, in order
_generations = itertools.count(1)


class TaskRunner(QObject):
    """Named pools for everything the window does off the GUI thread: ``reads`` (two at a
    time), ``writes`` (one queue, in the order asked for, so an older autosave can never
    land after a newer one) and ``network`` (the sync engine, one job at a time).

    Callbacks run on the GUI thread. ``busy_changed`` drives the busy indicator. A job given
    a ``key`` is superseded by a newer job of the same key: only the newest one's callback
    runs (a page asked to refresh twice shows the second answer only)."""

    busy_changed = Signal(bool)
    failed = Signal(str)  # a user-facing message for errors nobody handled

    def __init__(self, db: Database | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._pools: dict[str, QThreadPool] = {}
        for name, threads in _THREADS.items():
            pool = self._pools[name] = QThreadPool(self)
            pool.setMaxThreadCount(threads)
        self._pending: set[int] = set()  # generations that count towards ``busy``
        self._latest: dict[Hashable, int] = {}

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def read(self, fn: Callable[[Any], Any], on_done: Callback | None = None,
             on_error: Callback | None = None, *, key: Hashable | None = None) -> None:
        """``fn`` gets a session in a transaction (reads may audit a view)."""
        self.run(READS, fn, on_done, on_error, key=key, session=True)

    def write(self, fn: Callable[[Any], Any], on_done: Callback | None = None,
              on_error: Callback | None = None, *, key: Hashable | None = None) -> None:
        self.run(WRITES, fn, on_done, on_error, key=key, session=True)

    def write_unit(self, fn: Callable[[], Any], on_done: Callback | None = None,
                   on_error: Callback | None = None, *, key: Hashable | None = None) -> None:
        """``fn()`` in the write queue, managing its own transactions: signing, which must
        not overlap an autosave of the record it signs and is far too slow for the GUI."""
        self.run(WRITES, fn, on_done, on_error, key=key)

    def run(self, pool: str, fn: Callable[..., Any], on_done: Callback | None = None,
            on_error: Callback | None = None, *, key: Hashable | None = None,
            session: bool = False, busy: bool = True) -> None:
        """``fn()`` (``fn(session)`` in a transaction if ``session``) on the named pool.
        Errors go to ``on_error``, or without one to ``failed`` in words. ``busy=False`` for
        work with its own progress display (sync), kept out of the busy indicator."""
        generation = next(_generations)
        if key is not None:
            self._latest[key] = generation
        if busy:
            if not self._pending:
                self.busy_changed.emit(True)
            self._pending.add(generation)
        db = self.db

        def work() -> Any:
            if not session:
                return fn()
            assert db is not None, "a job with a session needs the runner's database"
            with db.transaction() as s:
                return fn(s)

        def finished(result: Any, error: Any) -> None:
            if not shiboken6.isValid(self):
                return  # the window that owned this runner is gone, and its pages with it
            if busy:
                self._pending.discard(generation)
                if not self._pending:
                    self.busy_changed.emit(False)
            if key is not None:
                if self._latest.get(key) != generation:
                    return  # superseded: a newer request of this key has its own answer
                del self._latest[key]
            if error is None:
                if on_done is not None:
                    on_done(result)
            elif on_error is not None:
                on_error(error)
            else:
                self.failed.emit(user_message(error))

        submit(self._pools[pool], work, finished)

    def wait(self, msecs: int = 30000, pools: tuple[str, ...] = (WRITES, READS)) -> bool:
        """Block until every job on ``pools`` has run (shutdown and tests only, never in a
        handler). Their callbacks are still to come: they arrive as queued events."""
        return all(self._pools[name].waitForDone(msecs) for name in pools)
