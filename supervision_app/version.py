"""The application's version: one number, kept in ``pyproject.toml``.

Everything that shows a version (``supervision-app --version``, the About box, the self-test,
the server's ``/version``) reads :data:`__version__` from here.

Where it comes from:

* an installed package (a wheel, or the PyInstaller bundle, whose spec copies the
  package metadata with ``copy_metadata("supervision-recorder")``): the package metadata;
* a source checkout: ``pyproject.toml`` beside the package. It wins over the metadata of an
  editable install, which goes stale when the number is changed without reinstalling;
* neither (a bare copy of the source): ``0+unknown``, never an exception.
"""
from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

__all__ = ["DISTRIBUTION", "UNKNOWN", "__version__", "version_source"]

DISTRIBUTION = "supervision-recorder"
UNKNOWN = "0+unknown"


def _from_metadata() -> str | None:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


def _checkout_pyproject() -> Path | None:
    if getattr(sys, "frozen", False):
        return None  # a bundle has no checkout beside it
    candidate = Path(__file__).resolve().parent.parent / "pyproject.toml"
    return candidate if candidate.is_file() else None


def _from_pyproject(path: Path) -> str | None:
    import tomllib

    try:
        project = tomllib.loads(path.read_text(encoding="utf-8")).get("project", {})
    except (OSError, ValueError):
        return None
    if project.get("name") != DISTRIBUTION:
        return None  # someone else's pyproject.toml (e.g. site-packages of another tool)
    version = project.get("version")
    return str(version) if version else None


def _resolve() -> tuple[str, str]:
    pyproject = _checkout_pyproject()
    if pyproject is not None:
        found = _from_pyproject(pyproject)
        if found:
            return found, "pyproject.toml in the source checkout"
    found = _from_metadata()
    if found:
        return found, "package metadata"
    return UNKNOWN, "unknown (no package metadata and no pyproject.toml)"


__version__, _SOURCE = _resolve()


def version_source() -> str:
    """Where :data:`__version__` was read from, in words (the self-test prints it)."""
    return _SOURCE
