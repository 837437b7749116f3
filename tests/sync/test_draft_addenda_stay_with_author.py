"""A draft addendum is its author's alone until they sign it (DESIGN.md: the lifecycle),
whatever record it amends: through a real server process, the laptops of everyone else
who may see the record (the other party, the service manager above, the auditor) hold no
row of the draft after they sync, and receive the addendum, locked, at their first sync
after the author signs it. Before, the server sent the draft text to all of them and only
the app kept it out of sight."""
from __future__ import annotations

from sqlalchemy import text

from supervision_app.records.agreement_signoff import sign_agreement
from supervision_app.store import agreement_records as ar
from supervision_app.store.supervision_records import load_actor
from tests.sync import records as r


def _synced(*laptops) -> None:
    for laptop in laptops:
        report = laptop.client.sync()
        assert report.rejected == 0 and report.conflicts == 0


def _held(laptop, addendum_id: str) -> list[str]:
    """The addendum's state on this laptop, if it holds a row of it at all (its index
    rows and signature included)."""
    with laptop.db.reading() as s:
        states = [state for (state,) in s.execute(
            text("SELECT state FROM addendum WHERE id = :id"), {"id": addendum_id})]
        others = s.execute(text(
            "SELECT (SELECT count(*) FROM search_key WHERE record_id = :id)"
            " + (SELECT count(*) FROM signature WHERE record_id = :id)"), {"id": addendum_id}).scalar()
    assert states or not others, "index rows or a signature of an addendum the laptop does not hold"
    return states


def _signed(laptop, addendum_id: str) -> list[str]:
    """The roles of the addendum's signatures this laptop holds."""
    with laptop.db.reading() as s:
        return [role for (role,) in s.execute(
            text("SELECT signer_role FROM signature WHERE record_id = :id AND NOT tombstone"),
            {"id": addendum_id})]


def _locked_record(tm, sw, tm_id, sw_id, org) -> str:
    """A supervision record shared, answered and signed by both, each on their own laptop."""
    sid = r.shared_session(tm, org)
    _synced(tm, sw)
    r.respond(sw, sw_id, sid, agrees=True)
    _synced(sw, tm)
    r.sign_session(tm, tm_id, sid)
    _synced(tm, sw)
    r.sign_session(sw, sw_id, sid)
    _synced(sw, tm)
    return sid


def test_a_draft_addendum_to_a_record_reaches_no_one_but_its_author_until_signed(deployment, laptops):
    org = deployment.org
    tm, sw, sm, qa = laptops("tm_a"), laptops("sw_a1"), laptops("sm"), laptops("qa")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    sid = _locked_record(tm, sw, tm_id, sw_id, org)

    managers = r.add_addendum(tm, tm_id, "supervision", sid, "The review date moved to March.")
    workers = r.add_addendum(sw, sw_id, "supervision", sid, "I asked for the March date.")
    _synced(tm, sw, sm, qa, tm, sw)
    assert _held(tm, managers) == ["draft"] and _held(sw, workers) == ["draft"]
    for laptop in (sw, sm, qa):
        assert _held(laptop, managers) == [], laptop.username
    for laptop in (tm, sm, qa):
        assert _held(laptop, workers) == [], laptop.username

    r.sign_addendum(tm, tm_id, managers)
    _synced(tm, sw, sm, qa)
    for laptop in (tm, sw, sm, qa):  # with its author's signature
        assert _held(laptop, managers) == ["locked"], laptop.username
        assert _signed(laptop, managers) == ["author"], laptop.username
        assert laptop is sw or _held(laptop, workers) == [], laptop.username
    r.sign_addendum(sw, sw_id, workers)
    _synced(sw, tm, sm, qa)
    for laptop in (tm, sw, sm, qa):
        assert _held(laptop, workers) == ["locked"], laptop.username
    # another team's manager holds neither, draft or signed
    tm_b = laptops("tm_b")
    _synced(tm_b)
    assert _held(tm_b, managers) == [] and _held(tm_b, workers) == []


def test_a_draft_addendum_to_an_agreement_or_an_oversight_note_likewise(deployment, laptops):
    from supervision_app.store import supervision_records as sr

    org = deployment.org
    tm, sw, sm = laptops("tm_a"), laptops("sw_a1"), laptops("sm")
    tm_id, sw_id = org.ids["tm_a"], org.ids["sw_a1"]
    with tm.db.transaction() as s:
        agreement_id = ar.create_agreement(s, load_actor(s, tm_id), sw_id)
    sign_agreement(tm.db, r.credentials(tm), agreement_id=agreement_id, signer_id=tm_id)
    _synced(tm, sw)
    sign_agreement(sw.db, r.credentials(sw), agreement_id=agreement_id, signer_id=sw_id)
    _synced(sw, tm)
    with tm.db.transaction() as s:  # about the worker's child, whose page shows it to them
        note_id = sr.create_oversight_note(s, sr.load_actor(s, tm_id), child_id=org.children["a"],
                                           trigger="plan_review", decision="step down to CIN",
                                           rationale="progress made at home")
    r.sign_note(tm, tm_id, note_id)

    to_agreement = r.add_addendum(tm, tm_id, "agreement", agreement_id, "Sessions move to Thursdays.")
    to_note = r.add_addendum(tm, tm_id, "oversight_note", note_id, "The school confirmed it too.")
    _synced(tm, sw, sm)
    assert _held(tm, to_agreement) == ["draft"] and _held(tm, to_note) == ["draft"]
    for laptop in (sw, sm):
        assert _held(laptop, to_agreement) == [] and _held(laptop, to_note) == [], laptop.username

    r.sign_addendum(tm, tm_id, to_agreement)
    r.sign_addendum(tm, tm_id, to_note)
    _synced(tm, sw, sm)
    for laptop in (sw, sm):
        assert _held(laptop, to_agreement) == ["locked"] and _held(laptop, to_note) == ["locked"], laptop.username
        assert _signed(laptop, to_agreement) == ["author"] and _signed(laptop, to_note) == ["author"]
    with sw.db.reading() as s:  # and the worker's app shows it
        (seen,) = ar.agreement_addenda(s, load_actor(s, sw_id), agreement_id).addenda
    assert (seen.addendum_id, seen.body) == (to_agreement, "Sessions move to Thursdays.")
