"""``supervision-server``: run the sync server, and administer users, teams and roles.

    supervision-server --database-url URL --host 127.0.0.1 --port 8443      # serve
    supervision-server --config /etc/supervision-server/server.toml                 # serve
    supervision-server --config FILE check-config [--get SETTING]
    supervision-server --database-url URL migrate
    supervision-server --database-url URL COMMAND --help      (what each command does, examples)
    directory (admin_commands): add-service-area, add-team, add-user, add-child, list-areas,
        list-teams, list-users, list-children, list-cover, show-team, show-user, show-child, find,
        rename-area, rename-team, rename-user, rename-child, move-user, set-role, set-manager,
        set-line-manager, set-last-supervision, set-password, enable-user, allocate-child,
        close-case, give-cover, end-cover (each with --json)
    supervision-server --database-url URL import-directory FILE... [--dry-run]
    supervision-server --database-url URL disable-user USERNAME     (also revokes certificates)
    supervision-server --database-url URL revoke-tokens USERNAME
    supervision-server --database-url URL create-ca --organisation ORG [--name CN] [--rotate]
    supervision-server --database-url URL revoke-certificate USERNAME [--reason TEXT]
    supervision-server --database-url URL allow-new-certificate USERNAME [--reason TEXT]
    supervision-server --database-url URL list-certificates USERNAME [--json]
    supervision-server --database-url URL check-audit [--device ID]
    supervision-server --database-url URL publish-feedback-totals     (daily, by a timer)

The CA key is kept in the database encrypted with a passphrase the server reads from
``SUPERVISION_SERVER_CA_PASSPHRASE``, or from a file named by ``--ca-passphrase-file`` or
``SUPERVISION_SERVER_CA_PASSPHRASE_FILE`` (never from the command line). The server needs it
to issue and revoke certificates; serving the CA certificate and checking signatures do not.

Settings (database URL, address, port, log, ...) come from flags, then environment variables
``SUPERVISION_SERVER_<NAME>``, then a TOML file named by ``--config FILE`` or
``SUPERVISION_SERVER_CONFIG``, then defaults (the database default is a SQLite file in the
current folder): see :mod:`.config` and ``packaging/server/server.toml.example``.
``check-config`` shows what is in effect. The database password may come from
``SUPERVISION_SERVER_DATABASE_PASSWORD`` so that the file need not hold it.

Every command first brings the database schema to head, one instance at a time
(:mod:`.startup`), unless one query shows it is there already (:mod:`.schema_head`); with
``--no-migrate`` (or ``migrate_on_start = false``) it only checks the schema is at head,
and ``migrate`` does the upgrade. Ids are printed on standard output.
"""
from __future__ import annotations

import argparse
import logging
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from . import admin_commands, certificates, config, directory, heap
from .storage import make_engine

if TYPE_CHECKING:  # (forked workers: loaded only by a server that serves)
    from .document_workers import DocumentWorkers

DEFAULT_URL = config.SETTINGS["database_url"].default


