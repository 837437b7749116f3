"""The record's own fields: when and how it was held, wellbeing, workload, learning, ASYE
progress and the next supervision date (which can be saved as a calendar file)."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtWidgets import QPushButton, QSizePolicy

from ..domain.text_rules import InvalidInput, check_not_future, check_order, clean_text, parse_date
from ..domain.time_rules import LONDON, format_date, london, london_date, utc_now
from ..domain.vocabulary import SessionType
from .editor_fields import FieldBinder, show_line, show_text, text_parser
from .widgets import optional_date

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from ..records.calendar_invite import PlannedSupervision
    from ..store import queries
    from .editor_host import EditorHost

COMPLEXITY_LABELS = {"": "Not recorded", "low": "Low", "medium": "Medium", "high": "High"}
CAPACITY_LABELS = {"": "Not recorded", "has_capacity": "Has capacity", "at_capacity": "At capacity",
                   "over_capacity": "Over capacity"}
T = TypeVar("T")


def parse_time(text: str) -> time:
    raw = (text or "").strip()
    try:
        hours, minutes = raw.replace(".", ":").split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise InvalidInput(f"Time: '{raw[:10]}' is not a time; use hh:mm, e.g. 14:30.") from None


def _or_none(parse: Callable[[], T]) -> T | None:
    """What ``parse`` reads, or None if it cannot be read (its own field says why)."""
    try:
        return parse()
    except InvalidInput:
        return None


class SectionFields:
    def __init__(self, host: EditorHost, fields: FieldBinder) -> None:
        self._host = host
        f = host.form
        for t in SessionType:
            f.typeCombo.addItem(t.label, t.value)
        for value, text in COMPLEXITY_LABELS.items():
            f.complexityCombo.addItem(text, value)
        for value, text in CAPACITY_LABELS.items():
            f.capacityCombo.addItem(text, value)
        s, sid = "session", host.session_id
        fields.bind(f.heldDateEdit, s, sid, "held_at", lambda _w: self._held_at())
        fields.bind(f.heldTimeEdit, s, sid, "held_at", lambda _w: self._held_at())
        fields.bind(f.durationSpin, s, sid, "duration_minutes", lambda w: w.value())
        fields.bind(f.typeCombo, s, sid, "session_type", lambda w: w.currentData())
        fields.bind(f.locationEdit, s, sid, "location", lambda w: clean_text("Where held", w.text()))
        fields.bind(f.agreementCheck, s, sid, "agreement_in_place", lambda w: w.isChecked())
        for widget, name, label in (
                (f.wellbeingEdit, "wellbeing", "Wellbeing and support"),
                (f.workloadNotesEdit, "workload_notes", "Workload notes"),
                (f.learningEdit, "learning", "Learning and development"),
                (f.asyeEdit, "asye_progress", "ASYE progress")):
            fields.bind(widget, s, sid, name, text_parser(label))
        fields.bind(f.caseloadSpin, s, sid, "caseload_count", lambda w: None if w.value() < 0 else w.value())
        fields.bind(f.complexityCombo, s, sid, "caseload_complexity", lambda w: w.currentData())
        fields.bind(f.capacityCombo, s, sid, "capacity", lambda w: w.currentData())
        fields.bind(f.nextDateEdit, s, sid, "next_session_on", lambda _w: self._next_session_on())
        button = self.calendar_button = QPushButton("Save as calendar file (.ics)…", f.nextGroup)
        button.setObjectName("calendarButton")
        button.setAccessibleName("Save the next supervision as a calendar invitation")
        button.setToolTip("Save the next supervision date as an invitation file (.ics) "
                          "to open in Outlook; saving again updates the same entry")
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # not a full-width bar
        f.nextForm.addRow("", button)
        button.clicked.connect(self.save_invitation)

    def _held_at(self) -> datetime:
        f = self._host.form
        day = parse_date("Date of session", f.heldDateEdit.text())
        at = parse_time(f.heldTimeEdit.text())
        check_not_future("Date of session", day, london_date(utc_now()))
        moment = datetime.combine(day, at, tzinfo=LONDON)
        if moment > utc_now():
            raise InvalidInput(f"Time of session ({at:%H:%M}) is later than now.")
        next_day = _or_none(lambda: optional_date("Next supervision date", f.nextDateEdit.text()))
        if next_day is not None:
            check_order("the session date", day, "Next supervision date", next_day)
        return moment

    def _next_session_on(self) -> date | None:
        f = self._host.form
        next_day = optional_date("Next supervision date", f.nextDateEdit.text())
        held = _or_none(lambda: parse_date("Date of session", f.heldDateEdit.text()))
        if next_day is not None and held is not None:
            check_order("the session date", held, "Next supervision date", next_day)
        return next_day

    def show(self, d: queries.SessionDetail) -> None:
        f = self._host.form
        when = london(d.held_at)
        show_line(f.heldDateEdit, f"{when:%d/%m/%Y}")
        show_line(f.heldTimeEdit, f"{when:%H:%M}")
        f.durationSpin.setValue(d.duration_minutes)
        f.typeCombo.setCurrentIndex(f.typeCombo.findData(d.session_type.value))
        show_line(f.locationEdit, d.location)
        f.agreementCheck.setChecked(d.agreement_in_place)
        f.wellbeingGroup.setVisible(d.wellbeing is not None)
        show_text(f.wellbeingEdit, d.wellbeing or "")
        f.caseloadSpin.setValue(-1 if d.caseload_count is None else d.caseload_count)
        f.complexityCombo.setCurrentIndex(max(0, f.complexityCombo.findData(d.caseload_complexity)))
        f.capacityCombo.setCurrentIndex(max(0, f.capacityCombo.findData(d.capacity)))
        show_text(f.workloadNotesEdit, d.workload_notes)
        show_text(f.learningEdit, d.learning)
        show_text(f.asyeEdit, d.asye_progress)
        f.asyeEdit.setVisible(d.supervisee_is_asye or bool(d.asye_progress))
        f.asyeLabel.setVisible(f.asyeEdit.isVisible())
        show_line(f.nextDateEdit, format_date(d.next_session_on))

    def looks_empty(self) -> bool:
        """No workload and no wellbeing written."""
        f = self._host.form
        return (f.caseloadSpin.value() < 0 and not f.complexityCombo.currentData()
                and not f.capacityCombo.currentData() and not f.workloadNotesEdit.toPlainText().strip()
                and not f.wellbeingEdit.toPlainText().strip())

    def save_invitation(self) -> None:
        """The next supervision date, once saved, as an .ics invitation."""
        from .calendar_file import save_invitation

        host = self._host
        staff_id, sid = host.ctx.actor.staff_id, host.session_id

        def load(session: Session) -> PlannedSupervision:
            from ..records.calendar_invite import planned_by_session

            return planned_by_session(session, staff_id, sid)

        host.autosaver.flush(lambda: save_invitation(host.ctx, host.page, load))
