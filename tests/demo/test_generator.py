"""The synthetic data generator: the demo team has the promised shape, locked records are
really locked, output is deterministic, and a council slice scales as DESIGN.md §5 says."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from supervision_app.demo.generator import populate_council, populate_team_demo
from supervision_app.domain.supervision_policy import SupervisionPolicy, supervision_status
from supervision_app.domain.time_rules import london_date
from supervision_app.domain.vocabulary import SupervisionStatus
from supervision_app.store.database import open_database
from supervision_app.store.errors import RecordLocked
from tests.demo.signed_demo import TODAY


@pytest.fixture
def demo(signed_demo):
    """The package's demo profile (conftest.py), as the app shows it once its background
    signing of the older records is done; these tests only read it."""
    db, summary, _ca, _facts, _logged = signed_demo
    return db, summary


def rows(db, sql, **params):
    with db.reading() as session:
        return session.execute(text(sql), params).all()


def scalar(db, sql, **params):
    with db.reading() as session:
        return session.execute(text(sql), params).scalar()


# ---------------------------------------------------------------------------- the team

def test_the_team_has_its_people(demo):
    db, s = demo
    roles = dict(rows(db, "SELECT role, count(*) FROM staff GROUP BY role"))
    assert roles == {"social_worker": 12, "team_manager": 1, "service_manager": 1,
                     "head_of_service": 1, "qa_auditor": 1, "administrator": 1}
    assert scalar(db, "SELECT manager_id FROM team WHERE id = :t", t=s.team_id) == s.manager_id
    assert scalar(db, "SELECT manager_id FROM service_area WHERE id = :a",
                  a=s.service_area_id) == s.service_manager_id
    workers = {r[0] for r in rows(db, "SELECT id FROM staff WHERE role = 'social_worker' "
                                      "AND team_id = :t", t=s.team_id)}
    assert workers == set(s.worker_ids)
    role_of = dict(rows(db, "SELECT id, role FROM staff"))
    assert role_of[s.auditor_id] == "qa_auditor" and role_of[s.admin_id] == "administrator"
    assert role_of[s.head_of_service_id] == "head_of_service"


def test_names_are_synthetic_and_exercise_unicode(demo):
    db, _ = demo
    names = [r[0] for r in rows(db, "SELECT display_name FROM staff UNION ALL SELECT name FROM child")]
    assert all(re.fullmatch(r"\S+( \S+)+", n) for n in names)
    assert sum(not n.isascii() for n in names) >= 10
    usernames = [r[0] for r in rows(db, "SELECT username FROM staff")]
    assert all(u.isascii() for u in usernames) and len(set(usernames)) == len(usernames)


def _status(db, worker_id):
    started, asye = rows(db, "SELECT started_on, asye_start FROM staff WHERE id = :w", w=worker_id)[0]
    held = [r[0] for r in rows(db, "SELECT held_at FROM supervision_session WHERE supervisee_id = :w",
                               w=worker_id)]
    from datetime import datetime, timezone
    last = max(london_date(datetime.fromisoformat(h).replace(tzinfo=timezone.utc)) for h in held)
    return supervision_status(SupervisionPolicy(), today=TODAY, last_held=last,
                              started_on=date.fromisoformat(started),
                              asye_start=date.fromisoformat(asye) if asye else None)


def test_asye_and_overdue_workers(demo):
    db, s = demo
    started, asye = rows(db, "SELECT started_on, asye_start FROM staff WHERE id = :w",
                         w=s.asye_worker_id)[0]
    assert started == asye and 63 <= (TODAY - date.fromisoformat(asye)).days <= 77
    asye_sessions = scalar(db, "SELECT count(*) FROM supervision_session WHERE supervisee_id = :w",
                           w=s.asye_worker_id)
    assert asye_sessions >= 6  # weekly, then fortnightly: denser than 4-weekly
    statuses = {w: _status(db, w).status for w in s.worker_ids}
    assert statuses[s.overdue_worker_id] == SupervisionStatus.OVERDUE
    assert (TODAY - _status(db, s.overdue_worker_id).next_due).days >= 14  # clearly overdue
    assert [w for w, st in statuses.items() if st == SupervisionStatus.OVERDUE] == [s.overdue_worker_id]
    assert statuses[s.asye_worker_id] != SupervisionStatus.OVERDUE


def test_a_record_awaits_the_supervisees_signature(demo):
    db, s = demo
    latest_id, state = rows(db, "SELECT id, state FROM supervision_session WHERE supervisee_id = :w "
                                "ORDER BY held_at DESC LIMIT 1", w=s.awaiting_signature_worker_id)[0]
    assert state == "supervisor_signed"
    signers = rows(db, "SELECT signer_role, signer_id FROM signature WHERE record_id = :r", r=latest_id)
    assert signers == [("supervisor", s.manager_id)]


def test_one_unresolved_disagreement(demo):
    db, s = demo
    found = rows(db, "SELECT supervisee_id, state, length(disagreement) > 0 FROM supervision_session "
                     "WHERE supervisee_agreement = 'disagrees' AND NOT disagreement_resolved")
    assert found == [(s.disagreeing_worker_id, "locked", 1)]


def test_children_and_legal_statuses(demo):
    db, s = demo
    children = rows(db, "SELECT case_id, legal_status, has_pathway_plan, allocated_worker_id, "
                        "date_of_birth FROM child")
    assert 140 <= len(children) <= 160
    assert all(re.fullmatch(r"CS-\d{6}", c[0]) for c in children)
    assert len({c[0] for c in children}) == len(children)
    share = {k: v / len(children) for k, v in Counter(c[1] for c in children).items()}
    assert share["child_in_need"] == max(share.values())
    assert 0.2 <= share["child_protection"] <= 0.3 and 0.2 <= share["child_looked_after"] <= 0.3
    assert 0.05 <= share["care_leaver"] <= 0.11
    assert all(c[2] for c in children if c[1] == "care_leaver")
    assert any(c[2] for c in children if c[1] == "child_looked_after")
    assert {c[3] for c in children} == set(s.worker_ids)
    caseloads = Counter(c[3] for c in children)
    assert caseloads[s.asye_worker_id] < min(n for w, n in caseloads.items() if w != s.asye_worker_id)
    for c in children:
        age = (TODAY - date.fromisoformat(c[4])).days / 365.25
        assert (18 <= age < 22) if c[1] == "care_leaver" else (0 <= age < 18)


def test_a_year_of_sessions_mostly_locked(demo):
    db, s = demo
    per_worker = dict(rows(db, "SELECT supervisee_id, count(*) FROM supervision_session GROUP BY 1"))
    for worker in s.worker_ids:
        if worker != s.asye_worker_id:
            assert 9 <= per_worker[worker] <= 15
    assert s.manager_id in per_worker  # the team manager is supervised by the service manager
    states = dict(rows(db, "SELECT state, count(*) FROM supervision_session GROUP BY state"))
    total = sum(states.values())
    assert states["locked"] / total > 0.9
    assert states.get("draft", 0) + states.get("shared", 0) >= 1
    old_unlocked = scalar(db, "SELECT count(*) FROM supervision_session WHERE state <> 'locked' "
                              "AND held_at < :d", d=str(TODAY - timedelta(days=30)))
    assert old_unlocked == 0
    discussions = [r[0] for r in rows(db, "SELECT count(d.id) FROM supervision_session s LEFT JOIN "
                                          "case_discussion d ON d.session_id = s.id GROUP BY s.id")]
    assert min(discussions) >= 2 and max(discussions) <= 5
    first = rows(db, "SELECT min(held_at) FROM supervision_session")[0][0]
    assert first[:10] <= str(TODAY - timedelta(days=330))


def test_locked_records_are_signed_with_a_digest(demo):
    db, _ = demo
    locked = scalar(db, "SELECT count(*) FROM supervision_session WHERE state = 'locked'")
    signed = rows(db, "SELECT record_id, count(*), count(DISTINCT digest) FROM signature "
                      "WHERE record_kind = 'supervision' GROUP BY record_id HAVING count(*) = 2")
    assert len(signed) == locked and all(r[2] == 1 for r in signed)
    sigs = rows(db, "SELECT digest, certificate_pem, signature_value, record_id FROM signature")
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d, _, _, _ in sigs)
    # Every signed record (and addendum) of the year was signed for real, at first start
    # or in the background after it: none carries a digest only.
    signed_records = {r[0] for r in rows(
        db, "SELECT id FROM supervision_session WHERE state IN ('supervisor_signed', 'locked') "
            "UNION SELECT id FROM oversight_note WHERE state = 'locked' "
            "UNION SELECT id FROM addendum WHERE state = 'locked'")}
    assert len(signed_records) > 500
    assert {record_id for _, _, _, record_id in sigs} == signed_records
    for _, pem, value, _ in sigs:
        assert pem.startswith("-----BEGIN CERTIFICATE") and value
    assert scalar(db, "SELECT count(*) FROM oversight_note n WHERE state = 'locked' AND NOT EXISTS "
                      "(SELECT 1 FROM signature g WHERE g.record_id = n.id)") == 0


def test_actions_open_overdue_done_and_reviewed(demo):
    db, _ = demo
    status = dict(rows(db, "SELECT CASE WHEN status = 'open' AND due_on < :t THEN 'overdue' "
                           "ELSE status END, count(*) FROM action_item GROUP BY 1", t=str(TODAY)))
    assert status["open"] > 0 and status["overdue"] > 0 and status["done"] > status["overdue"]
    assert scalar(db, "SELECT count(*) FROM action_item WHERE owner_id IS NULL OR due_on IS NULL") == 0
    assert scalar(db, "SELECT count(*) FROM action_item WHERE status <> 'open' AND closed_at IS NULL") == 0
    # every review is of an action agreed in an earlier session with the same supervisee
    bad = scalar(db, """SELECT count(*) FROM action_review r
                        JOIN supervision_session later ON later.id = r.session_id
                        JOIN action_item a ON a.id = r.action_id
                        JOIN supervision_session earlier ON earlier.id = a.session_id
                        WHERE earlier.supervisee_id <> later.supervisee_id
                           OR earlier.held_at >= later.held_at""")
    assert bad == 0
    reviews = dict(rows(db, "SELECT status, count(*) FROM action_review GROUP BY status"))
    assert reviews["done"] > 0 and reviews["open"] > 0


def test_oversight_notes_and_addenda(demo):
    db, s = demo
    notes = scalar(db, "SELECT count(*) FROM oversight_note")
    assert 300 <= notes <= 700
    authors = {r[0] for r in rows(db, "SELECT DISTINCT author_id FROM oversight_note")}
    assert authors <= {s.manager_id, s.service_manager_id}
    assert scalar(db, "SELECT count(*) FROM action_item WHERE oversight_note_id IS NOT NULL") > 0
    addenda = rows(db, "SELECT a.state, g.signer_id = a.author_id FROM addendum a "
                       "JOIN signature g ON g.record_id = a.id")
    assert len(addenda) >= 2 and all(state == "locked" and same for state, same in addenda)


def test_locked_sessions_cannot_be_changed_even_by_raw_sql(demo):
    db, _ = demo
    with pytest.raises(DBAPIError, match="locked"):
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE supervision_session SET learning = 'x' WHERE state = 'locked'")
    with pytest.raises(RecordLocked):
        with db.transaction() as session:
            session.execute(text("UPDATE supervision_session SET learning = 'x' WHERE state = 'locked'"))
    locked_id, child_id = rows(db, "SELECT s.id, d.child_id FROM supervision_session s JOIN "
                                   "case_discussion d ON d.session_id = s.id "
                                   "WHERE s.state = 'locked' LIMIT 1")[0]
    with pytest.raises(DBAPIError, match="signed"):
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO case_discussion (id, version, updated_at, tombstone, session_id, "
                "child_id, position, current_position, worries, working_well, needs_to_happen, "
                "decision, rationale) VALUES ('x', 1, '2026-01-01', 0, :s, :c, 9, '', '', '', '', "
                "'', '')"), {"s": locked_id, "c": child_id})
    with pytest.raises(DBAPIError):
        with db.engine.begin() as connection:
            connection.exec_driver_sql("UPDATE oversight_note SET decision = 'x' WHERE state = 'locked'")


# ---------------------------------------------------------------------------- determinism

def database_digest(db) -> str:
    """SHA-256 over every row of every table (and the search index), order-independent."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'search_text_%' AND name NOT IN ('audit_entry', 'alembic_version') "
            "ORDER BY name").scalars().all()
        assert "supervision_session" in tables and "search_text" in tables
        for table in tables:
            found = connection.exec_driver_sql(f'SELECT * FROM "{table}"').all()
            digest.update(table.encode())
            for line in sorted(repr(tuple(r)) for r in found):
                digest.update(line.encode())
    return digest.hexdigest()


