"""Journey: a record deleted under retention disappears from every laptop (issue 18, DESIGN.md
§3 rule 10). Jo Smith (Team A) records supervision with Bea Jones and with Ali Khan, each with
a case discussion about Sam Example; Jo's laptop and the service manager's (Ann Smith) both
show the two discussions in Sam's chronology. Bea leaves: IT disables her account and records
that she left in March 2019 (the records were written today, standing for her old history), so
under the default schedule (supervision records 6 years after the worker leaves) her record is
due. IT lists the records due for review, deletes Bea's with the admin command, and at their
next sync both laptops show Sam's chronology without it and still with Ali's. The server's
retention audit names the deletion by ids only. (The organisation's schedule is read from the
[retention] table of server.toml.)"""
from __future__ import annotations

import json

import pytest

from tests.journeys import steps
from tests.journeys.driver import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

BEA_DECISION = "Refer to the edge of care panel"
ALI_DECISION = "Keep the plan"


def chronology(lap) -> str:
    """Children > Sam Example > Open: the child's oversight entries, as text."""
    steps.go_to(lap, "Children")
    lap.select_row("Sam Example", name="childrenTable")
    lap.click(name="openChildButton")
    lap.wait(lambda: "Sam Example" in lap.text(name="titleLabel", within={"name": "ChildPage"})
             and "entries" in lap.text(name="detailsLabel", within={"name": "ChildPage"}),
             what="Sam's chronology")
    return str(lap.rows(name="chronologyTable"))


def shows_both(lap) -> bool:
    shown = chronology(lap)
    return BEA_DECISION in shown and ALI_DECISION in shown


def test_a_record_deleted_under_retention_disappears_from_every_laptop(deployment, laptops):
    admin, ids = deployment.admin, deployment.ids
    admin("add-user", "asmith", "--name", "Ann Smith", "--role", "service_manager",
          "--started-on", "2018-05-01", password=PASSWORD)
    admin("set-manager", "asmith", "--service-area", ids["area"])

    manager, service_manager = laptops("manager"), laptops("service-manager")
    for lap in (manager, service_manager):
        lap.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(service_manager, deployment.url, "asmith")

    steps.write_and_share(manager, "Bea Jones", "CS-100234", BEA_DECISION)
    steps.back_to_list(manager)
    steps.write_and_share(manager, "Ali Khan", "CS-100234", ALI_DECISION)
    steps.sync(manager)
    assert shows_both(manager)
    steps.sync_until(service_manager, lambda: shows_both(service_manager),
                     "both discussions in Sam's chronology on Ann's laptop")

    # the organisation's own schedule sits in server.toml beside the other settings
    with deployment.toml.open("a") as toml:
        toml.write('\n[retention]\noversight_note = { years = 25, after = "case_closed" }\n')
    schedule = {r["kind"]: (r["years"], r["after"])
                for r in json.loads(admin("retention", "schedule", "--json"))}
    assert schedule["oversight_note"] == (25, "case_closed")
    assert schedule["supervision_session"] == (6, "worker_left")  # DESIGN's default, unchanged

    # Bea left years ago: IT disables her and records her leaving date; her record is due
    admin("disable-user", "bjones")
    admin("retention", "leaver", "bjones", "--left-on", "2019-03-29")
    due = json.loads(admin("retention", "list", "--json"))["records"]
    assert [(r["kind"], r["about"], r["status"]) for r in due] == [
        ("supervision_session", "bjones", "due")], due
    record_id = due[0]["id"]
    deleted = json.loads(admin("retention", "delete", record_id, "--yes", "--json"))
    assert deleted["deleted"] == [record_id] and deleted["parts"] >= 2  # discussion and action

    for lap, who in ((manager, "Jo"), (service_manager, "Ann")):
        steps.sync_until(lap, lambda lap=lap: BEA_DECISION not in chronology(lap),
                         f"Bea's discussion gone from Sam's chronology on {who}'s laptop")
        assert ALI_DECISION in chronology(lap)

    log = json.loads(admin("retention", "log", "--json"))
    assert log["chain_broken_at"] is None
    gone = [e for e in log["entries"] if e["action"] == "delete"]
    assert gone[-1]["id"] == record_id and gone[-1]["table"] == "supervision_session"
    assert all(e["part_of"] == record_id for e in gone[:-1]) and len(gone) == 1 + deleted["parts"]
    assert BEA_DECISION not in json.dumps(log) and "Reasons as discussed" not in json.dumps(log)
