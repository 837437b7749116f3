"""Every command's --help answers on a computer with no profile (a new laptop, IT reading
what a command does), without making any file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from supervision_app.assurance.report_cli import build_parser as report_parser
from supervision_app.sync.server.cli import build_parser as server_parser, main as server_main


def _subcommands(parser) -> list[str]:
    actions = [a for a in parser._actions if a.choices and hasattr(a, "add_parser")]
    return sorted(actions[0].choices)


CLIENT_COMMANDS = [
    [],
    ["verify"],
    ["report"],
    *(["report", name] for name in _subcommands(report_parser())),
    ["check-profile"],
    ["export-chronology"],
    ["export"],
    ["export", "--evidence", "RECORD"],
    ["--demo", "report"],
    ["--data-dir", "nowhere", "report", "compliance"],
]
SERVER_COMMANDS = [[], *([name] for name in _subcommands(server_parser()))]


def _empty_home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("XDG_", "SUPERVISION_"))}
    env.update(HOME=str(home), USERPROFILE=str(home), APPDATA=str(home / "AppData"),
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"),
               XDG_CACHE_HOME=str(home / "cache"), QT_QPA_PLATFORM="offscreen")
    return env


def _help(tmp_path: Path, module: str, command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *command, "--help"], cwd=tmp_path,
                          env=_empty_home(tmp_path), capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", CLIENT_COMMANDS, ids=lambda c: " ".join(c) or "supervision-app")
def test_every_client_command_has_help_without_a_profile(tmp_path: Path, command: list[str]):
    result = _help(tmp_path, "supervision_app.cli", command)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert "There is no profile" not in result.stdout + result.stderr
    named = [word for word in command if not word.startswith("-") and word not in ("nowhere", "RECORD")]
    assert all(word in result.stdout.split("\n\n")[0] for word in named), result.stdout
    assert [p.name for p in (tmp_path / "home").iterdir()] == []


@pytest.mark.parametrize("command", SERVER_COMMANDS, ids=lambda c: " ".join(c) or "supervision-server")
def test_every_server_command_has_help_without_a_configuration(tmp_path: Path, monkeypatch, capsys,
                                                               command: list[str]):
    """In this process (43 commands): argparse answers before any setting is read."""
    for key, value in _empty_home(tmp_path).items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit) as stop:
        server_main([*command, "--help"])
    assert stop.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: supervision-server")  # aliases (set-team) show their command's name
    assert [p.name for p in (tmp_path / "home").iterdir()] == []
