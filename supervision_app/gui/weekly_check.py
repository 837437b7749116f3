"""The app's weekly check of its own profile (issue 16): the audit log's chain, SQLCipher's
page check and SQLite's structure check, as ``supervision-app check-profile`` runs them.

It starts a while after the window is attached (so it never competes with the first
screens), runs off the GUI thread, and remembers when it last ran in the profile's
settings, so it runs once a week whoever signs in. It says nothing when all is well; when
something is wrong it tells the person in words, and that IT should be told.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget
from shiboken6 import isValid

from ..domain.time_rules import utc_now
from .tasks import run_in_background

if TYPE_CHECKING:
    from ..store.database import Database

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(days=7)
LAST_RUN_KEY = "profile_check_last_run"  # a ProfileSetting, for the whole profile
START_DELAY_MS = 90_000


def is_due(last_run: str | None, now: datetime) -> bool:
    """A week since the last run (or never run, or a last run that cannot be read)."""
    if not last_run:
        return True
    try:
        last = datetime.fromisoformat(last_run)
    except ValueError:
        return True
    if last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    return now - last >= CHECK_EVERY or last > now + timedelta(days=1)


class WeeklyProfileCheck(QObject):
    """``finished`` carries the :class:`~..store.profile_check.ProfileCheck`, or ``None``
    when it was not due (or could not run)."""

    finished = Signal(object)

    def __init__(self, window: QWidget, db: "Database", *,
                 clock: Callable[[], datetime] = utc_now, delay_ms: int = START_DELAY_MS) -> None:
        super().__init__(window)
        self.setObjectName("weeklyProfileCheck")
        self._window = window
        self._db = db
        self._clock = clock
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run)
        self.message: QMessageBox | None = None

    def start(self) -> None:
        self._timer.start()

    def run(self) -> None:
        run_in_background(self._work, self._done, self._failed)

    def _work(self):
        from ..store.models import ProfileSetting
        from ..store.profile_check import check_profile

        now = self._clock()
        with self._db.reading() as session:
            row = session.get(ProfileSetting, LAST_RUN_KEY)
            last = row.value if row is not None else None
        if not is_due(last, now):
            return None
        result = check_profile(self._db)
        with self._db.transaction() as session:
            row = session.get(ProfileSetting, LAST_RUN_KEY)
            if row is None:
                session.add(ProfileSetting(key=LAST_RUN_KEY, value=now.isoformat()))
            else:
                row.value = now.isoformat()
        return result

    def _done(self, result) -> None:
        if not isValid(self):  # the window closed while the check ran
            return
        if result is not None and not result.ok:
            log.warning("the weekly profile check found a problem")
            self._tell(result.in_words())
        self.finished.emit(result)

    def _failed(self, error: BaseException) -> None:
        log.warning("the weekly profile check could not run: %s", type(error))  # the class's name
        if isValid(self):
            self.finished.emit(None)

    def _tell(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "A problem with this laptop's records",
                          "The weekly check of this laptop's records found a problem.\n\n" + text,
                          parent=self._window)
        box.setObjectName("profileCheckMessage")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAccessibleName("A problem with this laptop's records")
        box.addButton(QMessageBox.StandardButton.Ok).setAccessibleName("OK")
        box.open()
        self.message = box


def start_weekly_check(window: QWidget, db: "Database") -> WeeklyProfileCheck:
    """Schedule the check for this window's profile (called once the window is attached)."""
    check = WeeklyProfileCheck(window, db)
    check.start()
    return check
