"""Audit rounds: sample, grades, findings, actions to closure; the auditor never changes
what they audit."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from supervision_app.assurance.audit import (
    NOT_APPLICABLE,
    ChecklistQuestion,
    Grade,
    Population,
    add_audit_action,
    complete_round,
    create_round,
    grade_item,
    list_rounds,
    population,
    round_report,
    set_audit_action_status,
)
from supervision_app.domain.text_rules import InvalidInput
from supervision_app.domain.vocabulary import ActionStatus
from supervision_app.store import supervision_records as records
from supervision_app.store.assurance_models import AuditItem
from supervision_app.store.errors import RecordLocked
from supervision_app.store.supervision_records import NotAllowed, load_actor
from tests.assurance.record_digest import snapshot


def all_answers(report, value="good"):
    return {q.key: value for q in report.checklist}


def run_round(db, world, kind="supervision", seed=11, size=None, **kw):
    if size is None and "per_stratum" not in kw:
        size = 5
    with db.transaction() as s:
        return create_round(s, load_actor(s, world.auditor), title="Q1 dip sample", kind=kind,
                            seed=seed, size=size, **kw)


def test_population_is_stratified_and_never_holds_drafts(database, world):
    with database.reading() as s:
        auditor = load_actor(s, world.auditor)
        sessions = population(s, auditor, Population.SUPERVISION)
        children = population(s, auditor, Population.CHILDREN)
    ids = {c.record_id for c in sessions}
    assert world.sessions["ash-jan-draft"] not in ids
    assert world.sessions["bo-mar"] in ids  # signed by the supervisor: open to audit
    strata = {c.record_id: c.stratum for c in sessions}
    assert strata[world.sessions["ash-dec"]] == (world.team_a, "child_protection")
    assert strata[world.sessions["ash-nov"]] == (world.team_a, "none")
    assert {c.stratum for c in children} == {
        (world.team_a, "child_protection"), (world.team_a, "child_in_need"),
        (world.team_a, "child_looked_after"), (world.team_a, "care_leaver"),
        (world.team_b, "child_protection"), ("unallocated", "child_in_need")}


def test_same_seed_draws_the_same_round(database, world):
    first, second, other = (run_round(database, world, seed=s) for s in (11, 11, 12))
    with database.reading() as s:
        auditor = load_actor(s, world.auditor)
        a, b, c = (round_report(s, auditor, r) for r in (first, second, other))
    assert [i.record_id for i in a.items] == [i.record_id for i in b.items]
    assert [i.record_id for i in a.items] != [i.record_id for i in c.items]
    assert a.seed == 11 and a.design["population_size"] > len(a.items) == 5


def test_full_round_grades_findings_actions_to_closure(database, world):
    round_id = run_round(database, world, kind="children", per_stratum=1)
    with database.transaction() as s:
        auditor = load_actor(s, world.auditor)
        report = round_report(s, auditor, round_id)
        assert len(report.items) == 6  # one per stratum
        for item in report.items:
            grade_item(s, auditor, item.item_id, grade=Grade.GOOD, answers=all_answers(report),
                       finding="Oversight regular; rationale clear.")
        in_team_a = next(i for i in report.items if i.team_name == "Assessment A")
        action_id = add_audit_action(s, auditor, in_team_a.item_id,
                                     description="Record the pathway plan review", due_on=date(2026, 4, 30))
        with pytest.raises(InvalidInput):  # another team's manager is not responsible
            add_audit_action(s, auditor, in_team_a.item_id, description="x", due_on=date(2026, 4, 30),
                             owner_id=world.tm_b)
        complete_round(s, auditor, round_id)
    with database.reading() as s:
        tam = load_actor(s, world.tm)
        mine = round_report(s, tam, round_id, today=date(2026, 5, 1))
        assert {i.team_name for i in mine.items} == {"Assessment A"}  # only their team's
        action = next(a for i in mine.items for a in i.actions)
        assert action.owner_name == "Tam Manager" and action.overdue
        assert list_rounds(s, tam)[0].open_actions == 1
        assert list_rounds(s, load_actor(s, world.ash)) == []
    with database.transaction() as s:
        with pytest.raises(NotAllowed):
            set_audit_action_status(s, load_actor(s, world.ash), action_id, "done")
        set_audit_action_status(s, load_actor(s, world.tm), action_id, ActionStatus.DONE, "Reviewed")
    with database.reading() as s:
        report = round_report(s, load_actor(s, world.auditor), round_id)
        action = next(a for i in report.items for a in i.actions)
        assert action.status == ActionStatus.DONE and action.closed_on is not None
        assert report.state == "completed"


def test_grading_checks_its_answers(database, world):
    round_id = run_round(database, world, checklist=[ChecklistQuestion("q1", "Decisions clear"),
                                                    ChecklistQuestion("q2", "Actions owned")])
    with database.transaction() as s:
        auditor = load_actor(s, world.auditor)
        item = round_report(s, auditor, round_id).items[0]
        for bad in ({"q1": "good"}, {"q1": "good", "q2": "fine"}, {"q1": "good", "q2": "good", "q3": "good"}):
            with pytest.raises(InvalidInput):
                grade_item(s, auditor, item.item_id, grade="good", answers=bad, finding="Seen")
        with pytest.raises(InvalidInput):
            grade_item(s, auditor, item.item_id, grade="superb", answers={"q1": "good", "q2": "good"},
                       finding="Seen")
        with pytest.raises(InvalidInput):
            grade_item(s, auditor, item.item_id, grade="good",
                       answers={"q1": "good", "q2": NOT_APPLICABLE}, finding="   ")
        with pytest.raises(InvalidInput):
            complete_round(s, auditor, round_id)
        grade_item(s, auditor, item.item_id, grade="inadequate",
                   answers={"q1": "inadequate", "q2": NOT_APPLICABLE}, finding="No rationale recorded.")


def test_only_an_auditor_grades_and_never_a_draft(database, world):
    round_id = run_round(database, world)
    with database.transaction() as s:
        tam = load_actor(s, world.tm)
        item = s.scalars(select(AuditItem).where(AuditItem.round_id == round_id)).first()
        with pytest.raises(NotAllowed):
            grade_item(s, tam, item.id, grade="good", answers={}, finding="x")
        with pytest.raises(NotAllowed):
            create_round(s, tam, title="x", kind="children", size=2, seed=1)
    # a sampled record that went back to draft (withdrawn) cannot be graded
    with database.transaction() as s:
        s.execute(text("UPDATE audit_item SET record_id = :d WHERE id = :i"),
                  {"d": world.sessions["ash-jan-draft"], "i": item.id})
    with database.transaction() as s:
        auditor = load_actor(s, world.auditor)
        report = round_report(s, auditor, round_id)
        with pytest.raises(NotAllowed, match="Drafts"):
            grade_item(s, auditor, item.id, grade="good", answers=all_answers(report), finding="x")


def test_the_auditor_never_changes_an_audited_record(database, world):
    before = snapshot(database)
    round_id = run_round(database, world, size=8)
    children_round = run_round(database, world, kind="children", size=4)
    with database.transaction() as s:
        auditor = load_actor(s, world.auditor)
        for rid in (round_id, children_round):
            report = round_report(s, auditor, rid)
            for item in report.items:
                grade_item(s, auditor, item.item_id, grade="requires_improvement",
                           answers=all_answers(report, "requires_improvement"), finding="Thin analysis.")
                if item.team_name == "Assessment A":
                    add_audit_action(s, auditor, item.item_id, description="Discuss with worker",
                                     due_on=date(2026, 4, 1))
            complete_round(s, auditor, rid)
    from supervision_app.assurance.report_pdf import render_round_pdf
    with database.transaction() as s:
        render_round_pdf(round_report(s, load_actor(s, world.auditor), round_id))
    assert snapshot(database) == before

    # nor through the record services: every write is refused to an auditor
    with database.transaction() as s:
        auditor = load_actor(s, world.auditor)
        attempts = [
            lambda: records.update_session(s, auditor, world.sessions["bo-mar"], {"learning": "x"}),
            lambda: records.update_session(s, auditor, world.sessions["ash-dec"], {"learning": "x"}),
            lambda: records.update_case_discussion(s, auditor, world.discussions["ash-dec/c1"],
                                                   {"decision": "x"}),
            lambda: records.set_action_status(s, auditor, world.actions["a-open"], "done"),
            lambda: records.update_oversight_note(s, auditor, world.notes["n-c4-draft"], {"decision": "x"}),
            lambda: records.respond(s, auditor, world.sessions["bo-mar"], comments="x", agreement="agrees"),
        ]
        for attempt in attempts:
            with pytest.raises((NotAllowed, TypeError)) as refused:
                attempt()
            assert refused.type is NotAllowed, refused.value
    # and the database itself refuses to change a locked record, whoever asks
    with pytest.raises(RecordLocked):
        with database.transaction() as s:
            s.execute(text("UPDATE supervision_session SET learning = 'x' WHERE id = :i"),
                      {"i": world.sessions["ash-dec"]})
    # a completed round is frozen too
    with pytest.raises(RecordLocked):
        with database.transaction() as s:
            s.execute(text("UPDATE audit_item SET grade = 'outstanding' WHERE round_id = :r"),
                      {"r": round_id})
    assert snapshot(database) == before
