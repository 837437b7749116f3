"""First run from an empty profile, through the real widgets, against a real sync server
process on 127.0.0.1: the welcome page, Connect, sign-in, keys and certificate, the first
sync with progress in words, and the person's own home page; each way sign-in can fail says
what happened and keeps what was typed; the address IT set is filled in; the demo opens from
the welcome page; a person who cancels the people list can still sign in."""
from __future__ import annotations

import http.server
import ipaddress
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import keyring
import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from supervision_app.client_settings import CONFIG_PATH_ENV, SERVER_URL_ENV
from supervision_app.gui.app import application, attach_when_open
from supervision_app.gui.first_run import FirstRunPage
from supervision_app.gui.main_window import MainWindow
from supervision_app.gui.signin import SignInDialog
from supervision_app.gui.sync_panel import ServerSignInDialog, SyncController
from supervision_app.store.database import open_database
from tests.gui.sample_team import build_sample_team
from tests.memory_keyring import BrokenKeyring
from tests.sync.harness import CA_PASSPHRASE, PASSWORD, REPO, Laptop, deploy, free_port

LONG = 120000  # ms: sign-in, enrolment and a first sync on a busy 2-core machine


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    dep, teardown = deploy("sqlite", tmp_path_factory.mktemp("first-run-server"))
    yield dep
    teardown()


@pytest.fixture(autouse=True)
def no_machine_settings(monkeypatch, tmp_path):
    """Nothing from this machine's real settings: the machine-wide file is a temp path."""
    monkeypatch.delenv(SERVER_URL_ENV, raising=False)
    monkeypatch.setenv(CONFIG_PATH_ENV, str(tmp_path / "machine" / "client.toml"))
    return tmp_path / "machine" / "client.toml"


@pytest.fixture
def page(qtbot, database):
    """A first-run page on an empty profile, shown on the connect form."""
    application()
    made: list[FirstRunPage] = []

    def make(**kwargs) -> FirstRunPage:
        first_run = FirstRunPage(database, **kwargs)
        qtbot.addWidget(first_run)
        first_run.show()
        made.append(first_run)
        return first_run

    yield make
    for first_run in made:
        first_run.shutdown()
        if first_run.controller.client is not None:
            first_run.controller.client.close()


def _type_sign_in(qtbot, first_run: FirstRunPage, address: str, username: str, password: str):
    f = first_run.form
    qtbot.mouseClick(f.connectButton, Qt.MouseButton.LeftButton)
    assert f.firstRunStack.currentWidget() is f.connectPanel
    f.serverAddressEdit.clear()
    qtbot.keyClicks(f.serverAddressEdit, address)
    qtbot.keyClicks(f.usernameEdit, username)
    qtbot.keyClicks(f.passwordEdit, password)
    qtbot.mouseClick(f.signInButton, Qt.MouseButton.LeftButton)


def _refused(qtbot, first_run: FirstRunPage) -> str:
    qtbot.waitUntil(lambda: first_run.state == "form", timeout=LONG)
    f = first_run.form
    assert f.serverAddressEdit.isEnabled() and f.signInButton.isEnabled()
    assert not f.firstSyncProgress.isVisible()
    return f.signInMessage.text()


# --------------------------------------------------------------------------- the whole way

