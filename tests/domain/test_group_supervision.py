"""Group supervision (issue 21): who sees and signs what, when it locks, and how it counts
toward each attendee's schedule."""
from datetime import date, datetime, timezone

from supervision_app.domain.canonical import digest
from supervision_app.domain.group_canonical import group_canonical
from supervision_app.domain.group_supervision import (
    Attendance,
    GroupActionTarget,
    GroupTarget,
    counts_toward_frequency,
    creation_refusal,
    decide_group,
    decide_group_action,
    last_held_for_schedule,
    state_after_signature,
    waiting_for,
)
from supervision_app.domain.permissions import Actor, Operation
from supervision_app.domain.vocabulary import RecordState, Role

manager = Actor("tm", Role.TEAM_MANAGER, frozenset({"team-a"}))
ali, bea, cal, dee = (Actor(p, Role.SOCIAL_WORKER) for p in ("ali", "bea", "cal", "dee"))
outsider = Actor("out", Role.SOCIAL_WORKER)
other_manager = Actor("tm2", Role.TEAM_MANAGER, frozenset({"team-b"}))
admin = Actor("it", Role.ADMINISTRATOR)
P, A = Attendance.PRESENT, Attendance.APOLOGIES


def group(state=RecordState.DRAFT, signed=frozenset()):
    return GroupTarget(supervisor_id="tm", team_id="team-a",
                       attendees={"ali": P, "bea": P, "cal": P, "dee": A},
                       state=state, signed=frozenset(signed))


def test_attendees_see_the_shared_part_once_the_supervisor_has_signed():
    draft, released = group(), group(RecordState.SUPERVISOR_SIGNED, {"tm"})
    assert decide_group(manager, Operation.VIEW, draft)
    assert not decide_group(ali, Operation.VIEW, draft)
    for person in (ali, bea, cal, dee):
        assert decide_group(person, Operation.VIEW, released)
    for stranger in (outsider, other_manager, admin):
        assert not decide_group(stranger, Operation.VIEW, released)


def test_each_attendee_sees_only_their_own_actions():
    released = group(RecordState.SUPERVISOR_SIGNED, {"tm"})
    alis = GroupActionTarget(owner_id="ali", group=released)
    assert decide_group_action(ali, Operation.VIEW, alis)
    assert decide_group_action(manager, Operation.VIEW, alis)
    for other in (bea, cal, dee, outsider):
        assert not decide_group_action(other, Operation.VIEW, alis)
    # not even their own before release
    assert not decide_group_action(ali, Operation.VIEW, GroupActionTarget("ali", group()))


def test_only_the_supervisor_edits_and_only_while_draft():
    assert decide_group(manager, Operation.EDIT, group())
    assert not decide_group(ali, Operation.EDIT, group())
    assert not decide_group(manager, Operation.EDIT, group(RecordState.SUPERVISOR_SIGNED, {"tm"}))
    assert not decide_group_action(manager, Operation.CREATE, GroupActionTarget("out", group()))
    assert decide_group_action(manager, Operation.CREATE, GroupActionTarget("bea", group()))


def test_signing_order_and_lock_when_every_present_attendee_has_signed():
    draft = group()
    assert not decide_group(ali, Operation.SIGN_AS_SUPERVISEE, draft)
    assert decide_group(manager, Operation.SIGN_AS_SUPERVISOR, draft)
    assert state_after_signature(draft, "tm") == RecordState.SUPERVISOR_SIGNED
    signed = {"tm"}
    t = group(RecordState.SUPERVISOR_SIGNED, signed)
    assert waiting_for(t) == {"ali", "bea", "cal"}
    assert not decide_group(dee, Operation.SIGN_AS_SUPERVISEE, t)  # apologies: no signature
    assert not decide_group(outsider, Operation.SIGN_AS_SUPERVISEE, t)
    for person, after in ((ali, RecordState.SUPERVISOR_SIGNED), (bea, RecordState.SUPERVISOR_SIGNED),
                          (cal, RecordState.LOCKED)):
        t = group(RecordState.SUPERVISOR_SIGNED, signed)
        assert decide_group(person, Operation.SIGN_AS_SUPERVISEE, t)
        assert state_after_signature(t, person.staff_id) == after
        signed = signed | {person.staff_id}
        assert not decide_group(person, Operation.SIGN_AS_SUPERVISEE,
                                group(RecordState.SUPERVISOR_SIGNED, signed))
    assert waiting_for(group(RecordState.LOCKED, signed)) == frozenset()


