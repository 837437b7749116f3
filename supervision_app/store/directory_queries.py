"""The local directory as the pages read it: who can sign in (names and roles), each team's
supervision policy, and the policies a manager may set.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.permissions import Actor, Operation, TeamTarget, decide
from ..domain.supervision_policy import SupervisionPolicy
from ..domain.text_rules import text_sort_key
from ..domain.vocabulary import Role
from .models import Staff, Team


@dataclass(frozen=True)
class StaffEntry:
    staff_id: str
    display_name: str
    role: Role
    team_name: str

    @property
    def role_label(self) -> str:
        return self.role.label


def directory(session: Session) -> list[StaffEntry]:
    """Everyone in the local directory (the sign-in list); names and roles only."""
    rows = session.execute(
        select(Staff.id, Staff.display_name, Staff.role, Team.name)
        .outerjoin(Team, Team.id == Staff.team_id)
        .where(Staff.tombstone.is_(False), Staff.active.is_(True))
    )
    return sorted((StaffEntry(r[0], r[1], Role(r[2]), r[3] or "") for r in rows),
                  key=lambda entry: text_sort_key(entry.display_name))


def team_policy(session: Session, team_id: str | None) -> SupervisionPolicy:
    raw = session.scalar(select(Team.supervision_policy).where(Team.id == team_id)) if team_id else None
    return SupervisionPolicy.from_json(json.loads(raw)) if raw else SupervisionPolicy()


@dataclass(frozen=True)
class TeamPolicyRow:
    team_id: str
    team_name: str
    policy: SupervisionPolicy
    can_set: bool


def team_policies(session: Session, actor: Actor) -> list[TeamPolicyRow]:
    """The policy of each team the actor manages, and whether they may change it."""
    if not actor.managed_team_ids:
        return []
    rows = session.scalars(select(Team).where(Team.id.in_(sorted(actor.managed_team_ids)))
                           .order_by(Team.name))
    return [
        TeamPolicyRow(t.id, t.name,
                      SupervisionPolicy.from_json(json.loads(t.supervision_policy))
                      if t.supervision_policy else SupervisionPolicy(),
                      decide(actor, Operation.SET_POLICY, TeamTarget(t.id)).allowed)
        for t in rows
    ]
