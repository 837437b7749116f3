"""The sample worlds tests build on, one fixture each (registered for every test by
``tests/conftest.py``):

* ``team``: the small hand-made team (a manager, workers, a child) on a fresh profile;
* ``world``: the assurance world (two teams, a service manager, an auditor, a year of
  records) dated by ``tests.assurance.world.TODAY``;
* ``chronology_world``: a child with a history of records for the chronology and exports.
"""
from __future__ import annotations

import pytest


@pytest.fixture
def team(database):
    from tests.gui.sample_team import build_sample_team

    return build_sample_team(database)


@pytest.fixture
def world(database):
    import supervision_app.store.assurance_models  # noqa: F401  (until models.py imports it)
    from tests.assurance.world import build_world

    return build_world(database)


@pytest.fixture
def chronology_world(database):
    from tests.records.chronology_world import build_chronology_world

    return build_chronology_world(database)
