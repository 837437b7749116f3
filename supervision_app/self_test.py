"""``supervision-app --self-test``: prove an installation works, touching nothing of the user's.

IT runs this after installing (and CI runs it from the freshly built bundle). It checks, in
order, and prints one line per check (never any record contents):

* the version, the bundled resources (fonts, styles, icons, Designer forms) and the
  Alembic migrations are where the app looks for them;
* the keyring backends for this platform can be discovered (a bundle loses them unless
  its spec copies keyring's entry-point metadata);
* bank holidays for England and the Europe/London time zone load;
* a throwaway encrypted profile is created in a temporary folder (SQLCipher, migrated to
  the newest schema) and its file is unreadable without the key;
* a small synthetic record is written through the store's services and shared;
* the main window opens offscreen as the supervisor and every page loads;
* the record is signed by the supervisor, then by the supervisee (the real sign-off flow:
  a PDF rendered with ReportLab and signed twice with pyHanko), the record locks, and the
  PDF verifies against the throwaway profile's own demo CA;
* the audit chain is intact; the throwaway profile is deleted.

It stops at the first failure with a clear ``FAIL`` line (the traceback goes to standard
error) and returns non-zero; it returns 0 when everything passed.

The self-test never touches the OS keyring, or any real profile. It installs a small
in-memory keyring backend of its own (:class:`SelfTestKeyring`) with ``keyring.set_keyring``
for its own duration only, and puts the previous backend back afterwards. That backend
exists for this self-test only: it keeps secrets in a Python dict, it forgets them when
the self-test ends, and nothing else in the app may use it. The real app refuses to start
without a secure OS keyring (see ``security.secret_store``).

Qt is started with ``QT_QPA_PLATFORM=offscreen`` (set here, before Qt starts), so the
self-test needs no screen and shows nothing.
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TextIO

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from .domain.time_rules import london_today, utc_now
from .errors import AppError

if TYPE_CHECKING:
    from .security.credentials import CredentialStore
    from .store.database import Database

__all__ = ["SelfTestFailed", "SelfTestKeyring", "run_self_test"]

EXIT_OK = 0
EXIT_FAILED = 1

# Native keyring backends, by the name keyring's entry points give them, per platform.
_NATIVE_BACKENDS = {"win32": ("Windows",), "darwin": ("macOS",)}
_LINUX_BACKENDS = ("SecretService",)  # KWallet and libsecret are also listed when present
_WINDOW_TIMEOUT_S = 60.0


class SelfTestFailed(AppError):
    """A check failed; the message says what, in words."""


class SelfTestKeyring(KeyringBackend):
    """An in-memory keyring for the self-test ONLY.

    Secrets live in a dict and vanish with the self-test. It is installed with
    ``keyring.set_keyring`` while the self-test runs and removed afterwards; the app proper
    never uses it (it would be no protection at all for a real database key).
    """

    priority = 1  # never chosen by keyring's own discovery

    def __init__(self) -> None:
        super().__init__()
        self._secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self._secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self._secrets[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None

    def forget_everything(self) -> None:
        self._secrets.clear()


@dataclass
class _Reporter:
    out: TextIO
    passed: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def ok(self, text: str) -> None:
        self.passed += 1
        self.line(f"  ok    {text}")

    def fail(self, step: str, message: str) -> None:
        self.line(f"  FAIL  {step}: {message}")


@contextmanager
def _throwaway_keyring() -> Iterator[SelfTestKeyring]:
    previous = keyring.get_keyring()
    backend = SelfTestKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        backend.forget_everything()
        keyring.set_keyring(previous)


def _force_offscreen() -> str | None:
    """Make Qt start offscreen (only matters if Qt has not started yet)."""
    previous = os.environ.get("QT_QPA_PLATFORM")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return previous


_QT_NOISE = ("This plugin does not support propagateSizeHints()",)
_quietened = False


def _quieten_offscreen_warnings() -> None:
    """Drop the offscreen platform's harmless 'does not support' warnings; pass on the rest."""
    global _quietened
    if _quietened:
        return
    from PySide6.QtCore import qInstallMessageHandler

    previous = None

    def handler(mode, context, message):
        if any(noise in message for noise in _QT_NOISE):
            return
        if previous is not None:
            previous(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    previous = qInstallMessageHandler(handler)
    _quietened = True


# --------------------------------------------------------------------------- the checks

class _SelfTest:
    def __init__(self, report: _Reporter, workdir: Path) -> None:
        self.report = report
        self.workdir = workdir
        self.db: Database | None = None
        self.people: dict[str, str] = {}
        self.record_id: str | None = None
        self.credentials: CredentialStore | None = None
        self.pdf: bytes | None = None

    # The checks run in order and stop at the first failure, so a check that needs the
    # profile or the record only runs once an earlier one made it; these say so to mypy.
    @property
    def database(self) -> Database:
        if self.db is None:
            raise SelfTestFailed("the throwaway profile is not open")
        return self.db

    @property
    def written_record_id(self) -> str:
        if self.record_id is None:
            raise SelfTestFailed("no synthetic record was written")
        return self.record_id

    # -- installation ------------------------------------------------------------

    def version(self) -> str:
        from .version import __version__, version_source

        if not __version__ or __version__.startswith("0+unknown"):
            raise SelfTestFailed("the version number could not be read (package metadata missing)")
        frozen = "bundle" if getattr(sys, "frozen", False) else "Python environment"
        return (f"version {__version__} (from {version_source()}); running from a {frozen}, "
                f"Python {sys.version.split()[0]} on {sys.platform}")

    def resources(self) -> str:
        from .resources import resource_path, resource_root

        fonts = sorted(p.name for p in resource_path("fonts").glob("*.ttf"))
        if "DejaVuSans.ttf" not in fonts:
            raise SelfTestFailed(f"the PDF fonts are missing from {resource_path('fonts')}")
        for part in (("styles", "app.qss"),):
            if not resource_path(*part).is_file():
                raise SelfTestFailed(f"{'/'.join(part)} is missing from {resource_root()}")
        icons = sorted(p.name for p in resource_path("icons").glob("*") if p.is_file())
        if not icons:
            raise SelfTestFailed(f"no icons in {resource_path('icons')}")
        return f"resources found: {len(fonts)} fonts, style sheet, {len(icons)} icon files"

    def forms(self) -> str:
        from .gui.forms import ui_root

        forms = sorted(ui_root().glob("*.ui"))
        if not any(f.name == "main_window.ui" for f in forms):
            raise SelfTestFailed(f"the Designer forms are missing from {ui_root()}")
        return f"Designer forms found: {len(forms)} .ui files"

    def migrations(self) -> str:
        from .store.migrations_config import MIGRATIONS_DIR

        env = MIGRATIONS_DIR / "env.py"
        versions = sorted((MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))
        if not env.is_file() or not versions:
            raise SelfTestFailed(f"the database migrations are missing from {MIGRATIONS_DIR}")
        return f"database migrations found: {len(versions)} revisions"

    def keyring_backends(self) -> str:
        from importlib import metadata

        # keyring's own backends only (a developer's environment may also hold keyrings.alt,
        # whose file backends the app refuses anyway)
        points = {ep.name: ep for ep in metadata.entry_points(group="keyring.backends")
                  if ep.value.startswith("keyring.")}
        if sys.platform.startswith("linux"):
            expected = _LINUX_BACKENDS
        else:
            expected = _NATIVE_BACKENDS.get(sys.platform, ())
        missing = [name for name in expected if name not in points]
        if missing:
            raise SelfTestFailed(
                "keyring cannot discover the backend(s) " + ", ".join(missing)
                + " (keyring's entry-point metadata is missing from this installation), "
                "so the app could not reach the system keyring")
        loaded = []
        for name in sorted(points):
            try:
                points[name].load()
            except Exception as error:  # noqa: BLE001 - a native backend must import
                if name in expected:
                    raise SelfTestFailed(f"the {name} keyring backend does not load ({error})") from None
                continue
            loaded.append(name)
        return (f"keyring backends discoverable: {', '.join(loaded)} "
                "(the OS keyring itself is not used by the self-test)")

    def calendar(self) -> str:
        from zoneinfo import ZoneInfo

        from .domain.working_days import is_working_day

        london = ZoneInfo("Europe/London")
        summer = datetime(2025, 7, 1, 12, tzinfo=timezone.utc).astimezone(london)
        if summer.utcoffset() != timedelta(hours=1):
            raise SelfTestFailed("the Europe/London time zone has wrong summer time rules")
        if is_working_day(date(2025, 12, 25)) or is_working_day(date(2025, 8, 25)):
            raise SelfTestFailed("England's bank holidays did not load")
        if not is_working_day(date(2025, 12, 23)):
            raise SelfTestFailed("an ordinary Tuesday is not counted as a working day")
        return "Europe/London time zone and England's bank holidays load"

    # -- the throwaway profile --------------------------------------------------

    def profile(self) -> str:
        import sqlcipher3

        from .store.database import DATABASE_FILE, open_database

        folder = self.workdir / "profile"
        self.db = open_database(folder)
        from alembic.script import ScriptDirectory

        from .store.migrations_config import alembic_config

        with self.db.engine.connect() as connection:
            current = {row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")}
            heads = set(ScriptDirectory.from_config(alembic_config(connection)).get_heads())
        if current != heads:
            raise SelfTestFailed(f"the new database is at revision {sorted(current)}, not the newest {sorted(heads)}")
        head = ", ".join(sorted(heads))
        path = folder / DATABASE_FILE
        with path.open("rb") as handle:
            header = handle.read(16)
        if header.startswith(b"SQLite format 3"):
            raise SelfTestFailed("the database file was written unencrypted")
        probe = sqlcipher3.connect(str(path))
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            pass
        else:
            raise SelfTestFailed("the database file could be read without its key")
        finally:
            probe.close()
        return (f"throwaway encrypted profile created (SQLCipher, migrated to the newest revision {head}); "
                "the file is unreadable without its key")

    def record(self) -> str:
        from .domain.vocabulary import Agreement
        from .store import supervision_records as records
        from .store.models import Child, Staff, Team

        today = london_today()
        with self.database.transaction() as s:
            team = Team(name="Self-test Team")
            s.add(team)
            s.flush()
            manager = Staff(display_name="Self-test Supervisor", username="self-test-supervisor",
                            role="team_manager", team_id=team.id, started_on=today - timedelta(days=900))
            worker = Staff(display_name="Self-test Supervisee", username="self-test-supervisee",
                           role="social_worker", team_id=team.id, started_on=today - timedelta(days=700))
            s.add_all([manager, worker])
            s.flush()
            team.manager_id = manager.id
            child = Child(case_id="SELFTEST-1", name="Synthetic Child", date_of_birth=date(2015, 1, 1),
                          legal_status="child_in_need", allocated_worker_id=worker.id)
            s.add(child)
            s.flush()
            self.people = {"supervisor": manager.id, "supervisee": worker.id}

        held = utc_now().replace(microsecond=0) - timedelta(days=1)
        supervisor_id, supervisee_id = self.people["supervisor"], self.people["supervisee"]
        with self.database.transaction() as s:
            boss = records.load_actor(s, supervisor_id)
            session_id = records.create_session(s, boss, supervisee_id=supervisee_id, held_at=held,
                                                duration_minutes=60, location="Office")
            records.update_session(s, boss, session_id, {
                "wellbeing": "Synthetic self-test text.",
                "learning": "Synthetic self-test text.",
                "next_session_on": held.date() + timedelta(days=28),
            })
            discussion = records.add_case_discussion(s, boss, session_id, "SELFTEST-1")
            records.update_case_discussion(s, boss, discussion, {
                "worries": "Synthetic.", "working_well": "Synthetic.", "needs_to_happen": "Synthetic.",
                "decision": "Synthetic decision.", "rationale": "Synthetic rationale.",
                "safety_scale": 7,
            })
            records.add_action(s, boss, session_id=session_id, case_discussion_id=discussion,
                               description="Synthetic action.", owner_id=supervisee_id,
                               due_on=today + timedelta(days=14))
            records.share_session(s, boss, session_id)
        with self.database.transaction() as s:
            records.respond(s, records.load_actor(s, supervisee_id), session_id,
                            comments="Synthetic comment.", agreement=Agreement.AGREES)
        self.record_id = session_id
        return "a small synthetic record written through the store, shared, and agreed by the supervisee"

    def main_window(self) -> str:
        from PySide6.QtGui import QIcon
        from PySide6.QtWidgets import QApplication

        from .gui import qt_binding
        from .gui.app import application, build_window
        from .resources import resource_path

        app = application([sys.argv[0] if sys.argv else "supervision-app"])
        _quieten_offscreen_warnings()
        binding_fault = qt_binding.fault()
        if binding_fault is not None:
            raise SelfTestFailed(binding_fault)
        platform = QApplication.platformName()
        window = build_window(self.database, self.people["supervisor"])
        if window.ctx is None:
            raise SelfTestFailed("the main window opened with no one signed in")
        tasks = window.ctx.tasks
        problems: list[str] = []
        tasks.failed.connect(problems.append)
        try:
            window.show()

            def settle(what: str) -> None:
                deadline = time.monotonic() + _WINDOW_TIMEOUT_S
                while True:
                    app.processEvents()
                    editor = window.editor
                    idle = not tasks.busy and (editor is None or editor.autosaver.idle)
                    if idle:
                        app.processEvents()
                        if not tasks.busy:
                            break
                    if time.monotonic() > deadline:
                        raise SelfTestFailed(f"the main window did not finish loading {what} "
                                             f"within {_WINDOW_TIMEOUT_S:.0f} s")
                    time.sleep(0.01)
                if problems:
                    raise SelfTestFailed(f"loading {what} failed: {problems[0]}")

            settle("its first page")
            if not window.isVisible():
                raise SelfTestFailed("the main window did not open")
            pages = list(window._nav_keys)  # the self-test walks every page
            for key in pages:
                window.show_page(key)
                settle(f"the '{key}' page")
            window.open_session(self.written_record_id)
            settle("the supervision record")
            if window.editor is None:
                raise SelfTestFailed("the supervision record did not open in the editor")
            window.editor.close_editor()
            settle("closing the record")
            icon = QIcon(str(resource_path("icons", "app.svg")))
            if icon.pixmap(64, 64).isNull():
                raise SelfTestFailed("the SVG icon could not be drawn (Qt's SVG image plugin is missing)")
        finally:
            window.close()
            tasks.wait()
            window.deleteLater()
            app.processEvents()
        return (f"main window opened offscreen (Qt platform '{platform}') as the supervisor; "
                f"{len(pages)} pages and the record editor loaded; SVG icons draw")

    def sign(self, role: str) -> str:
        from .records.signoff import sign_supervision_record
        from .security.credentials import CredentialStore
        from .security.secret_store import SecretStore

        credentials = self.credentials
        if credentials is None:
            credentials = self.credentials = CredentialStore(self.database.profile.folder,
                                                             SecretStore(self.database.profile.profile_id),
                                                             organisation="Self-test Council")
        staff_id = self.people[role]
        display = "Self-test Supervisor" if role == "supervisor" else "Self-test Supervisee"
        credentials.ensure_local_credentials(staff_id, display,
                                                  "team_manager" if role == "supervisor" else "social_worker")
        started = time.monotonic()
        result = sign_supervision_record(self.database, credentials, session_id=self.written_record_id,
                                         signer_id=staff_id)
        seconds = time.monotonic() - started
        expected = "supervisor_signed" if role == "supervisor" else "locked"
        if result.new_state.value != expected:
            raise SelfTestFailed(f"after the {role} signed, the record is '{result.new_state.value}', "
                                 f"not '{expected}'")
        if role == "supervisor":
            return f"PDF rendered (ReportLab) and signed by the supervisor (pyHanko) in {seconds:.1f} s"
        return f"PDF signed by the supervisee in {seconds:.1f} s; the record is locked"

    def locked(self) -> str:
        from .store.errors import RecordLocked
        from .store.models import SupervisionSession

        try:
            with self.database.transaction() as s:
                record = s.get(SupervisionSession, self.written_record_id)
                if record is None:
                    raise SelfTestFailed("the signed record is missing from the database")
                record.learning = "changed after signing"
        except RecordLocked:
            return "the locked record refuses changes (database triggers)"
        raise SelfTestFailed("a signed, locked record could still be changed")

    def verify(self) -> str:
        from .domain.lifecycle import RecordKind
        from .records.signoff import latest_document
        from .records.verify import verify_pdf
        from .security import pki

        with self.database.reading() as s:
            document = latest_document(s, RecordKind.SUPERVISION, self.written_record_id)
            pdf = document.pdf if document is not None else None
        if not pdf or not pdf.startswith(b"%PDF-"):
            raise SelfTestFailed("the signed PDF was not stored with the record")
        ca_pem = self.credentials.ca_certificate_pem() if self.credentials is not None else None
        if ca_pem is None:
            raise SelfTestFailed("the throwaway CA certificate was not made")
        ca = pki.load_certificate(ca_pem)
        report = verify_pdf(pdf, ca)
        if len(report.signatures) != 2:
            raise SelfTestFailed(f"the PDF carries {len(report.signatures)} signatures, not 2")
        if not report.all_ok:
            bad = next((sig for sig in report.signatures if not sig.ok), None)
            detail = "; ".join(bad.problems) if bad is not None and bad.problems else "see `verify`"
            raise SelfTestFailed(f"the signed PDF does not verify: {detail}")
        return (f"signed PDF ({len(pdf) // 1024} KB) verified against the throwaway CA: "
                "2 signatures intact, valid and trusted, nothing changed after them")

    def audit(self) -> str:
        from .store.audit_log import verify as verify_audit

        with self.database.reading() as s:
            chain = verify_audit(s)
        if not chain.ok:
            raise SelfTestFailed(f"the audit chain is broken at entry {chain.first_broken_seq}: {chain.problem}")
        return f"audit chain intact ({chain.entries_checked} entries)"

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


def run_self_test(out: TextIO | None = sys.stdout) -> int:
    """Run every check, printing one line each to ``out``; 0 if all passed, 1 otherwise.

    ``out`` may be ``None`` (a windowed Windows executable has no console): then only the
    exit code tells; run the console executable to read the checks."""
    if out is None:
        out = open(os.devnull, "w", encoding="utf-8")  # lives as long as the process
    previous_platform = _force_offscreen()
    report = _Reporter(out)
    report.line("Supervision Recorder self-test")
    workdir = Path(tempfile.mkdtemp(prefix="supervision-self-test-"))
    test = _SelfTest(report, workdir)
    steps: list[tuple[str, Callable[[], str]]] = [
        ("version", test.version),
        ("resources", test.resources),
        ("forms", test.forms),
        ("migrations", test.migrations),
        ("keyring", test.keyring_backends),
        ("calendar", test.calendar),
        ("profile", test.profile),
        ("record", test.record),
        ("main window", test.main_window),
        ("supervisor signs", lambda: test.sign("supervisor")),
        ("supervisee signs", lambda: test.sign("supervisee")),
        ("lock", test.locked),
        ("verify", test.verify),
        ("audit", test.audit),
    ]
    failed = False
    try:
        with _throwaway_keyring():
            report.ok("throwaway in-memory keyring installed (self-test only; the OS keyring is not touched)")
            for name, step in steps:
                try:
                    report.ok(step())
                except SelfTestFailed as problem:
                    report.fail(name, str(problem))
                    failed = True
                    break
                except Exception as error:  # noqa: BLE001 - every failure is reported in words
                    report.fail(name, f"{type(error).__name__}: {error}")
                    traceback.print_exc(file=sys.stderr)
                    failed = True
                    break
            test.close()
    finally:
        test.close()
        shutil.rmtree(workdir, ignore_errors=True)
        if previous_platform is None:
            os.environ.pop("QT_QPA_PLATFORM", None)
        else:
            os.environ["QT_QPA_PLATFORM"] = previous_platform
    if workdir.exists():
        report.fail("clean-up", f"the throwaway profile in {workdir} could not be deleted")
        return EXIT_FAILED
    report.ok("throwaway profile and keyring deleted")
    elapsed = time.monotonic() - report.started
    if failed:
        report.line(f"self-test FAILED after {report.passed} checks passed ({elapsed:.1f} s)")
        return EXIT_FAILED
    report.line(f"self-test passed: {report.passed} checks in {elapsed:.1f} s")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(run_self_test())
