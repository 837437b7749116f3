"""The sync server's settings: from the command line, the environment, a TOML file, defaults.

Precedence, highest first: command-line flags, environment variables
(``SUPERVISION_SERVER_<NAME>``), the configuration file (``--config FILE`` or
``SUPERVISION_SERVER_CONFIG``), then the defaults below. The file is optional; when one is
named it must exist and be valid: an unknown key or a value of the wrong type stops the
server with a message naming the key and the file, never a traceback.

Secrets stay out of the file so that it may be world-readable: the database password can
come from ``SUPERVISION_SERVER_DATABASE_PASSWORD`` (it replaces any password in the URL), and
the CA passphrase only ever from the environment or a file of its own
(``ca_passphrase_file``; see :mod:`.certificates`).
"""
from __future__ import annotations

import argparse
import difflib
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ...errors import AppError

CONFIG_ENV = "SUPERVISION_SERVER_CONFIG"
PASSWORD_ENV = "SUPERVISION_SERVER_DATABASE_PASSWORD"
ENV_PREFIX = "SUPERVISION_SERVER_"
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
# Tables of the file read by their own modules, not settings: [retention] is the
# organisation's retention schedule (``retention.schedule_from_file`` checks it).
SECTIONS = frozenset({"retention"})


class ConfigError(AppError):
    """A setting that cannot be used; the message names the setting and where it came from."""


#: More processes than this only wait: the server's own process feeds them.
MAX_DOCUMENT_WORKERS = 16


@dataclass(frozen=True)
class Setting:
    name: str
    kind: type  # str, int, float or bool
    default: Any
    help: str
    optional: bool = False  # may be left unset (None)

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("database_url", str, "sqlite:///supervision-server.db",
            "postgresql+psycopg://USER@HOST:5432/DB or sqlite:////absolute/path.db"),
    Setting("host", str, "127.0.0.1", "address to listen on"),
    Setting("port", int, 8443, "port to listen on"),
    Setting("token_hours", float, 12.0, "lifetime of a sign-in token, in hours"),
    Setting("certificate_days", int, 730,
            "lifetime of a signing certificate, in days (laptops renew 30 days before it ends)"),
    Setting("log_level", str, "info", "debug, info, warning, error or critical"),
    Setting("log_file", str, None, "also write the log here", optional=True),
    Setting("ssl_certfile", str, None, "TLS certificate chain, to serve HTTPS without a proxy",
            optional=True),
    Setting("ssl_keyfile", str, None, "TLS private key (with ssl_certfile)", optional=True),
    Setting("ca_passphrase_file", str, None, "file holding the organisation CA key's passphrase",
            optional=True),
    Setting("migrate_on_start", bool, True,
            "upgrade the database schema at start (false: `supervision-server migrate` does it)"),
    Setting("migration_lock_timeout", float, 300.0,
            "seconds to wait for another instance's schema upgrade before giving up"),
    Setting("trusted_proxies", str, None,
            "reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For "
            "names the client for the sign-in limits; none by default", optional=True),
    Setting("timestamp_url", str, None,
            "an external RFC 3161 time-stamping authority (https://...) to use instead of the "
            "organisation's own", optional=True),
    Setting("timestamp_policy", str, None,
            "the policy OID the organisation's own time-stamping authority states in its tokens",
            optional=True),
    Setting("document_workers", int, None,
            "processes that read and verify pushed signed PDFs beside the server (0: the "
            "server's own process); by default one fewer than the cores, at most 2",
            optional=True),
    Setting("timestamp_renewal_days", int, 365,
            "renew-timestamps re-time-stamps archived records this many days before the time "
            "stamp's certificate expires"),
)}


