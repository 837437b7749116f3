"""Authorization on the server: the facts each stored row carries, and the questions
asked of ``domain.permissions`` about them.

A row's *facts* are the small JSON description ``domain.permissions`` needs to decide
about it (who supervises, who is supervised, which team, what state, whether the
supervisee has responded and the day the record was shared; for a part of a record, its
parent's facts). They are computed when the row is stored, from the row and
the server's directory, and kept beside it, so a pull can decide about thousands of rows
without joining anything. Every decision goes to the ``supervision_app.sync.authz``
logger: who, what operation, which row, allowed or not and why; never contents.
"""
from __future__ import annotations

import json
import logging
from datetime import date
from itertools import chain, combinations
from typing import Any, Callable, Iterable, Iterator

from ...domain.permissions import (
    ActionItemTarget,
    Actor,
    AddendumTarget,
    AgreementTarget,
    CancellationTarget,
    CaseDiscussionTarget,
    ChildTarget,
    Decision,
    DirectoryTarget,
    FeedbackTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    TeamTarget,
    decide,
    sees_only_as_child_entry,
)
from ...domain.time_rules import london_date, utc_now
from ...domain.vocabulary import RecordState, Role
from . import group_sync

authz_log = logging.getLogger("supervision_app.sync.authz")
GROUP_FACTS = frozenset({"grp", "gpart", "gact"})  # group supervision (``group_sync``)

Facts = dict[str, Any]


def server_today() -> date:
    """Today in London by the server's own clock: the supervisor's signature waits on it."""
    return london_date(utc_now())


def target_of(facts: Facts):
    kind = facts["k"]
    if kind == "sup":
        state = RecordState(facts["state"])
        if state != RecordState.SHARED:
            return SupervisionTarget(
                supervisee_id=facts["supervisee"], supervisor_id=facts["supervisor"],
                supervisee_team_id=facts["team"], state=state,
            )
        # what the supervisor's signature waits on, with the server's today
        # (``row_facts._response_facts``)
        shared_on = facts.get("shared_on")
        return SupervisionTarget(
            supervisee_id=facts["supervisee"], supervisor_id=facts["supervisor"],
            supervisee_team_id=facts["team"], state=state,
            supervisee_responded=bool(facts.get("responded")),
            shared_on=date.fromisoformat(shared_on) if shared_on else None,
            today=server_today(),
        )
    if kind == "child":
        return ChildTarget(child_id=facts["id"], allocated_worker_id=facts["worker"],
                           team_id=facts["team"])
    if kind == "ovs":
        return OversightTarget(author_id=facts["author"], child=target_of(facts["child"]),
                               state=RecordState(facts["state"]))
    if kind == "cd":  # a case discussion: part of its record, and follows its child
        child = facts.get("child")
        return CaseDiscussionTarget(session=target_of(facts["parent"]),
                                    child=target_of(child) if child else None)
    if kind == "add":
        return AddendumTarget(author_id=facts["author"], parent=target_of(facts["parent"]),
                              state=RecordState(facts["state"]))
    if kind == "act":
        return ActionItemTarget(owner_id=facts["owner"], parent=target_of(facts["parent"]))
    if kind in ("part", "of"):
        return target_of(facts["parent"])
    if kind == "dir":
        return DirectoryTarget()
    if kind == "cxl":
        return CancellationTarget(supervisee_id=facts["supervisee"], supervisor_id=facts["supervisor"],
                                  supervisee_team_id=facts["team"])
    if kind == "agr":
        return AgreementTarget(supervisee_id=facts["supervisee"], supervisor_id=facts["supervisor"],
                               supervisee_team_id=facts["team"], state=RecordState(facts["state"]))
    if kind == "ftot":
        return TeamTarget(facts["team"])
    if kind in GROUP_FACTS:
        return group_sync.target_of(facts)
    if kind == "fbk":
        return FeedbackTarget(supervisee_id=facts["supervisee"], session=target_of(facts["parent"]))
    raise ValueError(f"unknown facts kind {kind!r}")


DIRECTORY_VISIBLE = Decision(True, "directory entries are visible to all staff")


def may_view(actor: Actor, facts: Facts) -> Decision:
    """May ``actor`` hold this row? Directory rows (staff, teams, service areas: names and
    roles, no case content) are reference data every signed-in member of staff holds."""
    if facts["k"] == "dir":
        return DIRECTORY_VISIBLE
    return decide(actor, Operation.VIEW, target_of(facts))


def may_view_private(actor: Actor, facts: Facts) -> bool:
    return facts["k"] == "sup" and decide(actor, Operation.VIEW_PRIVATE, target_of(facts)).allowed


