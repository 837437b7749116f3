"""Issues 16 and 18: the canonical form's versions (``domain.record_canonical``).

v1 is what every signature before v2 was made over, kept byte for byte (the digests below
were computed by the builders as they were before v2 existed); v2 reads only the record's
own rows and fields that never change under a signature."""
from __future__ import annotations

import inspect
from datetime import date, datetime, timezone

from supervision_app.domain import record_canonical as rc
from supervision_app.domain.canonical import canonical_bytes, digest
from supervision_app.domain.lifecycle import RecordKind

T = datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc)
SESSION = {"id": "s-1", "supervisee_id": "w-1", "supervisor_id": "m-1", "team_id": "t-1", "held_at": T,
           "duration_minutes": 60, "session_type": "planned_1to1", "location": "Room 4",
           "agreement_in_place": True, "wellbeing": "private", "caseload_count": 14,
           "caseload_complexity": "high", "capacity": "at_capacity", "workload_notes": "busy",
           "learning": "reflective log", "asye_progress": "", "next_session_on": date(2026, 11, 30),
           "supervisee_comments": "fair", "supervisee_agreement": "agrees", "disagreement": "",
           "tombstone": False}
CHILD = {"id": "c-1", "case_id": "CASE-A", "tombstone": False}
DISC = {"id": "d-1", "session_id": "s-1", "child_id": "c-1", "position": 0, "current_position": "stable",
        "worries": "school attendance", "working_well": "grandmother", "needs_to_happen": "visit",
        "safety_scale": 6, "decision": "keep the plan", "rationale": "attendance is rising", "tombstone": False}
ACTION = {"id": "a-2", "session_id": "s-1", "case_discussion_id": "d-1", "child_id": "c-1",
          "description": "visit the school", "owner_id": "w-1", "due_on": date(2026, 12, 1), "status": "open",
          "tombstone": False}
EARLIER = {"id": "a-1", "session_id": "s-0", "case_discussion_id": None, "child_id": None,
           "description": "book training", "owner_id": "w-1", "due_on": date(2026, 10, 20), "status": "open",
           "tombstone": False}
LATER = {**EARLIER, "id": "a-0", "due_on": date(2027, 1, 5)}  # reviewed too; its id sorts first
REVIEW = {"id": "r-1", "session_id": "s-1", "action_id": "a-1", "status": "done", "note": "booked",
          "tombstone": False}
REVIEW_LATER = {**REVIEW, "id": "r-2", "action_id": "a-0", "status": "open", "note": "next month"}
NOTE = {"id": "n-1", "child_id": "c-1", "author_id": "m-1", "recorded_at": T, "trigger": "plan_review",
        "decision": "step down", "rationale": "progress made", "next_review_on": date(2027, 1, 4),
        "tombstone": False}
NOTE_ACTION = {"id": "a-3", "description": "tell the family", "owner_id": "w-1", "due_on": date(2026, 12, 1),
               "tombstone": False}
ADDENDUM = {"id": "x-1", "record_kind": "supervision", "record_id": "s-1", "author_id": "m-1",
            "created_at": T, "body": "a later thought"}

# computed by record_canonical before v2 (commit 623e8da), from the rows above
V1_SUPERVISION = "824369f13141ad327fbdf13e1e80ffc1f53f8568ef2c455e1a0ef4cd1ad0af58"
V1_OVERSIGHT = "fea6689f38b991e73557d10643682691c25da923d7ffba183e101598a125bdc8"
V1_ADDENDUM = "c8be2d74498fcd8dd6a9efacfb99d7413f028acf5625d282ede48e1e910bfa8a"


def _v1_session(child=CHILD):
    return rc.supervision_canonical_v1(SESSION, [(DISC, child)], [ACTION], [(REVIEW, EARLIER)])


def _v2_session(**session_fields):
    return rc.supervision_canonical_v2(SESSION | session_fields, [DISC], [ACTION], [REVIEW, REVIEW_LATER])