def _digest_of(folder, fill) -> str:
    db = open_database(folder)
    try:
        fill(db)
        return database_digest(db)
    finally:
        db.close()


def test_same_seed_and_day_give_identical_data(tmp_path, memory_keyring):
    def council(seed):
        return lambda db: populate_council(db, today=TODAY, seed=seed, teams=1,
                                           workers_per_team=3, years=1)

    first = _digest_of(tmp_path / "a", council(7))
    assert _digest_of(tmp_path / "b", council(7)) == first
    assert _digest_of(tmp_path / "c", council(8)) != first
    # Real signatures use fresh keys and the clock, so determinism is checked without them.
    demo = _digest_of(tmp_path / "d", lambda db: populate_team_demo(db, today=TODAY, sign_for_real=False))
    assert _digest_of(tmp_path / "e", lambda db: populate_team_demo(
        db, today=TODAY, sign_for_real=False)) == demo
    assert _digest_of(tmp_path / "f", lambda db: populate_team_demo(
        db, today=TODAY + timedelta(days=1), sign_for_real=False)) != demo


def test_a_slice_is_the_first_teams_of_a_bigger_council(tmp_path, memory_keyring):
    team_sessions = []
    for teams in (1, 2):
        db = open_database(tmp_path / f"t{teams}")
        summary = populate_council(db, today=TODAY, teams=teams, workers_per_team=2, years=1)
        team_sessions.append(sorted(r[0] for r in rows(
            db, "SELECT id FROM supervision_session WHERE team_id = :t", t=summary.team_ids[0])))
        db.close()
    assert team_sessions[0] and team_sessions[0] == team_sessions[1]


