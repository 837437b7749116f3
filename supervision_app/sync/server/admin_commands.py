"""The directory subcommands of ``supervision-server``: add, list, show, find and change
service areas, teams, people, children and cover, each with ``--json`` for scripts.

Teams, areas and children are named by id or by name (a child also by case id), people by
username. Everything a command needs is checked before it asks for a password, and every
refusal is a sentence (:class:`directory.DirectoryError`), never a traceback.
"""
from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from ...domain.time_rules import london_today
from ...domain.vocabulary import LegalStatus, Role
from . import directory
from .schema import account

PASSWORD_ENV = "SUPERVISION_SERVER_NEW_PASSWORD"
DATE_HELP = "a date as YYYY-MM-DD, e.g. 2025-09-01"
EXAMPLE_PREFIX = "supervision-server --config /etc/supervision-server/server.toml"
ROLES = [r.value for r in Role]
STATUSES = [s.value for s in LegalStatus]


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD, "
                                          f"e.g. 2025-09-01") from None


# --------------------------------------------------------------------------- parsers

def _command(sub, name: str, summary: str, description: str, examples: list[str],
             handler: Callable, aliases: tuple[str, ...] = ()) -> argparse.ArgumentParser:
    epilog = "examples:\n" + "\n".join(f"  {EXAMPLE_PREFIX} \\\n      {e}" for e in examples)
    parser = sub.add_parser(name, help=summary, aliases=list(aliases),
                            formatter_class=argparse.RawDescriptionHelpFormatter,
                            description=textwrap.fill(description, 78), epilog=epilog)
    parser.add_argument("--json", action="store_true",
                        help="print the result as JSON (for scripts) instead of text")
    parser.set_defaults(directory_handler=handler)
    return parser


def _password_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--password-fd", type=int, metavar="N",
                       help="read the password from file descriptor N (e.g. 3 with 3<secret)")
    group.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    group.add_argument("--one-time-password", action="store_true",
                       help="generate a password, print it once, and make the person choose "
                            "their own when they first sign in")
    parser.epilog = (parser.epilog or "") + (
        f"\n\nThe password (12 characters or more) comes from --password-fd, --password-stdin,"
        f"\nthe environment variable {PASSWORD_ENV}, or else is asked for at the terminal.")


