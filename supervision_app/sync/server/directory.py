"""Administration of the directory and accounts, run on the server (by the CLI and tests).

Directory entries (service areas, teams, staff, children) are ordinary synced rows, written
through the same path as pushes so they get sequence numbers and reach every laptop; the
server's authorization reads them from the ``directory_*`` tables kept beside them. What
only the server needs (cover between two dates, closed cases, the ids rows had in the system
they were imported from) is kept in tables of its own (migration s0005).

People are named by username; teams, areas and children by id or by name (a child also by
case id), so an administrator never needs to copy an id from a database.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from ...domain.time_rules import london_today, utc_now
from ...domain.vocabulary import LegalStatus, Role
from ...errors import AppError
from .schema import account, child_case, record, staff_cover
from .storage import WriteTx, system_write

KIND_TABLE = {"area": "service_area", "team": "team", "user": "staff", "child": "child"}
TABLE_WORDS = {"service_area": "service area", "team": "team", "staff": "person", "child": "child"}
PLURAL = {"service_area": "areas", "team": "teams", "staff": "users", "child": "children"}


class DirectoryError(AppError, ValueError):
    pass


def _load(conn: Connection, row_id: str, table: str) -> dict[str, Any]:
    row = conn.execute(select(record.c.data, record.c.table_name).where(record.c.id == row_id)).first()
    if row is None or row.table_name != table:
        raise DirectoryError(f"There is no {TABLE_WORDS.get(table, table)} with id {row_id}.")
    return json.loads(row.data)


def _write(conn: Connection, table: str, row_id: str, data: dict[str, Any], *,
           tombstone: bool = False) -> None:
    tx = WriteTx.begin(conn)
    system_write(tx, table, row_id, data, tombstone=tombstone)
    tx.finish()


def rows(conn: Connection, table: str) -> list[tuple[str, dict[str, Any]]]:
    """Every live row of a directory table, as (id, data)."""
    return [(r.id, json.loads(r.data)) for r in conn.execute(
        select(record.c.id, record.c.data)
        .where(record.c.table_name == table, record.c.tombstone.is_(False)))]


# --------------------------------------------------------------------------- finding things

def staff_id_for(conn: Connection, username: str) -> str:
    staff_id = conn.execute(select(account.c.staff_id).where(account.c.username == username)).scalar()
    if staff_id is None:
        raise DirectoryError(f"There is no user called {username!r} (list-users shows them).")
    return staff_id


def username_free(conn: Connection, username: str) -> None:
    if conn.execute(select(account.c.id).where(account.c.username == username)).first():
        raise DirectoryError(f"A user called {username!r} already exists.")


def _by_name(conn: Connection, table: str, ref: str, field: str = "name") -> str:
    found = [row_id for row_id, data in rows(conn, table)
             if str(data.get(field, "")).casefold() == ref.casefold()]
    if len(found) > 1:
        raise DirectoryError(f"{len(found)} {PLURAL[table]} are called {ref!r}: give the id "
                             f"instead (list-{PLURAL[table]} shows them).")
    return found[0] if found else ""


def resolve(conn: Connection, table: str, ref: str) -> str:
    """The id of a team, area or child given its id or its name (a child: or case id)."""
    row = conn.execute(select(record.c.table_name, record.c.tombstone).where(record.c.id == ref)).first()
    if row is not None and row.table_name == table:
        return ref
    found = _by_name(conn, table, ref, "case_id" if table == "child" else "name")
    if not found and table == "child":
        found = _by_name(conn, table, ref, "name")
    if not found:
        raise DirectoryError(f"There is no {TABLE_WORDS[table]} with the id or name {ref!r} "
                             f"(list-{PLURAL[table]} shows them).")
    return found


# --------------------------------------------------------------------------- adding

def add_service_area(conn: Connection, name: str, manager_id: str | None = None,
                     area_id: str | None = None) -> str:
    area_id = area_id or str(uuid.uuid4())
    _write(conn, "service_area", area_id, {"name": name, "manager_id": manager_id})
    return area_id


def add_team(conn: Connection, name: str, service_area_id: str | None = None,
             manager_id: str | None = None, team_id: str | None = None) -> str:
    team_id = team_id or str(uuid.uuid4())
    if service_area_id:
        _load(conn, service_area_id, "service_area")
    _write(conn, "team", team_id, {"name": name, "service_area_id": service_area_id,
                                   "manager_id": manager_id, "supervision_policy": None})
    return team_id


def staff_data(username: str, display_name: str, role: str, team_id: str | None,
               started_on: date | None, asye_start: date | None, *, active: bool = True,
               line_manager_id: str | None = None,
               last_supervised_on: date | None = None) -> dict[str, Any]:
    Role(role)  # refuses an unknown role
    return {
        "display_name": display_name, "username": username, "role": role, "team_id": team_id,
        "started_on": (started_on or london_today()).isoformat(),
        "asye_start": asye_start.isoformat() if asye_start else None, "active": active,
        "line_manager_id": line_manager_id,
        "last_supervised_on": last_supervised_on.isoformat() if last_supervised_on else None,
    }


def add_user(conn: Connection, username: str, password: str, display_name: str, role: str,
             team_id: str | None = None, started_on: date | None = None,
             asye_start: date | None = None, staff_id: str | None = None, *,
             one_time_hash: str | None = None, line_manager_id: str | None = None,
             last_supervised_on: date | None = None) -> str:
    """Add a person and their account. With ``one_time_hash`` (from
    ``accounts.new_one_time_password``) ``password`` is ignored and the person must choose
    their own at first sign-in."""
    from . import accounts

    data = staff_data(username, display_name, role, team_id, started_on, asye_start,
                      line_manager_id=line_manager_id, last_supervised_on=last_supervised_on)
    if team_id:
        _load(conn, team_id, "team")
    username_free(conn, username)
    staff_id = staff_id or str(uuid.uuid4())
    _write(conn, "staff", staff_id, data)
    if one_time_hash:
        add_one_time_account(conn, username, one_time_hash, staff_id)
    else:
        accounts.create_account(conn, username, password, staff_id)
    return staff_id


def add_one_time_account(conn: Connection, username: str, one_time_hash: str, staff_id: str) -> None:
    conn.execute(insert(account).values(
        id=str(uuid.uuid4()), username=username, staff_id=staff_id, password_hash=one_time_hash,
        disabled=False, must_change_password=True,
        created_at=utc_now().replace(tzinfo=None)))


def set_one_time_password(conn: Connection, username: str, one_time_hash: str) -> None:
    conn.execute(update(account).where(account.c.username == username)
                 .values(password_hash=one_time_hash, must_change_password=True))


def child_data(case_id: str, name: str, date_of_birth: date, legal_status: str,
               allocated_worker_id: str | None, has_pathway_plan: bool = False) -> dict[str, Any]:
    LegalStatus(legal_status)
    return {"case_id": case_id, "name": name, "date_of_birth": date_of_birth.isoformat(),
            "legal_status": legal_status, "allocated_worker_id": allocated_worker_id,
            "has_pathway_plan": has_pathway_plan}


def add_child(conn: Connection, case_id: str, name: str, date_of_birth: date, legal_status: str,
              allocated_worker_id: str | None, child_id: str | None = None) -> str:
    if any(data.get("case_id") == case_id for _, data in rows(conn, "child")):
        raise DirectoryError(f"A child with case id {case_id!r} already exists "
                             f"(show-child {case_id} shows it).")
    child_id = child_id or str(uuid.uuid4())
    _write(conn, "child", child_id, child_data(case_id, name, date_of_birth, legal_status,
                                               allocated_worker_id))
    return child_id


# --------------------------------------------------------------------------- changing

def update_row(conn: Connection, table: str, row_id: str, **changes: Any) -> dict[str, Any]:
    data = _load(conn, row_id, table)
    data.update(changes)
    _write(conn, table, row_id, data)
    return data


def update_staff(conn: Connection, username: str, **changes: Any) -> None:
    staff_id = staff_id_for(conn, username)
    if "role" in changes:
        Role(changes["role"])
    if changes.get("team_id"):
        _load(conn, changes["team_id"], "team")
    update_row(conn, "staff", staff_id, **changes)


def rename(conn: Connection, kind: str, ref: str, new_name: str) -> str:
    """Correct a name (a typo, a marriage, a team renamed); returns the row's id."""
    new_name = new_name.strip()
    if not new_name:
        raise DirectoryError("The new name is empty.")
    table = KIND_TABLE[kind]
    row_id = staff_id_for(conn, ref) if table == "staff" else resolve(conn, table, ref)
    update_row(conn, table, row_id, **{"display_name" if table == "staff" else "name": new_name})
    return row_id


