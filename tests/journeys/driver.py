"""Journey harness: a sync server set up as ``docs/INSTALL.md`` tells IT to (``server.toml``,
``server.env``, ``create-ca`` and the directory through the admin commands), and laptops,
each its own process with its own profile folder and keyring, driven through their widgets
by ``laptop_agent``.

A journey reads a laptop only as a person could: what its widgets show, or files it exported.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx

from tests.sync.harness import create_database, free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "journey-password-not-secret"
DEFAULT_WAIT = 60.0


class JourneyError(AssertionError):
    """A step did not happen; the message says which, with what the laptop showed."""


def wait_for(condition: Callable[[], Any], timeout: float = DEFAULT_WAIT, what: str = "",
             interval: float = 0.1, explain: Callable[[], str] | None = None) -> Any:
    """Poll until ``condition()`` is truthy (and return it), or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except LookupError as error:  # not on screen (yet); other errors are the journey's
            last_error = error
        if time.monotonic() > deadline:
            detail = explain() if explain else ""
            raise JourneyError(f"timed out after {timeout:.0f}s waiting for {what or condition}: "
                               f"{last_error or ''}\n{detail}")
        time.sleep(interval)


# =========================================================================== the server

def _read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines, as systemd's EnvironmentFile= and ``set -a; . server.env`` read them."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


@dataclass
class ServerInstance:
    """One ``supervision-server --config server.toml serve`` process."""
    deployment: "Deployment"
    port: int
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "ServerInstance":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(BIN / "supervision-server"), "--config", str(self.deployment.toml),
             "--port", str(self.port), "serve"],
            stdout=log, stderr=subprocess.STDOUT, cwd=self.deployment.folder,
            env=self.deployment.environment())
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: "
                                   f"{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not answer /v1/health")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


