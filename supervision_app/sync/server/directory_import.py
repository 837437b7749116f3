"""``supervision-server import-directory``: areas, teams, staff and children from CSV files
an HR system and a case system (LCS, Mosaic...) can export.

Each row is keyed by its id in the source system (kept in ``directory_source``), so a second
import of newer exports updates rows instead of adding them again; a person who was already
added by hand is matched by username, a child by case id. Every file is read and checked
first: a bad value is reported with its file, line and column and nothing is applied; the
changes are then written in one transaction. The kind of each file is told by its header
(the columns are documented in docs/INSTALL.md, "Go-live").
"""
from __future__ import annotations

import csv
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from ...domain.time_rules import london_today
from ...domain.vocabulary import LegalStatus, Role
from ...errors import AppError
from . import directory
from .schema import account, auth_token, child_case, directory_source, record
from .storage import WriteTx, system_write, utcnow_naive

# kind: (required columns, optional columns); the first column is the source system's id
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "area": (("area_id", "name"), ("manager_staff_id",)),
    "team": (("team_id", "name"), ("area_id", "manager_staff_id")),
    "staff": (("staff_id", "username", "name", "role"),
              ("team_id", "line_manager_staff_id", "started_on", "asye_start",
               "last_supervised_on", "active")),
    "child": (("case_id", "name", "date_of_birth", "legal_status"),
              ("worker_staff_id", "closed_on")),
}
ORDER = ("area", "team", "staff", "child")
TABLE = {"area": "service_area", "team": "team", "staff": "staff", "child": "child"}
WORDS = {"area": "service areas", "team": "teams", "staff": "staff", "child": "children"}

_ROLES = {**{r.value: r.value for r in Role}, **{r.label.casefold(): r.value for r in Role}}
_STATUSES = {**{s.value: s.value for s in LegalStatus},
             **{s.label.casefold(): s.value for s in LegalStatus},
             "cin": "child_in_need", "cp": "child_protection", "cpp": "child_protection",
             "cla": "child_looked_after", "lac": "child_looked_after", "cl": "care_leaver"}
_YES = {"yes", "y", "true", "1", "active", ""}
_NO = {"no", "n", "false", "0", "inactive", "left", "leaver"}


class ImportError_(AppError, ValueError):  # noqa: N801 - not the built-in ImportError
    """Problems found in the files, one sentence each; nothing was applied."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems + ["Nothing was changed: correct the files and "
                                                "import them again."]))
        self.problems = problems


@dataclass
class SourceRow:
    kind: str
    file: str
    line: int
    values: dict[str, str]

    def where(self, column: str) -> str:
        return f"{self.file} line {self.line}, column {column}"


@dataclass
class Change:
    kind: str
    source_id: str
    record_id: str
    action: str  # create / update / unchanged
    data: dict[str, Any]
    changed: list[str] = field(default_factory=list)
    closed_on: date | None = None
    adopted: bool = False  # an existing row (added by hand) now keyed by the source id


@dataclass
class Plan:
    changes: list[Change]
    new_people: list[Change]

    def counts(self) -> dict[str, dict[str, int]]:
        out = {kind: {"create": 0, "update": 0, "unchanged": 0} for kind in ORDER}
        for change in self.changes:
            out[change.kind][change.action] += 1
        return out


# --------------------------------------------------------------------------- reading

def kind_of(header: Iterable[str]) -> str | None:
    columns = set(header)
    for kind in ("child", "staff", "team", "area"):
        if set(COLUMNS[kind][0]) <= columns:
            return kind
    return None


def read_files(paths: list[Path]) -> list[SourceRow]:
    problems: list[str] = []
    rows: list[SourceRow] = []
    for path in paths:
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                reader = csv.DictReader(stream)
                header = [h.strip().lower() for h in (reader.fieldnames or [])]
                kind = kind_of(header)
                if kind is None:
                    problems.append(
                        f"{path.name}: its first line does not name the columns of areas, teams, "
                        f"staff or children (e.g. staff_id,username,name,role,...): see "
                        f"docs/INSTALL.md, Go-live.")
                    continue
                known = set(COLUMNS[kind][0]) | set(COLUMNS[kind][1])
                for column in header:
                    if column not in known:
                        problems.append(f"{path.name} line 1: column {column!r} is not one this "
                                        f"import reads for {WORDS[kind]} (it reads "
                                        f"{', '.join(COLUMNS[kind][0] + COLUMNS[kind][1])}).")
                for raw in reader:
                    values = {k.strip().lower(): (v or "").strip()
                              for k, v in raw.items() if k is not None}
                    if None in raw:
                        problems.append(f"{path.name} line {reader.line_num}: more values than "
                                        f"columns.")
                    if not any(values.values()):
                        continue
                    rows.append(SourceRow(kind, path.name, reader.line_num, values))
        except FileNotFoundError:
            problems.append(f"{path}: there is no such file.")
        except (UnicodeDecodeError, csv.Error) as error:
            problems.append(f"{path.name}: not a UTF-8 CSV file ({type(error).__name__}): save it "
                            f"as \"CSV UTF-8\".")
    if problems:
        raise ImportError_(problems)
    return rows


def _date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"{text!r} is not a date (write YYYY-MM-DD or DD/MM/YYYY)")


class _Checker:
    """Reads one row's values, noting each problem with its file, line and column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems

    def text(self, row: SourceRow, column: str, *, required: bool = False, limit: int = 200) -> str | None:
        value = row.values.get(column, "")
        if not value:
            if required:
                self.problems.append(f"{row.where(column)}: empty, but needed.")
            return None
        if len(value) > limit:
            self.problems.append(f"{row.where(column)}: longer than {limit} characters.")
        return value

    def date(self, row: SourceRow, column: str, *, required: bool = False) -> date | None:
        value = self.text(row, column, required=required)
        if value is None:
            return None
        try:
            return _date(value)
        except ValueError as error:
            self.problems.append(f"{row.where(column)}: {error}.")
            return None

    def choice(self, row: SourceRow, column: str, choices: dict[str, str], what: str) -> str | None:
        value = self.text(row, column, required=True)
        if value is None:
            return None
        found = choices.get(value.casefold())
        if found is None:
            self.problems.append(f"{row.where(column)}: {value!r} is not a {what} (one of "
                                 f"{', '.join(sorted(set(choices.values())))}).")
        return found


