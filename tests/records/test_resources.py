"""resource_path finds resources in a checkout, a PyInstaller bundle, or an override folder."""

from __future__ import annotations

import sys

import pytest

from supervision_app import resources


@pytest.fixture(autouse=True)
def fresh_cache():
    resources.resource_root.cache_clear()
    yield
    resources.resource_root.cache_clear()


def test_source_checkout():
    assert resources.resource_path("fonts", "DejaVuSans.ttf").is_file()
    assert resources.resource_root().name == "resources"


def test_pyinstaller_bundle(tmp_path, monkeypatch):
    (tmp_path / "resources" / "fonts").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.delenv("SUPERVISION_APP_RESOURCES", raising=False)
    assert resources.resource_root() == tmp_path / "resources"
    assert resources.resource_path("fonts", "x.ttf") == tmp_path / "resources" / "fonts" / "x.ttf"


def test_environment_override(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPERVISION_APP_RESOURCES", str(tmp_path))
    assert resources.resource_root() == tmp_path
