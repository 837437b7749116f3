"""Making records on a laptop the way the app does: through the ORM, in a transaction,
so the outbox hook records each change."""
from __future__ import annotations

from datetime import date, datetime, timezone
from types import SimpleNamespace

from sqlalchemy import select

from supervision_app.store import models as m


def new_session(laptop, *, supervisor: str, supervisee: str, team: str, **fields) -> str:
    with laptop.db.transaction() as s:
        row = m.SupervisionSession(
            supervisor_id=supervisor, supervisee_id=supervisee, team_id=team,
            held_at=datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc), duration_minutes=60,
            session_type="planned_1to1", state="draft", updated_by=supervisor, **fields)
        s.add(row)
        s.flush()
        return row.id


def new_note(laptop, *, child: str, author: str, decision: str, rationale: str) -> str:
    """A draft management-oversight note on ``child``; its id."""
    with laptop.db.transaction() as s:
        row = m.OversightNote(child_id=child, author_id=author, recorded_at=datetime.now(timezone.utc),
                              trigger="plan_review", decision=decision, rationale=rationale, state="draft")
        s.add(row)
        s.flush()
        return row.id


def edit(laptop, model, row_id: str, **fields) -> None:
    with laptop.db.transaction() as s:
        row = s.get(model, row_id)
        for name, value in fields.items():
            setattr(row, name, value)


def add_discussion(laptop, session_id: str, child_id: str, **fields) -> str:
    with laptop.db.transaction() as s:
        fields = {"decision": "d", "rationale": "r"} | fields
        row = m.CaseDiscussion(session_id=session_id, child_id=child_id, **fields)
        s.add(row)
        s.flush()
        return row.id


def add_action(laptop, session_id: str, owner: str, **fields) -> str:
    with laptop.db.transaction() as s:
        fields = {"description": "call school", "due_on": date(2026, 12, 1)} | fields
        row = m.ActionItem(session_id=session_id, owner_id=owner, **fields)
        s.add(row)
        s.flush()
        return row.id


def write_share(laptop, org, *, sessions: int, discussions: int,
                addendum: bool = False) -> tuple[list[str], str]:
    """tm_a's records on ``laptop``: sessions with case discussions and actions (one
    discussion withdrawn), and a draft oversight note with an action (and an addendum).
    Returns the session ids and the withdrawn discussion's id."""
    sids = []
    for n in range(sessions):
        sid = new_session(laptop, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a1"],
                          team=org.teams["A"], learning=f"learning {n}", wellbeing=f"private {n}",
                          workload_notes="heavy week with Łukasz and Søren")  # letters the index also spells plainly
        for d in range(discussions):
            did = add_discussion(laptop, sid, org.children["a"], worries=f"worry {n}.{d}",
                                 decision=f"decide {n}.{d}")
            add_action(laptop, sid, org.ids["sw_a1"], description=f"visit {n}.{d}",
                       case_discussion_id=did, child_id=org.children["a"])
        sids.append(sid)
    gone = add_discussion(laptop, sids[0], org.children["a"], worries="withdrawn")
    edit(laptop, m.CaseDiscussion, gone, tombstone=True)
    note_id = new_note(laptop, child=org.children["a"], author=org.ids["tm_a"],
                       decision="step down", rationale="progress made")
    with laptop.db.transaction() as s:
        s.add(m.ActionItem(oversight_note_id=note_id, owner_id=org.ids["sw_a1"], child_id=org.children["a"],
                           description="tell the family", due_on=date(2026, 12, 1)))
        if addendum:
            s.add(m.Addendum(record_kind="oversight_note", record_id=note_id, author_id=org.ids["tm_a"],
                             created_at=datetime.now(timezone.utc), body="a later thought", state="draft"))
    return sids, gone


def _plain(row):
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


def get(laptop, model, row_id: str):
    """The row's values (detached from any session), or None."""
    with laptop.db.reading() as s:
        row = s.get(model, row_id)
        return _plain(row) if row is not None else None


def rows(laptop, model) -> dict[str, SimpleNamespace]:
    with laptop.db.reading() as s:
        return {r.id: _plain(r) for r in s.execute(select(model)).scalars()}