# --------------------------------------------------------------------------- planning

def _existing(conn: Connection) -> tuple[dict[tuple[str, str], str], dict[str, dict[str, Any]],
                                         dict[str, str], dict[str, date | None]]:
    sources = {(r.kind, r.source_id): r.record_id for r in conn.execute(select(directory_source))}
    data = {r.id: json.loads(r.data) for r in conn.execute(
        select(record.c.id, record.c.data)
        .where(record.c.table_name.in_(tuple(TABLE.values())), record.c.tombstone.is_(False)))}
    usernames = {r.username: r.staff_id for r in conn.execute(
        select(account.c.username, account.c.staff_id))}
    closed = {r.child_id: r.closed_on for r in conn.execute(select(child_case))}
    return sources, data, usernames, closed


def plan(conn: Connection, rows: list[SourceRow]) -> Plan:
    """What importing ``rows`` would change; raises :class:`ImportError_` naming every bad value."""
    problems: list[str] = []
    check = _Checker(problems)
    sources, existing, usernames, closed = _existing(conn)
    by_kind: dict[str, list[SourceRow]] = {k: [] for k in ORDER}
    for row in rows:
        by_kind[row.kind].append(row)

    ids: dict[tuple[str, str], str] = {}  # (kind, source id) -> record id, this import included
    seen: dict[tuple[str, str], SourceRow] = {}
    case_ids = {d["case_id"]: rid for rid, d in existing.items() if "case_id" in d}
    for kind in ORDER:
        for row in by_kind[kind]:
            key_column = COLUMNS[kind][0][0]
            source_id = check.text(row, key_column, required=True, limit=100)
            if source_id is None:
                continue
            if (kind, source_id) in seen:
                earlier = seen[(kind, source_id)]
                problems.append(f"{row.where(key_column)}: {source_id!r} is also on "
                                f"{earlier.file} line {earlier.line}.")
                continue
            seen[(kind, source_id)] = row
            record_id = sources.get((kind, source_id))
            if record_id is None and kind == "staff":
                record_id = usernames.get(row.values.get("username", ""))
            if record_id is None and kind == "child":
                record_id = case_ids.get(source_id)
            ids[(kind, source_id)] = record_id or str(uuid.uuid4())

    def ref(row: SourceRow, column: str, kind: str) -> str | None:
        value = check.text(row, column, limit=100)
        if value is None:
            return None
        found = ids.get((kind, value)) or sources.get((kind, value))
        if found is None:
            problems.append(f"{row.where(column)}: no {kind} has the id {value!r} in these files "
                            f"or an earlier import.")
        return found

    changes: list[Change] = []
    taken_usernames: dict[str, SourceRow] = {}
    for kind in ORDER:
        for row in by_kind[kind]:
            source_id = row.values.get(COLUMNS[kind][0][0], "")
            if (kind, source_id) not in ids or seen.get((kind, source_id)) is not row:
                continue
            record_id = ids[(kind, source_id)]
            before = existing.get(record_id)
            data: dict[str, Any] | None
            closed_on = None
            if kind == "area":
                data = {"name": check.text(row, "name", required=True),
                        "manager_id": ref(row, "manager_staff_id", "staff")}
            elif kind == "team":
                data = {"name": check.text(row, "name", required=True),
                        "service_area_id": ref(row, "area_id", "area"),
                        "manager_id": ref(row, "manager_staff_id", "staff"),
                        "supervision_policy": before.get("supervision_policy") if before else None}
            elif kind == "staff":
                username = check.text(row, "username", required=True, limit=100)
                if username:
                    owner = usernames.get(username)
                    if owner is not None and owner != record_id:
                        problems.append(f"{row.where('username')}: {username!r} is already the "
                                        f"username of someone else.")
                    if username in taken_usernames:
                        other = taken_usernames[username]
                        problems.append(f"{row.where('username')}: {username!r} is also on "
                                        f"{other.file} line {other.line}.")
                    taken_usernames[username] = row
                active_text = row.values.get("active", "").casefold()
                if active_text not in _YES | _NO:
                    problems.append(f"{row.where('active')}: {row.values['active']!r} is not yes "
                                    f"or no.")
                started = check.date(row, "started_on")
                last = check.date(row, "last_supervised_on")
                if last is not None and last > london_today():
                    problems.append(f"{row.where('last_supervised_on')}: {last} is in the future.")
                data = {
                    "display_name": check.text(row, "name", required=True), "username": username,
                    "role": check.choice(row, "role", _ROLES, "role"),
                    "team_id": ref(row, "team_id", "team"),
                    "started_on": (started or (date.fromisoformat(before["started_on"]) if before
                                               else london_today())).isoformat(),
                    "asye_start": _iso(check.date(row, "asye_start")),
                    "active": active_text not in _NO,
                    "line_manager_id": ref(row, "line_manager_staff_id", "staff"),
                    "last_supervised_on": _iso(last),
                }
            else:
                born = check.date(row, "date_of_birth", required=True)
                data = {"case_id": source_id, "name": check.text(row, "name", required=True),
                        "date_of_birth": _iso(born),
                        "legal_status": check.choice(row, "legal_status", _STATUSES, "legal status"),
                        "allocated_worker_id": ref(row, "worker_staff_id", "staff"),
                        "has_pathway_plan": bool(before and before.get("has_pathway_plan"))}
                closed_on = check.date(row, "closed_on")
                if closed_on is not None:
                    data["allocated_worker_id"] = None
            changed = sorted(k for k in data if before is None or before.get(k) != data[k])
            was_closed = closed.get(record_id) if kind == "child" else None
            if kind == "child" and closed_on != was_closed and (closed_on or record_id in closed):
                changed.append("closed_on")
            action = "create" if before is None else "update" if changed else "unchanged"
            adopted = before is not None and (kind, source_id) not in sources
            changes.append(Change(kind, source_id, record_id, action, data, changed, closed_on,
                                  adopted))
    if problems:
        raise ImportError_(problems)
    new_people = [c for c in changes if c.kind == "staff" and c.action == "create"]
    return Plan(changes, new_people)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# --------------------------------------------------------------------------- applying

