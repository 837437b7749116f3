"""Fixtures for the journeys: a deployed server per test module (PostgreSQL unless the module
sets ``BACKEND = "sqlite"``) with the directory loaded by the admin commands, and a factory of
laptops that are all shut down at the end of the test."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.journeys.driver import Deployment, Laptop, load_directory


@pytest.fixture(scope="module")
def deployment(request, tmp_path_factory) -> Deployment:
    backend = getattr(request.module, "BACKEND", "postgresql")
    instances = getattr(request.module, "INSTANCES", 1)
    deployed = Deployment.install(tmp_path_factory.mktemp("server"), backend)
    try:
        load_directory(deployed)
        deployed.start(instances)
        yield deployed
    finally:
        deployed.teardown()


@pytest.fixture
def laptops(tmp_path: Path):
    """``laptops(name, keyring="file")`` -> a new Laptop (not started) in its own folder."""
    made: list[Laptop] = []

    def make(name: str, keyring: str = "file", **env: str) -> Laptop:
        lap = Laptop(tmp_path / name, name, keyring, env)
        made.append(lap)
        return lap

    yield make
    for lap in made:
        lap.shutdown()
