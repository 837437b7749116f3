"""``supervision-server`` directory commands, run as IT runs them: the real command in a
subprocess against SQLite and PostgreSQL databases (issue 18)."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import httpx
import pytest

from supervision_app.sync.client import SyncError
from supervision_app.sync.server import admin_commands, cli, schema_head, startup

from .admin_cli import js, ok, refused, run
from .harness import REPO, Laptop, ServerProcess, create_database

ENV_PASSWORD = "a-long-enough-password"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    url, drop = create_database(request.param, tmp_path)
    ok(url, "migrate")
    yield url
    drop()


def test_an_administrator_builds_and_changes_the_directory_by_names(url):
    area = js(url, "add-service-area", "North Locality")["id"]
    team = js(url, "add-team", "Asessment 1", "--service-area", "North Locality")["id"]
    other = js(url, "add-team", "Assessment 2", "--service-area", area)["id"]
    env = {"SUPERVISION_SERVER_NEW_PASSWORD": ENV_PASSWORD}
    tm = js(url, "add-user", "bjones", "--name", "Bob Jones", "--role", "team_manager",
            "--team", "Asessment 1", "--started-on", "2020-01-06", env=env)["id"]
    js(url, "add-user", "hwilson", "--name", "Hana Wilson", "--role", "head_of_service", env=env)
    js(url, "add-user", "asmith", "--name", "Ann Smith", "--role", "service_manager", env=env)
    js(url, "add-user", "jsmith", "--name", "Jo Smith", "--role", "social_worker",
       "--team", team, "--asye-start", "2026-09-01", "--started-on", "2026-09-01", env=env)
    ok(url, "set-manager", "bjones", "--team", "Asessment 1")
    ok(url, "set-manager", "asmith", "--service-area", "North Locality")

    # a typo in a name is corrected, and the team is found by its new name
    assert js(url, "rename-team", "Asessment 1", "Assessment 1")["id"] == team
    teams = {t["name"]: t for t in js(url, "list-teams")}
    assert teams["Assessment 1"] == {"id": team, "name": "Assessment 1", "manager": "bjones",
                                     "area": "North Locality", "people": 2}
    assert js(url, "list-areas", "--find", "north") == [
        {"id": area, "name": "North Locality", "manager": "asmith", "teams": 2}]
    assert "Assessment 1" in ok(url, "list-teams")  # the text form too

    # people: listed, found, shown, renamed, moved, line-managed
    assert [u["username"] for u in js(url, "list-users", "--team", "Assessment 1")] == ["bjones", "jsmith"]
    assert [u["username"] for u in js(url, "list-users", "--find", "SMITH")] == ["asmith", "jsmith"]
    ok(url, "rename-user", "jsmith", "Jo Smith-Jones")
    ok(url, "move-user", "jsmith", "Assessment 2")
    ok(url, "set-line-manager", "asmith", "hwilson")
    ok(url, "set-last-supervision", "jsmith", "2026-11-20")
    shown = js(url, "show-user", "jsmith")
    assert (shown["name"], shown["team_id"], shown["last_supervised_on"]) == \
        ("Jo Smith-Jones", other, "2026-11-20")
    assert js(url, "show-user", "asmith")["line_manager"] == "hwilson"
    assert js(url, "show-user", "bjones")["id"] == tm

    # a leaver is disabled and comes back
    ok(url, "disable-user", "jsmith")
    assert [u["username"] for u in js(url, "list-users", "--disabled")] == ["jsmith"]
    ok(url, "enable-user", "jsmith")
    assert js(url, "list-users", "--disabled") == []

    # children: added, found by case id, reallocated, closed, reopened
    child = js(url, "add-child", "C1001", "--name", "Child One", "--dob", "2015-03-01",
               "--legal-status", "child_in_need", "--worker", "jsmith")["id"]
    assert [c["case_id"] for c in js(url, "list-children", "--team", "Assessment 2")] == ["C1001"]
    ok(url, "allocate-child", "C1001", "bjones")
    assert js(url, "show-child", "C1001")["worker"] == "bjones"
    ok(url, "close-case", "C1001", "--on", "2026-11-30")
    closed = js(url, "show-child", child)
    assert (closed["worker"], closed["closed_on"]) == (None, "2026-11-30")
    assert [c["id"] for c in js(url, "list-children", "--closed")] == [child]
    ok(url, "reallocate-child", "Child One", "jsmith")
    assert js(url, "list-children", "--closed") == []

    # cover: given between two dates, listed while current, ended early
    today = date.today()
    cover = js(url, "give-cover", "bjones", "Assessment 2", "--from", str(today),
               "--to", str(today + timedelta(days=14)))["id"]
    current = js(url, "list-cover", "--current")
    assert [(c["id"], c["manager"], c["team"]) for c in current] == [(cover, "bjones", "Assessment 2")]
    assert js(url, "show-team", "Assessment 2")["cover"][0]["id"] == cover
    ended = js(url, "end-cover", cover, "--last-day", str(today - timedelta(days=1)))
    assert (ended["ends_on"], ended["current"]) == (str(today - timedelta(days=1)), False)
    assert js(url, "list-cover", "--current") == []

    found = js(url, "find", "smith")
    assert {(f["kind"], f.get("username")) for f in found} == {("user", "asmith"), ("user", "jsmith")}
    assert "jsmith" in ok(url, "find", "smith")


@pytest.fixture
def sqlite_url(tmp_path):
    url, _ = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    return url


def test_refusals_are_sentences_and_come_before_any_password_prompt(sqlite_url, tmp_path):
    url = sqlite_url
    env = {"SUPERVISION_SERVER_NEW_PASSWORD": ENV_PASSWORD}
    ok(url, "add-team", "Team A")
    ok(url, "add-user", "jsmith", "--name", "Jo Smith", "--role", "social_worker", env=env)
    # no terminal, no variable: said in words (it used to be an EOFError traceback)
    message = refused(url, "add-user", "kbrown", "--name", "K Brown", "--role", "social_worker")
    assert "No password was given and there is no terminal" in message
    assert "--password-fd" in message
    # a taken username is found before a password is wanted
    assert refused(url, "add-user", "jsmith", "--name", "J", "--role", "social_worker") == \
        "A user called 'jsmith' already exists."
    assert "no team with the id or name 'Team Z'" in refused(
        url, "add-user", "kbrown", "--name", "K", "--role", "social_worker", "--team", "Team Z")
    assert "at least 12 characters" in refused(
        url, "add-user", "kbrown", "--name", "K", "--role", "social_worker",
        env={"SUPERVISION_SERVER_NEW_PASSWORD": "short"})
    # a duplicate child: its message only (it used to follow two SQLAlchemy warnings)
    ok(url, "add-child", "C1", "--name", "A", "--dob", "2015-01-01", "--legal-status", "child_in_need")
    assert refused(url, "add-child", "C1", "--name", "A", "--dob", "2015-01-01",
                   "--legal-status", "child_in_need") == \
        "A child with case id 'C1' already exists (show-child C1 shows it)."
    assert "is not a date: write it as YYYY-MM-DD" in refused(
        url, "add-child", "C2", "--name", "A", "--dob", "01/02/2015", "--legal-status", "child_in_need")
    assert "There is no user called 'nobody'" in refused(url, "show-user", "nobody")
    assert "Name the new team, or give --no-team." in refused(url, "move-user", "jsmith")

    # the password from a file descriptor, and from standard input
    secret = tmp_path / "password.txt"
    secret.write_text("from-a-file-descriptor\n")
    with secret.open() as stream:
        ok(url, "add-user", "fd", "--name", "F D", "--role", "social_worker",
           "--password-fd", str(stream.fileno()), pass_fds=(stream.fileno(),))
    ok(url, "add-user", "stdin", "--name", "S I", "--role", "social_worker", "--password-stdin",
       stdin="from-standard-input\n")
    assert {u["username"] for u in js(url, "list-users")} == {"jsmith", "fd", "stdin"}


def test_every_subcommand_explains_its_options_and_shows_an_example():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    directory_commands = {name for name, p in sub.choices.items()
                          if p.get_default("directory_handler") is not None}
    assert {"list-users", "show-team", "find", "rename-child", "give-cover", "import-directory",
            "close-case", "enable-user", "set-line-manager"} <= directory_commands
    for name in directory_commands:
        text = sub.choices[name].format_help()
        assert "examples:" in text and f" {name}" in text.split("examples:")[1] or \
            name in ("set-team", "reallocate-child"), name
        assert "--json" in text, name
        for action in sub.choices[name]._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{name} {action.option_strings} has no help"
    add_user = " ".join(sub.choices["add-user"].format_help().split())
    assert "YYYY-MM-DD" in add_user and "Assessed and Supported Year in Employment" in add_user


def test_help_runs_as_a_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli", "add-user",
                           "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert "--started-on DATE" in done.stdout and "e.g. 2025-09-01" in done.stdout


def test_the_quick_schema_check_agrees_with_alembic_and_a_new_database_is_still_migrated(tmp_path):
    assert schema_head.head_revisions() == startup.head_revisions()
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert run(url, "list-users").stdout.strip() == "Nobody matches."  # migrated on the way
    from sqlalchemy import create_engine

    engine = create_engine(url)
    assert schema_head.at_head(engine)
    engine.dispose()


def test_a_one_time_password_is_changed_at_first_sign_in(tmp_path):
    url, drop = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    ok(url, "add-team", "Team A")
    made = js(url, "add-user", "jsmith", "--name", "Jo Smith", "--role", "social_worker",
              "--team", "Team A", "--one-time-password")
    once = made["one_time_password"]
    assert js(url, "show-user", "jsmith")["must_change_password"] is True
    server = ServerProcess(url, tmp_path / "server.log").start()
    laptop = Laptop(tmp_path / "laptop", server.url)
    try:
        with pytest.raises(SyncError):
            laptop.client.login("jsmith", once)
        body = {"username": "jsmith", "password": once, "device_id": laptop.client.device_id()}
        answer = httpx.post(f"{server.url}/v1/login", json=body)
        assert answer.status_code == 428
        assert "choose a new password" in answer.text
        short = httpx.post(f"{server.url}/v1/login", json=body | {"new_password": "short"})
        assert short.status_code == 400
        changed = httpx.post(f"{server.url}/v1/login", json=body | {"new_password": "my own password 1"})
        assert changed.status_code == 200
        assert laptop.client.login("jsmith", "my own password 1").staff_id == made["id"]
        with pytest.raises(SyncError):
            laptop.client.login("jsmith", once)  # used up
        assert js(url, "show-user", "jsmith")["must_change_password"] is False
        # an administrator gives a new one-time password: the person's sign-ins end
        again = js(url, "set-password", "jsmith", "--one-time-password")
        assert again["one_time_password"] != once
        assert httpx.post(f"{server.url}/v1/login", json=body | {
            "password": again["one_time_password"]}).status_code == 428
    finally:
        laptop.close()
        server.stop()
        drop()


def test_password_options_are_refused_together():
    parser = cli.build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["add-user", "x", "--name", "X", "--role", "social_worker",
                           "--password-stdin", "--one-time-password"])
    assert admin_commands.PASSWORD_ENV == "SUPERVISION_SERVER_NEW_PASSWORD"