def add_parsers(sub) -> None:
    """Register every directory subcommand on ``sub`` (the CLI's subparsers)."""
    # ---- areas and teams
    p = _command(sub, "add-service-area", "add a service area (a group of teams)",
                 "Add a service area and print its id. Its service manager sees every team in "
                 "it.", ["add-service-area \"North\" --manager asmith"], cmd_add_area)
    p.add_argument("name", help="the area's name, as people know it")
    p.add_argument("--manager", metavar="USERNAME", help="username of the service manager")
    p = _command(sub, "add-team", "add a team",
                 "Add a team and print its id.",
                 ["add-team \"Assessment 1\" --service-area North --manager bjones"], cmd_add_team)
    p.add_argument("name", help="the team's name, as people know it")
    p.add_argument("--service-area", metavar="AREA", help="the area's id or name")
    p.add_argument("--manager", metavar="USERNAME", help="username of the team manager")
    for kind, plural in (("area", "areas"), ("team", "teams")):
        p = _command(sub, f"list-{plural}", f"list every {kind} with its id and manager",
                     f"Every {kind} with its id, name and manager's username"
                     + (", its area and how many people are in it." if kind == "team" else "."),
                     [f"list-{plural}", f"list-{plural} --find north --json"],
                     cmd_list_areas if kind == "area" else cmd_list_teams)
        p.add_argument("--find", metavar="TEXT", help="only those whose name contains TEXT "
                                                     "(any case)")
        p = _command(sub, f"rename-{kind}", f"correct a {kind}'s name",
                     f"Give a {kind} a new name; laptops show it at their next sync.",
                     [f"rename-{kind} \"Assesment 1\" \"Assessment 1\""], cmd_rename)
        p.add_argument(kind, help=f"the {kind}'s id or current name")
        p.add_argument("new_name", help="the name it should have")
        p.set_defaults(rename_kind=kind)
    p = _command(sub, "show-team", "show a team: manager, area, members, cover",
                 "A team's id, name, area, manager, the people in it and any cover given.",
                 ["show-team \"Assessment 1\"", "show-team 9b2c0e5e-... --json"], cmd_show_team)
    p.add_argument("team", help="the team's id or name")
    p = _command(sub, "set-manager", "make a person the manager of a team or area",
                 "Make a person the manager of a team (they see its people's supervision) or "
                 "of a service area (they see every team in it). --none removes the manager.",
                 ["set-manager bjones --team \"Assessment 1\"",
                  "set-manager asmith --service-area North"], cmd_set_manager)
    p.add_argument("username", help="the manager's username (ignored with --none)")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--team", metavar="TEAM", help="the team's id or name")
    group.add_argument("--service-area", metavar="AREA", help="the area's id or name")
    p.add_argument("--none", action="store_true", help="leave the team or area without a manager")

    # ---- people
    p = _command(sub, "add-user", "add a person and their account",
                 "Add a person to the directory with an account to sign in with, and print "
                 "their id. The username is checked before any password is asked for.",
                 ["add-user jsmith --name \"Jo Smith\" --role social_worker --team "
                  "\"Assessment 1\" --started-on 2024-09-02 --asye-start 2024-09-02 "
                  "--one-time-password",
                  "add-user asmith --name \"Ann Smith\" --role service_manager --password-fd 3 "
                  "3<password.txt"], cmd_add_user)
    p.add_argument("username", help="what they type to sign in")
    p.add_argument("--name", required=True, help="their name as others see it")
    p.add_argument("--role", required=True, choices=ROLES, help="what they do: " + ", ".join(ROLES))
    p.add_argument("--team", metavar="TEAM", help="their team's id or name (none for service "
                                                  "managers and heads of service)")
    p.add_argument("--started-on", type=iso_date, metavar="DATE",
                   help=f"the day they started in this post; supervision is first due counted "
                        f"from it ({DATE_HELP}; default today)")
    p.add_argument("--asye-start", type=iso_date, metavar="DATE",
                   help=f"the day their Assessed and Supported Year in Employment began, for a "
                        f"newly qualified worker: supervision is weekly, then fortnightly, in that "
                        f"year ({DATE_HELP})")
    p.add_argument("--line-manager", metavar="USERNAME",
                   help="who supervises them if they have no team (a service manager's head of "
                        "service)")
    p.add_argument("--last-supervised-on", type=iso_date, metavar="DATE",
                   help=f"their last supervision before this system (at go-live): the next is due "
                        f"counted from it ({DATE_HELP})")
    _password_options(p)
    p = _command(sub, "list-users", "list people with their username, role and team",
                 "Every person with their username, name, role, team and whether they may sign "
                 "in.", ["list-users --team \"Assessment 1\"", "list-users --role team_manager --json",
                         "list-users --find smith"], cmd_list_users)
    p.add_argument("--team", metavar="TEAM", help="only this team (id or name)")
    p.add_argument("--role", choices=ROLES, help="only this role")
    p.add_argument("--find", metavar="TEXT", help="only those whose name or username contains "
                                                 "TEXT (any case)")
    p.add_argument("--disabled", action="store_true", help="only people who may not sign in")
    p = _command(sub, "show-user", "show a person: role, team, managers, children allocated",
                 "A person's id, name, role, team and its manager, line manager, start and ASYE "
                 "dates, last supervision before go-live, and the children allocated to them.",
                 ["show-user jsmith", "show-user jsmith --json"], cmd_show_user)
    p.add_argument("username")
    p = _command(sub, "rename-user", "correct a person's name (not their username)",
                 "Give a person a new display name; laptops show it at their next sync.",
                 ["rename-user jsmith \"Jo Smith-Jones\""], cmd_rename)
    p.add_argument("user", metavar="username")
    p.add_argument("new_name", help="the name others should see")
    p.set_defaults(rename_kind="user")
    p = _command(sub, "move-user", "move a person to another team",
                 "Move a person to another team (or to none with --no-team). Their supervision "
                 "history moves with them to the new team's manager.",
                 ["move-user jsmith \"Assessment 2\"", "move-user asmith --no-team"],
                 cmd_move_user, aliases=("set-team",))
    p.add_argument("username")
    p.add_argument("team", nargs="?", help="the new team's id or name")
    p.add_argument("--no-team", action="store_true", help="take them out of any team")
    p = _command(sub, "set-role", "change what a person does",
                 "Change a person's role: " + ", ".join(ROLES) + ".",
                 ["set-role jsmith team_manager"], cmd_set_role)
    p.add_argument("username")
    p.add_argument("role", choices=ROLES)
    p = _command(sub, "set-line-manager", "set who supervises a person with no team",
                 "Set a person's line manager: who supervises them when they have no team (a "
                 "service manager's head of service). --none removes it.",
                 ["set-line-manager asmith hwilson", "set-line-manager asmith --none"],
                 cmd_set_line_manager)
    p.add_argument("username")
    p.add_argument("manager", nargs="?", metavar="MANAGER_USERNAME")
    p.add_argument("--none", action="store_true", help="no line manager")
    p = _command(sub, "set-last-supervision", "record a person's last supervision before go-live",
                 "Record the last supervision a person had before this system, so the next is "
                 "due counted from it and their team page does not show 'Last: Never'.",
                 ["set-last-supervision jsmith 2026-11-20"], cmd_set_last_supervision)
    p.add_argument("username")
    p.add_argument("day", type=iso_date, metavar="DATE", help=DATE_HELP)
    p = _command(sub, "enable-user", "let a disabled person sign in again",
                 "Undo disable-user: the person may sign in again (they get a new signing "
                 "certificate when they next sign in on a laptop).",
                 ["enable-user jsmith"], cmd_enable_user)
    p.add_argument("username")
    p = _command(sub, "set-password", "set a person's password (and end their sign-ins)",
                 "Set a new password for a person; every laptop they are signed in on has to "
                 "sign in again.",
                 ["set-password jsmith --one-time-password",
                  "set-password jsmith --password-fd 3 3<password.txt"], cmd_set_password)
    p.add_argument("username")
    _password_options(p)

    # ---- children
    p = _command(sub, "add-child", "add a child's case",
                 "Add a child and print their id. Case ids are unique.",
                 ["add-child C123456 --name \"A. Child\" --dob 2015-03-01 --legal-status "
                  "child_in_need --worker jsmith"], cmd_add_child)
    p.add_argument("case_id", help="the case id in the case system (LCS, Mosaic...)")
    p.add_argument("--name", required=True, help="the child's name")
    p.add_argument("--dob", required=True, type=iso_date, metavar="DATE",
                   help=f"date of birth ({DATE_HELP})")
    p.add_argument("--legal-status", required=True, choices=STATUSES,
                   help="one of " + ", ".join(STATUSES))
    p.add_argument("--worker", metavar="USERNAME", help="username of the allocated worker")
    p = _command(sub, "list-children", "list children with case id and allocated worker",
                 "Every child with their id, case id, name, legal status, allocated worker and "
                 "whether the case is closed.",
                 ["list-children --worker jsmith", "list-children --team \"Assessment 1\" --json",
                  "list-children --find C1234"], cmd_list_children)
    p.add_argument("--worker", metavar="USERNAME", help="only children allocated to this person")
    p.add_argument("--team", metavar="TEAM", help="only children allocated to this team's people")
    p.add_argument("--find", metavar="TEXT", help="only those whose name or case id contains TEXT")
    p.add_argument("--closed", action="store_true", help="only closed cases")
    p = _command(sub, "show-child", "show a child's case",
                 "A child's id, case id, name, date of birth, legal status, allocated worker and "
                 "whether the case is closed.", ["show-child C123456"], cmd_show_child)
    p.add_argument("child", help="the child's id, case id or name")
    p = _command(sub, "rename-child", "correct a child's name",
                 "Give a child a new name; laptops show it at their next sync.",
                 ["rename-child C123456 \"A. Child-Smith\""], cmd_rename)
    p.add_argument("child", help="the child's id, case id or name")
    p.add_argument("new_name")
    p.set_defaults(rename_kind="child")
    p = _command(sub, "allocate-child", "allocate or reallocate a child to a worker",
                 "Allocate a child to a worker (or move them to another); a closed case is "
                 "reopened. Discussions and oversight of the child follow the allocation.",
                 ["allocate-child C123456 jsmith"], cmd_allocate_child,
                 aliases=("reallocate-child",))
    p.add_argument("child", help="the child's id, case id or name")
    p.add_argument("worker", metavar="USERNAME")
    p = _command(sub, "close-case", "close a child's case",
                 "Close a child's case: nobody is allocated any more; the child and the records "
                 "about them stay. allocate-child reopens it.",
                 ["close-case C123456", "close-case C123456 --on 2026-11-30"], cmd_close_case)
    p.add_argument("child", help="the child's id, case id or name")
    p.add_argument("--on", type=iso_date, metavar="DATE", help=f"the day it closed ({DATE_HELP}; "
                                                               f"default today)")

    # ---- cover
    p = _command(sub, "give-cover", "let a manager cover another team between two dates",
                 "Give a manager cover of a team (leave, vacancy, acting up) from one date to "
                 "another, both included: for that period they have the same access as the "
                 "team's manager, and it ends by itself. Prints the cover's id.",
                 ["give-cover bjones \"Assessment 2\" --from 2026-12-07 --to 2026-12-24"],
                 cmd_give_cover)
    p.add_argument("manager", metavar="USERNAME", help="the covering manager")
    p.add_argument("team", help="the covered team's id or name")
    p.add_argument("--from", dest="starts_on", required=True, type=iso_date, metavar="DATE",
                   help=f"first day of cover ({DATE_HELP})")
    p.add_argument("--to", dest="ends_on", required=True, type=iso_date, metavar="DATE",
                   help=f"last day of cover ({DATE_HELP})")
    p = _command(sub, "end-cover", "end a cover early",
                 "End a cover before its planned last day.",
                 ["end-cover 3f0c...", "end-cover 3f0c... --last-day 2026-12-10"], cmd_end_cover)
    p.add_argument("cover_id", help="the id give-cover printed (list-cover shows it)")
    p.add_argument("--last-day", type=iso_date, metavar="DATE",
                   help=f"its last day ({DATE_HELP}; default today)")
    p = _command(sub, "list-cover", "list cover given, current and past",
                 "Every cover with its id, manager, team, dates and whether it is current.",
                 ["list-cover --current"], cmd_list_cover)
    p.add_argument("--current", action="store_true", help="only cover in force today")

    p = _command(sub, "import-directory", "import areas, teams, staff and children from CSV files",
                 "Import CSV files exported by HR and the case system (LCS, Mosaic...): service "
                 "areas, teams, staff (role, team, managers, ASYE and start dates, last supervision "
                 "before go-live) and children (legal status, allocated worker). Each file's kind "
                 "is told by its first line; the columns are in docs/INSTALL.md, Go-live. Rows "
                 "are keyed by the source system's ids: importing again updates them. Every file "
                 "is checked first: a bad value is named by file, line and column and nothing is "
                 "changed. New people get a one-time password, written to --passwords-out, and "
                 "choose their own at first sign-in.",
                 ["import-directory areas.csv teams.csv staff.csv children.csv --dry-run",
                  "import-directory areas.csv teams.csv staff.csv children.csv "
                  "--passwords-out /root/first-passwords.csv"], cmd_import)
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files (UTF-8, with a header line)")
    p.add_argument("--dry-run", action="store_true",
                   help="show every row that would be added or changed, and change nothing")
    p.add_argument("--passwords-out", type=Path, metavar="FILE",
                   help="a new file (readable only by you) for the new people's one-time "
                        "passwords: needed when the import adds people")

    _add_retention_parsers(sub)

    p = _command(sub, "find", "find people, teams, areas and children by name or id",
                 "Look for TEXT in the names, usernames, case ids and ids of everything in the "
                 "directory.", ["find smith", "find C1234 --json"], cmd_find)
    p.add_argument("text")