# ---------------------------------------------------------------------------- scale

def test_a_council_slice_scales_to_the_design_figures(tmp_path, memory_keyring):
    """One team of the 40 over five years: a fortieth of DESIGN.md §5's figures."""
    db = open_database(tmp_path / "council")
    progress = []
    summary = populate_council(db, today=TODAY, teams=1, progress=lambda d, p: progress.append((d, p)))
    counts = summary.counts
    assert counts["children"] == 150 and counts["teams"] == 1
    expected = {"sessions": 24_000, "case_discussions": 190_000, "actions": 150_000,
                "oversight_notes": 100_000}
    for name, full in expected.items():
        assert 0.8 * full / 40 <= counts[name] <= 1.2 * full / 40, (name, counts[name])
    assert scalar(db, "SELECT count(*) FROM supervision_session") == counts["sessions"]
    assert scalar(db, "SELECT count(*) FROM case_discussion") == counts["case_discussions"]
    assert scalar(db, "SELECT count(*) FROM action_item") == counts["actions"]
    assert scalar(db, "SELECT count(*) FROM oversight_note") == counts["oversight_notes"]
    first = scalar(db, "SELECT min(held_at) FROM supervision_session")
    assert first[:4] == str(TODAY.year - 5)
    assert progress and progress[-1][0] == counts["sessions"] + counts["oversight_notes"]
    db.close()


