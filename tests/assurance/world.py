"""A small hand-built service whose compliance figures are worked out by hand in the tests.

Today is Friday 20 March 2026. Team "Assessment A" (service area North) has:

- Ash (steady worker, started 2020): signed sessions 10/09/2025, 08/10/2025, 12/11/2025 and
  23/12/2025 (Christmas week); a *draft* on 07/01/2026 that must never count.
- Bo (started mid-month, 14/01/2026): signed 10/02/2026 (with an unresolved disagreement);
  a session on 17/03/2026 signed by the supervisor only (not counted).
- Cy (ASYE from 01/09/2025): weekly, then fortnightly, signed on every due day up to
  16/02/2026; the 02/03/2026 session (the day six months end) was held late, on 16/03/2026.
- Tam (team manager), supervised by Sol (service manager, no team).

Team "Long Term B" has Oz (started 01/02/2026) and Tia, its manager (started 15/02/2026),
never supervised, and one child. One child
is allocated to nobody.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from supervision_app.store.models import (
    ActionItem,
    CaseDiscussion,
    Child,
    OversightNote,
    ServiceArea,
    Signature,
    Staff,
    SupervisionSession,
    Team,
)

TODAY = date(2026, 3, 20)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)


@dataclass
class World:
    team_a: str = ""
    team_b: str = ""
    area: str = ""
    hos: str = ""
    sm: str = ""
    tm: str = ""
    tm_b: str = ""
    ash: str = ""
    bo: str = ""
    cy: str = ""
    oz: str = ""
    auditor: str = ""
    admin: str = ""
    children: dict[str, str] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # label -> id
    actions: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    discussions: dict[str, str] = field(default_factory=dict)


def add_session(s, w: World, label: str, supervisee: str, supervisor: str, team: str, held: date, *,
                state: str = "locked", shared: date | None = None, signed: date | None = None,
                children: tuple[str, ...] = (), agreement: str | None = None, resolved: bool = False,
                session_type: str = "planned_1to1", texts: dict[str, dict[str, str]] | None = None):
    row = SupervisionSession(supervisee_id=supervisee, supervisor_id=supervisor, team_id=team,
                             held_at=at(held), duration_minutes=60, session_type=session_type)
    s.add(row)
    s.flush()
    for n, child_label in enumerate(children):
        fields = (texts or {}).get(child_label, {})
        disc = CaseDiscussion(session_id=row.id, child_id=w.children[child_label], position=n,
                              decision=fields.get("decision", "Continue the plan"),
                              rationale=fields.get("rationale", "Progress is steady."),
                              current_position=fields.get("current_position", ""))
        s.add(disc)
        s.flush()
        w.discussions[f"{label}/{child_label}"] = disc.id
    w.sessions[label] = row.id
    return row


def finish_session(s, row, *, state, shared=None, signed=None, agreement=None, resolved=False):
    if shared:
        row.shared_at = at(shared, 15)
    row.supervisee_agreement = agreement
    row.disagreement_resolved = resolved
    if state != "draft":
        row.state = "shared"
        s.flush()
    if state in ("supervisor_signed", "locked"):
        s.add(Signature(record_kind="supervision", record_id=row.id, signer_id=row.supervisor_id,
                        signer_role="supervisor", signed_at=at(signed or shared, 9), digest="0" * 64))
        row.state = "supervisor_signed"
        s.flush()
    if state == "locked":
        s.add(Signature(record_kind="supervision", record_id=row.id, signer_id=row.supervisee_id,
                        signer_role="supervisee", signed_at=at(signed, 16), digest="0" * 64))
        row.state = "locked"
        s.flush()


def session(s, w, label, supervisee, supervisor, team, held, *, state="locked", shared=None,
            signed=None, children=(), agreement=None, resolved=False, actions=(), texts=None,
            session_type="planned_1to1"):
    if state == "locked" and shared is None:
        shared, signed = held, held + timedelta(days=1)
    row = add_session(s, w, label, supervisee, supervisor, team, held, children=children,
                      texts=texts, session_type=session_type)
    for action_label, owner, due, status in actions:
        item = ActionItem(session_id=row.id, description="Follow up", owner_id=owner, due_on=due,
                          status=status)
        s.add(item)
        s.flush()
        w.actions[action_label] = item.id
    finish_session(s, row, state=state, shared=shared, signed=signed, agreement=agreement,
                   resolved=resolved)
    return row


def note(s, w, label, child_label, author, recorded: date, *, state="locked", actions=(),
         decision="Keep under review", rationale="Risk remains as assessed."):
    row = OversightNote(child_id=w.children[child_label], author_id=author, recorded_at=at(recorded),
                        trigger="plan_review", decision=decision, rationale=rationale)
    s.add(row)
    s.flush()
    for action_label, owner, due, status in actions:
        item = ActionItem(oversight_note_id=row.id, child_id=row.child_id, description="Check plan",
                          owner_id=owner, due_on=due, status=status)
        s.add(item)
        s.flush()
        w.actions[action_label] = item.id
    if state == "locked":
        row.state = "locked"
        s.add(Signature(record_kind="oversight_note", record_id=row.id, signer_id=author,
                        signer_role="author", signed_at=at(recorded, 11), digest="0" * 64))
        s.flush()
    w.notes[label] = row.id
    return row


def cy_held_days() -> list[date]:
    """Cy's signed sessions: on each due day (weekly for 6 weeks from 01/09/2025, then
    fortnightly), up to 16/02/2026; then 16/03/2026, a fortnight late."""
    days, day = [], date(2025, 9, 1)
    start = date(2025, 9, 1)
    while True:
        interval = 7 if (day - start).days < 42 else 14
        day = day + timedelta(days=interval)
        if day > date(2026, 2, 16):
            break
        days.append(day)
    return days + [date(2026, 3, 16)]


def build_world(db) -> World:
    w = World()
    with db.transaction() as s:
        area = ServiceArea(name="North")
        s.add(area)
        s.flush()
        ta = Team(name="Assessment A", service_area_id=area.id)
        tb = Team(name="Long Term B")
        s.add_all([ta, tb])
        s.flush()

        def staff(key, name, role, team, started, asye=None):
            row = Staff(display_name=name, username=key, role=role, team_id=team,
                        started_on=started, asye_start=asye)
            s.add(row)
            s.flush()
            setattr(w, key, row.id)
            return row

        staff("hos", "Hana Head", "head_of_service", None, date(2010, 1, 1))
        staff("sm", "Sol Service", "service_manager", None, date(2012, 1, 1))
        staff("tm", "Tam Manager", "team_manager", ta.id, date(2015, 1, 1))
        staff("tm_b", "Tia Manager", "team_manager", tb.id, date(2026, 2, 15))
        staff("ash", "Ash Steady", "social_worker", ta.id, date(2020, 1, 1))
        staff("bo", "Bo Newstart", "social_worker", ta.id, date(2026, 1, 14))
        staff("cy", "Cy Asye", "social_worker", ta.id, date(2025, 9, 1), date(2025, 9, 1))
        staff("oz", "Oz Other", "social_worker", tb.id, date(2026, 2, 1))
        staff("auditor", "Quinn Auditor", "qa_auditor", None, date(2018, 1, 1))
        staff("admin", "Ari Admin", "administrator", None, date(2016, 1, 1))
        area.manager_id = w.sm
        ta.manager_id = w.tm
        tb.manager_id = w.tm_b
        w.team_a, w.team_b, w.area = ta.id, tb.id, area.id
        # Tam is supervised monthly by Sol, always on time (not the subject of the tests).
        for k, c in enumerate([
                ("c1", "child_protection", w.ash, False), ("c2", "child_in_need", w.ash, False),
                ("c3", "child_looked_after", w.bo, False), ("c4", "care_leaver", w.cy, True),
                ("c5", "care_leaver", w.cy, False), ("c6", "child_protection", w.oz, False),
                ("c7", "child_in_need", None, False)]):
            label, status, worker, pathway = c
            row = Child(case_id=f"CS-{100 + k}", name=f"Child {label}", date_of_birth=date(2012, 1, 1),
                        legal_status=status, allocated_worker_id=worker, has_pathway_plan=pathway)
            s.add(row)
            s.flush()
            w.children[label] = row.id
        s.flush()

        # Ash
        session(s, w, "ash-sep", w.ash, w.tm, ta.id, date(2025, 9, 10))
        session(s, w, "ash-oct", w.ash, w.tm, ta.id, date(2025, 10, 8), shared=date(2025, 10, 20),
                signed=date(2025, 10, 22), children=("c2",),
                actions=[("a-overdue", w.ash, date(2026, 3, 1), "open"),
                         ("a-open", w.ash, date(2026, 4, 1), "open"),
                         ("a-done", w.ash, date(2026, 1, 1), "done"),
                         ("a-outsider", w.oz, date(2026, 1, 1), "open")])
        session(s, w, "ash-nov", w.ash, w.tm, ta.id, date(2025, 11, 12), shared=date(2025, 11, 13),
                signed=date(2025, 11, 25), agreement="disagrees", resolved=True)
        session(s, w, "ash-dec", w.ash, w.tm, ta.id, date(2025, 12, 23), shared=date(2026, 1, 2),
                signed=date(2026, 1, 9), children=("c1",))
        session(s, w, "ash-jan-draft", w.ash, w.tm, ta.id, date(2026, 1, 7), state="draft",
                children=("c2",), actions=[("a-draft", w.ash, date(2026, 2, 1), "open")])
        # Bo
        session(s, w, "bo-feb", w.bo, w.tm, ta.id, date(2026, 2, 10), agreement="disagrees")
        session(s, w, "bo-mar", w.bo, w.tm, ta.id, date(2026, 3, 17), state="supervisor_signed",
                shared=date(2026, 3, 17), signed=date(2026, 3, 18))
        # Cy
        for day in cy_held_days():
            session(s, w, f"cy-{day.isoformat()}", w.cy, w.tm, ta.id, day)
        # Tam, by Sol
        day = date(2025, 8, 1)
        while day <= TODAY:
            session(s, w, f"tam-{day.isoformat()}", w.tm, w.sm, ta.id, day)
            day += timedelta(days=28)
        # oversight notes
        note(s, w, "n-c3", "c3", w.tm, date(2026, 1, 10),
             actions=[("a-note-bo", w.bo, date(2026, 3, 19), "open")])
        note(s, w, "n-c4-draft", "c4", w.tm, date(2026, 2, 1), state="draft")
        note(s, w, "n-c4-old", "c4", w.tm, date(2025, 12, 19))
        note(s, w, "n-c5", "c5", w.tm, date(2025, 12, 20))
    return w
