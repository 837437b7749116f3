from __future__ import annotations

import pytest

import supervision_app.store.assurance_models  # noqa: F401  (until models.py imports it)
from tests.assurance.world import build_world


@pytest.fixture
def world(database):
    return build_world(database)