def test_bad_slice_parameters_are_refused(database):
    with pytest.raises(ValueError):
        populate_council(database, today=TODAY, teams=0)


def test_a_failed_write_is_raised_not_lost(database, monkeypatch):
    from supervision_app.demo import batch_writer

    def fail(connection, batch):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(batch_writer, "_write_batch", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        populate_council(database, today=TODAY, teams=1, workers_per_team=1, years=1, children=5)


def test_the_record_awaiting_signature_is_really_signed_and_the_worker_can_complete_it(tmp_path, memory_keyring):
    from supervision_app.domain.lifecycle import RecordKind
    from supervision_app.records.signoff import latest_document, sign_supervision_record
    from supervision_app.records.verify import verify_pdf
    from supervision_app.security import pki
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    db = open_database(tmp_path / "profile")
    try:
        summary = populate_team_demo(db, today=TODAY)
        worker = summary.awaiting_signature_worker_id
        (session_id,) = [r[0] for r in rows(
            db, "SELECT id FROM supervision_session WHERE supervisee_id = :w AND state = 'supervisor_signed'",
            w=worker)]
        store = CredentialStore(db.profile.folder, SecretStore(db.profile.profile_id))
        ca = pki.load_certificate(store.ca_certificate_pem())
        with db.reading() as s:
            assert verify_pdf(latest_document(s, RecordKind.SUPERVISION, session_id).pdf, ca).all_ok
            name = s.execute(text("SELECT display_name FROM staff WHERE id = :w"), {"w": worker}).scalar()
        store.ensure_local_credentials(worker, name, "social_worker")
        result = sign_supervision_record(db, store, session_id=session_id, signer_id=worker)
        assert result.new_state.value == "locked"
        with db.reading() as s:
            report = verify_pdf(latest_document(s, RecordKind.SUPERVISION, session_id).pdf, ca)
        assert report.all_ok and len(report.signatures) == 2
    finally:
        db.close()
