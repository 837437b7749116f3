"""Quality signals on the hand-built world plus a few records made for them."""
from __future__ import annotations

from datetime import date

from supervision_app.assurance.signals import SignalKind, quality_signals, sampling_weights
from supervision_app.store.supervision_records import load_actor
from tests.assurance.sample_texts import EDITED, PASTED
from tests.assurance.world import TODAY, session

GOOD_RATIONALE = ("The safety plan is holding: school and health report no new concerns,\n"
                  "and the family are engaging with every part of the plan.")


def add_records(db, w):
    with db.transaction() as s:
        session(s, w, "sig-1", w.ash, w.tm, w.team_a, date(2026, 1, 20), shared=date(2026, 1, 21),
                signed=date(2026, 3, 2), children=("c1", "c2"),
                texts={"c1": {"decision": "Step down to child in need", "rationale": GOOD_RATIONALE,
                              "current_position": PASTED},
                       "c2": {"decision": "Continue", "rationale": ""}},
                actions=[("sig-no-due", w.ash, None, "open"), ("sig-no-owner", None, date(2026, 4, 1), "open")])
        session(s, w, "sig-2", w.cy, w.tm, w.team_a, date(2026, 2, 23), children=("c4",),
                texts={"c4": {"decision": "", "rationale": GOOD_RATIONALE, "current_position": EDITED}})
        session(s, w, "sig-draft", w.cy, w.tm, w.team_a, date(2026, 3, 18), state="draft",
                children=("c5",), texts={"c5": {"decision": "", "rationale": "", "current_position": PASTED}},
                actions=[("sig-draft-action", None, None, "open")])


def test_signals_on_records_in_scope(database, world):
    add_records(database, world)
    with database.reading() as s:
        signals = quality_signals(s, load_actor(s, world.tm), today=TODAY, since=date(2026, 1, 1))
    by = {k: {(x.record_kind, x.record_id) for x in signals.of_kind(k)} for k in SignalKind}
    d = world.discussions
    assert by[SignalKind.NO_RATIONALE] == {("case_discussion", d["sig-1/c2"])}
    assert by[SignalKind.NO_DECISION] == {("case_discussion", d["sig-2/c4"])}
    # every other discussion and note in 2026 has the three-word "Progress is steady."
    assert ("case_discussion", d["sig-1/c1"]) not in by[SignalKind.THIN_RATIONALE]
    assert ("oversight_note", world.notes["n-c3"]) in by[SignalKind.THIN_RATIONALE]
    assert by[SignalKind.ACTION_INCOMPLETE] == {("action", world.actions["sig-no-due"]),
                                               ("action", world.actions["sig-no-owner"])}
    assert by[SignalKind.SIGNED_LATE] == {("supervision", world.sessions["sig-1"])}  # 41 days
    assert by[SignalKind.DISAGREEMENT_UNRESOLVED] == {("supervision", world.sessions["bo-feb"])}
    # the pasted paragraph, edited, in Cy's record; the draft copy is not looked at
    assert by[SignalKind.COPIED_TEXT] == {("case_discussion", d["sig-1/c1"]),
                                          ("case_discussion", d["sig-2/c4"])}
    copied = signals.of_kind(SignalKind.COPIED_TEXT)
    assert {c.staff_id for c in copied} == {world.ash, world.cy}
    assert all("current position" in c.detail for c in copied)


def test_signals_follow_scope_and_weight_a_sample(database, world):
    add_records(database, world)
    with database.reading() as s:
        other = quality_signals(s, load_actor(s, world.tm_b), today=TODAY)
        nobody = quality_signals(s, load_actor(s, world.ash), today=TODAY)
        auditor = quality_signals(s, load_actor(s, world.auditor), today=TODAY, since=date(2026, 1, 1))
    assert nobody.signals == ()
    assert all(x.team_id == world.team_b for x in other.signals)
    weights = sampling_weights(auditor, "supervision")
    # sig-1: no rationale, signed late, copied text, two incomplete actions, and a sound one
    assert weights[world.sessions["sig-1"]] == 1 + 5
    assert world.sessions["sig-draft"] not in weights
