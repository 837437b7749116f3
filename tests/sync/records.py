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


# --- the user paths: share, respond, enrol, sign (what the app's buttons call) ----------

def _act(laptop, staff_id: str, work):
    from supervision_app.store import supervision_records as sr

    with laptop.db.transaction() as s:
        return work(s, sr.load_actor(s, staff_id))


def share(laptop, staff_id: str, session_id: str) -> None:
    from supervision_app.store import supervision_records as sr

    _act(laptop, staff_id, lambda s, actor: sr.share_session(s, actor, session_id))


def respond(laptop, staff_id: str, session_id: str, *, agrees: bool = True,
            comments: str = "Thank you, a fair record.", disagreement: str = "") -> None:
    from supervision_app.store import supervision_records as sr

    _act(laptop, staff_id, lambda s, actor: sr.respond(
        s, actor, session_id, comments=comments, agreement="agrees" if agrees else "disagrees",
        disagreement=disagreement if not agrees else None))


def credentials(laptop):
    """The laptop's credential store, with this person's key certified by the server's CA
    (``SyncClient.enrol_certificate``, as signing in does)."""
    from supervision_app.security.credentials import CredentialStore
    from supervision_app.security.secret_store import SecretStore

    store = getattr(laptop, "credential_store", None)
    if store is None:
        profile = laptop.db.profile
        store = CredentialStore(profile.folder, SecretStore(profile.profile_id))
        laptop.client.enrol_certificate(store)
        laptop.credential_store = store
    return store


def sign_session(laptop, staff_id: str, session_id: str):
    from supervision_app.records.signoff import sign_supervision_record

    return sign_supervision_record(laptop.db, credentials(laptop), session_id=session_id,
                                   signer_id=staff_id)


def sign_note(laptop, staff_id: str, note_id: str):
    from supervision_app.records.signoff import sign_oversight_note

    return sign_oversight_note(laptop.db, credentials(laptop), note_id=note_id, signer_id=staff_id)


def add_addendum(laptop, staff_id: str, record_kind: str, record_id: str, body: str) -> str:
    from supervision_app.domain.lifecycle import RecordKind
    from supervision_app.records.signoff import create_addendum

    with laptop.db.transaction() as s:
        return create_addendum(s, author_id=staff_id, record_kind=RecordKind(record_kind),
                               record_id=record_id, body=body)


def sign_addendum(laptop, staff_id: str, addendum_id: str):
    from supervision_app.records.signoff import sign_addendum as sign

    return sign(laptop.db, credentials(laptop), addendum_id=addendum_id, signer_id=staff_id)


def shared_session(laptop, org, *, supervisor: str = "tm_a", supervisee: str = "sw_a1") -> str:
    """A record written the way the app writes it (header and private wellbeing, a case
    discussion with its decision and an action, an action of its own) and shared with the
    supervisee; its id."""
    from supervision_app.store import supervision_records as sr

    team = "A" if supervisor == "tm_a" else "B"
    child = org.children["a" if team == "A" else "b"]

    def write(s, actor):
        sid = sr.create_session(s, actor, supervisee_id=org.ids[supervisee],
                                held_at=datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc))
        sr.update_session(s, actor, sid, {"wellbeing": "private words", "learning": "reflective log"})
        did = sr.add_case_discussion(s, actor, sid, _case_id(s, child))
        sr.update_case_discussion(s, actor, did, {"worries": "school attendance", "decision": "keep the plan",
                                                  "rationale": "attendance is rising"})
        sr.add_action(s, actor, session_id=sid, case_discussion_id=did, description="visit the school",
                      owner_id=org.ids[supervisee], due_on=date(2026, 12, 1))
        sr.add_action(s, actor, session_id=sid, description="book the training day",
                      owner_id=org.ids[supervisee], due_on=date(2026, 11, 20))
        return sid

    sid = _act(laptop, org.ids[supervisor], write)
    share(laptop, org.ids[supervisor], sid)
    return sid


def responded_session(manager, worker, org, *, supervisor: str = "tm_a", supervisee: str = "sw_a1") -> str:
    """:func:`shared_session` on the ``manager``'s laptop, answered by the supervisee on the
    ``worker``'s, each laptop syncing after each step: where a signing starts from; its id."""
    sid = shared_session(manager, org, supervisor=supervisor, supervisee=supervisee)
    manager.client.sync()
    worker.client.sync()
    respond(worker, org.ids[supervisee], sid)
    worker.client.sync()
    manager.client.sync()
    return sid


def _case_id(s, child_id: str) -> str:
    return s.get(m.Child, child_id).case_id
