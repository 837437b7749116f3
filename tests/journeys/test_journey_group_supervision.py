"""Journey: group supervision with three attendees, each signing on their own laptop (issue 21).

IT adds a third worker to the team. The manager holds a group session on their laptop (My
team > Group sessions… > New group session…), ticks the three workers in by keyboard, types
each one's action and the themes, and signs, which releases it. Each worker's laptop receives
it: My supervision says one group session waits for their signature; they open it, see the
shared part (the themes) and only their own action, never a colleague's, and sign. After
everyone has synced, the manager's laptop and each worker's show it signed by everyone present
and locked."""
from __future__ import annotations

import sys

import pytest

from tests.journeys import group_steps as group, steps
from tests.journeys.driver import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

THEMES = "Working with chronic neglect: when to escalate"
WORKERS = {"akhan": "Ali Khan", "bjones": "Bea Jones", "cdavis": "Cal Davis"}


def _action(name: str) -> str:
    return f"{name.split()[0]} reads the neglect toolkit before the next group"


def test_group_session_signed_by_three_attendees_on_their_own_laptops(deployment, laptops, tmp_path):
    deployment.admin("add-user", "cdavis", "--name", "Cal Davis", "--role", "social_worker",
                     "--team", deployment.ids["team"], "--started-on", "2025-02-03", password=PASSWORD)
    manager = laptops("manager-laptop")
    workers = {user: laptops(f"{user}-laptop") for user in WORKERS}
    for lap in (manager, *workers.values()):
        lap.start()
    steps.first_run_sign_in(manager, deployment.url, "jsmith")
    for user, lap in workers.items():
        steps.first_run_sign_in(lap, deployment.url, user)

    # the manager holds it: three workers ticked in, each with their own action, and signs
    group.new_group(manager)
    for name in WORKERS.values():
        group.add_person(manager, name, _action(name))
    manager.type(THEMES, clear=True, name="groupThemesEdit", **group.INSIDE)
    manager.screenshot(tmp_path / "group-session-manager.png", **group.DIALOG)
    group.sign(manager)
    group.wait_state(manager, group.SUPERVISOR_SIGNED)
    assert all(name in group.state(manager) for name in WORKERS.values()), group.state(manager)
    group.close(manager)
    steps.sync(manager)

    # each worker, on their own laptop: the shared part and only their own action; signs
    for user, lap in workers.items():
        me = WORKERS[user]
        steps.sync_until(lap, lambda lap=lap: group.group_line(lap, "My supervision").endswith(": 1"),
                         f"the group session waiting for {me}'s signature")
        group.open_newest(lap, "My supervision")
        group.wait_state(lap, group.SUPERVISOR_SIGNED)
        assert lap.text(name="groupThemesEdit", **group.INSIDE) == THEMES
        actions = {row[0]: row[2] for row in group.people_rows(lap)}
        assert actions[me] == _action(me), actions
        assert [a for name, a in actions.items() if name != me] == ["", ""], actions  # never another's
        if user == "cdavis":
            lap.screenshot(tmp_path / "group-session-attendee.png", **group.DIALOG)
        group.sign(lap)
        lap.wait(lambda lap=lap, me=me: any(row[0] == f"{me} (signed)" for row in group.people_rows(lap)),
                 steps.LONG, f"{me}'s signature shown")
        group.close(lap)
        steps.sync(lap)

    # everyone's laptop: signed by everyone present and locked
    for lap in (manager, *workers.values()):
        steps.sync(lap)
        section = "My team" if lap is manager else "My supervision"
        group.open_newest(lap, section)
        group.wait_state(lap, group.LOCKED)
        assert not lap.exists(name="signGroupButton", **group.INSIDE)
        group.close(lap)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-x", "-q"]))