# --------------------------------------------------------------------------- output

def _emit(args, value: Any, text: str) -> None:
    print(json.dumps(value, indent=2, default=str) if args.json else text)


def _table(rows: list[dict[str, Any]], columns: list[str], empty: str) -> str:
    if not rows:
        return empty
    widths = {c: max(len(c), *(len(str(r.get(c) or "")) for r in rows)) for c in columns}

    def line(r: dict[str, Any]) -> str:
        return "  ".join(str(r.get(c) or "").ljust(widths[c]) for c in columns).rstrip()

    return "\n".join([line({c: c for c in columns})] + [line(r) for r in rows])


def _show(record_: dict[str, Any]) -> str:
    return "\n".join(f"{k}: {'' if v is None else v}" for k, v in record_.items()
                     if not isinstance(v, list)) + "".join(
        f"\n{k}:\n" + ("\n".join(f"  {_brief(i)}" for i in v) if v else "  (none)")
        for k, v in record_.items() if isinstance(v, list))


def _brief(item: Any) -> str:
    if isinstance(item, dict):
        return "  ".join(str(v) for v in item.values() if v not in (None, ""))
    return str(item)


class Directory:
    """The directory read once per command, with names for the ids it holds."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.areas = dict(directory.rows(conn, "service_area"))
        self.teams = dict(directory.rows(conn, "team"))
        self.staff = dict(directory.rows(conn, "staff"))
        self.accounts = {r.staff_id: r for r in conn.execute(
            select(account.c.staff_id, account.c.username, account.c.disabled,
                   account.c.must_change_password))}

    def username(self, staff_id: str | None) -> str | None:
        if not staff_id:
            return None
        acc = self.accounts.get(staff_id)
        return acc.username if acc else staff_id

    def team_name(self, team_id: str | None) -> str | None:
        return self.teams[team_id]["name"] if team_id in self.teams else team_id

    def may_sign_in(self, staff_id: str) -> bool:
        acc = self.accounts.get(staff_id)
        return bool(acc and not acc.disabled and self.staff[staff_id].get("active"))

    def area_row(self, area_id: str) -> dict[str, Any]:
        data = self.areas[area_id]
        return {"id": area_id, "name": data["name"], "manager": self.username(data["manager_id"]),
                "teams": sum(t["service_area_id"] == area_id for t in self.teams.values())}

    def team_row(self, team_id: str) -> dict[str, Any]:
        data = self.teams[team_id]
        area = data["service_area_id"]
        return {"id": team_id, "name": data["name"], "manager": self.username(data["manager_id"]),
                "area": self.areas[area]["name"] if area in self.areas else area,
                "people": sum(s["team_id"] == team_id and s["active"] for s in self.staff.values())}

    def user_row(self, staff_id: str) -> dict[str, Any]:
        data = self.staff[staff_id]
        return {"id": staff_id, "username": self.username(staff_id), "name": data["display_name"],
                "role": data["role"], "team": self.team_name(data["team_id"]),
                "may_sign_in": self.may_sign_in(staff_id)}

    def child_row(self, child_id: str, data: dict[str, Any], closed: dict[str, date]) -> dict[str, Any]:
        return {"id": child_id, "case_id": data["case_id"], "name": data["name"],
                "legal_status": data["legal_status"],
                "worker": self.username(data["allocated_worker_id"]),
                "closed_on": closed.get(child_id)}


def _contains(text: str | None, *values: Any) -> bool:
    return text is None or any(text.casefold() in str(v or "").casefold() for v in values)


# --------------------------------------------------------------------------- handlers

def _manager(conn, username: str | None) -> str | None:
    return directory.staff_id_for(conn, username) if username else None


def cmd_add_area(args, conn) -> None:
    area_id = directory.add_service_area(conn, args.name, _manager(conn, args.manager))
    _emit(args, {"id": area_id}, area_id)


def cmd_add_team(args, conn) -> None:
    area = directory.resolve(conn, "service_area", args.service_area) if args.service_area else None
    team_id = directory.add_team(conn, args.name, area, _manager(conn, args.manager))
    _emit(args, {"id": team_id}, team_id)


def cmd_list_areas(args, conn) -> None:
    d = Directory(conn)
    found = sorted((d.area_row(a) for a in d.areas if _contains(args.find, d.areas[a]["name"])),
                   key=lambda r: r["name"].casefold())
    _emit(args, found, _table(found, ["id", "name", "manager", "teams"], "No service areas."))


def cmd_list_teams(args, conn) -> None:
    d = Directory(conn)
    found = sorted((d.team_row(t) for t in d.teams if _contains(args.find, d.teams[t]["name"])),
                   key=lambda r: r["name"].casefold())
    _emit(args, found, _table(found, ["id", "name", "area", "manager", "people"], "No teams."))


def cmd_show_team(args, conn) -> None:
    team_id = directory.resolve(conn, "team", args.team)
    d = Directory(conn)
    shown = d.team_row(team_id)
    shown["members"] = sorted((d.user_row(s) for s, data in d.staff.items()
                               if data["team_id"] == team_id), key=lambda r: r["name"].casefold())
    for member in shown["members"]:
        del member["team"]
    shown["cover"] = [_cover_row(d, c) for c in directory.covers(conn) if c.team_id == team_id]
    _emit(args, shown, _show(shown))


def cmd_rename(args, conn) -> None:
    kind = args.rename_kind
    row_id = directory.rename(conn, kind, getattr(args, kind), args.new_name)
    _emit(args, {"id": row_id, "name": args.new_name.strip()}, f"Renamed {row_id}.")


def cmd_set_manager(args, conn) -> None:
    manager = None if args.none else directory.staff_id_for(conn, args.username)
    if args.team:
        row_id = directory.resolve(conn, "team", args.team)
        directory.set_team_manager(conn, row_id, manager)
    else:
        row_id = directory.resolve(conn, "service_area", args.service_area)
        directory.set_service_area_manager(conn, row_id, manager)
    _emit(args, {"id": row_id, "manager": None if args.none else args.username},
          f"{'No manager' if args.none else args.username + ' manages'} {row_id}.")


def read_password(args) -> tuple[str, str | None]:
    """(password, its one-time hash if generated) from the option given, the environment or
    the terminal; a sentence, never a traceback, when there is none."""
    if args.one_time_password:
        from .accounts import new_one_time_password

        return new_one_time_password()
    if args.password_fd is not None:
        try:
            with os.fdopen(args.password_fd, "r", encoding="utf-8", closefd=False) as stream:
                return stream.readline().rstrip("\r\n"), None
        except OSError:
            raise directory.DirectoryError(
                f"File descriptor {args.password_fd} cannot be read: open it for the command, "
                f"e.g. --password-fd 3 3<password.txt.") from None
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise directory.DirectoryError("Standard input was empty: the password is its first line.")
        return line.rstrip("\r\n"), None
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env, None
    if not sys.stdin.isatty():
        raise directory.DirectoryError(
            f"No password was given and there is no terminal to ask for one: use "
            f"--password-fd N, --password-stdin, the environment variable {PASSWORD_ENV}, or "
            f"--one-time-password.")
    try:
        first = getpass.getpass("Password: ")
        again = getpass.getpass("Again: ")
    except (EOFError, KeyboardInterrupt):
        raise directory.DirectoryError("No password was typed; nothing was changed.") from None
    if again != first:
        raise directory.DirectoryError("The passwords do not match; nothing was changed.")
    return first, None


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise directory.DirectoryError("A password needs at least 12 characters; nothing was changed.")


def _say_one_time(args, username: str, password: str, result: dict[str, Any]) -> str:
    result["one_time_password"] = password
    return (f"One-time password for {username}: {password}\nGive it to them in person or by "
            f"phone; they choose their own the first time they sign in.")


def cmd_add_user(args, conn) -> None:
    # everything that can be refused is checked before a password is asked for
    directory.username_free(conn, args.username)
    team = directory.resolve(conn, "team", args.team) if args.team else None
    line_manager = _manager(conn, args.line_manager)
    password, one_time = read_password(args)
    _check_password(password)
    staff_id = directory.add_user(conn, args.username, password, args.name, args.role, team,
                                  args.started_on, args.asye_start, one_time_hash=one_time,
                                  line_manager_id=line_manager,
                                  last_supervised_on=args.last_supervised_on)
    result: dict[str, Any] = {"id": staff_id, "username": args.username}
    text = staff_id  # the new person's id, for scripts
    if one_time:
        text += "\n" + _say_one_time(args, args.username, password, result)
    _emit(args, result, text)


def cmd_set_password(args, conn) -> None:
    from . import accounts

    directory.staff_id_for(conn, args.username)
    password, one_time = read_password(args)
    _check_password(password)
    if one_time:
        directory.set_one_time_password(conn, args.username, one_time)
    else:
        accounts.set_password(conn, args.username, password)
        conn.execute(account.update().where(account.c.username == args.username)
                     .values(must_change_password=False))
    ended = accounts.revoke_all(conn, args.username)
    result: dict[str, Any] = {"username": args.username, "sign_ins_ended": ended}
    text = f"Password set for {args.username}; {ended} sign-in(s) ended."
    if one_time:
        text += "\n" + _say_one_time(args, args.username, password, result)
    _emit(args, result, text)


def cmd_list_users(args, conn) -> None:
    d = Directory(conn)
    team = directory.resolve(conn, "team", args.team) if args.team else None
    found = [d.user_row(s) for s, data in d.staff.items()
             if (team is None or data["team_id"] == team) and (args.role in (None, data["role"]))
             and _contains(args.find, data["display_name"], d.username(s))
             and (not args.disabled or not d.may_sign_in(s))]
    found.sort(key=lambda r: r["name"].casefold())
    _emit(args, found, _table(found, ["username", "name", "role", "team", "may_sign_in", "id"],
                              "Nobody matches."))


def cmd_show_user(args, conn) -> None:
    staff_id = directory.staff_id_for(conn, args.username)
    d = Directory(conn)
    data = d.staff[staff_id]
    team = d.teams.get(data["team_id"] or "")
    shown = d.user_row(staff_id) | {
        "team_id": data["team_id"], "team_manager": d.username(team["manager_id"]) if team else None,
        "line_manager": d.username(data.get("line_manager_id")),
        "started_on": data["started_on"], "asye_start": data["asye_start"],
        "last_supervised_on": data.get("last_supervised_on"),
        "must_change_password": bool(staff_id in d.accounts
                                     and d.accounts[staff_id].must_change_password),
    }
    closed = directory.closed_cases(conn)
    shown["children"] = sorted(
        ({"case_id": c["case_id"], "name": c["name"], "id": cid}
         for cid, c in directory.rows(conn, "child")
         if c["allocated_worker_id"] == staff_id and cid not in closed),
        key=lambda r: r["case_id"])
    shown["cover"] = [_cover_row(d, c) for c in directory.covers(conn) if c.manager_id == staff_id]
    _emit(args, shown, _show(shown))


def cmd_move_user(args, conn) -> None:
    if args.no_team == bool(args.team):
        raise directory.DirectoryError("Name the new team, or give --no-team.")
    team = None if args.no_team else directory.resolve(conn, "team", args.team)
    directory.update_staff(conn, args.username, team_id=team)
    _emit(args, {"username": args.username, "team_id": team},
          f"{args.username} is now in {args.team or 'no team'}.")


def cmd_set_role(args, conn) -> None:
    directory.update_staff(conn, args.username, role=args.role)
    _emit(args, {"username": args.username, "role": args.role},
          f"{args.username} is now {Role(args.role).label.lower()}.")


def cmd_set_line_manager(args, conn) -> None:
    if args.none == bool(args.manager):
        raise directory.DirectoryError("Name the line manager, or give --none.")
    directory.set_line_manager(conn, args.username, None if args.none else args.manager)
    _emit(args, {"username": args.username, "line_manager": args.manager},
          f"{args.username}'s line manager: {args.manager or 'none'}.")


def cmd_set_last_supervision(args, conn) -> None:
    directory.update_staff(conn, args.username, last_supervised_on=args.day.isoformat())
    _emit(args, {"username": args.username, "last_supervised_on": args.day},
          f"{args.username} last had supervision on {args.day}.")


def cmd_enable_user(args, conn) -> None:
    directory.enable_user(conn, args.username)
    _emit(args, {"username": args.username, "may_sign_in": True},
          f"{args.username} may sign in again.")


def cmd_add_child(args, conn) -> None:
    worker = _manager(conn, args.worker)
    child_id = directory.add_child(conn, args.case_id, args.name, args.dob, args.legal_status, worker)
    _emit(args, {"id": child_id}, child_id)


def cmd_list_children(args, conn) -> None:
    d = Directory(conn)
    closed = directory.closed_cases(conn)
    worker = directory.staff_id_for(conn, args.worker) if args.worker else None
    team = directory.resolve(conn, "team", args.team) if args.team else None
    found = [d.child_row(cid, c, closed) for cid, c in directory.rows(conn, "child")
             if worker in (None, c["allocated_worker_id"])
             and (team is None or d.staff.get(c["allocated_worker_id"] or "", {}).get("team_id") == team)
             and _contains(args.find, c["name"], c["case_id"])
             and (not args.closed or cid in closed)]
    found.sort(key=lambda r: r["case_id"])
    _emit(args, found, _table(found, ["case_id", "name", "legal_status", "worker", "closed_on", "id"],
                              "No children match."))


def cmd_show_child(args, conn) -> None:
    child_id = directory.resolve(conn, "child", args.child)
    d = Directory(conn)
    data = directory._load(conn, child_id, "child")
    shown = d.child_row(child_id, data, directory.closed_cases(conn)) | {
        "date_of_birth": data["date_of_birth"],
        "worker_team": d.team_name(d.staff.get(data["allocated_worker_id"] or "", {}).get("team_id")),
    }
    _emit(args, shown, _show(shown))


def cmd_allocate_child(args, conn) -> None:
    child_id = directory.resolve(conn, "child", args.child)
    directory.reallocate_child(conn, child_id, directory.staff_id_for(conn, args.worker))
    _emit(args, {"id": child_id, "worker": args.worker}, f"{args.child} is allocated to {args.worker}.")


def cmd_close_case(args, conn) -> None:
    child_id = directory.resolve(conn, "child", args.child)
    on = args.on or london_today()
    directory.close_case(conn, child_id, on)
    _emit(args, {"id": child_id, "closed_on": on}, f"{args.child}'s case is closed ({on}).")


def _cover_row(d: Directory, c: directory.Cover) -> dict[str, Any]:
    return {"id": c.id, "manager": d.username(c.manager_id), "team": d.team_name(c.team_id),
            "starts_on": c.starts_on, "ends_on": c.ends_on,
            "current": c.live_on(london_today())}


def cmd_give_cover(args, conn) -> None:
    team = directory.resolve(conn, "team", args.team)
    cover_id = directory.give_cover(conn, args.manager, team, args.starts_on, args.ends_on)
    _emit(args, {"id": cover_id}, cover_id)


def cmd_end_cover(args, conn) -> None:
    cover = directory.end_cover(conn, args.cover_id, args.last_day or london_today())
    _emit(args, _cover_row(Directory(conn), cover), f"Cover {cover.id} ends after {cover.ends_on}.")


def cmd_list_cover(args, conn) -> None:
    d = Directory(conn)
    found = [_cover_row(d, c) for c in directory.covers(conn)]
    if args.current:
        found = [c for c in found if c["current"]]
    _emit(args, found, _table(found, ["id", "manager", "team", "starts_on", "ends_on", "current"],
                              "No cover has been given." if not args.current else "No cover today."))


def cmd_find(args, conn) -> None:
    d = Directory(conn)
    text = args.text
    found = ([{"kind": "area"} | d.area_row(a) for a, data in d.areas.items()
              if _contains(text, data["name"], a)]
             + [{"kind": "team"} | d.team_row(t) for t, data in d.teams.items()
                if _contains(text, data["name"], t)]
             + [{"kind": "user"} | d.user_row(s) for s, data in d.staff.items()
                if _contains(text, data["display_name"], d.username(s), s)])
    closed = directory.closed_cases(conn)
    found += [{"kind": "child"} | d.child_row(cid, c, closed) for cid, c in directory.rows(conn, "child")
              if _contains(text, c["name"], c["case_id"], cid)]
    lines = [f"{r['kind']:<6} {r.get('username') or r.get('case_id') or ''}  {r['name']}  {r['id']}"
             .replace("  ", " ", 1) if r["kind"] in ("user", "child")
             else f"{r['kind']:<6} {r['name']}  {r['id']}" for r in found]
    _emit(args, found, "\n".join(lines) or f"Nothing matches {text!r}.")


def cmd_import(args, conn) -> None:
    import time

    from . import directory_import
    from .accounts import new_one_time_password

    started = time.monotonic()
    rows = directory_import.read_files(args.files)
    planned = directory_import.plan(conn, rows)
    result: dict[str, Any] = {"dry_run": args.dry_run, "counts": planned.counts()}
    if args.dry_run:
        result["changes"] = [{"kind": c.kind, "source_id": c.source_id, "action": c.action,
                              "changed": c.changed if c.action == "update" else []}
                             for c in planned.changes if c.action != "unchanged"]
        _emit(args, result, directory_import.describe(planned, every_change=True)
              + "\nNothing was changed (--dry-run).")
        return
    if planned.new_people:
        if args.passwords_out is None:
            raise directory.DirectoryError(
                f"This import adds {len(planned.new_people)} people: give --passwords-out FILE "
                f"for their one-time passwords. Nothing was changed.")
        if args.passwords_out.exists():
            raise directory.DirectoryError(f"{args.passwords_out} exists already: name a new file "
                                           f"for the one-time passwords. Nothing was changed.")
    passwords = directory_import.apply(conn, planned, new_one_time_password)
    _revoke_leavers_certificates(args, conn, [
        c.data["username"] for c in planned.changes
        if c.kind == "staff" and c.action == "update" and "active" in c.changed
        and not c.data["active"]])
    if passwords:
        directory_import.write_passwords(args.passwords_out, passwords)
    result["seconds"] = round(time.monotonic() - started, 2)
    result["passwords_out"] = str(args.passwords_out) if passwords else None
    _emit(args, result, directory_import.describe(planned, every_change=False)
          + (f"\nOne-time passwords of the {len(passwords)} new people: {args.passwords_out}"
             if passwords else ""))


def run(args, conn: Connection, settings=None) -> int:
    args.ca_passphrase_file = getattr(settings, "ca_passphrase_file", None)
    args.config_file = getattr(settings, "file", None)  # the retention schedule's [retention]
    args.directory_handler(args, conn)
    return 0


def _revoke_leavers_certificates(args, conn, usernames: list[str]) -> None:
    """Leavers marked in an import lose their signing certificates, as with disable-user."""
    from . import certificates

    if not usernames:
        return
    passphrase = certificates.passphrase_from_environment(args.ca_passphrase_file)
    if passphrase is None:
        print(f"{len(usernames)} leaver(s) can no longer sign in, but their signing certificates "
              f"were not revoked: the CA passphrase was not given ({certificates.PASSPHRASE_ENV} "
              f"or --ca-passphrase-file). Run revoke-certificate for: {', '.join(usernames)}.",
              file=sys.stderr)
        return
    for username in usernames:
        certificates.revoke_user(conn, passphrase, username, "account disabled")


# --------------------------------------------------------------------------- retention

def _add_retention_parsers(sub) -> None:
    """``retention ACTION``: the schedule, the review list, leavers' dates, legal holds,
    deletion and its audit (DESIGN.md §3 rule 10; :mod:`.retention`)."""
    top = sub.add_parser(
        "retention", help="retention: review list, legal holds, deletion (retention --help)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "How long records are kept is the organisation's schedule ([retention] in "
            "server.toml; by default supervision records 6 years after the worker leaves). "
            "Records past it are listed for review; a record can be put on legal hold; "
            "deleting one deletes it and its parts on the server, and on every laptop at its "
            "next sync. Every hold, release and deletion is audited with ids only.", 78))
    rsub = top.add_subparsers(dest="retention_action", metavar="ACTION", required=True)
    p = _command(rsub, "schedule", "show the schedule in force",
                 "Each kind of record with how long it is kept and from when.",
                 ["retention schedule"], cmd_retention_schedule)
    p = _command(rsub, "list", "list records past their retention period, for review",
                 "Records due for review (past their retention period) and records on legal "
                 "hold, with their ids, kind, whose or which child's they are, and the day they "
                 "became due. --all lists every record with where it stands. Also names the "
                 "leavers with no leaving date recorded, whose records cannot become due.",
                 ["retention list", "retention list --all --json",
                  "retention list --on 2027-04-01"], cmd_retention_list)
    p.add_argument("--all", action="store_true", help="every record, not only due and held ones")
    p.add_argument("--on", type=iso_date, metavar="DATE",
                   help=f"as it will stand on this day, to plan ({DATE_HELP}; default today)")
    p = _command(rsub, "leaver", "record the day a person left (their records' retention starts)",
                 "Record a leaver's leaving date: their supervision history is kept for the "
                 "schedule's period from it. Recording it again corrects it.",
                 ["retention leaver jsmith --left-on 2026-11-30"], cmd_retention_leaver)
    p.add_argument("username")
    p.add_argument("--left-on", required=True, type=iso_date, metavar="DATE",
                   help=f"their last day ({DATE_HELP})")
    p = _command(rsub, "hold", "put a record on legal hold (it is never deleted while held)",
                 "Put a record on legal hold (litigation, an inquiry, a subject access request): "
                 "it cannot be deleted until the hold is released.",
                 ["retention hold 3f0c... --reason \"Claim 2026/114\""], cmd_retention_hold)
    p.add_argument("record_id", metavar="RECORD_ID", help="the id retention list shows")
    p.add_argument("--reason", required=True, help="why it is held (kept with the hold)")
    p = _command(rsub, "release", "end a record's legal hold",
                 "End a legal hold; the record is then deleted when due like any other.",
                 ["retention release 3f0c... --reason \"Claim settled\""], cmd_retention_release)
    p.add_argument("record_id", metavar="RECORD_ID")
    p.add_argument("--reason", required=True, help="why the hold ends (kept with the hold)")
    p = _command(rsub, "delete", "delete reviewed records past their retention period",
                 "Delete records that are due (never one on legal hold or not yet due) with "
                 "all their parts: discussions, actions and reviews, addenda, signatures and "
                 "signed copies. Laptops delete them at their next sync. Asks for confirmation "
                 "unless --yes is given. Nothing is deleted if any record named cannot be.",
                 ["retention delete 3f0c... 9b2c...", "retention delete --all-due --yes"],
                 cmd_retention_delete)
    p.add_argument("record_ids", nargs="*", metavar="RECORD_ID")
    p.add_argument("--all-due", action="store_true", help="every record due today")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = _command(rsub, "log", "show the retention audit (ids only)",
                 "Every leaving date recorded, hold, release and deletion: when, by whom (the "
                 "administrator's login), what kind of row and its id; a deleted part also "
                 "names its record. The chain of entry hashes is checked.",
                 ["retention log", "retention log --record 3f0c... --json"], cmd_retention_log)
    p.add_argument("--record", metavar="RECORD_ID", help="only this record and its parts")


def _london_today() -> date:
    """Retention counts in London days (DESIGN.md §3 rule 9), whatever the machine's zone."""
    from ...domain.time_rules import london_date, utc_now

    return london_date(utc_now())


