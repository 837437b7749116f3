"""``supervision-server import-directory``: CSV exports of HR and the case system, imported
by the real command against SQLite and PostgreSQL, re-imported, refused row by row, and an
imported person signing in from a laptop whose team page counts from the go-live date."""
from __future__ import annotations

import csv
import json
import stat
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from supervision_app.domain.supervision_policy import SupervisionStatus
from supervision_app.store import queries
from supervision_app.store.supervision_records import load_actor

from .admin_cli import js, ok, refused, run
from .harness import Laptop, ServerProcess, create_database

TODAY = date.today()
LAST_SEEN = TODAY - timedelta(days=8)


def write_csv(folder: Path, name: str, rows: list[list[str]]) -> Path:
    path = folder / name
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    return path


def council(folder: Path, *, cara_team: str = "T1", cara_name: str = "Cara Lee",
            started: str = "02/09/2025") -> list[Path]:
    folder.mkdir(exist_ok=True)
    return [
        write_csv(folder, "areas.csv", [["area_id", "name", "manager_staff_id"],
                                        ["A1", "North Locality", "HR100"]]),
        write_csv(folder, "teams.csv", [["team_id", "name", "area_id", "manager_staff_id"],
                                        ["T1", "North Assessment 1", "A1", "HR101"],
                                        ["T2", "North Assessment 2", "A1", ""]]),
        write_csv(folder, "staff.csv", [
            ["staff_id", "username", "name", "role", "team_id", "line_manager_staff_id",
             "started_on", "asye_start", "last_supervised_on", "active"],
            ["HR099", "hwilson", "Hana Wilson", "Head of service", "", "", "2010-01-04", "", "", "yes"],
            ["HR100", "asmith", "Ann Smith", "service_manager", "", "HR099", "2015-04-01", "", "", "yes"],
            ["HR101", "bjones", "Bob Jones", "team_manager", "T1", "", "2018-01-08", "",
             str(LAST_SEEN), "yes"],
            ["HR102", "clee", cara_name, "social_worker", cara_team, "", started, started,
             str(LAST_SEEN), "yes"],
            ["HR103", "dnew", "Dee New", "social_worker", "T1", "", "2019-05-01", "", "", "yes"],
        ]),
        write_csv(folder, "children.csv", [
            ["case_id", "name", "date_of_birth", "legal_status", "worker_staff_id", "closed_on"],
            ["C1001", "Child One", "2015-03-01", "CIN", "HR102", ""],
            ["C1002", "Child Two", "11/06/2012", "Child protection", "HR102", ""],
            ["C1003", "Child Three", "2009-01-20", "CLA", "HR103", ""],
        ]),
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    url, drop = create_database(request.param, tmp_path)
    ok(url, "migrate")
    yield url
    drop()


def test_import_dry_run_then_create_then_update_without_duplicates(url, tmp_path):
    files = [str(f) for f in council(tmp_path / "v1")]
    preview = ok(url, "import-directory", *files, "--dry-run")
    assert "create staff HR102: Cara Lee" in preview
    assert "children: 3 new, 0 changed, 0 unchanged" in preview
    assert "Nothing was changed (--dry-run)." in preview
    assert js(url, "list-users") == []

    # without a place for the new people's passwords nothing happens
    assert "give --passwords-out FILE" in refused(url, "import-directory", *files)
    passwords = tmp_path / "first-passwords.csv"
    done = js(url, "import-directory", *files, "--passwords-out", str(passwords))
    assert done["counts"]["staff"] == {"create": 5, "update": 0, "unchanged": 0}
    assert stat.S_IMODE(passwords.stat().st_mode) == 0o600
    with passwords.open() as stream:
        handed = {r["username"]: r["one_time_password"] for r in csv.DictReader(stream)}
    assert set(handed) == {"hwilson", "asmith", "bjones", "clee", "dnew"}

    cara = js(url, "show-user", "clee")
    assert (cara["team"], cara["asye_start"], cara["last_supervised_on"], cara["must_change_password"]) == \
        ("North Assessment 1", "2025-09-02", str(LAST_SEEN), True)
    assert [c["case_id"] for c in cara["children"]] == ["C1001", "C1002"]
    assert js(url, "show-user", "asmith")["line_manager"] == "hwilson"
    assert js(url, "list-areas")[0]["manager"] == "asmith"
    assert js(url, "show-child", "C1002")["legal_status"] == "child_protection"

    # the same files again: nothing changes; newer exports: rows are updated, not added
    again = js(url, "import-directory", *files)
    assert all(n["create"] == n["update"] == 0 for n in again["counts"].values())
    newer = [str(f) for f in council(tmp_path / "v2", cara_team="T2", cara_name="Cara Lee-Hart")]
    preview = js(url, "import-directory", *newer, "--dry-run")
    assert preview["changes"] == [{"kind": "staff", "source_id": "HR102", "action": "update",
                                   "changed": ["display_name", "team_id"]}]
    ok(url, "import-directory", *newer)
    users = js(url, "list-users")
    assert len(users) == 5
    moved = js(url, "show-user", "clee")
    assert (moved["name"], moved["team"]) == ("Cara Lee-Hart", "North Assessment 2")
    assert len(js(url, "list-children")) == 3


def test_a_bad_row_is_named_by_file_line_and_column_and_nothing_is_applied(tmp_path):
    url, _ = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    files = council(tmp_path / "bad")
    staff = files[2].read_text().splitlines()
    staff[2] = staff[2].replace("2015-04-01", "31/31/2015")  # line 3
    staff[3] = staff[3].replace(",T1,", ",T9,")  # line 4
    files[2].write_text("\n".join(staff) + "\n")
    children = files[3].read_text().splitlines()
    children[1] = children[1].replace("CIN", "Adopted")  # line 2
    files[3].write_text("\n".join(children) + "\n")
    message = refused(url, "import-directory", *map(str, files), "--passwords-out",
                      str(tmp_path / "p.csv"))
    assert "staff.csv line 3, column started_on: '31/31/2015' is not a date" in message
    assert "staff.csv line 4, column team_id: no team has the id 'T9'" in message
    assert "children.csv line 2, column legal_status: 'Adopted' is not a legal status" in message
    assert message.endswith("Nothing was changed: correct the files and import them again.")
    assert js(url, "list-teams") == [] and js(url, "list-areas") == []
    assert not (tmp_path / "p.csv").exists()
    unknown = write_csv(tmp_path, "rota.csv", [["who", "when"], ["x", "y"]])
    assert "rota.csv: its first line does not name the columns" in refused(
        url, "import-directory", str(unknown))


def test_a_person_added_by_hand_is_matched_by_username(tmp_path):
    url, _ = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    made = js(url, "add-user", "bjones", "--name", "Bob J", "--role", "team_manager",
              "--one-time-password")
    out = json.loads(run(url, "import-directory", *map(str, council(tmp_path / "c")),
                         "--passwords-out", str(tmp_path / "p.csv"), "--json").stdout)
    assert out["counts"]["staff"] == {"create": 4, "update": 1, "unchanged": 0}
    assert js(url, "show-user", "bjones")["id"] == made["id"]


def test_an_imported_person_signs_in_and_the_team_page_counts_from_their_last_supervision(tmp_path):
    url, drop = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    passwords = tmp_path / "passwords.csv"
    ok(url, "import-directory", *map(str, council(tmp_path / "c")), "--passwords-out", str(passwords))
    with passwords.open() as stream:
        once = {r["username"]: r["one_time_password"] for r in csv.DictReader(stream)}
    server = ServerProcess(url, tmp_path / "server.log").start()
    laptop = Laptop(tmp_path / "laptop", server.url)
    try:
        answer = httpx.post(f"{server.url}/v1/login", json={
            "username": "bjones", "password": once["bjones"], "new_password": "bob's own password",
            "device_id": laptop.client.device_id()})
        assert answer.status_code == 200
        signed_in = laptop.client.login("bjones", "bob's own password")
        assert signed_in.role == "team_manager"
        laptop.client.sync()
        with laptop.db.reading() as s:
            rows = {r.name: r for r in queries.team_overview(s, load_actor(s, signed_in.staff_id), TODAY)}
        # counted from the last supervision before go-live, not "Overdue, Last: Never"
        assert rows["Cara Lee"].last_held == LAST_SEEN
        assert rows["Cara Lee"].status != SupervisionStatus.OVERDUE
        assert rows["Dee New"].last_held is None  # none imported: counted from the start date
        assert rows["Dee New"].status == SupervisionStatus.OVERDUE
    finally:
        laptop.close()
        server.stop()
        drop()


def test_a_leaver_in_a_newer_export_can_no_longer_sign_in(tmp_path):
    url, _ = create_database("sqlite", tmp_path)
    ok(url, "migrate")
    ok(url, "import-directory", *map(str, council(tmp_path / "v1")), "--passwords-out",
       str(tmp_path / "p.csv"))
    files = council(tmp_path / "v2")
    staff = files[2].read_text().splitlines()
    staff[-1] = staff[-1].rsplit(",", 1)[0] + ",no"  # Dee New has left
    files[2].write_text("\n".join(staff) + "\n")
    done = run(url, "import-directory", *map(str, files))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "signing certificates were not revoked" in done.stderr and "dnew" in done.stderr
    assert [u["username"] for u in js(url, "list-users", "--disabled")] == ["dnew"]