# Facts kinds whose VIEW decisions ``same_audience`` has been checked against: each reads
# the actor only through its role, its own id compared with the people the facts name, and
# whether the teams / people the facts name are among those it manages / line-manages.
_PROBED_KINDS = frozenset({"sup", "part", "cd", "of", "act", "add", "fbk", "ovs", "child", "agr",
                           "cxl"})
_PEOPLE_KEYS = ("supervisor", "supervisee", "owner", "author", "worker")
_MAX_PEOPLE = 5  # 2**people line-management sets per probe; more re-stamps, never guesses
_STRANGER = "\x00nobody"  # an id no member of staff has


def _named(facts: Facts, people: set[str], teams: set[str]) -> bool:
    """Collect the people and teams the facts name, at every level; False if a level is of
    a kind ``same_audience`` does not know."""
    if facts.get("k") not in _PROBED_KINDS:
        return False
    people.update(facts[key] for key in _PEOPLE_KEYS if isinstance(facts.get(key), str))
    if isinstance(facts.get("team"), str):
        teams.add(facts["team"])
    return all(_named(facts[key], people, teams) for key in ("parent", "child")
               if isinstance(facts.get(key), dict))


def _subsets(items: Iterable[str]) -> list[frozenset[str]]:
    items = sorted(items)
    return [frozenset(c) for c in chain.from_iterable(combinations(items, n) for n in range(len(items) + 1))]


def same_audience(old: Facts, new: Facts, actor_of: Callable[[str], Actor | None]) -> bool:
    """Whether every member of staff, as the directory has them now, decides alike about a
    row under ``old`` and ``new`` facts: may hold it (``may_view``), may read its private
    section (``may_view_private``), and the pull finds it under the same ``scope_keys``.
    Then a change from ``old`` to ``new`` (a record's parts when the record moves on) need
    not be sent to any laptop again (``restamp.restamp_dependents``); whoever's
    access changes later is resynced by ``actors.access_fingerprint``.

    Decided with the pull's own ``decide``: the people the facts name (``actor_of``: their
    actor as the pull loads it) and everyone else. ``decide`` reads anyone else only
    through their role, and which of the facts' teams they manage and of the facts' people
    they line-manage, so one probe per role x (each set of the named teams) x (each set of
    the named people) covers every other member of staff, whatever the directory holds.
    A named person with no active account is probed as anyone with their id. Facts of a
    kind not checked against that (group supervision, directory, retention, team totals)
    or naming many people answer False: re-stamp when in doubt."""
    if old == new:
        return True
    people: set[str] = set()
    teams: set[str] = set()
    if not (_named(old, people, teams) and _named(new, people, teams)) or len(people) > _MAX_PEOPLE:
        return False
    if scope_keys(old) != scope_keys(new):
        return False
    if chronology_header(old) != chronology_header(new):
        return False  # what a reader holding only the discussion is sent of its record
    if (old["k"] == "sup") != (new["k"] == "sup"):
        return False
    private = old["k"] == "sup"  # as ``may_view_private``: only a session has a private section
    old_target, new_target = target_of(old), target_of(new)
    for actor in _probes(people, teams, actor_of):
        if (decide(actor, Operation.VIEW, old_target).allowed
                != decide(actor, Operation.VIEW, new_target).allowed):
            return False
        if private and (decide(actor, Operation.VIEW_PRIVATE, old_target).allowed
                        != decide(actor, Operation.VIEW_PRIVATE, new_target).allowed):
            return False
    return True


def _probes(people: set[str], teams: set[str], actor_of: Callable[[str], Actor | None]) -> Iterator[Actor]:
    """The named people as they are, and every kind of anyone else (see ``same_audience``)."""
    managed_sets, line_sets = _subsets(teams), _subsets(people)
    unknown = [_STRANGER]
    for person in sorted(people):
        actor = actor_of(person)
        if actor is None:
            unknown.append(person)
        else:
            yield actor
    for staff_id in unknown:
        for role in Role:
            for managed in managed_sets:
                for line_reports in line_sets:
                    yield Actor(staff_id, role, managed, line_reports - {staff_id})