@dataclass
class Deployment:
    """The server side of INSTALL.md section 6, in a folder instead of /etc and /var."""
    folder: Path
    backend: str = "postgresql"
    database_url: str = ""
    drop: Callable[[], None] = lambda: None
    instances: list[ServerInstance] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # name -> id printed by the admin command

    @property
    def toml(self) -> Path:
        return self.folder / "server.toml"

    @property
    def env_file(self) -> Path:
        return self.folder / "server.env"

    @property
    def url(self) -> str:
        return self.instances[0].url

    @classmethod
    def install(cls, folder: Path, backend: str = "postgresql",
                organisation: str = "Journey Council") -> "Deployment":
        """Steps 2-4: a database, server.toml and server.env, the CA passphrase file, create-ca."""
        folder.mkdir(parents=True, exist_ok=True)
        url, drop = create_database(backend, folder)
        deployment = cls(folder, backend, url, drop)
        deployment._write_settings(secrets.token_urlsafe(32))
        deployment.admin("check-config")
        deployment.admin("create-ca", "--organisation", organisation)
        return deployment

    @classmethod
    def copy_of(cls, template: "Deployment", folder: Path) -> "Deployment":
        """A deployment whose PostgreSQL database starts as a copy of ``template``'s (made by
        ``install`` and the admin commands once per run): the same directory and CA, its
        own database, files and server. Saves each journey module the ~25 s of admin
        commands that made the template."""
        from sqlalchemy import create_engine, text

        from tests.sync import harness

        folder.mkdir(parents=True, exist_ok=True)
        name = f"sync_test_{secrets.token_hex(6)}"
        source = template.database_url.rsplit("/", 1)[1]
        admin = create_engine(harness.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:  # the template has no connection open: no server runs on it
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
        admin.dispose()

        def drop() -> None:
            engine = create_engine(harness.PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()

        url = harness.PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        deployment = cls(folder, "postgresql", url, drop, ids=dict(template.ids))
        deployment._write_settings((template.folder / "ca-passphrase").read_text().strip())
        return deployment

    def _write_settings(self, ca_passphrase: str) -> None:
        folder, url = self.folder, self.database_url
        if self.backend == "postgresql":
            # as postgres_setup.sh prints it: the URL without the password in server.toml, the
            # password in server.env (trust auth here, so any password will do)
            toml_url, password = url, secrets.token_urlsafe(16)
        else:
            toml_url, password = url, None
        passphrase_file = folder / "ca-passphrase"
        passphrase_file.write_text(ca_passphrase + "\n")
        passphrase_file.chmod(0o640)
        self.toml.write_text("\n".join([
            f'database_url = "{toml_url}"',
            'host = "127.0.0.1"',
            "port = 8443",
            "token_hours = 12",
            'log_level = "info"',
            f'log_file = "{folder / "server.log"}"',
            f'ca_passphrase_file = "{passphrase_file}"',
            "migrate_on_start = true",
            "migration_lock_timeout = 300",
            "",
        ]))
        env_lines = ["FORWARDED_ALLOW_IPS=127.0.0.1"]
        if password:
            env_lines.insert(0, f"SUPERVISION_SERVER_DATABASE_PASSWORD={password}")
        self.env_file.write_text("\n".join(env_lines) + "\n")
        self.env_file.chmod(0o640)

    def environment(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
        env.update(_read_env_file(self.env_file))
        env.update(extra)
        return env

    def admin(self, *args: str, password: str | None = None) -> str:
        """An admin command as supervision-admin.sh runs it; its standard output."""
        extra = {"SUPERVISION_SERVER_NEW_PASSWORD": password} if password else {}
        done = subprocess.run([str(BIN / "supervision-server"), "--config", str(self.toml), *args],
                              capture_output=True, text=True, cwd=self.folder,
                              env=self.environment(**extra), timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"supervision-server {' '.join(args)} exited {done.returncode}: "
                               f"{done.stderr[-2000:]}")
        return done.stdout.strip()

    def start(self, count: int = 1) -> "Deployment":
        for _ in range(count):
            n = len(self.instances)
            self.instances.append(ServerInstance(self, free_port(), self.folder / f"server-{n}.log").start())
        return self

    def stop(self) -> None:
        for instance in self.instances:
            instance.stop()

    def teardown(self) -> None:
        self.stop()
        self.drop()

    def log_tail(self, chars: int = 3000) -> str:
        return "\n".join(i.log_path.read_text()[-chars:] for i in self.instances if i.log_path.exists())


def load_directory(deployment: Deployment) -> dict[str, str]:
    """INSTALL.md step 7 for a small organisation: a service area, a team with its manager
    and two social workers, a child allocated to the first worker."""
    a = deployment.admin
    ids = deployment.ids
    ids["area"] = a("add-service-area", "North Children's Services")
    ids["team"] = a("add-team", "Assessment Team A", "--service-area", ids["area"])
    ids["jsmith"] = a("add-user", "jsmith", "--name", "Jo Smith", "--role", "team_manager",
                      "--team", ids["team"], "--started-on", "2020-01-06", password=PASSWORD)
    a("set-manager", "jsmith", "--team", ids["team"])
    ids["akhan"] = a("add-user", "akhan", "--name", "Ali Khan", "--role", "social_worker",
                     "--team", ids["team"], "--started-on", "2024-09-02", password=PASSWORD)
    ids["bjones"] = a("add-user", "bjones", "--name", "Bea Jones", "--role", "social_worker",
                      "--team", ids["team"], "--started-on", "2023-01-09", password=PASSWORD)
    ids["child"] = a("add-child", "CS-100234", "--name", "Sam Example", "--dob", "2014-03-01",
                     "--legal-status", "child_in_need", "--worker", "akhan")
    return ids


# =========================================================================== laptops

class AgentError(RuntimeError):
    """The laptop answered that it could not do a command."""


class AppGone(AgentError):
    """The app's process ended (or crashed): the journey cannot go on."""


class NotOnScreen(AgentError, LookupError):
    """The widget asked for is not there, or not enabled (yet)."""


class Laptop:
    """A laptop: its own profile folder and keyring, the real app in its own process."""

    def __init__(self, folder: Path, name: str, keyring: str = "file",
                 env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.name = name
        self.keyring = keyring  # "file" or "gnome"
        self.data_dir = folder / "profile"
        self.home = folder / "home"
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.reader = None
        self.starts = 0
        self.gnome: subprocess.Popen | None = None
        self.dbus_address: str | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(exist_ok=True)

    # --- process
    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHON_KEYRING_BACKEND", "TEST_KEYRING_FILE"):
            env.pop(name, None)
        env.update(QT_QPA_PLATFORM="offscreen", HOME=str(self.home),
                   XDG_DATA_HOME=str(self.home / ".local/share"),
                   XDG_CONFIG_HOME=str(self.home / ".config"),
                   XDG_RUNTIME_DIR=str(self._runtime_dir()),
                   PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
        if self.keyring == "file":
            env.update(PYTHON_KEYRING_BACKEND="tests.gui.file_keyring.FileKeyring",
                       TEST_KEYRING_FILE=str(self.folder / "keyring.json"))
        else:
            env["DBUS_SESSION_BUS_ADDRESS"] = self._gnome_keyring()
        env.update(self.extra_env)
        return env

    def _runtime_dir(self) -> Path:
        path = self.folder / "run"
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def _gnome_keyring(self) -> str:
        """A private session bus with GNOME Keyring's secret service, unlocked; it outlives
        the app so that a restart finds the same keyring (its files are under our XDG_DATA_HOME)."""
        if self.gnome is not None and self.gnome.poll() is None:
            return self.dbus_address
        address_file = self.folder / "dbus-address"
        address_file.unlink(missing_ok=True)
        # the address is published only once the daemon has made and unlocked the login
        # keyring: a client arriving earlier would have D-Bus start a second daemon, which
        # finds the half-written keyring and waits for a password prompt that cannot show
        script = (
            'printf "journey-keyring-password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; '
            'echo "$DBUS_SESSION_BUS_ADDRESS" > "$1.tmp" && mv "$1.tmp" "$1"; '
            "exec sleep 100000")
        env = dict(os.environ, HOME=str(self.home), XDG_DATA_HOME=str(self.home / ".local/share"),
                   XDG_RUNTIME_DIR=str(self._runtime_dir()))
        self.gnome = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", script, "sh",
                                       str(address_file)], env=env, start_new_session=True,
                                      stdout=subprocess.DEVNULL, stderr=open(self.folder / "dbus.log", "ab"))
        wait_for(lambda: address_file.exists() and address_file.read_text().strip(), 20,
                 "the private D-Bus session")
        self.dbus_address = address_file.read_text().strip()
        env["DBUS_SESSION_BUS_ADDRESS"] = self.dbus_address
        # ready once a secret can be stored in and read back from the default collection
        def stores() -> bool:
            put = subprocess.run(["secret-tool", "store", "--label=journey probe", "journey", "probe"],
                                 input="ready", env=env, capture_output=True, text=True, timeout=10)
            got = subprocess.run(["secret-tool", "lookup", "journey", "probe"], env=env,
                                 capture_output=True, text=True, timeout=10)
            return put.returncode == 0 and got.stdout.strip() == "ready"
        wait_for(stores, 30, "GNOME Keyring on the private bus", interval=0.3)
        return self.dbus_address

    def start(self, *app_args: str, timeout: float = 90) -> "Laptop":
        port_file = self.folder / "agent.port"
        port_file.unlink(missing_ok=True)
        self.starts += 1
        log = open(self.folder / "app.log", "ab")
        log.write(f"\n===== start {self.starts}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.journeys.laptop_agent", "--port-file", str(port_file), "--",
             "--data-dir", str(self.data_dir), *app_args],
            cwd=REPO, env=self.environment(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(lambda: port_file.exists() or self.proc.poll() is not None, timeout,
                 f"{self.name}'s app to start")
        if self.proc.poll() is not None:
            raise JourneyError(f"{self.name}'s app exited {self.proc.returncode}: {self.log_tail()}")
        self.sock = socket.create_connection(("127.0.0.1", int(port_file.read_text())), timeout=60)
        self.reader = self.sock.makefile("rb")
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: whatever the app was doing, it stops there."""
        if self.alive():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._disconnect()

    def quit(self, timeout: float = 60) -> int:
        """Close the main window as a person would; the app exits."""
        if self.alive():
            try:
                self.call("close")
            except (AgentError, OSError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._disconnect()
        return self.proc.returncode if self.proc else 0

    def restart(self, *app_args: str) -> "Laptop":
        self.kill()
        return self.start(*app_args)

    def shutdown(self) -> None:
        self.kill()
        if self.gnome is not None and self.gnome.poll() is None:
            os.killpg(self.gnome.pid, signal.SIGTERM)
            self.gnome.wait(10)

    def _disconnect(self) -> None:
        if self.sock is not None:
            try:
                self.reader.close()
                self.sock.close()
            except OSError:
                pass
        self.sock = self.reader = None

    def log_tail(self, chars: int = 4000) -> str:
        path = self.folder / "app.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    # --- commands
    def call(self, cmd: str, **args: Any) -> Any:
        if self.sock is None:
            raise AgentError(f"{self.name} is not running")
        try:
            self.sock.sendall(json.dumps(dict(args, cmd=cmd)).encode() + b"\n")
            line = self.reader.readline()
        except OSError:
            line = b""
        if not line:
            time.sleep(0.5)  # let its last words reach the log
            raise AppGone(f"{self.name}'s app went away during {cmd} {args}: {self.log_tail(3000)}")
        answer = json.loads(line)
        if not answer["ok"]:
            kind = NotOnScreen if answer["error"].startswith(("LookupError", "RuntimeError")) else AgentError
            raise kind(f"{self.name}: {cmd} {args}: {answer['error']}")
        return answer["value"]

    def read(self, **sel: Any) -> dict[str, Any]:
        return self.call("read", **sel)

    def text(self, **sel: Any) -> str:
        return self.read(**sel)["text"]

    def exists(self, **sel: Any) -> bool:
        return self.call("exists", **sel) > 0

    def click(self, **sel: Any) -> None:
        self.wait(lambda: self.read(**sel)["enabled"], what=f"{sel} to be there and enabled")
        self.call("click", **sel)

    def type(self, text: str, clear: bool = False, **sel: Any) -> None:
        self.wait(lambda: self.exists(**sel), what=f"{sel} to be there")
        self.call("type", text=text, clear=clear, **sel)

    def key(self, key: str, modifiers: tuple[str, ...] = (), **sel: Any) -> None:
        self.call("key", key=key, modifiers=list(modifiers), **sel)

    def trigger(self, **sel: Any) -> None:
        self.call("trigger", **sel)

    def choose(self, item: str, **sel: Any) -> None:
        self.call("choose", item=item, **sel)

    def select_row(self, row_contains: str, double: bool = False, **sel: Any) -> int:
        """Click the row showing that text, and check it is the current row afterwards (a
        list that reloads meanwhile may reorder under the click: then click again)."""
        def selected() -> bool:
            info = self.read(**sel)
            row = info.get("current_row", -1)
            return 0 <= row < len(info["rows"]) and any(row_contains in c for c in info["rows"][row])

        def attempt() -> bool:
            self.call("select_row", row_contains=row_contains, double=double, **sel)
            time.sleep(0.2)
            return selected()

        self.wait(attempt, what=f"a row showing {row_contains!r} in {sel} to be selected")
        return self.read(**sel)["current_row"]

    def rows(self, **sel: Any) -> list[list[str]]:
        return self.read(**sel).get("rows", [])

    def windows(self) -> list[dict[str, Any]]:
        return self.call("windows")

    def visible(self, **sel: Any) -> list[dict[str, Any]]:
        return self.call("list", **sel)

    def screenshot(self, path: Path, **sel: Any) -> Path:
        self.call("screenshot", path=str(path), **sel)
        return path

    def explain(self) -> str:
        """What is on screen, for a failure message."""
        if not self.alive():
            return f"{self.name} is not running; log:\n{self.log_tail()}"
        try:
            shot = self.screenshot(self.folder / f"failure-{int(time.time())}.png")
            shown = [f"{w['cls']} {w['name']!r} {w['text'][:80]!r}" + ("" if w["enabled"] else " (disabled)")
                     for w in self.visible() if w["cls"] not in ("QWidget", "QFrame", "QScrollBar")]
            return (f"{self.name} screenshot {shot}; windows "
                    f"{[(w['cls'], w['title']) for w in self.windows()]}; on screen:\n  "
                    + "\n  ".join(shown[:150]) + f"\nlog tail:\n{self.log_tail(1500)}")
        except (AgentError, OSError) as error:
            return f"{self.name}: could not describe the screen ({error}); log:\n{self.log_tail()}"

    def wait(self, condition: Callable[[], Any], timeout: float = DEFAULT_WAIT, what: str = "") -> Any:
        return wait_for(condition, timeout, f"{self.name}: {what}", explain=self.explain)

    def wait_text(self, contains: str, timeout: float = DEFAULT_WAIT, **sel: Any) -> str:
        return self.wait(lambda: contains in self.text(**sel) and self.text(**sel), timeout,
                         f"{sel} to show {contains!r}")

    def wait_shown(self, timeout: float = DEFAULT_WAIT, **sel: Any) -> dict[str, Any]:
        return self.wait(lambda: self.read(**sel), timeout, f"{sel} to be on screen")

    def wait_gone(self, timeout: float = DEFAULT_WAIT, **sel: Any) -> None:
        self.wait(lambda: not self.exists(**sel), timeout, f"{sel} to go")


# =========================================================================== load balancer

class RoundRobinBalancer:
    """A load balancer in front of several instances: each request goes to the next instance
    in turn (HTTP/1.0, one request per connection, so nothing sticks to one instance)."""

    def __init__(self, instances: list[ServerInstance]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.instances = instances
        self.served: dict[int, list[str]] = {i.port: [] for i in instances}
        lock = threading.Lock()
        turn = iter(range(10**9))
        balancer = self

        class Forward(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def _forward(self) -> None:
                with lock:
                    instance = balancer.instances[next(turn) % len(balancer.instances)]
                    balancer.served[instance.port].append(self.path.split("?")[0])
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "content-length")}
                headers["X-Forwarded-For"] = self.client_address[0]
                try:
                    answer = httpx.request(self.command, instance.url + self.path, headers=headers,
                                           content=body, timeout=120)
                except httpx.TransportError:
                    self.send_error(502, "Bad Gateway")
                    return
                self.send_response(answer.status_code)
                for k, v in answer.headers.items():
                    if k.lower() not in ("connection", "content-length", "transfer-encoding",
                                         "content-encoding", "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - http.server's names

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Forward)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
