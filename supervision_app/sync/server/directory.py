"""Administration of the directory and accounts, run on the server (by the CLI and tests).

Directory entries (service areas, teams, staff) are ordinary synced rows, written through
the same path as pushes so they get sequence numbers and reach every laptop; the
server's authorization reads them from the ``directory_*`` tables kept beside them.
"""
from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.vocabulary import Role
from . import accounts
from .schema import account, record
from .storage import WriteTx, system_write


class DirectoryError(ValueError):
    pass


def _load(conn: Connection, row_id: str, table: str) -> dict[str, Any]:
    row = conn.execute(select(record.c.data, record.c.table_name).where(record.c.id == row_id)).first()
    if row is None or row.table_name != table:
        raise DirectoryError(f"no {table.replace('_', ' ')} with id {row_id}")
    return json.loads(row.data)


def staff_id_for(conn: Connection, username: str) -> str:
    staff_id = conn.execute(select(account.c.staff_id).where(account.c.username == username)).scalar()
    if staff_id is None:
        raise DirectoryError(f"no user called {username!r}")
    return staff_id


def add_service_area(conn: Connection, name: str, manager_id: str | None = None,
                     area_id: str | None = None) -> str:
    area_id = area_id or str(uuid.uuid4())
    tx = WriteTx.begin(conn)
    system_write(tx, "service_area", area_id, {"name": name, "manager_id": manager_id})
    tx.finish()
    return area_id


def add_team(conn: Connection, name: str, service_area_id: str | None = None,
             manager_id: str | None = None, team_id: str | None = None) -> str:
    team_id = team_id or str(uuid.uuid4())
    if service_area_id:
        _load(conn, service_area_id, "service_area")
    tx = WriteTx.begin(conn)
    system_write(tx, "team", team_id, {"name": name, "service_area_id": service_area_id,
                                       "manager_id": manager_id, "supervision_policy": None})
    tx.finish()
    return team_id


def add_user(conn: Connection, username: str, password: str, display_name: str, role: str,
             team_id: str | None = None, started_on: date | None = None,
             asye_start: date | None = None, staff_id: str | None = None) -> str:
    Role(role)  # refuses an unknown role
    if team_id:
        _load(conn, team_id, "team")
    if conn.execute(select(account.c.id).where(account.c.username == username)).first():
        raise DirectoryError(f"a user called {username!r} already exists")
    staff_id = staff_id or str(uuid.uuid4())
    tx = WriteTx.begin(conn)
    system_write(tx, "staff", staff_id, {
        "display_name": display_name, "username": username, "role": role, "team_id": team_id,
        "started_on": (started_on or date.today()).isoformat(),
        "asye_start": asye_start.isoformat() if asye_start else None, "active": True,
    })
    tx.finish()
    accounts.create_account(conn, username, password, staff_id)
    return staff_id


def update_staff(conn: Connection, username: str, **changes: Any) -> None:
    staff_id = staff_id_for(conn, username)
    data = _load(conn, staff_id, "staff")
    if "role" in changes:
        Role(changes["role"])
    if changes.get("team_id"):
        _load(conn, changes["team_id"], "team")
    data.update(changes)
    tx = WriteTx.begin(conn)
    system_write(tx, "staff", staff_id, data)
    tx.finish()


def set_team_manager(conn: Connection, team_id: str, manager_id: str | None) -> None:
    data = _load(conn, team_id, "team")
    data["manager_id"] = manager_id
    tx = WriteTx.begin(conn)
    system_write(tx, "team", team_id, data)
    tx.finish()


def set_service_area_manager(conn: Connection, area_id: str, manager_id: str | None) -> None:
    data = _load(conn, area_id, "service_area")
    data["manager_id"] = manager_id
    tx = WriteTx.begin(conn)
    system_write(tx, "service_area", area_id, data)
    tx.finish()


def add_child(conn: Connection, case_id: str, name: str, date_of_birth: date, legal_status: str,
              allocated_worker_id: str | None, child_id: str | None = None) -> str:
    child_id = child_id or str(uuid.uuid4())
    tx = WriteTx.begin(conn)
    system_write(tx, "child", child_id, {
        "case_id": case_id, "name": name, "date_of_birth": date_of_birth.isoformat(),
        "legal_status": legal_status, "allocated_worker_id": allocated_worker_id,
        "has_pathway_plan": False,
    })
    tx.finish()
    return child_id


def reallocate_child(conn: Connection, child_id: str, worker_id: str | None) -> None:
    data = _load(conn, child_id, "child")
    data["allocated_worker_id"] = worker_id
    tx = WriteTx.begin(conn)
    system_write(tx, "child", child_id, data)
    tx.finish()