@dataclass(frozen=True)
class ServerConfig:
    values: Mapping[str, Any]
    sources: Mapping[str, str]  # setting -> "flag --port", "environment X", "file F", "default"
    file: Path | None = None
    database_password: str | None = field(default=None, repr=False)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def engine_url(self) -> str:
        """The database URL to connect with, including the password from the environment.
        Never print or log it: :meth:`display_url` is for people."""
        url = make_url(self.values["database_url"])
        if self.database_password and url.get_backend_name() != "sqlite":
            url = url.set(password=self.database_password)
        return url.render_as_string(hide_password=False)

    def display_url(self) -> str:
        return make_url(self.values["database_url"]).render_as_string(hide_password=True)

    def url_without_password(self) -> str:
        """For tools given the password separately (pg_dump with PGPASSWORD)."""
        return make_url(self.values["database_url"]).set(password=None).render_as_string(
            hide_password=False)

    def describe(self) -> str:
        """Every setting, its value and where it came from; passwords masked."""
        lines = [f"configuration file: {self.file or '(none)'}"]
        for name in SETTINGS:
            value = self.display_url() if name == "database_url" else self.values[name]
            shown = "(not set)" if value is None else (str(value).lower() if isinstance(value, bool)
                                                        else value)
            lines.append(f"{name} = {shown}    [{self.sources[name]}]")
        if self.database_password:
            lines.append(f"database password: set    [environment {PASSWORD_ENV}]")
        return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that override settings; they default to None so that an absent flag lets
    the environment or the file decide."""
    parser.add_argument("--config", metavar="FILE",
                        help=f"TOML configuration file (or set {CONFIG_ENV})")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", default=None, type=int)
    parser.add_argument("--token-hours", default=None, type=float)
    parser.add_argument("--log-file", default=None,
                        help="also write the log (including authorization decisions) here")
    parser.add_argument("--log-level", default=None, type=str.lower, choices=LOG_LEVELS)
    parser.add_argument("--ssl-certfile", default=None)
    parser.add_argument("--ssl-keyfile", default=None)
    parser.add_argument("--ca-passphrase-file", default=None,
                        help="file holding the CA key's passphrase (or set SUPERVISION_SERVER_CA_PASSPHRASE)")
    parser.add_argument("--trusted-proxies", default=None, metavar="ADDRESSES",
                        help="reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.5,10.1.0.0/16")
    parser.add_argument("--no-migrate", dest="migrate_on_start", action="store_const", const=False,
                        default=None,
                        help="do not upgrade the database schema at start; refuse to run on an old one")


# --------------------------------------------------------------------------- parsing

def _type_name(kind: type) -> str:
    return {str: "a string", int: "a whole number", float: "a number", bool: "true or false"}[kind]


def _from_toml(setting: Setting, value: Any, where: str) -> Any:
    kind = setting.kind
    # bool is an int in Python; `port = true` is a mistake, not 1
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    shown = f"{value!r}" if not isinstance(value, (dict, list)) else type(value).__name__
    raise ConfigError(f"{where}: {setting.name} must be {_type_name(kind)}, not {shown}")


def _from_text(setting: Setting, text: str, where: str) -> Any:
    kind = setting.kind
    try:
        if kind is str:
            return text
        if kind is int:
            return int(text)
        if kind is float:
            return float(text)
        lowered = text.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ValueError(text)
    except ValueError:
        raise ConfigError(f"{where}: {setting.name} must be {_type_name(kind)}, not {text!r}") from None


def _check(setting: Setting, value: Any, where: str) -> Any:
    """Values of the right type that still cannot work."""
    name = setting.name
    if value is None:
        return value
    if isinstance(value, str) and not value.strip():
        raise ConfigError(f"{where}: {name} is empty")
    if name == "port" and not 1 <= value <= 65535:
        raise ConfigError(f"{where}: port must be between 1 and 65535, not {value}")
    if name in ("token_hours", "migration_lock_timeout", "certificate_days",
                "timestamp_renewal_days") and not value > 0:
        raise ConfigError(f"{where}: {name} must be more than 0, not {value}")
    if name == "document_workers" and not 0 <= value <= MAX_DOCUMENT_WORKERS:
        raise ConfigError(f"{where}: document_workers must be between 0 and "
                          f"{MAX_DOCUMENT_WORKERS}, not {value}")
    if name == "trusted_proxies":
        from .accounts import parse_trusted_proxies

        try:
            parse_trusted_proxies(value)
        except ValueError as error:
            raise ConfigError(f"{where}: trusted_proxies: {error}") from None
    if name == "timestamp_url" and not value.startswith(("https://", "http://")):
        raise ConfigError(f"{where}: timestamp_url must be an http(s):// address, not {value!r}")
    if name == "timestamp_policy" and not all(part.isdigit() for part in value.split(".")):
        raise ConfigError(f"{where}: timestamp_policy must be an OID such as 1.2.826.0.1.1234.5")
    if name == "log_level":
        value = value.lower()
        if value not in LOG_LEVELS:
            raise ConfigError(f"{where}: log_level must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
    if name == "database_url":
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ConfigError(f"{where}: database_url is not a database URL") from None
        if backend not in ("sqlite", "postgresql"):
            raise ConfigError(f"{where}: database_url must be sqlite:///... or "
                              f"postgresql+psycopg://..., not a {backend} URL")
    return value


def read_file(path: Path) -> dict[str, Any]:
    """The settings in a TOML file, checked; raises :class:`ConfigError`."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"the configuration file {path} does not exist") from None
    except OSError as error:
        raise ConfigError(f"the configuration file {path} cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    values = {}
    for key, value in raw.items():
        if key in SECTIONS and isinstance(value, dict):
            continue
        setting = SETTINGS.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{path}: unknown setting {key!r}{hint}; known settings: "
                              f"{', '.join(SETTINGS)}")
        values[key] = _check(setting, _from_toml(setting, value, str(path)), str(path))
    return values


