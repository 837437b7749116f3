"""Journey: go-live from HR's and the case system's exports (issue 18). IT imports a service
area, a team, its staff (with each worker's last supervision before go-live) and a child from
CSV in one command, after a dry run; the imported manager signs in on a new laptop with the
one-time password from the passwords file, is made to choose a password of their own, and
sees their team as it stands: the worker supervised ten days ago is on track from that date,
not "Overdue, Last: Never". Importing the same files again changes nothing."""
from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest

from supervision_app.domain.time_rules import format_date
from tests.journeys import steps

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

OWN_PASSWORD = "a password of my own 42"


def write_exports(folder, last_supervised: date) -> list[str]:
    files = {
        "areas.csv": "area_id,name\nA9,Western Children's Services\n",
        "teams.csv": "team_id,name,area_id,manager_staff_id\nT9,Family Support Team,A9,HR901\n",
        "staff.csv": (
            "staff_id,username,name,role,team_id,line_manager_staff_id,started_on,asye_start,"
            "last_supervised_on,active\n"
            "HR901,pgreen,Pat Green,Team manager,T9,,2019-01-07,,,yes\n"
            f"HR902,rhill,Rae Hill,social_worker,T9,,01/05/2020,,{last_supervised:%d/%m/%Y},yes\n"
            "HR903,sday,Sol Day,social_worker,T9,,2021-06-01,,,yes\n"),
        "children.csv": ("case_id,name,date_of_birth,legal_status,worker_staff_id,closed_on\n"
                         "CS-900001,B. Child,2015-02-03,CIN,HR902,\n"),
    }
    paths = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    return paths


def choose_own_password(lap, password: str) -> None:
    """The server says the one-time password must be replaced: typed twice, each time OK."""
    for prompt in ("New password", "again"):
        lap.wait_text(prompt, cls="QLabel", modal=True)
        lap.type(password, accessible="New password", modal=True)
        lap.click(text="OK", cls="QPushButton", modal=True)


def test_an_imported_manager_signs_in_with_a_one_time_password_and_sees_their_team(
        deployment, laptops, tmp_path):
    admin = deployment.admin
    last = date.today() - timedelta(days=10)
    files = write_exports(tmp_path, last)

    planned = admin("import-directory", *files, "--dry-run")
    assert "staff: 3 new, 0 changed" in planned and "children: 1 new" in planned, planned
    assert "Nothing was changed" in planned
    passwords_file = tmp_path / "first-passwords.csv"
    admin("import-directory", *files, "--passwords-out", str(passwords_file))
    with passwords_file.open(encoding="utf-8") as stream:
        one_time = {row["username"]: row["one_time_password"] for row in csv.DictReader(stream)}
    assert set(one_time) == {"pgreen", "rhill", "sday"}

    again = admin("import-directory", *files, "--dry-run")
    assert "staff: 0 new, 0 changed, 3 unchanged" in again, again

    lap = laptops("pat")
    lap.start()
    lap.wait_shown(name="firstRunPage", timeout=90)
    lap.click(name="connectButton")
    lap.wait_shown(**steps.ADDRESS)
    lap.type(deployment.url, clear=True, **steps.ADDRESS)
    lap.type("pgreen", clear=True, name="usernameEdit")
    lap.type(one_time["pgreen"], name="passwordEdit")
    lap.click(**steps.SIGN_IN_BUTTON)
    choose_own_password(lap, OWN_PASSWORD)
    lap.wait(lambda: steps.home_shown(lap), steps.LONG, "Pat's home page after the first sync")

    steps.go_to(lap, "My team")
    lap.wait(lambda: len(lap.rows(name="workerTable")) == 2, 60, "both imported workers listed")
    rows = {row[0]: row for row in lap.rows(name="workerTable")}
    rae, sol = " ".join(rows["Rae Hill"]), " ".join(rows["Sol Day"])
    assert format_date(last) in rae and "On track" in rae, rae  # due from their last supervision
    assert "Never" in sol and "Overdue" in sol, sol  # no date given: due from their start
