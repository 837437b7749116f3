"""A child's management-oversight chronology exported for the case-management system: what
each role's export holds, the CSV's rows, the PDF's text and its exporter's signature."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.records.chronology_export import (
    CSV_HEADER,
    chronology_csv,
    export_child_chronology,
    export_team_chronologies,
    load_child_chronology,
    team_children_signed_since,
)
from supervision_app.records.export import ExportCancelled
from supervision_app.records.verify import verify_pdf
from supervision_app.security import pki
from supervision_app.store.models import AuditEntry
from supervision_app.store.supervision_records import NotAllowed
from tests.records.chronology_world import (
    DISCUSSION_DECISION,
    DISCUSSION_RATIONALE,
    DRAFT_DECISION,
    NOTE_DECISION,
    OTHER_TEAM_DECISION,
    WELLBEING,
)


def _today() -> date:
    # the London day the chronology_world's records were signed (not the machine's own date)
    return london_date(utc_now())


def _chronology(db, staff_id, child_id, **kwargs):
    with db.transaction() as s:
        return load_child_chronology(s, staff_id, child_id, **kwargs)


def test_the_allocated_worker_sees_the_signed_decisions_not_the_managers_draft(database, chronology_world):
    lines = _chronology(database, chronology_world.team.worker_id, chronology_world.child_id).lines
    assert [line.decision for line in lines] == [DISCUSSION_DECISION, NOTE_DECISION]
    assert all(line.signed for line in lines)
    assert lines[0].record_id == chronology_world.session_id and lines[1].record_id == chronology_world.signed_note_id


def test_the_manager_sees_their_own_draft_marked_unsigned(database, chronology_world):
    lines = _chronology(database, chronology_world.team.manager_id, chronology_world.child_id).lines
    draft = [line for line in lines if line.decision == DRAFT_DECISION]
    assert len(draft) == 1 and not draft[0].signed and draft[0].signed_at is None
    rows = list(csv.reader(io.StringIO(chronology_csv(
        _chronology(database, chronology_world.team.manager_id, chronology_world.child_id)).decode("utf-8-sig"))))
    assert [row[6] for row in rows[1:]].count("unsigned") == 1


def test_another_teams_worker_and_manager_cannot_export_the_child(database, chronology_world):
    for outsider in (chronology_world.team.outsider_id,):
        with pytest.raises(NotAllowed):
            _chronology(database, outsider, chronology_world.child_id)
    # and the worker's own export never carries another team's child
    lines = _chronology(database, chronology_world.team.worker_id, chronology_world.child_id).lines
    assert OTHER_TEAM_DECISION not in [line.decision for line in lines]


def test_the_csv_has_one_row_per_entry_with_a_bom_and_no_wellbeing(database, chronology_world):
    data = chronology_csv(_chronology(database, chronology_world.team.worker_id, chronology_world.child_id))
    assert data.startswith(b"\xef\xbb\xbf")
    assert WELLBEING.encode() not in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    assert len(rows) == 3
    discussion = rows[1]
    assert discussion[1].startswith("Supervision with Ben Steady")
    assert discussion[2] == "Morgan Manager"
    assert discussion[3] == "'" + DISCUSSION_DECISION  # a leading = is not run as a formula
    assert discussion[4] == DISCUSSION_RATIONALE  # Zoë's accent survives
    assert discussion[5] == chronology_world.session_id and discussion[6] == "signed"
    assert rows[2][1] == "Oversight: Plan review" and rows[2][5] == chronology_world.signed_note_id


def test_the_pdf_holds_the_decisions_and_is_signed_by_the_exporter(database, chronology_world, tmp_path):
    files = export_child_chronology(database, chronology_world.store, actor_id=chronology_world.team.worker_id,
                                    child_id=chronology_world.child_id, folder=tmp_path)
    assert files.entries == 2 and files.pdf.parent == tmp_path and files.csv.stem == files.pdf.stem
    pdf = files.pdf.read_bytes()
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Management oversight chronology: Casey Test" in text
    assert NOTE_DECISION in text and "Remain on the child in need plan" in text
    assert WELLBEING not in text and DRAFT_DECISION not in text
    ca = pki.load_certificate(chronology_world.store.ca_certificate_pem())
    report = verify_pdf(pdf, ca)
    assert report.complete, report
    assert [s.signer_common_name for s in report.signatures] == ["Ben Steady"]


def test_every_export_is_audited_by_child_id_only(database, chronology_world, tmp_path):
    export_child_chronology(database, chronology_world.store, actor_id=chronology_world.team.manager_id,
                            child_id=chronology_world.child_id, folder=tmp_path)
    with database.reading() as s:
        entry = s.execute(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).scalar_one()
    assert (entry.actor_id, entry.action, entry.record_kind, entry.record_id) == (
        chronology_world.team.manager_id, "export_chronology", "child", chronology_world.child_id)


def test_a_second_export_the_same_day_keeps_the_first(database, chronology_world, tmp_path):
    first = export_child_chronology(database, chronology_world.store, actor_id=chronology_world.team.worker_id,
                                    child_id=chronology_world.child_id, folder=tmp_path)
    second = export_child_chronology(database, chronology_world.store, actor_id=chronology_world.team.worker_id,
                                     child_id=chronology_world.child_id, folder=tmp_path)
    assert first.pdf != second.pdf and first.pdf.exists() and second.csv.stem == second.pdf.stem


def test_bulk_for_a_team_writes_a_pair_per_child_signed_since_the_date(database, chronology_world, tmp_path):
    today = _today()
    with database.reading() as s:
        team = chronology_world.team
        assert team_children_signed_since(s, team.manager_id, team.team_id, today) == [chronology_world.child_id]
        assert team_children_signed_since(s, chronology_world.team.manager_id, chronology_world.team.team_id,
                                          today + timedelta(days=1)) == []
        # another team's manager is given nothing for this team
        assert team_children_signed_since(s, team.worker_id, team.team_id, today) == []
    seen = []
    result = export_team_chronologies(database, chronology_world.store, actor_id=chronology_world.team.manager_id,
                                      team_id=chronology_world.team.team_id, since=today, folder=tmp_path,
                                      progress=lambda done, total: seen.append((done, total)))
    assert [f.pdf.name.endswith(".pdf") for f in result.written] == [True]
    assert seen == [(0, 1), (1, 1)]
    rows = list(csv.reader(io.StringIO(result.written[0].csv.read_bytes().decode("utf-8-sig"))))
    assert {row[6] for row in rows[1:]} == {"signed"}  # the draft is not signed since the date


def test_bulk_cancel_stops_before_the_next_child(database, chronology_world, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ExportCancelled):
        export_team_chronologies(database, chronology_world.store, actor_id=chronology_world.team.manager_id,
                                 team_id=chronology_world.team.team_id, since=_today(), folder=out,
                                 cancelled=lambda: True)
    assert not out.exists() or list(out.iterdir()) == []