def test_supervisor_cannot_sign_with_nobody_present():
    empty = GroupTarget("tm", "team-a", {"ali": A})
    assert not decide_group(manager, Operation.SIGN_AS_SUPERVISOR, empty)


def test_only_a_manager_with_their_own_workers_creates_a_group():
    assert creation_refusal(manager, {"ali": "team-a", "bea": "team-a"}) is None
    assert creation_refusal(manager, {"ali": "team-a", "zed": "team-b"}) is not None
    assert creation_refusal(manager, {}) is not None
    assert creation_refusal(ali, {"bea": "team-a"}) is not None
    assert creation_refusal(manager, {"tm": "team-a"}) is not None


def test_schedule_counts_group_sessions_only_when_the_team_says_so():
    assert counts_toward_frequency(None) is False  # default: no
    assert counts_toward_frequency('{"standard_interval_days": 28}') is False
    assert counts_toward_frequency('{"group_counts_toward_frequency": true}') is True
    assert counts_toward_frequency("not json") is False
    individual, group_day = date(2026, 10, 1), date(2026, 11, 5)
    assert last_held_for_schedule(individual, [group_day], counts=False) == individual
    assert last_held_for_schedule(individual, [group_day], counts=True) == group_day
    assert last_held_for_schedule(None, [], counts=True) is None
    assert last_held_for_schedule(None, [group_day], counts=True) == group_day


def _rows():
    g = {"id": "g1", "supervisor_id": "tm", "team_id": "team-a",
         "held_at": datetime(2026, 11, 5, 10, tzinfo=timezone.utc), "duration_minutes": 90,
         "location": "Room 2", "themes": "Working with neglect", "learning": "",
         "next_session_on": None}
    discussions = [{"id": "d1", "child_id": "c1", "position": 0, "summary": "s", "decision": "d",
                    "rationale": "r"}]
    attendance = [{"attendee_id": p, "attendance": "present"} for p in ("cal", "ali", "bea")]
    actions = [{"id": f"a-{p}", "discussion_id": "d1", "owner_id": p, "description": f"do {p}",
                "due_on": date(2026, 12, 1)} for p in ("ali", "bea", "cal")]
    return g, discussions, attendance, actions


def test_each_signer_signs_exactly_what_they_see():
    g, discussions, attendance, actions = _rows()
    alis = group_canonical(g, discussions, attendance, actions, viewer_id="ali")
    assert [a["owner_id"] for a in alis["actions"]] == ["ali"]
    assert len(group_canonical(g, discussions, attendance, actions, viewer_id="tm")["actions"]) == 3
    # ali's form is the same whether or not her laptop holds the others' actions
    assert alis == group_canonical(g, discussions, attendance, actions[:1], viewer_id="ali")
    # another attendee's action changing does not touch ali's digest; her own does
    before = digest("group_attendance", alis)
    changed = [dict(a, description="changed") if a["owner_id"] == "bea" else a for a in actions]
    assert digest("group_attendance", group_canonical(g, discussions, attendance, changed,
                                                      viewer_id="ali")) == before
    mine = [dict(a, description="changed") if a["owner_id"] == "ali" else a for a in actions]
    assert digest("group_attendance", group_canonical(g, discussions, attendance, mine,
                                                      viewer_id="ali")) != before
    # order of rows does not matter; the shared part does
    assert group_canonical(g, discussions, list(reversed(attendance)), list(reversed(actions)),
                           viewer_id="ali") == alis
    assert group_canonical(dict(g, themes="other"), discussions, attendance, actions,
                           viewer_id="ali") != alis
