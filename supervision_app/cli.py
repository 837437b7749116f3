"""Command-line entry points: the desktop app and its tools.

    supervision-app [--data-dir DIR] [--demo] [--as USERNAME]
    supervision-app [--data-dir DIR | --demo] verify FILE.pdf [--ca CA.pem]
    supervision-app [--data-dir DIR | --demo] report compliance --as USERNAME ...
    supervision-app check-profile [--data-dir DIR | --demo]
    supervision-app export-chronology --child CASE_ID --out DIR --as USERNAME [--since DATE]
    supervision-app export --evidence RECORD_ID --out DIR --as USERNAME

Startup failures (no secure keyring, a missing or wrong key, a damaged profile) are shown
in words, on the console and in a dialog when a screen is available, and exit non-zero
without touching any file.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from platformdirs import user_data_path

from .domain.time_rules import london_today
from .version import __version__

APP_NAME = "SupervisionRecorder"
EXIT_STARTUP_REFUSED = 2


def default_data_dir(demo: bool) -> Path:
    base = user_data_path(APP_NAME, appauthor=False)
    return base / ("demo" if demo else "profile")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supervision-app",
        description="Record, sign and review case supervision for children's social care.",
        epilog="Commands (each has its own --help): verify, report, check-profile, "
               "export-chronology, export --evidence.",
    )
    parser.add_argument("--data-dir", type=Path, help="profile folder (default: your user data folder)")
    parser.add_argument("--demo", action="store_true",
                        help="open a demo profile filled with synthetic data (made on first use)")
    parser.add_argument("--as", dest="username", metavar="USERNAME",
                        help="sign in as this person from the local directory")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check this installation with a throwaway profile, then exit")
    return parser


def _show_startup_problem(message: str) -> None:
    print(f"Supervision Recorder cannot start:\n{message}", file=sys.stderr)
    if not _display_available() or os.environ.get("QT_QPA_PLATFORM") in ("offscreen", "minimal"):
        return
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication.instance() or QApplication([sys.argv[0]])
    QMessageBox.critical(None, "Supervision Recorder cannot start", message)


def _display_available() -> bool:
    return sys.platform in ("win32", "darwin") or bool(
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    )


def run_desktop(args: argparse.Namespace) -> int:
    """The window goes up first; the profile opens in the background (see
    ``gui.app.start_desktop``). A problem opening it is shown in words, on the console and
    in a dialog, and ends with ``EXIT_STARTUP_REFUSED`` without touching any file."""
    folder = args.data_dir or default_data_dir(args.demo)
    if not _display_available() and os.environ.get("QT_QPA_PLATFORM") not in ("offscreen", "minimal"):
        return _run_desktop_without_screen(args, folder)
    from .gui.app import StartupRefused, start_desktop
    from .gui.crash_dialog import install_crash_reporter
    from .logging_setup import configure_logging

    log_file = configure_logging(folder)  # written only once something is logged
    install_crash_reporter(lambda: log_file)

    def open_profile():
        from .store.database import open_database

        database = open_database(folder)
        try:
            staff_id = _ensure_demo_data(database) if args.demo else None
            if args.username:
                staff_id = _staff_id_for(database, args.username)
                if staff_id is None:
                    raise StartupRefused(
                        f"There is nobody called '{args.username}' in this profile's directory."
                        + _people_listed(database))
        except BaseException:
            database.close()
            raise
        return database, staff_id

    def open_demo():
        """The first-run page's "Explore the demo": this same process opens the demo profile
        (no restart: an installed bundle and a developer's checkout behave alike)."""
        from .store.database import open_database

        database = open_database(demo_folder_for(args))
        try:
            return database, _ensure_demo_data(database)
        except BaseException:
            database.close()
            raise

    return start_desktop(open_profile, argv=[sys.argv[0]], on_problem=_show_startup_problem,
                         open_demo=None if args.demo else open_demo)


def demo_folder_for(args: argparse.Namespace) -> Path:
    """Where "Explore the demo" keeps the demo profile: the usual demo folder, or beside a
    profile given with --data-dir (``<folder>-demo``), so tests and trials stay in theirs."""
    if args.data_dir is None:
        return default_data_dir(demo=True)
    return args.data_dir.with_name(args.data_dir.name + "-demo")


def _run_desktop_without_screen(args: argparse.Namespace, folder: Path) -> int:
    """No display to show a window on: open the profile here, so that a problem with it is
    still reported in words (a window could not be shown anyway)."""
    from .security.secret_store import KeyringUnavailable
    from .store.database import open_database
    from .store.errors import StoreError

    try:
        database = open_database(folder)
    except (StoreError, KeyringUnavailable) as problem:
        _show_startup_problem(str(problem))
        return EXIT_STARTUP_REFUSED
    database.close()
    _show_startup_problem("There is no screen to show the window on (no DISPLAY or WAYLAND_DISPLAY).")
    return EXIT_STARTUP_REFUSED


def _ensure_demo_data(database) -> str:
    """Fill an empty demo profile once; sign in as its team manager by default."""
    from sqlalchemy import func, select

    from .demo.generator import populate_team_demo
    from .store.models import Staff

    with database.reading() as session:
        has_people = session.execute(select(func.count()).select_from(Staff)).scalar_one() > 0
        if has_people:
            manager = session.execute(
                select(Staff.id).where(Staff.role == "team_manager").order_by(Staff.username).limit(1)
            ).scalar_one()
            return manager
    print("Creating the demo profile with synthetic data and signing its recent records "
          "(first run only; up to half a minute)...", file=sys.stderr)
    summary = populate_team_demo(database, today=london_today())
    return summary.manager_id


def _people_listed(database) -> str:
    """Who ``--as`` can name, by role (the demo's people are made up on the day it is
    created, so no list of names in the README can be right)."""
    from sqlalchemy import select

    from .domain.vocabulary import Role
    from .store.models import Staff

    with database.reading() as session:
        people = session.execute(select(Staff.username, Staff.display_name, Staff.role)
                                 .where(Staff.tombstone.is_(False), Staff.active.is_(True))
                                 .order_by(Staff.role, Staff.username)).all()
    if not people:
        return ""
    lines = [f"  {p.username:24} {p.display_name} ({Role(p.role).label})" for p in people]
    return "\nUsernames in this profile:\n" + "\n".join(lines)


def _staff_id_for(database, username: str) -> str | None:
    from sqlalchemy import select

    from .store.models import Staff

    with database.reading() as session:
        return session.execute(select(Staff.id).where(Staff.username == username)).scalar_one_or_none()


def run_verify(argv: list[str], folder: Path | None = None) -> int:
    """``verify FILE.pdf [--ca CA.pem]``: the organisation CA kept in the profile (saved when
    its person first signed in to the server, refreshed when the CA changes) is trusted
    unless ``--ca`` names another."""
    from .records.verify import EXIT_BAD_INPUT, verify_main

    argv, folder = _profile_option(argv, folder)
    folder = folder or default_data_dir(False)
    default_ca = _default_ca_path(folder)
    asked_for_help = any(arg in ("-h", "--help") for arg in argv)
    ca_given = any(arg == "--ca" or arg.startswith("--ca=") for arg in argv)
    if default_ca is not None and not ca_given and not asked_for_help:
        return _verify_with_profile_cas(argv, default_ca, folder)
    if default_ca is None and not asked_for_help and not ca_given:
        print(f"verify: there is no organisation CA certificate in the profile {folder}, and none "
              "was given with --ca.\nIt is saved in the profile when someone first signs in to "
              "the organisation's sync server. Elsewhere, ask the organisation's IT for its CA "
              "certificate (anyone with Supervision Recorder can save it from Help > Save the "
              "organisation's certificate) and run:\n  supervision-app verify FILE.pdf --ca "
              "organisation-ca.pem", file=sys.stderr)
        return EXIT_BAD_INPUT
    return verify_main(argv, default_ca=default_ca)


def _verify_with_profile_cas(argv: list[str], current: Path, folder: Path) -> int:
    """Check against the profile's current CA; a record signed before the CA was rotated
    is checked against the earlier CA the profile kept (``ca/retired/``)."""
    import io

    from .records.verify import EXIT_FAILED, EXIT_OK, verify_main
    from .security.credentials import CA_FOLDER, RETIRED_FOLDER

    out, err = io.StringIO(), io.StringIO()
    code = verify_main(argv, default_ca=current, out=out, err=err)
    retired = sorted((folder / CA_FOLDER / RETIRED_FOLDER).glob("*.pem"))
    if code == EXIT_FAILED and retired:
        # Signed under an earlier CA and time-stamped since under the current one (a record
        # archived after a rotation): both are needed at once.
        all_out, all_err = io.StringIO(), io.StringIO()
        if verify_main(argv, default_ca=[current, *retired], out=all_out, err=all_err) == EXIT_OK:
            sys.stdout.write(all_out.getvalue())
            print("(checked against the organisation's current and earlier CA certificates)")
            return EXIT_OK
    if code == EXIT_FAILED:
        for earlier in retired:
            old_out, old_err = io.StringIO(), io.StringIO()
            if verify_main(argv, default_ca=earlier, out=old_out, err=old_err) == EXIT_OK:
                sys.stdout.write(old_out.getvalue())
                print(f"(checked against the organisation's earlier CA certificate, {earlier}, "
                      "which was current when this record was signed)")
                return EXIT_OK
    sys.stdout.write(out.getvalue())
    sys.stderr.write(err.getvalue())
    return code


def _profile_option(argv: list[str], folder: Path | None) -> tuple[list[str], Path | None]:
    """``--data-dir DIR`` or ``--demo`` given after ``verify`` choose the profile too."""
    rest: list[str] = []
    items = iter(argv)
    for arg in items:
        if arg == "--data-dir":
            value = next(items, None)
            if value is not None:
                folder = Path(value)
        elif arg.startswith("--data-dir="):
            folder = Path(arg.split("=", 1)[1])
        elif arg == "--demo":
            folder = default_data_dir(True)
        else:
            rest.append(arg)
    return rest, folder


def _default_ca_path(folder: Path) -> Path | None:
    """The organisation CA certificate kept in the profile ``folder``, if it has one."""
    from .security.credentials import CA_CERTIFICATE_FILE, CA_FOLDER

    candidate = folder / CA_FOLDER / CA_CERTIFICATE_FILE
    return candidate if candidate.exists() else None


def run_report(args: argparse.Namespace, report_argv: list[str]) -> int:
    """Compliance and audit figures for board papers, from the same code as the dashboard."""
    from .assurance.report_cli import build_parser, report_main
    from .security.secret_store import KeyringUnavailable
    from .store.database import open_database
    from .store.errors import StoreError

    try:  # --help and mistyped arguments are answered before any profile is needed
        build_parser().parse_args(report_argv)
    except SystemExit as stop:
        return 0 if stop.code == 0 else EXIT_STARTUP_REFUSED
    folder = args.data_dir or default_data_dir(args.demo)
    if not (folder / "profile.json").exists():
        print(f"There is no profile in {folder}; start the app once first.", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        database = open_database(folder)
    except (StoreError, KeyringUnavailable) as problem:
        print(f"Supervision Recorder cannot open the profile:\n{problem}", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        return report_main(report_argv, database)
    finally:
        database.close()


def run_check_profile(argv: list[str]) -> int:
    """``check-profile``: the audit chain, SQLCipher's page check and SQLite's structure
    check, in words; exit 0 only when all is well (1: a problem found, 2: cannot open)."""
    parser = argparse.ArgumentParser(
        prog="supervision-app check-profile",
        description="Check this laptop's profile: that its audit log is unbroken and its "
                    "encrypted database undamaged. Exit code 0 only when all is well.")
    parser.add_argument("--data-dir", type=Path, help="profile folder (default: your user data folder)")
    parser.add_argument("--demo", action="store_true", help="check the demo profile")
    args = parser.parse_args(argv)
    from .security.secret_store import KeyringUnavailable
    from .store.database import open_database
    from .store.errors import StoreError
    from .store.profile_check import check_profile

    folder = args.data_dir or default_data_dir(args.demo)
    if not (folder / "profile.json").exists():
        print(f"There is no profile in {folder}.", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        database = open_database(folder)
    except (StoreError, KeyringUnavailable) as problem:
        print(f"The profile cannot be opened, so it could not be checked:\n{problem}", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        result = check_profile(database)
    finally:
        database.close()
    print(result.in_words())
    return 0 if result.ok else 1


def run_export_chronology(argv: list[str]) -> int:
    """``export-chronology --child ID --out DIR --as USERNAME [--since dd/mm/yyyy]``: the
    child's management-oversight chronology as a PDF signed with that person's key and a
    CSV, as the child's page exports it (same permissions, audited)."""
    parser = argparse.ArgumentParser(
        prog="supervision-app export-chronology",
        description="Export a child's management-oversight chronology (signed PDF and CSV) to "
                    "attach to the child's file in the case-management system.")
    parser.add_argument("--data-dir", type=Path, help="profile folder (default: your user data folder)")
    parser.add_argument("--demo", action="store_true", help="use the demo profile")
    parser.add_argument("--child", required=True, help="the child's case ID (or record id)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the two files into")
    parser.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                        help="who is exporting (their key signs the PDF)")
    parser.add_argument("--since", help="only entries signed on or after this date (dd/mm/yyyy)")
    args = parser.parse_args(argv)
    from sqlalchemy import or_, select

    from .domain.text_rules import InvalidInput, parse_date
    from .records.chronology_export import export_child_chronology
    from .security.credentials import CredentialStore, CredentialsUnavailable
    from .security.secret_store import KeyringUnavailable, SecretStore
    from .store.database import open_database
    from .store.errors import StoreError
    from .store.models import Child, Staff
    from .store.supervision_records import NotAllowed, NotFound

    folder = args.data_dir or default_data_dir(args.demo)
    if not (folder / "profile.json").exists():
        print(f"There is no profile in {folder}; start the app once first.", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        since = parse_date("--since", args.since) if args.since else None
        database = open_database(folder)
    except InvalidInput as problem:
        print(str(problem), file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    except (StoreError, KeyringUnavailable) as problem:
        print(f"Supervision Recorder cannot open the profile:\n{problem}", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        with database.reading() as s:
            person = s.execute(select(Staff).where(Staff.username == args.username)).scalar_one_or_none()
            child_id = s.execute(select(Child.id).where(
                or_(Child.case_id == args.child, Child.id == args.child))).scalar_one_or_none()
            if person is None:
                print(f"There is nobody called '{args.username}' in this profile's directory.", file=sys.stderr)
                return 1
            if child_id is None:
                print(f"There is no child '{args.child}' on this computer.", file=sys.stderr)
                return 1
            staff_id, name, role = person.id, person.display_name, person.role
        store = CredentialStore(folder, SecretStore(database.profile.profile_id))
        if not store.has_key(staff_id):
            store.ensure_local_credentials(staff_id, name, role)  # standalone, as the app does
        files = export_child_chronology(database, store, actor_id=staff_id, child_id=child_id,
                                        folder=args.out, since=since)
    except (NotAllowed, NotFound, CredentialsUnavailable) as problem:
        print(str(problem), file=sys.stderr)
        return 1
    finally:
        database.close()
    print(f"{files.pdf}\n{files.csv}\n{files.entries} entries; the PDF is signed by {name}.")
    return 0


def run_export_evidence(argv: list[str]) -> int:
    """``export --evidence RECORD_ID --out DIR --as USERNAME``: the signed PDF, the
    organisation's CA and time-stamping authority certificates, and a validation report (PDF
    and text) that a court or an auditor can read without the app (records.evidence)."""
    parser = argparse.ArgumentParser(
        prog="supervision-app export",
        description="Write a signed record's evidence pack: the PDF, the certificates to check "
                    "it with, and a validation report in plain words.")
    parser.add_argument("--data-dir", type=Path, help="profile folder (default: your user data folder)")
    parser.add_argument("--demo", action="store_true", help="use the demo profile")
    parser.add_argument("--evidence", required=True, metavar="RECORD_ID",
                        help="the record (supervision record, oversight note or addendum id)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the pack into")
    parser.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                        help="who is exporting (checked against who may export the record; audited)")
    args = parser.parse_args(argv)
    from .records.evidence import EvidenceRefused, write_evidence_pack
    from .security.credentials import CA_FOLDER, RETIRED_FOLDER
    from .security.pki import load_certificate
    from .security.secret_store import KeyringUnavailable
    from .store.database import open_database
    from .store.errors import StoreError

    folder = args.data_dir or default_data_dir(args.demo)
    if not (folder / "profile.json").exists():
        print(f"There is no profile in {folder}; start the app once first.", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    current = _default_ca_path(folder)
    paths = ([current] if current else []) + sorted((folder / CA_FOLDER / RETIRED_FOLDER).glob("*.pem"))
    try:
        database = open_database(folder)
    except (StoreError, KeyringUnavailable) as problem:
        print(f"Supervision Recorder cannot open the profile:\n{problem}", file=sys.stderr)
        return EXIT_STARTUP_REFUSED
    try:
        staff_id = _staff_id_for(database, args.username)
        if staff_id is None:
            print(f"There is nobody called '{args.username}' in this profile's directory.", file=sys.stderr)
            return 1
        pack = write_evidence_pack(database, actor_id=staff_id, record_id=args.evidence, folder=args.out,
                                   ca_certificates=[load_certificate(p.read_bytes()) for p in paths])
    except EvidenceRefused as problem:
        print(str(problem), file=sys.stderr)
        return 1
    finally:
        database.close()
    for path in pack.files:
        print(path)
    all_ok = pack.report is not None and pack.report.all_ok  # write_evidence_pack always sets it
    verdict = "all signatures OK" if all_ok else "the signatures did NOT all check out"
    print(f"Evidence pack written: {verdict} (see validation-report.pdf).")
    return 0 if all_ok else 1


def main(argv: list[str] | None = None) -> int:
    from .command_output import quiet_when_reader_stops

    return quiet_when_reader_stops(lambda: _run(argv))


def _run(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "export" and any(a in ("-h", "--help", "--evidence") or a.startswith("--evidence=")
                                            for a in argv):
        return run_export_evidence(argv[1:])
    if argv and argv[0] == "export-chronology":
        return run_export_chronology(argv[1:])
    if argv and argv[0] == "verify":
        return run_verify(argv[1:])
    if "check-profile" in argv:
        argv.remove("check-profile")
        return run_check_profile(argv)
    if "verify" in argv:  # supervision-app --data-dir DIR verify FILE.pdf
        split = argv.index("verify")
        before, folder = _profile_option(argv[:split], None)
        if not before:
            return run_verify(argv[split + 1:], folder)
    if "report" in argv:
        split = argv.index("report")
        args = _build_parser().parse_args(argv[:split])
        return run_report(args, argv[split + 1:])
    args = _build_parser().parse_args(argv)
    if args.self_test:
        from .self_test import run_self_test

        return run_self_test(out=sys.stdout)
    return run_desktop(args)


if __name__ == "__main__":
    sys.exit(main())