def _wrap(text: str) -> str:
    import textwrap

    return textwrap.fill(text, 78)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="supervision-server", description=__doc__.split("\n")[0])
    config.add_arguments(parser)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the server (the default)")
    sub.add_parser("migrate", help="create or upgrade the server database, then exit")
    p = sub.add_parser("check-config", help="check the configuration and show every setting and "
                                            "where it came from (passwords hidden)")
    p.add_argument("--get", metavar="SETTING", choices=sorted(config.SETTINGS),
                   help="print only this setting's value (database_url: without its password)")

    admin_commands.add_parsers(sub)  # the directory: areas, teams, people, children, cover
    p = sub.add_parser(
        "disable-user", help="disable an account (a leaver): ends its sign-ins and revokes its "
                             "signing certificates",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Disable a leaver's account: they cannot sign in, every laptop signed in "
                          "as them must sign in again, their signing certificates are revoked "
                          "(with the CA passphrase) and their laptops drop the records at the next "
                          "sync. The records stay on the server. enable-user undoes it."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml disable-user jsmith\n")
    p.add_argument("username")
    p = sub.add_parser(
        "revoke-tokens", help="end every sign-in of a user (their laptops must sign in again); "
                              "prints how many were ended",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("End every sign-in of a person (a lost laptop, a password someone else "
                          "may know): each of their laptops must sign in again. Prints how many "
                          "sign-ins were ended."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml revoke-tokens jsmith\n")
    p.add_argument("username")
    p = sub.add_parser("create-ca", help="create the organisation CA (or replace it with --rotate)")
    p.add_argument("--organisation", required=True)
    p.add_argument("--name", default=None, help="the CA's common name")
    p.add_argument("--valid-days", type=int, default=3650)
    p.add_argument("--rotate", action="store_true",
                   help="retire the current CA; laptops enrol with the new one at their next sync")
    p = sub.add_parser(
        "revoke-certificate", help="revoke every signing certificate of a user",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Revoke every signing certificate of a user (a lost laptop, a key that may be "
                    "known to someone else). Their laptops stop signing at the next sync; a new "
                    "certificate is issued only when the person signs in again on a laptop. "
                    "Prints how many certificates were revoked."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml \\\n"
               "      revoke-certificate jsmith --reason \"laptop stolen 6 Dec\"\n")
    p.add_argument("username")
    p.add_argument("--reason", help="why, in a few words (shown to the person and in "
                                    "list-certificates)")
    p = sub.add_parser(
        "allow-new-certificate", help="replace a user's signing certificate at their next sync",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Revoke a user's signing certificates and let each of their laptops make a new "
                    "key and get a new certificate at its next sync, without signing in again "
                    "(after a change of name or role, a damaged key, or an expired certificate). "
                    "The server never holds anyone's private key, so it cannot issue the "
                    "certificate itself: the laptop asks for it. If the key may be known to "
                    "someone else, use revoke-certificate instead: the person then has to sign in "
                    "again. Prints how many certificates were revoked."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml \\\n"
               "      allow-new-certificate jsmith --reason \"now a team manager\"\n")
    p.add_argument("username")
    p.add_argument("--reason", help="why, in a few words (shown to the person and in "
                                    "list-certificates)")
    p = sub.add_parser(
        "list-certificates", help="list a user's signing certificates",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Every signing certificate issued to a user: serial number, SHA-256 "
                    "fingerprint, issued, expires, and when and why it was revoked. Times in UTC."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml "
               "list-certificates jsmith --json\n")
    p.add_argument("username")
    p.add_argument("--json", action="store_true", help="one JSON object per certificate, in a list")
    p = sub.add_parser(
        "renew-timestamps", help="archive signed records and renew their time stamps",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Give every locked record's signed PDF its validation data and a "
                    "document time stamp if it has none yet (PAdES B-LTA), and add a new "
                    "document time stamp to each archived PDF whose newest time stamp's "
                    "certificate expires within the margin, so records stay provable for "
                    "decades. Run it daily (cron or a systemd timer). Prints what it did."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml "
               "renew-timestamps --margin-days 365\n")
    p.add_argument("--margin-days", type=int, default=None,
                   help="renew this many days before expiry (default: timestamp_renewal_days, 365)")
    p = sub.add_parser("check-audit", help="recompute every laptop's audit chain the server "
                                           "holds and report any break (exit 1 if there is one)")
    p.add_argument("--device", help="check only this laptop (its device id)")
    sub.add_parser(
        "publish-feedback-totals", help="publish the team totals of supervisee feedback for "
                                        "quarters that have ended",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=_wrap("Add up supervisee feedback into team totals for every quarter that "
                    "has ended and is not published yet (a team with too few answers gets "
                    "none). Feedback arriving publishes them too, but a quiet team's quarter "
                    "would wait for the next answer: run this daily (cron or a systemd "
                    "timer). Prints how many totals were published."),
        epilog="example:\n  supervision-server --config /etc/supervision-server/server.toml "
               "publish-feedback-totals\n")
    return parser


def _print_certificates(issued: list, as_json: bool) -> None:
    import json

    if as_json:
        print(json.dumps([entry.as_json() for entry in issued], indent=2))
        return
    if not issued:
        print("No certificates have been issued to this person.")
        return

    def when(value):
        return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""

    for entry in issued:
        state = (f"revoked {when(entry.revoked_at)}: {entry.revoked_reason or 'no reason given'}"
                 if entry.revoked_at is not None else "live")
        print(f"serial {entry.serial}\n  fingerprint {entry.fingerprint}\n"
              f"  issued {when(entry.issued_at)}   expires {when(entry.not_after)}\n  {state}"
              + ("  (issued by a retired CA)" if entry.ca_retired else ""))


def _configure_logging(settings: config.ServerConfig) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if settings.log_file:
        handlers.append(logging.FileHandler(settings.log_file, encoding="utf-8"))
    logging.basicConfig(level=settings.log_level.upper(), handlers=handlers,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")


def _admin(args: argparse.Namespace, engine, settings: config.ServerConfig) -> int:
    from . import accounts  # not at the top: argon2's set-up is wasted on most commands

    with engine.begin() as conn:
        cmd = args.command
        if getattr(args, "directory_handler", None) is not None:
            return admin_commands.run(args, conn, settings)
        if cmd == "disable-user":
            directory.update_staff(conn, args.username, active=False)
            accounts.revoke_all(conn, args.username)
            _revoke_leavers_certificates(conn, settings, args.username)
        elif cmd == "revoke-tokens":
            print(accounts.revoke_all(conn, args.username))
        elif cmd == "create-ca":
            stored = certificates.create_ca(
                conn, certificates.passphrase_from_environment(settings.ca_passphrase_file),
                args.name or f"{args.organisation} signing CA", args.organisation,
                args.valid_days, rotate=args.rotate)
            print(certificates.fingerprint(stored.certificate))
        elif cmd == "revoke-certificate":
            print(certificates.revoke_user(
                conn, certificates.passphrase_from_environment(settings.ca_passphrase_file),
                args.username, args.reason))
        elif cmd == "allow-new-certificate":
            print(certificates.allow_new_certificate(
                conn, certificates.passphrase_from_environment(settings.ca_passphrase_file),
                args.username, args.reason))
        elif cmd == "list-certificates":
            _print_certificates(certificates.list_certificates(conn, args.username), args.json)
        elif cmd == "check-audit":
            return _check_audit(conn, args.device)
        elif cmd == "renew-timestamps":
            return _renew_timestamps(engine, settings, args.margin_days)
        elif cmd == "publish-feedback-totals":
            _publish_feedback_totals(conn)
    return 0


def _publish_feedback_totals(conn: Connection) -> None:
    """Under the sequence lock, as a push storing feedback publishes them: the totals go to
    laptops by sequence like any row. Counts only, never an answer."""
    from . import authz
    from .feedback_totals import publish_feedback_totals
    from .storage import WriteTx

    tx = WriteTx.begin(conn)
    written = publish_feedback_totals(tx, authz.server_today())
    tx.finish()
    print(f"{written} team feedback total{'' if written == 1 else 's'} published.")


def _renew_timestamps(engine, settings, margin_days: int | None) -> int:
    """Each record in its own transaction (``engine``), not the command's: pushes go on."""
    from datetime import timedelta

    from .archive import renew_timestamps
    from .timestamping import DEFAULT_POLICY_OID

    days = margin_days if margin_days is not None else settings.timestamp_renewal_days
    report = renew_timestamps(
        engine, certificates.passphrase_from_environment(settings.ca_passphrase_file),
        margin=timedelta(days=days), url=settings.timestamp_url,
        policy=settings.timestamp_policy or DEFAULT_POLICY_OID)
    for line in report.lines():
        print(line)
    return 1 if report.failed else 0


def _check_audit(conn, device: str | None) -> int:
    """One line per laptop and person; ids and seqs only, never contents."""
    from .audit_anchors import check_stored_chains

    reports = list(check_stored_chains(conn, device))
    for report in reports:
        where = f"laptop {report.device_id}, person {report.staff_id}"
        if report.broken is None:
            print(f"{where}: {report.entries_checked} entries, no break")
        else:
            print(f"{where}: BROKEN at entry {report.broken.seq}: {report.broken.problem}")
    if not reports:
        print("The server holds no audit entries" + (f" for laptop {device}." if device else "."))
    return 1 if any(r.broken is not None for r in reports) else 0


def _revoke_leavers_certificates(conn, settings: config.ServerConfig, username: str) -> None:
    """A disabled account's signing certificates end with it (DESIGN.md 1.1, leavers)."""
    passphrase = certificates.passphrase_from_environment(settings.ca_passphrase_file)
    if passphrase is None:
        print(f"{username} is disabled, but their signing certificates were not revoked: the CA "
              f"passphrase was not given ({certificates.PASSPHRASE_ENV} or --ca-passphrase-file). "
              f"Run revoke-certificate {username} with it.", file=sys.stderr)
        return
    certificates.revoke_user(conn, passphrase, username, "account disabled")


def _check_config(args: argparse.Namespace, settings: config.ServerConfig) -> int:
    if args.get == "database_url":
        print(settings.url_without_password())  # scripts pass the password separately
    elif args.get:
        value = settings.values[args.get]
        print("" if value is None else str(value).lower() if isinstance(value, bool) else value)
    else:
        print(settings.describe())
    return 0


def _schema_ready(settings: config.ServerConfig, engine, command: str | None) -> int | None:
    """Bring the schema to head (or check it is there); an exit code if that failed."""
    from .schema_head import at_head

    if command not in (None, "serve", "migrate") and at_head(engine):
        return None  # an administration command on a migrated database: one query, no Alembic
    from .startup import MigrationError, check_current, migrate_once

    try:
        if command == "migrate" or settings.migrate_on_start:
            migrate_once(engine, lock_timeout=settings.migration_lock_timeout)
        else:
            check_current(engine)
    except MigrationError as error:
        print(error, file=sys.stderr)
        return 1
    except OperationalError as error:
        # the driver's first line names host and port, never the password
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        print(f"The database {settings.display_url()} could not be used: {reason}", file=sys.stderr)
        return 1
    return None


def main(argv: list[str] | None = None) -> int:
    from ...command_output import quiet_when_reader_stops

    return quiet_when_reader_stops(lambda: _run(argv))


def _run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = config.load(args)
    except config.ConfigError as error:
        print(f"supervision-server: configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        return _check_config(args, settings)
    try:
        _configure_logging(settings)
    except OSError as error:
        print(f"The log file {settings.log_file} cannot be opened: {error.strerror}", file=sys.stderr)
        return 2
    if config.password_in_readable_file(settings):
        logging.getLogger("supervision_app.sync.server").warning(
            "%s holds the database password and everyone on this machine may read it: move the "
            "password to %s (e.g. in server.env) or make the file unreadable to others",
            settings.file, config.PASSWORD_ENV)
    try:
        engine = make_engine(settings.engine_url)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    failed = _schema_ready(settings, engine, args.command)
    if failed is not None:
        return failed
    if args.command == "migrate":
        return 0
    if args.command not in (None, "serve"):
        try:
            return _admin(args, engine, settings)
        except (directory.DirectoryError, LookupError, ValueError) as error:
            print(error, file=sys.stderr)
            return 1
        except certificates.CertificateError as error:
            print(error.message, file=sys.stderr)
            return 1
        except BrokenPipeError:
            raise  # the reader of our output stopped: see command_output
        except OSError as error:
            print(f"A file could not be read: {error.strerror}", file=sys.stderr)
            return 1
        except IntegrityError:
            print("That would duplicate an existing entry.", file=sys.stderr)
            return 1

    import uvicorn

    from .app import create_app

    try:
        passphrase = certificates.passphrase_from_environment(settings.ca_passphrase_file)
    except (OSError, certificates.CertificateError) as error:
        print(f"The CA passphrase could not be read: {type(error).__name__}", file=sys.stderr)
        return 2
    # the server process only, not a test's process that builds an app
    logging.getLogger("supervision_app.sync.server").info(
        "Start-up objects set aside from garbage collection: %d", heap.settle())
    document_workers = _start_document_workers(settings, engine)
    app = create_app(engine, token_lifetime=timedelta(hours=settings.token_hours),
                     ca_passphrase=passphrase, certificate_days=settings.certificate_days,
                     trusted_proxies=settings.trusted_proxies,
                     timestamp_url=settings.timestamp_url, timestamp_policy=settings.timestamp_policy,
                     document_workers=document_workers)
    try:
        # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1
        # (any local client could then choose its address); the app reads it from trusted
        # proxies only.
        uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                    ssl_certfile=settings.ssl_certfile, ssl_keyfile=settings.ssl_keyfile,
                    timeout_graceful_shutdown=5, proxy_headers=False)
    finally:
        if document_workers is not None:
            document_workers.close()
    return 0


def _start_document_workers(settings: config.ServerConfig, engine: Engine) -> DocumentWorkers | None:
    """Fork the processes that read pushed signed copies (``document_workers``): before the
    app starts any thread, and with no database connection open for them to inherit."""
    from .document_workers import DocumentWorkers, automatic_count

    count = settings.document_workers
    if count is None:
        count = automatic_count()
    engine.dispose()
    workers = DocumentWorkers.start(count)
    logging.getLogger("supervision_app.sync.server").info(
        "Signed copies are read and verified by %s", f"{workers.count} worker process(es)"
        if workers is not None else "the server's own process")
    return workers


if __name__ == "__main__":
    sys.exit(main())
