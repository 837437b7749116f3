"""``supervision-server``: run the sync server, and administer users, teams and roles.

    supervision-server --database-url URL --host 127.0.0.1 --port 8443      # serve
    supervision-server --database-url URL migrate
    supervision-server --database-url URL add-service-area NAME [--manager USERNAME]
    supervision-server --database-url URL add-team NAME [--service-area ID] [--manager USERNAME]
    supervision-server --database-url URL add-user USERNAME --name NAME --role ROLE [--team ID]
                                                  [--password-stdin]
    supervision-server --database-url URL set-role USERNAME ROLE
    supervision-server --database-url URL set-team USERNAME TEAM_ID
    supervision-server --database-url URL set-manager USERNAME (--team ID | --service-area ID)
    supervision-server --database-url URL set-password USERNAME [--password-stdin]
    supervision-server --database-url URL disable-user USERNAME
    supervision-server --database-url URL revoke-tokens USERNAME
    supervision-server --database-url URL add-child CASE_ID --name NAME --dob YYYY-MM-DD
                                                  --legal-status STATUS [--worker USERNAME]
    supervision-server --database-url URL create-ca --organisation ORG [--name CN] [--rotate]
    supervision-server --database-url URL revoke-certificate USERNAME

The CA key is kept in the database encrypted with a passphrase the server reads from
``SUPERVISION_SERVER_CA_PASSPHRASE``, or from a file named by ``--ca-passphrase-file`` or
``SUPERVISION_SERVER_CA_PASSPHRASE_FILE`` (never from the command line). The server needs it
to issue and revoke certificates; serving the CA certificate and checking signatures do not.

The database URL may also come from ``SUPERVISION_SERVER_DATABASE_URL``; the default is a
SQLite file in the current folder. Ids are printed on standard output.
"""
from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from ...domain.vocabulary import LegalStatus, Role
from . import accounts, certificates, directory
from .storage import make_engine, migrate

DEFAULT_URL = "sqlite:///supervision-server.db"


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("SUPERVISION_SERVER_NEW_PASSWORD")
    if env:
        return env
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise SystemExit("The passwords do not match.")
    return first


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supervision-server", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("SUPERVISION_SERVER_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--token-hours", type=float, default=12.0)
    parser.add_argument("--log-file", help="also write the log (including authorization decisions) here")
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--ssl-certfile")
    parser.add_argument("--ssl-keyfile")
    parser.add_argument("--ca-passphrase-file",
                        help="file holding the CA key's passphrase (or set SUPERVISION_SERVER_CA_PASSPHRASE)")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the server (the default)")
    sub.add_parser("migrate", help="create or upgrade the server database")

    p = sub.add_parser("add-service-area")
    p.add_argument("name")
    p.add_argument("--manager", help="username of the service manager")
    p = sub.add_parser("add-team")
    p.add_argument("name")
    p.add_argument("--service-area")
    p.add_argument("--manager", help="username of the team manager")
    p = sub.add_parser("add-user")
    p.add_argument("username")
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--team")
    p.add_argument("--started-on", type=date.fromisoformat)
    p.add_argument("--asye-start", type=date.fromisoformat)
    p.add_argument("--password-stdin", action="store_true")
    p = sub.add_parser("set-role")
    p.add_argument("username")
    p.add_argument("role", choices=[r.value for r in Role])
    p = sub.add_parser("set-team")
    p.add_argument("username")
    p.add_argument("team_id")
    p = sub.add_parser("set-manager")
    p.add_argument("username")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--team")
    group.add_argument("--service-area")
    p = sub.add_parser("set-password")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true")
    p = sub.add_parser("disable-user")
    p.add_argument("username")
    p = sub.add_parser("revoke-tokens")
    p.add_argument("username")
    p = sub.add_parser("add-child")
    p.add_argument("case_id")
    p.add_argument("--name", required=True)
    p.add_argument("--dob", required=True, type=date.fromisoformat)
    p.add_argument("--legal-status", required=True, choices=[s.value for s in LegalStatus])
    p.add_argument("--worker", help="username of the allocated worker")
    p = sub.add_parser("create-ca", help="create the organisation CA (or replace it with --rotate)")
    p.add_argument("--organisation", required=True)
    p.add_argument("--name", default=None, help="the CA's common name")
    p.add_argument("--valid-days", type=int, default=3650)
    p.add_argument("--rotate", action="store_true",
                   help="retire the current CA; laptops enrol with the new one at their next sync")
    p = sub.add_parser("revoke-certificate", help="revoke every signing certificate of a user")
    p.add_argument("username")
    return parser


