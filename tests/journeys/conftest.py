"""Fixtures for the journeys: a deployed server per test module (PostgreSQL unless the module
sets ``BACKEND = "sqlite"``) with the directory loaded by the admin commands (once per run into
a template database that each PostgreSQL module's database is copied from), and a factory of
laptops that are all shut down at the end of the test."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.journeys.driver import Deployment, Laptop, load_directory


@pytest.fixture(scope="session")
def directory_template(tmp_path_factory) -> Deployment:
    """INSTALL.md's set-up and the small directory, made once per run through the admin
    commands as IT runs them (about 25 s of processes); never served."""
    template = Deployment.install(tmp_path_factory.mktemp("template"), "postgresql")
    try:
        load_directory(template)
        yield template
    finally:
        template.teardown()


@pytest.fixture(scope="module")
def deployment(request, tmp_path_factory) -> Deployment:
    backend = getattr(request.module, "BACKEND", "postgresql")
    instances = getattr(request.module, "INSTANCES", 1)
    folder = tmp_path_factory.mktemp("server")
    if backend == "postgresql":  # a fresh database per module, copied from the template's
        deployed = Deployment.copy_of(request.getfixturevalue("directory_template"), folder)
    else:
        deployed = Deployment.install(folder, backend)
        load_directory(deployed)
    try:
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
