"""Locate files under the top-level ``resources/`` folder.

In a source checkout the layout is::

    <repo>/resources/...
    <repo>/supervision_app/resources.py   (this file)

In a PyInstaller bundle the spec is expected to copy ``resources/`` to the bundle
root, which PyInstaller exposes as ``sys._MEIPASS`` at run time.

``SUPERVISION_APP_RESOURCES`` may point at another resources folder (useful for
installers that put data files elsewhere); it wins when it exists.
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache
from pathlib import Path

__all__ = ["resource_root", "resource_path"]

_ENV_VAR = "SUPERVISION_APP_RESOURCES"


@lru_cache(maxsize=1)
def resource_root() -> Path:
    """Return the folder that holds the application's resources."""
    candidates: list[Path] = []
    env = os.environ.get(_ENV_VAR)
    if env:
        candidates.append(Path(env))
    meipass = getattr(sys, "_MEIPASS", None)
    if meipass:
        candidates.append(Path(meipass) / "resources")
    package_dir = Path(__file__).resolve().parent
    candidates.append(package_dir.parent / "resources")  # source checkout
    candidates.append(package_dir / "resources")  # installed with package data
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "Application resources folder not found; looked in: "
        + ", ".join(str(c) for c in candidates)
    )


def resource_path(*parts: str) -> Path:
    """Path to a file or folder under ``resources/`` (it is not checked to exist)."""
    return resource_root().joinpath(*parts)
