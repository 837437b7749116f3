"""Journey: an addendum to a locked group session, signed on an attendee's laptop (issue 21:
group records lock when signed; addenda as for records).

The manager holds a group session with Ali Khan on their laptop and signs it; Ali's laptop
receives it and Ali signs, which locks it. Ali then sees a correction is needed: on the
locked session he chooses Add addendum…, writes it and signs it (Sign and lock, confirmed).
After both have synced, the manager's laptop lists the addendum under the session (by Ali
Khan, signed and locked) and its own signed PDF checks out (Addendum signatures…)."""
from __future__ import annotations

import sys

import pytest

from tests.journeys import group_steps as group, steps
from tests.journeys.agreement_steps import SIGNATURES
from tests.journeys.driver import Laptop

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

THEMES = "Working with chronic neglect: when to escalate"
ACTION = "Ali reads the neglect toolkit before the next group"
CORRECTION = "The family we discussed speaks Polish at home, not Czech: book a Polish interpreter."
ADDENDUM = {"name": "AddendumDialog"}


def add_signed_addendum(lap: Laptop, text: str) -> None:
    """Add addendum… on the open, locked group session: write it, Sign and lock, confirm in
    the box that asks, then close the addendum."""
    lap.click(name="addGroupAddendumButton", **group.INSIDE)
    lap.wait_shown(**ADDENDUM)
    lap.type(text, name="addendumEdit", within=ADDENDUM)
    lap.wait(lambda: lap.text(name="addendumEdit", within=ADDENDUM) == text, 30, "the addendum typed")
    lap.click(name="signAddendumButton", within=ADDENDUM)
    lap.wait_shown(name="confirmSignButton", modal=True)
    lap.click(name="confirmSignButton", modal=True)
    lap.wait_text("Signed and locked", name="addendumMessage", within=ADDENDUM, timeout=steps.LONG)
    lap.click(name="closeButton", within=ADDENDUM)
    lap.wait_gone(**ADDENDUM)


def addenda_rows(lap: Laptop) -> list[list[str]]:
    """The open group session's addenda: written, by, state, the start of the text."""
    return lap.rows(name="groupAddendaTable", **group.INSIDE)


def check_addendum_signature(lap: Laptop) -> str:
    """Addendum signatures… for the selected addendum: what the app said of its signed PDF."""
    lap.click(name="groupAddendumSignaturesButton", **group.INSIDE)
    lap.wait_shown(**SIGNATURES)
    summary = lap.wait(lambda: (t := lap.text(name="signaturesSummary", within=SIGNATURES))
                       and not t.startswith("Checking") and t, steps.LONG, "the signature to be checked")
    lap.click(name="closeButton", within=SIGNATURES)
    lap.wait_gone(**SIGNATURES)
    return summary


def test_an_attendee_signs_an_addendum_to_the_locked_group_session(deployment, laptops, tmp_path):
    manager, worker = laptops("manager-laptop"), laptops("akhan-laptop")
    for lap in (manager, worker):
        lap.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    steps.first_run_sign_in(worker, deployment.url, "akhan")

    # the manager holds it with Ali and signs
    group.new_group(manager)
    group.add_person(manager, "Ali Khan", ACTION)
    manager.type(THEMES, clear=True, name="groupThemesEdit", **group.INSIDE)
    group.sign(manager)
    group.wait_state(manager, group.SUPERVISOR_SIGNED)
    assert not manager.exists(name="addGroupAddendumButton", **group.INSIDE)  # not locked yet
    group.close(manager)
    steps.sync(manager)

    # Ali signs on his laptop, which locks it; then adds and signs a correction
    steps.sync_until(worker, lambda: group.group_line(worker, "My supervision").endswith(": 1"),
                     "the group session waiting for Ali's signature")
    group.open_newest(worker, "My supervision")
    group.wait_state(worker, group.SUPERVISOR_SIGNED)
    group.sign(worker)
    group.wait_state(worker, group.LOCKED)
    add_signed_addendum(worker, CORRECTION)
    worker.wait(lambda: addenda_rows(worker), 30, "the addendum listed")
    worker.screenshot(tmp_path / "group-addendum-attendee.png", **group.DIALOG)
    group.close(worker)
    steps.sync(worker)

    # the manager's laptop: the addendum under the session, signed by Ali, and its PDF checks out
    steps.sync(manager)
    group.open_newest(manager, "My team")
    group.wait_state(manager, group.LOCKED)
    rows = manager.wait(lambda: addenda_rows(manager), steps.LONG, "Ali's addendum on the manager's laptop")
    assert [(r[1], r[2]) for r in rows] == [("Ali Khan", "Signed and locked")], rows
    assert rows[0][3].startswith("The family we discussed speaks Polish"), rows
    summary = check_addendum_signature(manager)
    assert "intact, valid and trusted" in summary, summary
    group.close(manager)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))