def test_empty_profile_signs_in_syncs_and_opens_the_persons_home_page(qtbot, server, database,
                                                                      monkeypatch, memory_keyring):
    monkeypatch.setenv(SERVER_URL_ENV, server.url)
    application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    attached: list[MainWindow] = []
    problems: list = []
    startup = attach_when_open(window, lambda: (database, None),
                               on_problem=lambda m, c: problems.append((m, c)),
                               on_attached=attached.append)
    qtbot.waitUntil(lambda: startup.first_run is not None or bool(problems), timeout=LONG)
    assert not problems, problems
    first_run = startup.first_run
    f = first_run.form
    assert window.form.pageStack.currentWidget() is first_run
    assert first_run.objectName() == "firstRunPage" and first_run.isVisible()
    assert f.connectButton.isVisible() and f.demoButton.isVisible()
    assert not f.chooseLocalButton.isVisible()  # nobody here to choose
    for widget in (f.connectButton, f.demoButton, f.serverAddressEdit, f.usernameEdit,
                   f.passwordEdit, f.signInButton, f.backButton, f.firstSyncProgress):
        assert widget.accessibleName(), widget.objectName()

    said: list[str] = []
    say = first_run._say
    first_run._say = lambda text: (said.append(text), say(text))
    progress_seen: list[bool] = []
    first_run.controller.progress_changed.connect(
        lambda _p: progress_seen.append(f.firstSyncProgress.isVisible()))

    qtbot.keyClick(f.connectButton, Qt.Key.Key_Space)  # from the keyboard
    assert f.serverAddressEdit.text() == server.url  # IT's address, filled in
    assert SERVER_URL_ENV in f.addressSourceLabel.text()
    assert f.usernameEdit.hasFocus()
    qtbot.keyClicks(f.usernameEdit, "tm_a")
    qtbot.keyClicks(f.passwordEdit, PASSWORD)
    qtbot.keyClick(f.passwordEdit, Qt.Key.Key_Return)
    assert f.firstSyncProgress.isVisible() and not f.serverAddressEdit.isEnabled()

    qtbot.waitUntil(lambda: bool(attached) or "could" in f.signInMessage.text(), timeout=LONG)
    assert attached, f.signInMessage.text()
    # each step was said in words, with the progress bar up while records arrived
    assert "Checking the server address…" in said
    assert "Checking your username and password…" in said
    assert any(text.startswith("Making your signing key") for text in said)
    assert any("Receiving your records:" in text for text in said), said
    assert progress_seen and all(progress_seen)
    assert any(text.startswith("Your records are here (") for text in said)

    # the person's own home page: their team, from the server
    assert window.windowTitle() == "Supervision Recorder — TM_A (Team manager)"
    qtbot.waitUntil(lambda: window.findChild(QObject, "firstRunPage") is None)  # the welcome page has gone
    team = window.pages["my_team"]
    qtbot.waitUntil(lambda: team.model.rowCount() == 2, timeout=LONG)
    assert sorted(row.name for row in team.model.rows) == ["SW_A1", "SW_A2"]
    # the key was made here and certified by the server's CA; the password was not kept
    from supervision_app.gui.signing import credential_store

    credential_store(window.ctx).credentials_for(server.org.ids["tm_a"])
    assert PASSWORD not in str(memory_keyring.secrets)
    # the window's own sync runs from now on, and Sync > Sign in stays for later sign-ins
    assert window.findChild(type(window.sync.sign_in_action), "syncSignInAction") is not None
    qtbot.waitUntil(lambda: not window.sync.syncing, timeout=LONG)
    window.close()


def test_a_profile_signed_in_before_opens_on_that_persons_pages_without_asking(qtbot, server, tmp_path):
    laptop = Laptop(tmp_path / "laptop", server.url, "sw_a1")  # signed in and synced before
    laptop.close()
    application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    asked = _PeopleListAnswer(lambda dialog: dialog.reject())
    attached: list[MainWindow] = []
    startup = attach_when_open(window, lambda: (open_database(tmp_path / "laptop"), None),
                               on_problem=lambda m, c: None, on_attached=attached.append)
    qtbot.waitUntil(lambda: bool(attached) or startup.first_run is not None, timeout=LONG)
    asked.stop()
    assert attached and not asked.seen
    assert window.ctx.actor.staff_id == server.org.ids["sw_a1"]
    assert window.windowTitle() == "Supervision Recorder — SW_A1 (Social worker)"
    qtbot.waitUntil(lambda: not window.sync.syncing, timeout=LONG)
    window.close()
    startup.close()


# --------------------------------------------------------------------------- each failure

class _NotOurServer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>The council intranet</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_site():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotOurServer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_an_address_that_is_not_a_sync_server_says_so_and_keeps_what_was_typed(qtbot, page, other_site):
    first_run = page()
    _type_sign_in(qtbot, first_run, other_site, "tm_b", PASSWORD)
    message = _refused(qtbot, first_run)
    assert "not a Supervision Recorder server" in message and "Check the address" in message
    f = first_run.form
    assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
        other_site, "tm_b", PASSWORD)
    assert f.serverAddressEdit.hasFocus()


def test_a_server_that_is_down_says_so_and_keeps_what_was_typed(qtbot, page):
    first_run = page()
    nobody = f"http://127.0.0.1:{free_port()}"
    _type_sign_in(qtbot, first_run, nobody, "tm_b", PASSWORD)
    message = _refused(qtbot, first_run)
    assert "could not be reached" in message and "try again" in message
    f = first_run.form
    assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
        nobody, "tm_b", PASSWORD)