def apply(conn: Connection, planned: Plan, one_time_passwords: Callable[[], tuple[str, str]]
          ) -> list[tuple[str, str, str]]:
    """Write the plan (the caller's transaction); returns (username, name, one-time password)
    for each new account."""
    passwords: list[tuple[str, str, str]] = []
    tx = WriteTx.begin(conn)
    now = utcnow_naive()
    for change in planned.changes:
        if change.action == "unchanged" and not change.adopted:
            continue
        if change.action != "unchanged":
            system_write(tx, TABLE[change.kind], change.record_id, change.data)
        if change.action == "create" or change.adopted:
            conn.execute(insert(directory_source).values(
                kind=change.kind, source_id=change.source_id, record_id=change.record_id))
        if change.kind == "staff":
            passwords += _account(conn, change, one_time_passwords, now)
        elif change.kind == "child" and "closed_on" in change.changed:
            conn.execute(delete(child_case).where(child_case.c.child_id == change.record_id))
            if change.closed_on is not None:
                conn.execute(insert(child_case).values(child_id=change.record_id,
                                                       closed_on=change.closed_on))
    tx.finish()
    return passwords


def _account(conn: Connection, change: Change, one_time_passwords, now) -> list[tuple[str, str, str]]:
    username = change.data["username"]
    current = conn.execute(select(account.c.id, account.c.username)
                           .where(account.c.staff_id == change.record_id)).first()
    if current is None:
        password, stored = one_time_passwords()
        directory.add_one_time_account(conn, username, stored, change.record_id)
        return [(username, change.data["display_name"], password)]
    if current.username != username:
        conn.execute(update(account).where(account.c.id == current.id).values(username=username))
    if not change.data["active"] and "active" in change.changed:  # a leaver: sign-ins end now
        conn.execute(update(auth_token).where(auth_token.c.account_id == current.id,
                                              auth_token.c.revoked_at.is_(None))
                     .values(revoked_at=now))
    return []


def write_passwords(path: Path, passwords: list[tuple[str, str, str]]) -> None:
    """The new people's one-time passwords, readable by the file's owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["username", "name", "one_time_password"])
        writer.writerows(passwords)


def describe(planned: Plan, *, every_change: bool) -> str:
    lines = []
    if every_change:
        for c in planned.changes:
            if c.action == "create":
                label = c.data.get("name") or c.data.get("display_name")
                lines.append(f"create {c.kind} {c.source_id}: {label}")
            elif c.action == "update":
                lines.append(f"update {c.kind} {c.source_id}: {', '.join(c.changed)}")
    for kind, n in planned.counts().items():
        lines.append(f"{WORDS[kind]}: {n['create']} new, {n['update']} changed, "
                     f"{n['unchanged']} unchanged")
    return "\n".join(lines)