def enable_user(conn: Connection, username: str) -> None:
    """Let a disabled person sign in again (returned from leave, disabled by mistake)."""
    update_staff(conn, username, active=True)
    conn.execute(update(account).where(account.c.username == username).values(disabled=False))


def set_line_manager(conn: Connection, username: str, manager_username: str | None) -> None:
    staff_id = staff_id_for(conn, username)
    manager_id = staff_id_for(conn, manager_username) if manager_username else None
    if manager_id == staff_id:
        raise DirectoryError("A person cannot be their own line manager.")
    update_row(conn, "staff", staff_id, line_manager_id=manager_id)


def set_team_manager(conn: Connection, team_id: str, manager_id: str | None) -> None:
    update_row(conn, "team", team_id, manager_id=manager_id)


def set_service_area_manager(conn: Connection, area_id: str, manager_id: str | None) -> None:
    update_row(conn, "service_area", area_id, manager_id=manager_id)


def reallocate_child(conn: Connection, child_id: str, worker_id: str | None) -> None:
    update_row(conn, "child", child_id, allocated_worker_id=worker_id)
    if worker_id is not None:  # allocating a closed case reopens it
        conn.execute(delete(child_case).where(child_case.c.child_id == child_id))


def close_case(conn: Connection, child_id: str, closed_on: date) -> None:
    """The case ends: nobody is allocated; the child and every record about them stay."""
    update_row(conn, "child", child_id, allocated_worker_id=None)
    conn.execute(delete(child_case).where(child_case.c.child_id == child_id))
    conn.execute(insert(child_case).values(child_id=child_id, closed_on=closed_on))


