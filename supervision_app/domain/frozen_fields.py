"""The fields of a record that freeze once the supervisor has signed it: from then on only
the supervisee's signature (which locks it) may change it. One list for both ends: the
server refuses a push that changes them (``sync/server/push_authorization.py``) and the client's
triggers refuse the write (the ``*_signed_frozen`` triggers of store migrations 0002 and
0011, checked against these lists by ``tests/store/test_frozen_fields.py``)."""
from __future__ import annotations

SESSION_CONTENT = frozenset((
    "supervisee_id", "supervisor_id", "team_id", "held_at", "duration_minutes", "session_type",
    "location", "agreement_in_place", "wellbeing", "caseload_count", "caseload_complexity",
    "capacity", "workload_notes", "learning", "asye_progress", "next_session_on",
    "supervisee_comments", "supervisee_agreement", "disagreement", "tombstone",
))
"""A supervision record (``supervision_session``)."""

AGREEMENT_CONTENT = frozenset((
    "supervisee_id", "supervisor_id", "team_id", "frequency", "duration", "location",
    "disagreements", "cancellations", "confidentiality", "tombstone",
))
"""The terms of a supervision agreement (``supervision_agreement``)."""