def _administrator() -> str:
    """Who runs the command, for the audit: their login (through sudo, the person's own)."""
    return os.environ.get("SUDO_USER") or getpass.getuser()


def _schedule(args):
    from . import retention

    return retention.schedule_from_file(getattr(args, "config_file", None))


def cmd_retention_schedule(args, conn) -> None:
    schedule = _schedule(args)
    rows = [{"kind": kind.value, "years": rule.years, "after": rule.after.value,
             "description": f"{kind.label}: {rule.describe(kind)}"}
            for kind, rule in schedule.rules.items()]
    _emit(args, rows, "\n".join(r["description"] for r in rows))


def cmd_retention_list(args, conn) -> None:
    from ...domain.retention import Status
    from . import retention

    today = args.on or _london_today()
    entries = retention.review_list(conn, _schedule(args), today)
    if not args.all:
        entries = [e for e in entries if e.review.status in (Status.DUE, Status.ON_HOLD)]
    rows = [e.as_dict() for e in entries]
    missing = retention.leavers_without_date(conn)
    note = (f"\nLeavers with no leaving date recorded (retention leaver USERNAME --left-on DATE): "
            f"{', '.join(missing)}" if missing else "")
    _emit(args, {"on": today, "records": rows, "leavers_without_date": missing},
          _table(rows, ["id", "kind", "about", "status", "due_on", "reason"],
                 "There are no records." if args.all
                 else f"No records are due for review on {today}.") + note)