def scope_keys(facts: Facts) -> set[str]:
    """Index keys under which a pull finds this row: its team and its people. A session's
    team is the supervisee's current one; the keys of its earlier facts are kept too
    (``WriteTx._set_scope``), so a manager who lost it is sent its removal."""
    kind = facts["k"]
    if kind == "dir":
        return {"dir"}
    keys: set[str] = set()
    if kind in GROUP_FACTS:  # the group's supervisor, attendees and team
        return group_sync.scope_keys(facts)
    if kind == "fbk":  # never a candidate for anyone but the supervisee
        return {f"p:{facts['supervisee']}"}
    if kind == "ftot":
        return {f"t:{facts['team']}"}
    if kind in ("sup", "cxl", "agr"):
        keys |= {f"p:{facts['supervisor']}", f"p:{facts['supervisee']}"}
        if facts["team"]:
            keys.add(f"t:{facts['team']}")
    elif kind == "child":
        if facts["worker"]:
            keys.add(f"p:{facts['worker']}")
        if facts["team"]:
            keys.add(f"t:{facts['team']}")
    elif kind == "ovs":
        keys.add(f"p:{facts['author']}")
        keys |= scope_keys(facts["child"])
    elif kind == "cd":
        keys |= scope_keys(facts["parent"])
        child = facts.get("child")
        if child:
            keys.add(child_link_key(child["id"]))
            if facts["parent"]["state"] != RecordState.DRAFT.value:  # released: follows the child
                keys |= scope_keys(child)
    elif kind == "add":
        keys.add(f"p:{facts['author']}")
        keys |= scope_keys(facts["parent"])
    elif kind == "act":
        if facts["owner"]:
            keys.add(f"p:{facts['owner']}")
        keys |= scope_keys(facts["parent"])
    else:
        keys |= scope_keys(facts["parent"])
    return keys


def child_link_key(child_id: str) -> str:
    """The key every case discussion about a child is kept under: no reader pulls by it;
    it finds the discussions to re-stamp when the child's facts change (a reallocation, or
    the worker's move), since a discussion's ``parent_id`` is its record
    (``row_facts.linked_dependents``)."""
    return f"c:{child_id}"


# What a reader who holds a case discussion only through its child (``permissions.
# sees_only_as_child_entry``) is sent of the record it comes from, in the discussion's own
# row: the few facts the child's chronology shows, never the record's content. Filled in by
# the server from its own facts as the row leaves it; empty for everyone else.
CHRONOLOGY_HEADER_FIELDS = ("session_held_at", "session_supervisor_id", "session_supervisee_id",
                            "session_state")


def chronology_header(facts: Facts) -> dict[str, Any] | None:
    """The header a released case discussion carries to the child's readers, from its
    stored facts; None for any other row or a draft."""
    if facts.get("k") != "cd":
        return None
    record = facts["parent"]
    if record["state"] == RecordState.DRAFT.value:
        return None
    return {"session_held_at": record.get("held"), "session_supervisor_id": record["supervisor"],
            "session_supervisee_id": record["supervisee"], "session_state": record["state"]}


def header_for(actor: Actor, facts: Facts) -> dict[str, Any] | None:
    """The chronology header of a case discussion as ``actor`` is sent it: only when they
    may hold the discussion without its record."""
    header = chronology_header(facts)
    if header is None:
        return None
    target = target_of(facts)
    if not (isinstance(target, CaseDiscussionTarget) and sees_only_as_child_entry(actor, target)):
        return None
    return header


def with_header(data_text: str, header: dict[str, Any] | None) -> str:
    """A case discussion's stored JSON with its chronology header as this reader is sent
    it: the server's facts, or empty; whatever a laptop pushed in those fields never
    leaves the server."""
    data = json.loads(data_text)
    for name in CHRONOLOGY_HEADER_FIELDS:
        data[name] = header.get(name) if header else None
    return json.dumps(data, separators=(",", ":"))


def actor_scope_keys(actor: Actor) -> list[str] | None:
    """Keys narrowing this actor's pull; ``None`` means every row is a candidate
    (heads of service and auditors, for whom ``decide`` does all the filtering)."""
    if actor.role in (Role.HEAD_OF_SERVICE, Role.QA_AUDITOR):
        return None
    keys = ["dir", f"p:{actor.staff_id}"]
    if actor.role in (Role.TEAM_MANAGER, Role.SERVICE_MANAGER):
        keys += [f"t:{team}" for team in sorted(actor.managed_team_ids)]
    # people with no team they line-manage: their records carry no team key
    keys += [f"p:{person}" for person in sorted(actor.line_report_ids)]
    return keys


def log_decision(actor: Actor, operation: str, table: str, row_id: str, decision: Decision) -> None:
    authz_log.info(
        "actor=%s role=%s op=%s table=%s id=%s allowed=%s reason=%s",
        actor.staff_id, actor.role.value, operation, table, row_id,
        "yes" if decision.allowed else "no", decision.reason,
    )


def log_pull_page(actor: Actor, candidates: int, sent: int, removed: int, refused: list[str]) -> None:
    """One line per pull page: every candidate row was decided; refusals are listed by id."""
    authz_log.info(
        "actor=%s role=%s op=pull candidates=%d allowed=%d removal_notices=%d refused=%d%s",
        actor.staff_id, actor.role.value, candidates, sent, removed, len(refused),
        (" refused_ids=" + ",".join(refused)) if refused else "",
    )