def test_an_address_typed_without_https_gets_it_and_nonsense_is_refused_before_sending(qtbot, page):
    first_run = page()
    _type_sign_in(qtbot, first_run, "not an address", "tm_b", PASSWORD)
    f = first_run.form
    assert first_run.state == "form"  # refused at once: nothing was sent
    assert "is not a web address" in f.signInMessage.text()
    assert f.serverAddressEdit.text() == "not an address" and f.passwordEdit.text() == PASSWORD
    f.serverAddressEdit.clear()
    qtbot.keyClicks(f.serverAddressEdit, f"127.0.0.1:{free_port()}")
    qtbot.mouseClick(f.signInButton, Qt.MouseButton.LeftButton)
    assert f.serverAddressEdit.text().startswith("https://127.0.0.1:")
    assert "could not be reached" in _refused(qtbot, first_run)


def test_a_wrong_password_says_so_and_empties_only_the_password(qtbot, page, server):
    first_run = page()
    _type_sign_in(qtbot, first_run, server.url, "tm_b", "not-the-password")
    message = _refused(qtbot, first_run)
    assert "username or password is not right" in message
    assert "The password box has been emptied" in message
    f = first_run.form
    assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
        server.url, "tm_b", "")
    assert f.passwordEdit.hasFocus()


def test_a_locked_account_says_so_and_keeps_what_was_typed(qtbot, page, server):
    first_run = page()
    f = first_run.form
    _type_sign_in(qtbot, first_run, server.url, "sw_b1", "wrong-wrong-wrong")
    for _attempt in range(20):  # wrong passwords, one after another, until the server pauses
        message = _refused(qtbot, first_run)
        if message.startswith("Sign-in is paused"):
            break
        assert "not right" in message and f.passwordEdit.text() == ""
        qtbot.keyClicks(f.passwordEdit, "wrong-wrong-wrong")
        qtbot.keyClick(f.passwordEdit, Qt.Key.Key_Return)
    assert message.startswith("Sign-in is paused for this account after wrong passwords."), message
    assert "try again" in message and "administrator" in message
    # the server did not look at the password: it stays, ready for when the pause ends
    assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
        server.url, "sw_b1", "wrong-wrong-wrong")


def test_a_disabled_account_says_to_ask_the_administrator(qtbot, page, server):
    subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url",
                    server.database_url, "disable-user", "sw_a2"],
                   check=True, cwd=REPO, capture_output=True,
                   env=dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE))
    first_run = page()
    _type_sign_in(qtbot, first_run, server.url, "sw_a2", PASSWORD)
    message = _refused(qtbot, first_run)
    assert "administrator" in message
    assert "could not be reached" not in message and "not a Supervision" not in message
    f = first_run.form
    assert (f.serverAddressEdit.text(), f.usernameEdit.text()) == (server.url, "sw_a2")


def test_an_untrusted_tls_certificate_says_so_and_trusting_it_as_install_md_says_works(
        qtbot, page, server, tmp_path, monkeypatch):
    https, certificate = _https_server(server.database_url, tmp_path)
    try:
        first_run = page()
        _type_sign_in(qtbot, first_run, https, "tm_b", PASSWORD)
        message = _refused(qtbot, first_run)
        assert "does not trust the security certificate" in message and "ask IT" in message
        f = first_run.form
        assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
            https, "tm_b", PASSWORD)
        # INSTALL.md, 'Trusting the server's certificate': SSL_CERT_FILE names the bundle
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
        with qtbot.waitSignal(first_run.finished, timeout=LONG) as finished:
            qtbot.mouseClick(f.signInButton, Qt.MouseButton.LeftButton)
        assert finished.args == [server.org.ids["tm_b"]]
    finally:
        https_process = _https_processes.pop()
        https_process.terminate()
        https_process.wait(10)


def test_no_keyring_to_keep_the_sign_in_says_so(qtbot, page, server, memory_keyring):
    first_run = page()  # the profile is open; the keyring then locks
    keyring.set_keyring(BrokenKeyring())
    try:
        _type_sign_in(qtbot, first_run, server.url, "hos", PASSWORD)
        message = _refused(qtbot, first_run)
    finally:
        keyring.set_keyring(memory_keyring)
    assert "secure keyring" in message and "Sign in again" in message
    f = first_run.form
    assert (f.serverAddressEdit.text(), f.usernameEdit.text(), f.passwordEdit.text()) == (
        server.url, "hos", PASSWORD)