def _world_readable_with_password(path: Path, url: str) -> bool:
    try:
        return (make_url(url).password is not None
                and bool(path.stat().st_mode & stat.S_IROTH))
    except (OSError, ArgumentError):
        return False


def load(args: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None) -> ServerConfig:
    """The effective settings for parsed ``args`` (see :func:`add_arguments`) and
    ``environ`` (default ``os.environ``)."""
    environ = os.environ if environ is None else environ
    values = {name: s.default for name, s in SETTINGS.items()}
    sources = {name: "default" for name in SETTINGS}

    named = getattr(args, "config", None) or environ.get(CONFIG_ENV) or None
    file = Path(named) if named else None
    if file is not None:
        for name, value in read_file(file).items():
            values[name] = value
            sources[name] = f"file {file}"

    for name, setting in SETTINGS.items():
        text = environ.get(setting.env)
        if text is None or text == "":
            continue  # an empty variable (a blank line in server.env) does not override
        where = f"environment variable {setting.env}"
        values[name] = _check(setting, _from_text(setting, text, where), where)
        sources[name] = f"environment {setting.env}"

    for name, setting in SETTINGS.items():
        value = getattr(args, name, None) if args is not None else None
        if value is None:
            continue
        flag = "--no-migrate" if name == "migrate_on_start" else "--" + name.replace("_", "-")
        values[name] = _check(setting, value, f"option {flag}")
        sources[name] = f"flag {flag}"

    if bool(values["ssl_certfile"]) != bool(values["ssl_keyfile"]):
        raise ConfigError("ssl_certfile and ssl_keyfile go together: set both or neither "
                          f"(ssl_certfile from {sources['ssl_certfile']}, "
                          f"ssl_keyfile from {sources['ssl_keyfile']})")
    password = environ.get(PASSWORD_ENV) or None
    return ServerConfig(values, sources, file, password)


def password_in_readable_file(config: ServerConfig) -> bool:
    """True when the database password sits in a configuration file anyone may read."""
    return (config.file is not None and config.sources["database_url"].startswith("file ")
            and _world_readable_with_password(config.file, config.values["database_url"]))
