"""Read models for the desktop client's pages: plain dataclasses, no Qt.

One import for the pages; each read model lives in the module of its concept
(``directory_queries``, ``team_page_queries``, ``session_list_queries``,
``action_queries``, ``children_queries``, ``record_detail_queries``).

Every function takes the :class:`Actor` asking and returns only what
``domain.permissions.decide`` lets them see (the app hides what it cannot show; the server
is the authority). Functions that show a record's contents (``session_detail``,
``oversight_note_detail``, ``child_chronology``) write a ``view`` audit entry, so call them
inside ``Database.transaction()``.
"""
from __future__ import annotations

from .action_queries import ActionRow, my_actions
from .children_queries import (
    ChildDetail,
    ChildRow,
    ChronologyEntry,
    child_chronology,
    children_allocated_to,
    find_children,
    my_children,
)
from .directory_queries import StaffEntry, TeamPolicyRow, directory, team_policies, team_policy
from .record_detail_queries import (
    ActionDetail,
    AddendumRow,
    DiscussionDetail,
    NoteDetail,
    ResolutionRow,
    ReviewDetail,
    SessionDetail,
    SignatureRow,
    addenda_of,
    oversight_note_detail,
    resolutions_of,
    session_detail,
    session_refusal,
)
from .session_list_queries import (
    SessionRow,
    flagged_disagreements,
    my_records,
    unresolved_disagreement,
    waiting_for_me,
    worker_history,
)
from .supervision_records import load_actor
from .team_page_queries import WorkerRow, team_overview

__all__ = [
    "StaffEntry", "directory", "team_policy", "TeamPolicyRow", "team_policies",
    "unresolved_disagreement", "SessionRow", "worker_history", "my_records",
    "flagged_disagreements", "waiting_for_me", "ActionRow", "my_actions", "WorkerRow",
    "team_overview", "ChildRow", "ChronologyEntry", "ChildDetail", "my_children",
    "children_allocated_to", "find_children", "child_chronology", "ReviewDetail",
    "ActionDetail", "DiscussionDetail", "SignatureRow", "AddendumRow", "ResolutionRow",
    "resolutions_of", "addenda_of", "SessionDetail", "session_refusal", "session_detail",
    "NoteDetail", "oversight_note_detail", "load_actor",
]
