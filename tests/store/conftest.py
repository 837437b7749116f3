"""What the store's tests share: the hand-made sample team on a fresh profile."""
from __future__ import annotations

import pytest

from supervision_app.store import supervision_records as sr
from tests.gui.sample_team import build_sample_team


@pytest.fixture
def team(database):
    return build_sample_team(database)


def actor(db, staff_id):
    """Who ``staff_id`` is, as the permission rules see them."""
    with db.reading() as s:
        return sr.load_actor(s, staff_id)
