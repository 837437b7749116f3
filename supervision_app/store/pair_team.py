"""The team a pair's record (a supervision agreement, a cancelled session) is decided by."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from .models import Staff


def supervisee_team_now(row: Any) -> str | None:
    """The team the supervisee of ``row`` is in now, from the staff directory: who may see
    the pair's records follows the person when they move team (DESIGN.md §1.1), as the
    server decides them (``row_facts`` PAIR_TABLES). The row's own ``team_id`` (the team
    it was made in) stays for figures of past periods, and is used here only for a row not
    yet in a session or a person not in this laptop's directory."""
    owner = object_session(row)
    staff = owner.get(Staff, row.supervisee_id) if owner is not None else None
    return staff.team_id if staff is not None else row.team_id
