"""What the conflicts dialog says and offers for each kind of kept version (the words alone;
test_sync_panel drives the dialog against a real server)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from supervision_app.gui.conflict_words import (
    ConflictItem,
    can_keep_mine,
    differences,
    group,
    keep_mine_refusal,
    open_target,
    what_happened,
)
from supervision_app.sync.client import Conflict

SID = "11111111-1111-4111-8111-111111111111"


def _conflict(table: str, kind: str, local: dict, server: dict | None, row_id: str = SID,
              reason: str = "why") -> Conflict:
    return Conflict(id=f"{table}-{kind}", table=table, row_id=row_id, kind=kind, reason=reason,
                    local={"table": table, "id": row_id, "tombstone": False, "data": local},
                    server=None if server is None else {"table": table, "id": row_id, "tombstone": False,
                                                        "data": server},
                    created_at=datetime(2026, 11, 5, 9, tzinfo=timezone.utc))


def test_a_refused_signing_is_one_item_that_cannot_be_kept_but_opens_to_sign_again():
    move = _conflict("supervision_session", "rejected", {"state": "supervisor_signed", "learning": "x"},
                     {"state": "shared", "learning": "x"}, reason="Your signature ... was not accepted")
    signature = _conflict("signature", "rejected", {"record_kind": "supervision", "record_id": SID,
                                                    "signed_at": "2026-11-05T09:30:00.000000Z"},
                          None, row_id="22222222-2222-4222-8222-222222222222")
    document = _conflict("record_document", "rejected", {"record_kind": "supervision", "record_id": SID},
                         None, row_id="33333333-3333-4333-8333-333333333333")
    edit = _conflict("case_discussion", "conflict", {"decision": "mine", "session_id": SID},
                     {"decision": "theirs", "session_id": SID}, row_id="44444444-4444-4444-8444-444444444444")
    items = group([signature, edit, document, move])
    assert [len(item.conflicts) for item in items] == [3, 1]
    signing = items[0]
    assert signing.main is move and signing.signing
    assert what_happened(signing) == "Your signature was not accepted"
    said = differences(signing)
    assert "You signed this supervision record on 05/11/2026" in said
    assert "holds the supervision record as the server does (Shared with supervisee)" in said
    assert "Open to sign again" in said
    assert not can_keep_mine(signing.main) and "sign it again" in keep_mine_refusal(signing)
    assert open_target(signing) == ("supervision", SID)
    # the ordinary edit can be kept, and says what differs in words
    assert can_keep_mine(items[1].main) and keep_mine_refusal(items[1]) == ""
    assert "Decision\n  yours: mine\n  server's: theirs" in differences(items[1])
    assert open_target(items[1]) == ("case_discussion", items[1].main.row_id)


def test_refused_and_removed_versions_say_what_happened_and_offer_no_keep_mine():
    refused_new = _conflict("disagreement_resolution", "rejected", {"note": "I resolved it", "session_id": SID},
                            None, reason="Only a manager above the supervisor can resolve it.")
    said = differences(ConflictItem((refused_new,)))
    assert said.startswith("The server did not accept this change: Only a manager above")
    assert "taken off this computer" in said and "Note: I resolved it" in said
    assert not can_keep_mine(refused_new)
    refused_edit = _conflict("supervision_session", "rejected", {"learning": "too late", "state": "locked"},
                             {"learning": "", "state": "locked"}, reason="This record is signed and locked")
    said = differences(refused_edit)
    assert "server's version is in place" in said
    assert "Learning and development\n  yours: too late\n  server's: (empty)" in said
    assert not can_keep_mine(refused_edit)
    assert "would refuse it again" in keep_mine_refusal(ConflictItem((refused_edit,)))
    removed = _conflict("supervision_session", "removed", {"learning": "notes"}, None)
    assert "access to this record ended" in differences(removed)
    assert not can_keep_mine(removed) and open_target(ConflictItem((removed,))) is None
    frozen = _conflict("supervision_session", "conflict", {"learning": "a"},
                       {"learning": "b", "state": "supervisor_signed"})
    assert not can_keep_mine(frozen) and "signed" in keep_mine_refusal(ConflictItem((frozen,)))


def test_conflicts_on_addenda_to_agreements_and_group_sessions_name_their_record(database):
    """The sync panel's list named an addendum to an agreement or a group session by its
    table alone ('Addendum'), and a refused new addendum (not kept here) the same."""
    from supervision_app.gui.conflict_words import record_labels
    from supervision_app.store.agreement_records import create_agreement
    from supervision_app.store.group_records import create_group_session
    from supervision_app.store.supervision_records import load_actor
    from tests.gui.sample_team import build_sample_team

    team = build_sample_team(database)
    with database.transaction() as s:
        manager = load_actor(s, team.manager_id)
        agreement = create_agreement(s, manager, team.worker_id)
        held = datetime(2026, 11, 4, 10, tzinfo=timezone.utc)
        group = create_group_session(s, manager, attendees={team.worker_id: "present"},
                                     held_at=held, duration_minutes=60)
    refused = [
        replace(_conflict("addendum", "rejected", {"record_kind": kind, "record_id": rid, "body": "x"},
                          None, row_id=row), id=f"conflict-{kind}")
        for kind, rid, row in (("agreement", agreement, "55555555-5555-4555-8555-555555555555"),
                               ("group_session", group, "66666666-6666-4666-8666-666666666666"))
    ]
    with database.reading() as s:
        labels = record_labels(s, (ConflictItem((c,)) for c in refused))
    names = {c.row_id: labels[c.id] for c in refused}
    assert names["55555555-5555-4555-8555-555555555555"].startswith(
        "Addendum to supervision agreement between ")
    assert names["66666666-6666-4666-8666-666666666666"] == (
        "Addendum to group supervision led by " + _name(database, team.manager_id) + ", 04/11/2026")


def _name(database, staff_id: str) -> str:
    from supervision_app.store.models import Staff

    with database.reading() as s:
        return s.get(Staff, staff_id).display_name