def _configure_logging(args: argparse.Namespace) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if args.log_file:
        handlers.append(logging.FileHandler(args.log_file, encoding="utf-8"))
    logging.basicConfig(level=args.log_level.upper(), handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _admin(args: argparse.Namespace, engine) -> int:
    with engine.begin() as conn:
        cmd = args.command
        if cmd == "add-service-area":
            manager = directory.staff_id_for(conn, args.manager) if args.manager else None
            print(directory.add_service_area(conn, args.name, manager))
        elif cmd == "add-team":
            manager = directory.staff_id_for(conn, args.manager) if args.manager else None
            print(directory.add_team(conn, args.name, args.service_area, manager))
        elif cmd == "add-user":
            staff_id = directory.add_user(conn, args.username, _password(args), args.name, args.role,
                                          args.team, args.started_on, args.asye_start)
            print(staff_id)  # the new person's id, for scripts; never the password
        elif cmd == "set-role":
            directory.update_staff(conn, args.username, role=args.role)
        elif cmd == "set-team":
            directory.update_staff(conn, args.username, team_id=args.team_id)
        elif cmd == "set-manager":
            staff_id = directory.staff_id_for(conn, args.username)
            if args.team:
                directory.set_team_manager(conn, args.team, staff_id)
            else:
                directory.set_service_area_manager(conn, args.service_area, staff_id)
        elif cmd == "set-password":
            directory.staff_id_for(conn, args.username)
            accounts.set_password(conn, args.username, _password(args))
            accounts.revoke_all(conn, args.username)
        elif cmd == "disable-user":
            directory.update_staff(conn, args.username, active=False)
            accounts.revoke_all(conn, args.username)
        elif cmd == "revoke-tokens":
            print(accounts.revoke_all(conn, args.username))
        elif cmd == "add-child":
            worker = directory.staff_id_for(conn, args.worker) if args.worker else None
            print(directory.add_child(conn, args.case_id, args.name, args.dob, args.legal_status, worker))
        elif cmd == "create-ca":
            stored = certificates.create_ca(
                conn, certificates.passphrase_from_environment(args.ca_passphrase_file),
                args.name or f"{args.organisation} signing CA", args.organisation,
                args.valid_days, rotate=args.rotate)
            print(certificates.fingerprint(stored.certificate))
        elif cmd == "revoke-certificate":
            print(certificates.revoke_user(
                conn, certificates.passphrase_from_environment(args.ca_passphrase_file), args.username))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args)
    try:
        engine = make_engine(args.database_url)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    migrate(engine)
    if args.command == "migrate":
        return 0
    if args.command not in (None, "serve"):
        try:
            return _admin(args, engine)
        except (directory.DirectoryError, LookupError, ValueError) as error:
            print(error, file=sys.stderr)
            return 1
        except certificates.CertificateError as error:
            print(error.message, file=sys.stderr)
            return 1
        except OSError as error:
            print(f"A file could not be read: {error.strerror}", file=sys.stderr)
            return 1
        except IntegrityError:
            print("That would duplicate an existing entry.", file=sys.stderr)
            return 1

    import uvicorn

    from .app import create_app

    try:
        passphrase = certificates.passphrase_from_environment(args.ca_passphrase_file)
    except (OSError, certificates.CertificateError) as error:
        print(f"The CA passphrase could not be read: {type(error).__name__}", file=sys.stderr)
        return 2
    app = create_app(engine, token_lifetime=timedelta(hours=args.token_hours), ca_passphrase=passphrase)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level,
                ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile,
                timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
