"""What people do with a group supervision session (issue 21), step by step on a ``Laptop``:
the manager holds one from "My team" (Group sessions… > New group session…), ticks who is in
the group and types each person's action, and signs; each attendee opens it from "My
supervision" and signs. Clicks and typing only; each step waits until the screen shows it
is done (see ``steps``)."""
from __future__ import annotations

from tests.journeys import steps
from tests.journeys.driver import Laptop

LIST = {"name": "GroupSessionsDialog"}
DIALOG = {"name": "GroupSessionDialog"}
INSIDE = {"within": DIALOG}

SUPERVISOR_SIGNED = "Signed by the supervisor; waiting for"
LOCKED = "Signed by everyone present and locked."


def group_line(lap: Laptop, section: str) -> str:
    steps.go_to(lap, section)
    return lap.text(name="groupPracticeLabel")


def open_list(lap: Laptop, section: str) -> None:
    steps.go_to(lap, section)
    lap.click(name="groupSessionsButton")
    lap.wait_shown(name="groupSessionsTable", within=LIST)


def new_group(lap: Laptop) -> None:
    """My team > Group sessions… > New group session…"""
    open_list(lap, "My team")
    lap.click(name="newGroupButton", within=LIST)
    wait_loaded(lap)


def wait_loaded(lap: Laptop) -> None:
    lap.wait_shown(name="groupStateLabel", **INSIDE)
    lap.wait(lambda: lap.rows(name="groupPeopleTable", **INSIDE), 60, "the people of the group listed")


def state(lap: Laptop) -> str:
    return lap.text(name="groupStateLabel", **INSIDE)


def wait_state(lap: Laptop, words: str, timeout: float = steps.LONG) -> None:
    lap.wait(lambda: state(lap).startswith(words), timeout, f"the group session to read {words!r}")


def add_person(lap: Laptop, name: str, action: str) -> None:
    """Their row, Space to tick them in the group (present unless unticked), their action."""
    lap.select_row(name, name="groupPeopleTable", **INSIDE)
    lap.key("Space", name="groupPeopleTable", **INSIDE)
    lap.type(action, clear=True, name="groupActionEdit", **INSIDE)
    lap.wait(lambda: any(row[0].startswith(name) and row[2] == action
                         for row in lap.rows(name="groupPeopleTable", **INSIDE)), 30,
             f"{name} ticked in the group with their action")


def sign(lap: Laptop) -> None:
    lap.click(name="signGroupButton", **INSIDE)
    lap.wait_shown(name="confirmSignButton", modal=True)
    lap.click(name="confirmSignButton", modal=True)


def open_newest(lap: Laptop, section: str) -> None:
    open_list(lap, section)
    lap.wait(lambda: lap.rows(name="groupSessionsTable", within=LIST), 60, "a group session listed")
    lap.select_row("", name="groupSessionsTable", within=LIST)
    lap.click(name="openGroupButton", within=LIST)
    wait_loaded(lap)


def people_rows(lap: Laptop) -> list[list[str]]:
    return lap.rows(name="groupPeopleTable", **INSIDE)


def close(lap: Laptop) -> None:
    lap.click(name="closeButton", **INSIDE)
    lap.wait_gone(**DIALOG)
    lap.click(name="closeGroupsButton", within=LIST)
    lap.wait_gone(**LIST)
