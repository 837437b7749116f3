"""A signed PDF says what people read, never a stored value: "At capacity", not
"at_capacity"; a field left blank says "Not recorded". Checked in the rendered PDF's text
for records that between them hold every value of every vocabulary."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from enum import StrEnum

import pypdf
import pytest

from supervision_app.domain import vocabulary
from supervision_app.domain.vocabulary import (
    ActionStatus,
    Capacity,
    Complexity,
    OversightTrigger,
    SessionType,
)
from supervision_app.records.pdf_render import render_oversight_pdf, render_record_pdf
from supervision_app.records.snapshot import load_oversight_snapshot, load_supervision_snapshot
from supervision_app.store import supervision_records as sr
from tests.gui.sample_team import build_sample_team, session_time

pytestmark = pytest.mark.usefixtures("pinned_clock")  # answers depend on the date


def vocabulary_values() -> set[str]:
    values = set()
    for item in vars(vocabulary).values():
        if isinstance(item, type) and issubclass(item, StrEnum) and item is not StrEnum:
            values |= {member.value for member in item}
    return values


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _records(database, team) -> list[str]:
    """Three records: every session type, complexity, capacity; every child's legal status;
    every action status; the caseload left blank on the first."""
    ids = []
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        for n, (kind, complexity, capacity) in enumerate(zip(SessionType, Complexity, Capacity)):
            sid = sr.create_session(s, manager, supervisee_id=team.worker_id,
                                    held_at=session_time(10 - n), session_type=kind)
            sr.update_session(s, manager, sid, {
                "caseload_complexity": complexity.value, "capacity": capacity.value,
                "caseload_count": None if n == 0 else 12 + n})
            for case in ("CS-1001", "CS-1002", "CS-1003", "CS-1004"):
                disc = sr.add_case_discussion(s, manager, sid, case)
                sr.update_case_discussion(s, manager, disc, {"decision": "Keep", "rationale": "Safe"})
            for k, status in enumerate(ActionStatus):
                action = sr.add_action(s, manager, session_id=sid, description=f"Action {k + 1}",
                                       owner_id=team.worker_id, due_on=date.today() + timedelta(days=9))
                if status is not ActionStatus.OPEN:
                    sr.set_action_status(s, manager, action, status)
            ids.append(sid)
        sr.share_session(s, manager, ids[-1])
    return ids


def test_no_stored_value_in_any_pdf(database):
    team = build_sample_team(database)
    session_ids = _records(database, team)
    texts = []
    with database.transaction() as s:
        manager = sr.load_actor(s, team.manager_id)
        for sid in session_ids:
            texts.append(pdf_text(render_record_pdf(load_supervision_snapshot(s, sid).document)))
        for trigger in OversightTrigger:
            note = sr.create_oversight_note(s, manager, child_id=team.child_ids[2], trigger=trigger,
                                            decision="Keep", rationale="Safe")
            sr.add_action(s, manager, oversight_note_id=note, description="Visit",
                          owner_id=team.worker_id, due_on=date.today() + timedelta(days=9))
            texts.append(pdf_text(render_oversight_pdf(load_oversight_snapshot(s, note).document)))
    snake = sorted(v for v in vocabulary_values() if "_" in v)
    assert "at_capacity" in snake and "child_looked_after" in snake
    everything = "\n".join(texts)
    found = sorted({v for v in snake if re.search(rf"\b{re.escape(v)}\b", everything)})
    assert found == [], f"stored values printed: {found}"
    first, _second, third = texts[:3]
    for text, complexity, capacity in zip(texts, Complexity, Capacity):
        assert re.search(rf"Complexity:?\s+{complexity.label}\b", text), text
        assert re.search(rf"Capacity:?\s+{capacity.label}\b", text), text
    assert re.search(r"Caseload:?\s+Not recorded", first), first
    assert re.search(r"Caseload:?\s+14", third)
