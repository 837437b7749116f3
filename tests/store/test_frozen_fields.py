"""One frozen-field list: the client's ``*_signed_frozen`` triggers in a migrated profile
freeze exactly the columns ``domain.frozen_fields`` lists (which the server enforces)."""
from __future__ import annotations

import re

import pytest

from supervision_app.domain.frozen_fields import AGREEMENT_CONTENT, SESSION_CONTENT
from supervision_app.sync.server import push_authorization


@pytest.mark.parametrize("table, content", [("supervision_session", SESSION_CONTENT),
                                            ("supervision_agreement", AGREEMENT_CONTENT)])
def test_the_signed_frozen_trigger_freezes_exactly_the_shared_list(database, table, content):
    with database.engine.connect() as conn:
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                   (f"{table}_signed_frozen",)).scalar_one()
    frozen = set(re.findall(r"NEW\.(\w+) IS NOT OLD\.\1", sql))
    assert frozen == set(content)


def test_the_server_uses_the_shared_lists():
    assert push_authorization.SESSION_CONTENT is SESSION_CONTENT
    assert push_authorization.AGREEMENT_CONTENT is AGREEMENT_CONTENT
