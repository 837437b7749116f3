from datetime import date

import pytest
from hypothesis import given, strategies as st

from supervision_app.domain.lifecycle import (
    ActionCheck,
    DiscussionCheck,
    Event,
    IllegalTransition,
    Problem,
    RecordKind,
    allowed_events,
    next_state,
    problems_before_sharing,
)
from supervision_app.domain.vocabulary import RecordState as S


def test_the_happy_path_of_a_supervision_record():
    state = S.DRAFT
    for event, expected in [
        (Event.EDIT, S.DRAFT),
        (Event.SHARE, S.SHARED),
        (Event.RESPOND, S.SHARED),
        (Event.SIGN_AS_SUPERVISOR, S.SUPERVISOR_SIGNED),
        (Event.SIGN_AS_SUPERVISEE, S.LOCKED),
    ]:
        state = next_state(RecordKind.SUPERVISION, state, event)
        assert state == expected


def test_a_shared_record_can_be_withdrawn_to_draft_for_correction():
    assert next_state(RecordKind.SUPERVISION, S.SHARED, Event.WITHDRAW) == S.DRAFT


def test_supervisee_cannot_sign_before_the_supervisor():
    with pytest.raises(IllegalTransition) as refused:
        next_state(RecordKind.SUPERVISION, S.SHARED, Event.SIGN_AS_SUPERVISEE)
    assert "shared" in refused.value.reason


def test_locked_record_refuses_every_event_and_points_to_addenda():
    assert allowed_events(RecordKind.SUPERVISION, S.LOCKED) == frozenset()
    with pytest.raises(IllegalTransition) as refused:
        next_state(RecordKind.SUPERVISION, S.LOCKED, Event.EDIT)
    assert "addendum" in refused.value.reason


def test_sharing_is_refused_while_problems_remain_and_says_which():
    problems = [Problem("case_discussion:1", "The case discussion for CS-1 has no rationale.")]
    with pytest.raises(IllegalTransition) as refused:
        next_state(RecordKind.SUPERVISION, S.DRAFT, Event.SHARE, problems=problems)
    assert "CS-1" in refused.value.reason


def test_oversight_notes_and_addenda_lock_when_their_author_signs():
    for kind in (RecordKind.OVERSIGHT_NOTE, RecordKind.ADDENDUM):
        assert next_state(kind, S.DRAFT, Event.SIGN_AS_AUTHOR) == S.LOCKED
        with pytest.raises(IllegalTransition):
            next_state(kind, S.DRAFT, Event.SHARE)


def test_problems_before_sharing_names_each_gap():
    problems = problems_before_sharing(
        [
            DiscussionCheck("d1", "CS-000001 A. Child", "Stay on CP plan", "   "),
            DiscussionCheck("d2", "CS-000002 B. Child", "", ""),
            DiscussionCheck("d3", "CS-000003 C. Child", "Close", "Goals met"),
        ],
        [
            ActionCheck("a1", "Visit", None, date(2026, 12, 1)),
            ActionCheck("a2", "Call school", "w1", None),
            ActionCheck("a3", "Fine", "w1", date(2026, 12, 1)),
        ],
    )
    wheres = [p.where for p in problems]
    assert wheres == ["case_discussion:d1", "case_discussion:d2", "action:a1", "action:a2"]
    assert "no rationale" in problems[0].message
    assert "no decision and no rationale" in problems[1].message
    assert "no owner" in problems[2].message and "no due date" in problems[3].message


kinds = st.sampled_from(list(RecordKind))
events = st.lists(st.sampled_from(list(Event)), max_size=12)


@given(kind=kinds, sequence=events)
def test_random_event_sequences_never_leave_the_locked_state_or_skip_a_signature(kind, sequence):
    state = S.DRAFT
    signed_by_supervisor = False
    for event in sequence:
        try:
            new = next_state(kind, state, event)
        except IllegalTransition as refused:
            assert refused.reason  # every refusal explains itself
            continue
        assert state != S.LOCKED, "nothing leaves the locked state"
        if event == Event.SIGN_AS_SUPERVISOR:
            signed_by_supervisor = True
        if event == Event.WITHDRAW:
            signed_by_supervisor = False
        if new == S.LOCKED and kind == RecordKind.SUPERVISION:
            assert signed_by_supervisor, "a supervision record locks only after both signatures"
        state = new


@given(kind=kinds, state=st.sampled_from(list(S)), event=st.sampled_from(list(Event)))
def test_allowed_events_agree_with_next_state(kind, state, event):
    allowed = event in allowed_events(kind, state)
    try:
        next_state(kind, state, event)
        moved = True
    except IllegalTransition:
        moved = False
    assert moved == allowed
