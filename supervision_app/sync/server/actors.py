"""The directory as authorization needs it: who a signed-in person is (role, teams managed
or covered today, people line-managed), and a fingerprint that changes when what they may
see could change.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.permissions import MANAGER_ROLES, Actor, Cover, with_cover
from ...domain.vocabulary import Role
from . import authz
from .schema import directory_service_area, directory_staff, directory_team, record, staff_cover


def load_actor(conn: Connection, staff_id: str) -> tuple[Actor, str | None] | None:
    """The actor for ``staff_id`` and their own team, or None if unknown or inactive."""
    staff = conn.execute(select(directory_staff).where(directory_staff.c.staff_id == staff_id)).first()
    if staff is None or not staff.active:
        return None
    role = Role(staff.role)
    managed: set[str] = set()
    if role in MANAGER_ROLES and role != Role.HEAD_OF_SERVICE:
        managed.update(conn.execute(
            select(directory_team.c.team_id).where(directory_team.c.manager_id == staff_id)
        ).scalars())
        areas = select(directory_service_area.c.service_area_id).where(
            directory_service_area.c.manager_id == staff_id
        )
        managed.update(conn.execute(
            select(directory_team.c.team_id).where(directory_team.c.service_area_id.in_(areas))
        ).scalars())
    actor = Actor(staff_id, role, frozenset(managed), _line_reports(conn, staff_id))
    covers = [Cover(r.team_id, r.starts_on, r.ends_on) for r in conn.execute(
        select(staff_cover.c.team_id, staff_cover.c.starts_on, staff_cover.c.ends_on)
        .where(staff_cover.c.manager_id == staff_id))]
    return with_cover(actor, covers, authz.server_today()), staff.team_id


def _line_reports(conn: Connection, staff_id: str) -> frozenset[str]:
    """The active people with no team whose line manager is ``staff_id``, or is one of those
    people in turn (DESIGN.md §1.1: service managers, heads of service). The link lives only
    in the staff rows' data, written compactly, so a text match finds the candidates."""
    found: set[str] = set()
    managers = [staff_id]
    while managers:
        manager = managers.pop()
        for row_id, text_ in conn.execute(
                select(record.c.id, record.c.data).where(
                    record.c.table_name == "staff", record.c.tombstone.is_(False),
                    record.c.data.contains(f'"line_manager_id":"{manager}"'))):
            data = json.loads(text_)
            if (data.get("line_manager_id") == manager and not data.get("team_id")
                    and data.get("active") and row_id not in found and row_id != staff_id):
                found.add(row_id)
                managers.append(row_id)
    return frozenset(found)


def access_fingerprint(actor: Actor, team_id: str | None) -> str:
    """Changes whenever what this person may see could change (role, teams managed or
    covered today, people line-managed): the next pull then resyncs, bringing what they now
    may hold and removing what they may no longer."""
    text = json.dumps([actor.role.value, team_id, sorted(actor.managed_team_ids),
                       sorted(actor.line_report_ids)])
    return hashlib.sha256(text.encode()).hexdigest()[:32]
