"""Quality signals read group sessions' case discussions (issue 21): a decision without a
rationale and a paragraph copied from another group's discussion are signals there too,
named by the group session and the child; a group its supervisor has not signed (a draft)
is not read, and another team's manager sees none of them. Group sessions are made and
signed through the store and the real signing path."""
from __future__ import annotations

from datetime import timedelta

from supervision_app.assurance.signals import SignalKind, quality_signals
from supervision_app.domain.group_supervision import Attendance
from supervision_app.records.group_signoff import sign_group_session
from supervision_app.store import group_records as gr
from supervision_app.store.models import Team
from tests.assurance.sample_texts import EDITED, PASTED
from tests.assurance.test_group_sessions_in_figures import HELD, TODAY, _credentials
from tests.store.builders import actor

GOOD_RATIONALE = ("The safety plan is holding: school and health report no new concerns,\n"
                  "and the family are engaging with every part of the plan.")


def _group(db, team, child_id, summary, rationale, days_before=0):
    who = actor(db, team.manager_id)
    with db.transaction() as s:
        gid = gr.create_group_session(
            s, who, attendees={team.worker_id: Attendance.PRESENT, team.other_worker_id: Attendance.PRESENT},
            held_at=HELD - timedelta(days=days_before), duration_minutes=90)
        gr.add_discussion(s, who, gid, child_id=child_id, summary=summary, decision="Keep the plan",
                          rationale=rationale)
    return gid


def _signals(db, viewer_id):
    with db.reading() as s:
        return quality_signals(s, actor(db, viewer_id), today=TODAY, since=TODAY - timedelta(days=90))


def test_group_discussions_carry_decision_and_copied_text_signals(database, team):
    store = _credentials(database, team)
    casey, alex = team.child_ids[2], team.child_ids[3]
    first = _group(database, team, casey, PASTED, GOOD_RATIONALE, days_before=7)
    second = _group(database, team, alex, EDITED, "")  # pasted, and no rationale
    draft = _group(database, team, casey, PASTED, "")  # the supervisor has not signed it
    for gid in (first, second):
        sign_group_session(database, store, group_id=gid, signer_id=team.manager_id)

    signals = _signals(database, team.manager_id)
    by = {k: {(x.record_kind, x.record_id) for x in signals.of_kind(k)} for k in SignalKind}
    assert by[SignalKind.NO_RATIONALE] == {("group_session", second)}
    assert by[SignalKind.COPIED_TEXT] == {("group_session", first), ("group_session", second)}
    assert all(draft not in {rid for _kind, rid in found} for found in by.values())
    no_rationale = signals.of_kind(SignalKind.NO_RATIONALE)[0]
    assert (no_rationale.child_id, no_rationale.team_id, no_rationale.when) == (alex, team.team_id, HELD.date())
    copied = {c.record_id: c for c in signals.of_kind(SignalKind.COPIED_TEXT)}
    assert copied[first].related_id == second and "summary" in copied[first].detail
    assert (copied[first].team_id, copied[first].when) == (team.team_id, (HELD - timedelta(days=7)).date())

    with database.reading() as s:
        other_manager = s.get(Team, team.other_team_id).manager_id
    assert not any(x.record_kind == "group_session" for x in _signals(database, other_manager).signals)
