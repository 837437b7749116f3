"""``authz.same_audience``: whether a change of a part's facts (its record moved on) changes
who may hold it, decided with the pull's own ``decide`` over the people the facts name,
as the directory has them, and every other kind of reader. Pure: no server."""
from __future__ import annotations

from supervision_app.domain.permissions import Actor
from supervision_app.domain.vocabulary import Role
from supervision_app.sync.server.authz import same_audience

TM, TM_B, SW, OTHER = "tm-a", "tm-b", "sw-1", "sw-2"


def session(state: str, team: str | None = "A", **extra) -> dict:
    return {"k": "sup", "_table": "supervision_session", "supervisor": TM, "supervisee": SW,
            "team": team, "state": state, "responded": False, "shared_on": None, **extra}


def part(state: str, team: str | None = "A", **extra) -> dict:
    return {"k": "part", "_table": "case_discussion", "parent": session(state, team, **extra)}


def action(state: str, owner: str = SW) -> dict:
    return {"k": "act", "_table": "action_item", "owner": owner, "parent": session(state)}


def directory(tm_manages: frozenset[str] = frozenset({"A"})):
    people = {TM: Actor(TM, Role.TEAM_MANAGER, tm_manages), TM_B: Actor(TM_B, Role.TEAM_MANAGER, frozenset({"B"})),
              SW: Actor(SW, Role.SOCIAL_WORKER), OTHER: Actor(OTHER, Role.SOCIAL_WORKER)}
    return people.get


def test_signatures_on_a_record_its_supervisor_still_manages_change_no_reader():
    actor_of = directory()
    assert same_audience(part("shared"), part("supervisor_signed"), actor_of)
    assert same_audience(part("supervisor_signed"), part("locked"), actor_of)
    assert same_audience(action("shared"), action("supervisor_signed"), actor_of)
    assert same_audience(action("shared", owner=OTHER), action("locked", owner=OTHER), actor_of)
    # the supervisee's response changes what the signature waits on, not who reads
    assert same_audience(part("shared"), part("shared", responded=True, shared_on="2026-12-01"), actor_of)


def test_sharing_and_withdrawing_change_the_readers():
    actor_of = directory()
    assert not same_audience(part("draft"), part("shared"), actor_of)
    assert not same_audience(part("shared"), part("draft"), actor_of)
    # an action's owner sees it once the record is released
    assert not same_audience(action("draft", owner=OTHER), action("shared", owner=OTHER), actor_of)


def test_the_supervisor_s_hold_ends_with_their_signature_once_the_worker_has_moved():
    moved = directory(tm_manages=frozenset({"C"}))  # tm-a manages another team now
    assert not same_audience(part("shared"), part("supervisor_signed"), moved)
    assert not same_audience(session("shared"), session("supervisor_signed"), moved)


def test_a_named_person_the_directory_does_not_hold_is_probed_as_anyone():
    # nobody knows whether tm-a still manages team A: re-stamp
    def unknown_tm(staff_id: str):
        return None if staff_id == TM else directory()(staff_id)
    assert not same_audience(part("shared"), part("supervisor_signed"), unknown_tm)


def test_a_new_team_changes_the_readers():
    actor_of = directory()
    assert not same_audience(part("shared", team="A"), part("shared", team="B"), actor_of)
    assert not same_audience(part("shared", team="A"), part("shared", team=None), actor_of)


def test_facts_of_a_kind_it_does_not_know_are_re_stamped():
    group = {"k": "gpart", "_table": "group_case_discussion", "parent": {"k": "grp", "state": "shared"}}
    assert not same_audience(group, group | {"x": 1}, directory())
    assert same_audience(part("shared"), part("shared"), directory())
