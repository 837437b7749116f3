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

import logging
from datetime import date
from typing import Any

from ...domain.permissions import (
    ActionItemTarget,
    Actor,
    AddendumTarget,
    AgreementTarget,
    CancellationTarget,
    ChildTarget,
    Decision,
    DirectoryTarget,
    FeedbackTarget,
    Operation,
    OversightTarget,
    SupervisionTarget,
    TeamTarget,
    decide,
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
        # (``storage._response_facts``)
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
