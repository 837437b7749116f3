"""Fixtures for the sync tests: each test module gets a real server process over a fresh
SQLite file and over a fresh PostgreSQL database (parametrised), and laptops signed in."""
from __future__ import annotations

import pytest

from tests.sync.harness import Deployment, Laptop, deploy


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def deployment(request, tmp_path_factory) -> Deployment:
    folder = tmp_path_factory.mktemp(f"server-{request.param}")
    dep, teardown = deploy(request.param, folder)
    yield dep
    teardown()


@pytest.fixture
def laptops(deployment, tmp_path, memory_keyring):
    """``laptops(username)`` opens a new signed-in laptop (closed after the test)."""
    opened: list[Laptop] = []
    counter = iter(range(1000))

    def open_laptop(username: str | None = None) -> Laptop:
        laptop = Laptop(tmp_path / f"laptop-{next(counter)}", deployment.url, username)
        opened.append(laptop)
        return laptop

    yield open_laptop
    for laptop in opened:
        laptop.close()