def test_v1_is_byte_for_byte_the_form_signatures_before_v2_were_made_over():
    assert digest(RecordKind.SUPERVISION, _v1_session()) == V1_SUPERVISION
    assert digest(RecordKind.OVERSIGHT_NOTE, rc.oversight_canonical_v1(NOTE, CHILD, [NOTE_ACTION])) == V1_OVERSIGHT
    assert digest(RecordKind.ADDENDUM, rc.addendum_canonical(ADDENDUM, V1_SUPERVISION, rc.V1)) == V1_ADDENDUM


def test_v1_reads_the_child_s_case_reference_which_is_why_v2_exists():
    assert digest(RecordKind.SUPERVISION, _v1_session(CHILD | {"case_id": "CASE-A-CORRECTED"})) != V1_SUPERVISION


def test_v2_names_the_child_by_its_id_and_reads_no_row_but_the_record_s_own():
    form = _v2_session()
    content = canonical_bytes(RecordKind.SUPERVISION, form)
    assert form[rc.VERSION_FIELD] == rc.V2 and rc.CURRENT_VERSION == rc.V2
    assert b"CASE-A" not in content and b"child_case_id" not in content
    assert form["case_discussions"][0]["child_id"] == "c-1"
    # the builders take only the record's rows: no child, no reviewed action from another session
    assert list(inspect.signature(rc.supervision_canonical_v2).parameters) == [
        "session", "discussions", "actions", "reviews"]
    assert list(inspect.signature(rc.oversight_canonical_v2).parameters) == ["note", "actions"]
    # reviews in a fixed order of their own (the reviewed action's id), whatever order they come in
    assert [r["action_id"] for r in form["action_reviews"]] == ["a-0", "a-1"]
    reversed_input = rc.supervision_canonical_v2(SESSION, [DISC], [ACTION], [REVIEW_LATER, REVIEW])
    assert digest(RecordKind.SUPERVISION, reversed_input) == digest(RecordKind.SUPERVISION, form)
    note = rc.oversight_canonical_v2(NOTE, [NOTE_ACTION])
    assert note["child_id"] == "c-1" and b"CASE-A" not in canonical_bytes(RecordKind.OVERSIGHT_NOTE, note)


def test_v2_still_signs_everything_the_record_says():
    before = digest(RecordKind.SUPERVISION, _v2_session())
    assert digest(RecordKind.SUPERVISION, _v2_session(learning="changed")) != before
    for changed in ({**DISC, "decision": "close"}, {**DISC, "child_id": "c-2"}):
        assert digest(RecordKind.SUPERVISION, rc.supervision_canonical_v2(
            SESSION, [changed], [ACTION], [REVIEW, REVIEW_LATER])) != before
    assert digest(RecordKind.SUPERVISION, rc.supervision_canonical_v2(
        SESSION, [DISC], [ACTION], [REVIEW | {"status": "open"}, REVIEW_LATER])) != before
    assert digest(RecordKind.SUPERVISION, rc.supervision_canonical_v2(
        SESSION, [DISC], [ACTION], [REVIEW])) != before  # a review left out is a different record
    # an action's status moves on after signing: not signed, in either version
    assert digest(RecordKind.SUPERVISION, rc.supervision_canonical_v2(
        SESSION, [DISC], [ACTION | {"status": "done"}], [REVIEW, REVIEW_LATER])) == before


def test_the_versions_never_share_bytes_and_are_tried_newest_first():
    v1 = _v1_session()
    v2 = rc.supervision_canonical_v2(SESSION, [DISC], [ACTION], [REVIEW])
    assert digest(RecordKind.SUPERVISION, v1) != digest(RecordKind.SUPERVISION, v2)
    assert rc.versions_for(RecordKind.SUPERVISION) == rc.versions_for(RecordKind.OVERSIGHT_NOTE) == (2, 1)
    assert rc.versions_for(RecordKind.ADDENDUM) == (2, 1)
    assert rc.versions_for(RecordKind.AGREEMENT) == (1,)  # reads no other row: one form
    # an addendum in v2 says so, and names whichever parent digest it is given
    v2_addendum = rc.addendum_canonical(ADDENDUM, V1_SUPERVISION)
    assert v2_addendum[rc.VERSION_FIELD] == 2 and v2_addendum["parent_digest"] == V1_SUPERVISION
    assert digest(RecordKind.ADDENDUM, v2_addendum) != V1_ADDENDUM
