"""Access follows people (DESIGN.md §1.1) across a real server process and laptops: the
administrator moves a worker, gives cover and disables a leaver with the server's own
commands (as subprocesses); each laptop's next sync brings what it may now hold and
removes what it may no longer."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from supervision_app.domain.time_rules import london_date, utc_now
from supervision_app.store import models as m, queries as q, supervision_records as sr
from supervision_app.sync.client import AccountEnded
from tests.sync import records as r
from tests.sync.harness import PASSWORD, REPO


def admin(deployment, *argv: str, stdin: str = "") -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SUPERVISION_SERVER_")}
    done = subprocess.run([sys.executable, "-m", "supervision_app.sync.server.cli",
                           "--database-url", deployment.database_url, *argv],
                          env=clean, cwd=REPO, capture_output=True, text=True, timeout=180,
                          input=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


def held(laptop, ids) -> set[str]:
    return {i for i in ids if r.get(laptop, m.SupervisionSession, i) is not None}


def test_a_worker_moving_team_takes_their_history_to_the_new_manager(deployment, laptops):
    org = deployment.org
    tm_a, worker = laptops("tm_a"), laptops("sw_a1")
    tm_a_id, worker_id = org.ids["tm_a"], org.ids["sw_a1"]
    # four records written by the old manager: signed by both; signed by the manager and
    # waiting for the worker; shared with a disagreement, waiting for the manager's
    # signature; a draft the manager has still to finish
    # (the one the old manager must still sign is written first: a later record reviews
    # the open actions of earlier ones, and the old manager loses the signed ones)
    disagreed = r.shared_session(tm_a, org)
    locked = r.shared_session(tm_a, org)
    waits_worker = r.shared_session(tm_a, org)
    draft = r.new_session(tm_a, supervisor=tm_a_id, supervisee=worker_id, team=org.teams["A"],
                          wellbeing="draft private words")
    tm_a.client.sync()
    worker.client.sync()
    r.respond(worker, worker_id, locked)
    r.respond(worker, worker_id, waits_worker)
    r.respond(worker, worker_id, disagreed, agrees=False, disagreement="The caseload figure is wrong.")
    worker.client.sync()
    tm_a.client.sync()
    r.sign_session(tm_a, tm_a_id, locked)
    r.sign_session(tm_a, tm_a_id, waits_worker)
    tm_a.client.sync()
    worker.client.sync()
    r.sign_session(worker, worker_id, locked)
    worker.client.sync()
    tm_a.client.sync()
    everything = {locked, waits_worker, disagreed, draft}
    assert r.get(tm_a, m.SupervisionSession, locked).state == "locked"
    assert r.get(tm_a, m.SupervisionSession, waits_worker).state == "supervisor_signed"

    tm_b = laptops("tm_b")
    assert held(tm_b, everything) == set()

    # as usual, the worker's cases stay with the old team: the old manager still holds the
    # child their unsigned records discuss
    admin(deployment, "allocate-child", "CASE-A", "sw_a2")
    admin(deployment, "move-user", "sw_a1", "Team B")
    tm_b.client.sync()
    tm_a.client.sync()
    worker.client.sync()

    # the new manager holds the whole history, without the old manager's wellbeing notes
    assert held(tm_b, everything) == everything
    for record_id in everything:
        assert r.get(tm_b, m.SupervisionSession, record_id).wellbeing == ""
    discussions = [d for d in r.rows(tm_b, m.CaseDiscussion).values() if d.session_id == locked]
    assert discussions, "the parts of a record move with it"
    # the old manager keeps only what waits for their own action: the draft to finish and
    # the shared record to sign; with their own wellbeing words
    assert held(tm_a, everything) == {disagreed, draft}
    assert r.get(tm_a, m.SupervisionSession, draft).wellbeing == "draft private words"
    # ...and, of the others, only the discussion of the child who stayed in their team: it
    # follows the child, not the worker (§1.1, third bullet), without the rest of its record
    kept = [d for d in r.rows(tm_a, m.CaseDiscussion).values() if d.session_id == locked]
    assert [d.child_id for d in kept] == [org.children["a"]]
    # the worker keeps their whole shared history
    assert held(worker, everything) == {locked, waits_worker, disagreed}

    # once the old manager has signed, that record leaves their laptop too
    r.sign_session(tm_a, tm_a_id, disagreed)
    assert tm_a.client.sync().rejected == 0
    tm_a.client.sync()
    assert held(tm_a, everything) == {draft}
    tm_b.client.sync()
    assert r.get(tm_b, m.SupervisionSession, disagreed).state == "supervisor_signed"


def test_cover_gives_a_manager_the_covered_team_until_it_ends(deployment, laptops):
    org = deployment.org
    tm_b = laptops("tm_b")
    other_team = r.shared_session(tm_b, org, supervisor="tm_b", supervisee="sw_b1")
    tm_b.client.sync()
    covering = laptops("tm_a")
    assert held(covering, {other_team}) == set()
    today = london_date(utc_now())
    # a cover that ended yesterday gives nothing
    admin(deployment, "give-cover", "tm_a", "Team B", "--from", str(today - timedelta(days=10)),
          "--to", str(today - timedelta(days=1)))
    covering.client.sync()
    assert held(covering, {other_team}) == set()
    cover = json.loads(admin(deployment, "give-cover", "tm_a", "Team B", "--json",
                             "--from", str(today), "--to", str(today + timedelta(days=14))))
    covering.client.sync()
    assert held(covering, {other_team}) == {other_team}
    assert r.get(covering, m.SupervisionSession, other_team).wellbeing == ""
    cover_id = cover.get("id") or cover.get("cover_id")
    admin(deployment, "end-cover", cover_id, "--last-day", str(today - timedelta(days=1)))
    covering.client.sync()
    assert held(covering, {other_team}) == set()


def test_a_person_with_no_team_is_on_their_line_managers_team_page(deployment, laptops):
    org = deployment.org
    admin(deployment, "add-user", "sm_south", "--name", "SM South", "--role", "service_manager",
          "--line-manager", "sm", "--password-stdin", stdin=PASSWORD + "\n")
    line_manager = laptops("sm")
    report_id = next(sid for sid, row in r.rows(line_manager, m.Staff).items()
                     if row.username == "sm_south")
    with line_manager.db.reading() as s:
        actor = sr.load_actor(s, org.ids["sm"])
        page = q.team_overview(s, actor, london_date(utc_now()))
    assert report_id in {row.worker_id for row in page}
    # their line manager records their supervision; it reaches them and nobody else's team
    with line_manager.db.transaction() as s:
        record = sr.create_session(s, sr.load_actor(s, org.ids["sm"]), supervisee_id=report_id,
                                   held_at=utc_now() - timedelta(days=1))
        sr.update_session(s, sr.load_actor(s, org.ids["sm"]), record, {"wellbeing": "private"})
        sr.share_session(s, sr.load_actor(s, org.ids["sm"]), record)
    assert line_manager.client.sync().rejected == 0
    person, head, team_manager = laptops("sm_south"), laptops("hos"), laptops("tm_a")
    assert held(person, {record}) == {record}
    assert held(head, {record}) == {record}
    assert r.get(head, m.SupervisionSession, record).wellbeing == ""
    assert held(team_manager, {record}) == set()


def test_a_leavers_laptop_is_emptied_at_its_next_sync(deployment, laptops):
    org = deployment.org
    tm_b = laptops("tm_b")
    record = r.shared_session(tm_b, org, supervisor="tm_b", supervisee="sw_b1")
    tm_b.client.sync()
    leaver = laptops("sw_b1")
    assert held(leaver, {record}) == {record}
    admin(deployment, "disable-user", "sw_b1")
    with pytest.raises(AccountEnded):
        leaver.client.sync()
    assert held(leaver, {record}) == set()
    assert r.rows(leaver, m.CaseDiscussion) == {} and r.rows(leaver, m.ActionItem) == {}
    assert r.get(leaver, m.Staff, org.ids["tm_b"]) is not None  # the directory stays
    assert r.get(leaver, m.Child, org.children["b"]) is None
    admin(deployment, "enable-user", "sw_b1")
