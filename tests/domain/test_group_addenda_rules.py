"""Addenda to a locked group session (issue 21), as plain rules: its supervisor or anyone
present adds one, only once everyone present has signed; someone who sent apologies (who
signed nothing), a manager above and anyone else do not. Everyone who sees the shared part
sees a signed addendum; its author alone edits and signs it. It names the digest of the
session as its author signed it: an attendee's form, whatever other actions are passed in."""
from supervision_app.domain.canonical import digest
from supervision_app.domain.group_canonical import author_signed_digest, group_canonical
from supervision_app.domain.group_supervision import ATTENDANCE_KIND, GROUP_KIND, Attendance, GroupTarget, decide_group
from supervision_app.domain.permissions import Actor, AddendumTarget, Operation, decide
from supervision_app.domain.vocabulary import RecordState, Role

manager = Actor("tm", Role.TEAM_MANAGER, frozenset({"team-a"}))
service_manager = Actor("sm", Role.SERVICE_MANAGER, frozenset({"team-a"}))
ali, bea, dee = (Actor(p, Role.SOCIAL_WORKER) for p in ("ali", "bea", "dee"))
outsider = Actor("out", Role.SOCIAL_WORKER)
other_manager = Actor("tm2", Role.TEAM_MANAGER, frozenset({"team-b"}))
auditor = Actor("qa", Role.QA_AUDITOR)
admin = Actor("it", Role.ADMINISTRATOR)
P, A = Attendance.PRESENT, Attendance.APOLOGIES


def group(state=RecordState.LOCKED, signed=frozenset({"tm", "ali", "bea"})):
    return GroupTarget(supervisor_id="tm", team_id="team-a", attendees={"ali": P, "bea": P, "dee": A},
                       state=state, signed=frozenset(signed))


def test_the_supervisor_and_those_present_add_one_once_it_is_locked():
    locked = group()
    for who in (manager, ali, bea):
        assert decide_group(who, Operation.ADD_ADDENDUM, locked), who
    for who in (dee, service_manager, other_manager, outsider, auditor, admin):
        assert not decide_group(who, Operation.ADD_ADDENDUM, locked), who
    for state, signed in ((RecordState.DRAFT, ()), (RecordState.SUPERVISOR_SIGNED, {"tm", "ali"})):
        for who in (manager, ali, bea):
            refusal = decide_group(who, Operation.ADD_ADDENDUM, group(state, signed))
            assert not refusal and "locked" in refusal.reason, who


def test_everyone_who_sees_the_shared_part_sees_a_signed_addendum():
    signed_one = AddendumTarget("ali", group(), RecordState.LOCKED)
    for who in (manager, ali, bea, dee, service_manager, auditor):
        assert decide(who, Operation.VIEW, signed_one), who
    for who in (outsider, other_manager, admin):
        assert not decide(who, Operation.VIEW, signed_one), who


def test_only_its_author_edits_and_signs_it_and_then_it_is_locked():
    draft = AddendumTarget("ali", group())
    assert decide(ali, Operation.EDIT, draft) and decide(ali, Operation.SIGN_AS_AUTHOR, draft)
    for who in (manager, bea):
        assert not decide(who, Operation.EDIT, draft) and not decide(who, Operation.SIGN_AS_AUTHOR, draft)
    signed = AddendumTarget("ali", group(), RecordState.LOCKED)
    assert not decide(ali, Operation.EDIT, signed) and not decide(ali, Operation.SIGN_AS_AUTHOR, signed)


ROW = {"id": "g1", "supervisor_id": "tm", "team_id": "team-a", "held_at": "2026-11-05T10:00:00",
       "duration_minutes": 90, "location": "Room 2", "themes": "Neglect", "learning": "",
       "next_session_on": None}
ATTENDANCE = [{"attendee_id": "ali", "attendance": "present"}, {"attendee_id": "bea", "attendance": "present"}]
ACTIONS = [{"id": "a1", "discussion_id": None, "owner_id": "ali", "description": "Read", "due_on": None},
           {"id": "a2", "discussion_id": None, "owner_id": "bea", "description": "Visit", "due_on": None}]


def test_it_names_the_digest_of_the_form_its_author_signed():
    as_ali = author_signed_digest(ROW, [], ATTENDANCE, ACTIONS, author_id="ali")
    assert as_ali == digest(ATTENDANCE_KIND, group_canonical(ROW, [], ATTENDANCE, ACTIONS, viewer_id="ali"))
    # Ali's laptop holds only Ali's action: the same digest as the server's, which holds all
    assert as_ali == author_signed_digest(ROW, [], ATTENDANCE, ACTIONS[:1], author_id="ali")
    as_supervisor = author_signed_digest(ROW, [], ATTENDANCE, ACTIONS, author_id="tm")
    assert as_supervisor == digest(GROUP_KIND, group_canonical(ROW, [], ATTENDANCE, ACTIONS, viewer_id="tm"))
    assert len({as_ali, as_supervisor, author_signed_digest(ROW, [], ATTENDANCE, ACTIONS, author_id="bea")}) == 3
