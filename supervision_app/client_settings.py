"""The organisation's settings for every person on this computer, set by IT.

Today one setting: the sync server's address, which the first-run page and the sign-in
dialog offer so that nobody has to type it. IT sets it in one of three ways, the first
found wins:

1. the environment variable ``SUPERVISION_SERVER_URL`` (a login script, a group policy);
2. the machine-wide file ``client.toml``, which the Windows installer writes when run with
   ``/SERVER=https://...``::

       [server]
       url = "https://supervision.example.gov.uk"

   It lives in a folder only administrators can change (:func:`machine_config_path`);
   ``SUPERVISION_CLIENT_CONFIG`` names another file (tests, unusual installs).

Nothing here touches the network or a profile; a file that cannot be read is reported in
words and otherwise ignored, so a mistake by IT never stops the app from starting.
"""
from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

SERVER_URL_ENV = "SUPERVISION_SERVER_URL"
CONFIG_PATH_ENV = "SUPERVISION_CLIENT_CONFIG"
CONFIG_FILE_NAME = "client.toml"
APP_FOLDER = "SupervisionRecorder"


def machine_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where IT puts ``client.toml`` on this operating system.

    Windows and macOS follow platformdirs' site configuration folder (``%ProgramData%`` and
    ``/Library/Application Support``). On Linux platformdirs would answer ``/etc/xdg/...``,
    which moves with ``XDG_CONFIG_DIRS`` and is meant for desktop defaults; packages keep
    their machine-wide settings in ``/etc/<package>``, so that is where this one lives."""
    environ = os.environ if environ is None else environ
    if environ.get(CONFIG_PATH_ENV):
        return Path(environ[CONFIG_PATH_ENV])
    if sys.platform in ("win32", "darwin"):
        from platformdirs import site_config_path

        return site_config_path(APP_FOLDER, appauthor=False) / CONFIG_FILE_NAME
    return Path("/etc/supervision-recorder") / CONFIG_FILE_NAME


@dataclass(frozen=True)
class ClientSettings:
    server_url: str = ""
    source: str = ""  # where server_url came from, in words ("" when not set)
    problem: str = ""  # why the machine-wide file was not used, in words


def load_client_settings(environ: Mapping[str, str] | None = None,
                         path: Path | None = None) -> ClientSettings:
    """The server address IT set for this computer, and where it came from."""
    environ = os.environ if environ is None else environ
    path = path if path is not None else machine_config_path(environ)
    from_env = environ.get(SERVER_URL_ENV, "").strip()
    if from_env:
        return ClientSettings(from_env, f"the {SERVER_URL_ENV} setting")
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return ClientSettings()
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return ClientSettings(problem=f"This computer's settings file {path} could not be read "
                                      f"({_reason(error)}); type the server address yourself, "
                                      "and tell IT.")
    server = data.get("server")
    url = server.get("url") if isinstance(server, dict) else None
    if url is None:
        return ClientSettings()
    if not isinstance(url, str) or not url.strip():
        return ClientSettings(problem=f"This computer's settings file {path} has no usable "
                                      "server address ([server] url); type it yourself, and "
                                      "tell IT.")
    return ClientSettings(url.strip(), f"this computer's settings file ({path})")


def _reason(error: Exception) -> str:
    if isinstance(error, PermissionError):
        return "you are not allowed to read it"
    if isinstance(error, tomllib.TOMLDecodeError):
        return f"it is not valid TOML: {error}"
    if isinstance(error, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return type(error).__name__



def normalise_address(typed: str) -> str:
    """The server address as the sync engine wants it: ``https://`` when no scheme was
    typed, no trailing slash. Raises ``ValueError`` with words when it cannot be one."""
    text = typed.strip()
    if not text:
        raise ValueError("Type the server address IT gave you (for example "
                         "https://supervision.example.gov.uk).")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        usable = (parts.scheme in ("https", "http") and bool(parts.hostname)
                  and (parts.port is None or parts.port > 0))  # a port not a number raises
    except ValueError:
        usable = False
    if not usable or any(c.isspace() for c in text):
        raise ValueError(f"'{typed.strip()}' is not a web address. It should look like "
                         "https://supervision.example.gov.uk; ask IT for it.")
    return text.rstrip("/")