_https_processes: list[subprocess.Popen] = []


def _https_server(database_url: str, folder: Path) -> tuple[str, Path]:
    """The real sync server over HTTPS with a self-signed certificate this computer does
    not trust."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "tls.crt", folder / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    port = free_port()
    log = open(folder / "https-server.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "supervision_app.sync.server.cli", "--database-url", database_url,
         "--host", "127.0.0.1", "--port", str(port), "--ssl-certfile", str(cert_file),
         "--ssl-keyfile", str(key_file)],
        stdout=log, stderr=subprocess.STDOUT, cwd=REPO,
        env=dict(os.environ, SUPERVISION_SERVER_CA_PASSPHRASE=CA_PASSPHRASE))
    log.close()
    _https_processes.append(process)
    url = f"https://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError((folder / "https-server.log").read_text()[-2000:])
        try:
            if httpx.get(f"{url}/v1/health", verify=False, timeout=1).status_code == 200:
                return url, cert_file
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("the HTTPS server did not start")


def test_a_first_sync_cut_short_says_so_and_try_again_finishes_it(qtbot, page, server, database):
    from supervision_app.sync.client import SyncClient
    from tests.sync.harness import FaultyTransport

    network = FaultyTransport()
    network.plan = ("/v1/pull", "drop")  # the connection drops as the first records are asked for

    def engine(db, url):
        return SyncClient(db, url, http=httpx.Client(base_url=url, timeout=30, transport=network))

    first_run = page(controller=SyncController(database, client_factory=engine))
    f = first_run.form
    _type_sign_in(qtbot, first_run, server.url, "sw_a1", PASSWORD)
    qtbot.waitUntil(lambda: first_run.state == "sync_failed", timeout=LONG)
    message = f.signInMessage.text()
    assert message.startswith("You are signed in, but the first sync did not finish:")
    assert "could not be reached" in message and "press Try again" in message
    assert f.signInButton.text() == "&Try again" and f.signInButton.hasFocus()
    assert not f.firstSyncProgress.isVisible()
    with qtbot.waitSignal(first_run.finished, timeout=LONG) as finished:
        qtbot.keyClick(f.signInButton, Qt.Key.Key_Space)
    assert finished.args == [server.org.ids["sw_a1"]]
    assert f.signInMessage.text().startswith("Your records are here (")


def test_the_page_works_from_the_keyboard_alone(qtbot, page):
    from supervision_app.gui.accessibility import interactive_widgets

    first_run = page()
    f = first_run.form

    def alt(key) -> None:  # a mnemonic's click comes after its 100 ms animation
        qtbot.keyClick(QApplication.focusWidget() or first_run, key, Qt.KeyboardModifier.AltModifier)

    first_run.activateWindow()
    qtbot.waitUntil(first_run.isActiveWindow)
    first_run.show_welcome()  # as start-up does
    for widget in interactive_widgets(first_run):
        assert widget.accessibleName(), widget.objectName()
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus, widget.objectName()
    assert f.connectButton.hasFocus()
    alt(Qt.Key.Key_C)
    qtbot.waitUntil(lambda: f.firstRunStack.currentWidget() is f.connectPanel)
    assert f.serverAddressEdit.hasFocus()
    qtbot.keyClicks(f.serverAddressEdit, "supervision.example.gov.uk")
    qtbot.keyClick(f.serverAddressEdit, Qt.Key.Key_Tab)
    assert f.usernameEdit.hasFocus()
    qtbot.keyClicks(f.usernameEdit, "akhan")
    qtbot.keyClick(f.usernameEdit, Qt.Key.Key_Tab)
    assert f.passwordEdit.hasFocus()
    qtbot.keyClick(f.passwordEdit, Qt.Key.Key_Return)  # no password yet: said, nothing sent
    assert f.signInMessage.text() == "Type your password." and f.passwordEdit.hasFocus()
    assert f.serverAddressEdit.text() == "https://supervision.example.gov.uk"  # https:// added
    alt(Qt.Key.Key_B)
    qtbot.waitUntil(lambda: f.firstRunStack.currentWidget() is f.welcomePanel)
    assert f.connectButton.hasFocus()
    with qtbot.waitSignal(first_run.demo_requested, timeout=5000):
        alt(Qt.Key.Key_D)
    alt(Qt.Key.Key_C)
    qtbot.waitUntil(lambda: f.firstRunStack.currentWidget() is f.connectPanel)
    assert f.usernameEdit.text() == "akhan"  # what was typed is still there
    assert f.passwordEdit.hasFocus()  # the first empty box


# --------------------------------------------------------------------------- IT's address

def test_the_address_comes_from_the_environment_over_the_machine_file(qtbot, page, monkeypatch,
                                                                     no_machine_settings):
    machine_file = no_machine_settings
    machine_file.parent.mkdir(parents=True)
    machine_file.write_text('[server]\nurl = "https://from-the-file.example.gov.uk"\n',
                            encoding="utf-8")
    from_file = page().form
    assert from_file.serverAddressEdit.text() == "https://from-the-file.example.gov.uk"
    assert str(machine_file) in from_file.addressSourceLabel.text()

    monkeypatch.setenv(SERVER_URL_ENV, "https://from-the-environment.example.gov.uk")
    from_env = page().form
    assert from_env.serverAddressEdit.text() == "https://from-the-environment.example.gov.uk"
    assert SERVER_URL_ENV in from_env.addressSourceLabel.text()
    qtbot.keyClick(from_env.serverAddressEdit, Qt.Key.Key_Backspace)  # changed: IT's is still named
    assert from_env.addressSourceLabel.text() == (
        f"IT set https://from-the-environment.example.gov.uk for this computer (the {SERVER_URL_ENV} setting).")


def test_a_broken_machine_file_is_reported_and_the_address_left_to_type(qtbot, page,
                                                                       no_machine_settings):
    no_machine_settings.parent.mkdir(parents=True)
    no_machine_settings.write_text("[server\nurl = ", encoding="utf-8")
    f = page().form
    assert f.serverAddressEdit.text() == ""
    assert "could not be read" in f.addressSourceLabel.text()
    assert "tell IT" in f.addressSourceLabel.text()


def test_the_later_sign_in_dialog_is_filled_from_the_machine_file_too(qtbot, database,
                                                                     no_machine_settings):
    no_machine_settings.parent.mkdir(parents=True)
    no_machine_settings.write_text('[server]\nurl = "https://sync.example.gov.uk"\n', encoding="utf-8")
    application()
    controller = SyncController(database, server_url="")
    dialog = ServerSignInDialog(controller)
    qtbot.addWidget(dialog)
    for name in ("serverAddressEdit", "usernameEdit", "passwordEdit", "signInButton", "signInMessage"):
        assert dialog.findChild(QObject, name) is not None, name  # UI_CONTRACT.md
    assert dialog.form.serverAddressEdit.text() == "https://sync.example.gov.uk"


def test_the_installer_writes_the_file_the_app_reads(tmp_path):
    """packaging/windows/supervision-recorder.iss with /SERVER=...: the folder and the TOML
    it writes are the ones the app reads."""
    from supervision_app.client_settings import (
        APP_FOLDER,
        CONFIG_FILE_NAME,
        load_client_settings,
        machine_config_path,
    )

    script = (REPO / "packaging" / "windows" / "supervision-recorder.iss").read_text(encoding="utf-8")
    assert "ExpandConstant('{param:SERVER|}')" in script
    assert f"ExpandConstant('{{commonappdata}}\\{APP_FOLDER}')" in script
    assert f"Folder + '\\{CONFIG_FILE_NAME}'" in script
    # what CurStepChanged writes, for an address with the two characters TomlString escapes
    typed = 'https://sync.example.gov.uk/a"b\\c'
    escaped = typed.replace("\\", "\\\\").replace('"', '\\"')
    assert "StringChangeEx(Value, '\\', '\\\\', True);" in script
    assert "StringChangeEx(Value, '\"', '\\\"', True);" in script
    written = tmp_path / CONFIG_FILE_NAME
    written.write_bytes(("# Written by the Supervision Recorder installer (/SERVER=...).\r\n"
                         f'[server]\r\nurl = "{escaped}"\r\n').encode("ascii"))
    assert load_client_settings(environ={}, path=written).server_url == typed
    # elsewhere than Windows, the same file in the system's configuration folder
    if sys.platform.startswith("linux"):
        assert machine_config_path({}) == Path("/etc/supervision-recorder/client.toml")


# --------------------------------------------------------------------------- the demo

def test_explore_the_demo_opens_the_demo_profile_in_this_window(qtbot, database, tmp_path):
    from supervision_app.cli import _ensure_demo_data

    demo_folder = tmp_path / "demo"

    def open_demo():
        demo = open_database(demo_folder)
        return demo, _ensure_demo_data(demo)

    application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    attached: list[MainWindow] = []
    startup = attach_when_open(window, lambda: (database, None), on_problem=lambda m, c: None,
                               on_attached=attached.append, open_demo=open_demo)
    qtbot.waitUntil(lambda: startup.first_run is not None, timeout=LONG)
    f = startup.first_run.form
    qtbot.mouseClick(f.demoButton, Qt.MouseButton.LeftButton)
    assert "Opening the demo" in f.welcomeMessage.text() and not f.connectButton.isEnabled()
    qtbot.waitUntil(lambda: bool(attached), timeout=LONG)
    assert window.ctx.db is not database and window.ctx.db.profile.folder == demo_folder
    assert "Team manager" in window.windowTitle()
    team = window.pages["my_team"]
    qtbot.waitUntil(lambda: team.model.rowCount() > 0, timeout=LONG)
    window.close()
    window.ctx.tasks.wait()
    startup.close()  # closes the demo profile


def test_the_demo_of_a_profile_given_with_data_dir_stays_beside_it(tmp_path):
    from argparse import Namespace

    from supervision_app.cli import default_data_dir, demo_folder_for

    assert demo_folder_for(Namespace(data_dir=tmp_path / "laptop")) == tmp_path / "laptop-demo"
    assert demo_folder_for(Namespace(data_dir=None)) == default_data_dir(demo=True)


# --------------------------------------------------------------------------- never stranded

class _PeopleListAnswer:
    """When the people list opens (a modal dialog), do ``action(dialog)`` to it; ``seen``
    holds the dialogs answered. Looks every 20 ms until answered or ``stop()``."""

    def __init__(self, action) -> None:
        self.action = action
        self.seen: list = []
        self.stopped = False
        QTimer.singleShot(0, self._look)

    def _look(self) -> None:
        if self.stopped:
            return
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SignInDialog):
            QTimer.singleShot(20, self._look)
            return
        self.seen.append(dialog)
        self.stopped = True
        self.action(dialog)

    def stop(self) -> None:
        self.stopped = True


@pytest.mark.parametrize("way", ["cancel", "not listed"])
def test_leaving_the_people_list_leads_to_sign_in_not_out_of_the_app(qtbot, database, way):
    build_sample_team(database)
    application()
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    problems: list = []

    def leave(dialog: SignInDialog) -> None:
        if way == "cancel":
            dialog.reject()
        else:
            assert dialog.server_button.accessibleName()
            qtbot.mouseClick(dialog.server_button, Qt.MouseButton.LeftButton)

    answer = _PeopleListAnswer(leave)
    startup = attach_when_open(window, lambda: (database, None),
                               on_problem=lambda m, c: problems.append((m, c)))
    qtbot.waitUntil(lambda: startup.first_run is not None or bool(problems), timeout=LONG)
    assert answer.seen and not problems and window.isVisible()
    first_run = startup.first_run
    f = first_run.form
    assert window.form.pageStack.currentWidget() is first_run
    assert not f.chooseLocalButton.isHidden()  # back to the list is one click away (Back)
    expected = f.connectPanel if way == "not listed" else f.welcomePanel
    assert f.firstRunStack.currentWidget() is expected
    if way == "cancel":
        qtbot.mouseClick(f.connectButton, Qt.MouseButton.LeftButton)
        assert f.serverAddressEdit.isVisible() and f.signInButton.isVisible()
        qtbot.mouseClick(f.backButton, Qt.MouseButton.LeftButton)
        # and back to the list, choosing someone this time
        chosen = _PeopleListAnswer(lambda dialog: dialog.accept())
        qtbot.mouseClick(f.chooseLocalButton, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: window.ctx is not None, timeout=LONG)
        assert chosen.seen
        qtbot.waitUntil(lambda: window.findChild(QObject, "firstRunPage") is None)  # the welcome page has gone
    window.close()
    startup.first_run and startup.first_run.shutdown()
    if window.ctx is not None:
        window.ctx.tasks.wait()
