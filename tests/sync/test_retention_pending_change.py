"""A record deleted under the retention schedule leaves nothing on a laptop (DESIGN.md
§3.10), not even a change the laptop had not sent yet: the server refuses the late push,
and the removal that follows takes the kept copy of it too. An access that merely ended
keeps such a change for its writer (sync.client.row_writes._remove)."""
from __future__ import annotations

from sqlalchemy import text

from supervision_app.store import models as m
from tests.sync import records
from tests.sync.test_retention_server import laptop_audit, ok

UNSENT = "words written after the last sync"


def test_an_unsent_change_to_a_record_deleted_under_retention_is_not_kept(deployment, laptops):
    org = deployment.org
    manager = laptops("tm_a")
    draft = records.new_session(manager, supervisor=org.ids["tm_a"], supervisee=org.ids["sw_a2"],
                                team=org.teams["A"])
    assert manager.client.sync().rejected == 0
    records.edit(manager, m.SupervisionSession, draft, wellbeing=UNSENT)  # not sent yet

    ok(deployment, "disable-user", "sw_a2")
    ok(deployment, "retention", "leaver", "sw_a2", "--left-on", "2019-03-29")
    assert "Deleted 1 record" in ok(deployment, "retention", "delete", draft, "--yes")

    report = manager.client.sync()
    assert report.rejected == 1 and report.removed >= 1  # the late change refused, then removed
    with manager.db.reading() as s:
        assert s.get(m.SupervisionSession, draft) is None
        kept = s.execute(text("SELECT count(*) FROM sync_conflict WHERE row_id = :id"), {"id": draft}).scalar()
        waiting = s.execute(text("SELECT count(*) FROM sync_outbox WHERE row_id = :id"), {"id": draft}).scalar()
        copies = s.execute(text("SELECT local_payload FROM sync_conflict")).scalars().all()
    assert (kept, waiting) == (0, 0)
    assert not any(UNSENT in copy for copy in copies)
    assert ("sync_remove", "supervision_session", draft) in laptop_audit(manager)
    assert manager.client.sync().rejected == 0  # nothing left to send