def cmd_retention_leaver(args, conn) -> None:
    from . import retention

    staff_id = retention.record_leaving_date(conn, args.username, args.left_on, _administrator())
    _emit(args, {"username": args.username, "id": staff_id, "left_on": args.left_on},
          f"{args.username} left on {args.left_on}.")


def cmd_retention_hold(args, conn) -> None:
    from . import retention

    retention.hold(conn, args.record_id, args.reason, _administrator())
    _emit(args, {"id": args.record_id, "on_hold": True}, f"Record {args.record_id} is on legal hold.")


def cmd_retention_release(args, conn) -> None:
    from . import retention

    retention.release(conn, args.record_id, args.reason, _administrator())
    _emit(args, {"id": args.record_id, "on_hold": False},
          f"Record {args.record_id} is no longer on legal hold.")


def cmd_retention_delete(args, conn) -> None:
    from ...domain.retention import Status
    from . import retention

    schedule, today = _schedule(args), _london_today()
    ids = list(args.record_ids)
    if args.all_due:
        ids += [e.record_id for e in retention.review_list(conn, schedule, today)
                if e.review.status == Status.DUE]
        if not ids:
            _emit(args, {"deleted": [], "parts": 0}, f"No records are due on {today}.")
            return
    elif not ids:
        raise directory.DirectoryError("Name the records to delete, or give --all-due.")
    plan = retention.plan_deletion(conn, ids, schedule, today)
    if not args.yes:
        if not sys.stdin.isatty():
            raise directory.DirectoryError(
                f"This would delete {plan.summary()}, here and on every laptop. Run it again "
                f"with --yes to confirm. Nothing was deleted.")
        answer = input(f"Delete {plan.summary()}, here and on every laptop at its next sync? "
                       f"This cannot be undone. Type yes to delete: ")
        if answer.strip().lower() != "yes":
            raise directory.DirectoryError("Nothing was deleted.")
    plan = retention.delete_records(conn, ids, schedule, today, _administrator())
    _emit(args, {"deleted": [record_id for _t, record_id in plan.records],
                 "parts": len(plan.parts)},
          f"Deleted {plan.summary()}. Laptops delete them at their next sync.")


def cmd_retention_log(args, conn) -> None:
    from . import retention

    entries = retention.audit_entries(conn, args.record)
    broken = retention.audit_break(conn)
    rows = [{"seq": e["seq"], "at": e["at"], "action": e["action"], "table": e["table_name"],
             "id": e["record_id"], "part_of": e["part_of"], "by": e["by"]} for e in entries]
    tail = ("\nThe audit chain is whole." if broken is None
            else f"\nTHE AUDIT CHAIN IS BROKEN at entry {broken}.")
    _emit(args, {"entries": rows, "chain_broken_at": broken},
          _table(rows, ["seq", "at", "action", "table", "id", "part_of", "by"],
                 "Nothing has been recorded yet.") + tail)