def closed_cases(conn: Connection) -> dict[str, date]:
    return {r.child_id: r.closed_on for r in conn.execute(select(child_case))}


# --------------------------------------------------------------------------- cover

@dataclass(frozen=True)
class Cover:
    id: str
    manager_id: str
    team_id: str
    starts_on: date
    ends_on: date
    ended_at: datetime | None

    def live_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


def give_cover(conn: Connection, manager_username: str, team_id: str, starts_on: date,
               ends_on: date) -> str:
    """A manager covers another team from ``starts_on`` to ``ends_on`` inclusive."""
    manager_id = staff_id_for(conn, manager_username)
    _load(conn, team_id, "team")
    if ends_on < starts_on:
        raise DirectoryError(f"The cover would end ({ends_on}) before it starts ({starts_on}).")
    cover_id = str(uuid.uuid4())
    conn.execute(insert(staff_cover).values(
        id=cover_id, manager_id=manager_id, team_id=team_id, starts_on=starts_on, ends_on=ends_on,
        created_at=utc_now().replace(tzinfo=None)))
    return cover_id


def end_cover(conn: Connection, cover_id: str, last_day: date) -> Cover:
    """End a cover early: ``last_day`` is its last day (today: it ends tonight)."""
    cover = _cover(conn, cover_id)
    conn.execute(update(staff_cover).where(staff_cover.c.id == cover_id).values(
        ends_on=min(cover.ends_on, last_day),
        ended_at=utc_now().replace(tzinfo=None)))
    return _cover(conn, cover_id)


def _cover(conn: Connection, cover_id: str) -> Cover:
    row = conn.execute(select(staff_cover).where(staff_cover.c.id == cover_id)).first()
    if row is None:
        raise DirectoryError(f"There is no cover with id {cover_id} (list-cover shows them).")
    return Cover(row.id, row.manager_id, row.team_id, row.starts_on, row.ends_on, row.ended_at)


def covers(conn: Connection) -> list[Cover]:
    return [Cover(r.id, r.manager_id, r.team_id, r.starts_on, r.ends_on, r.ended_at)
            for r in conn.execute(select(staff_cover).order_by(staff_cover.c.starts_on))]
