"""What a bundle was built from, so a build can be reused instead of repeated.

    python packaging/build_info.py key                 # print the key of the current sources
    python packaging/build_info.py write DIR [--seconds N]   # record it in DIR/BUILD-INFO.json
    python packaging/build_info.py check DIR           # exit 0 if DIR was built from them

The key covers everything that goes into the bundle: the git tree hashes of
``supervision_app/``, ``ui/`` and ``resources/`` and the blobs of ``pyproject.toml``, the spec,
its entry script and the ICU data reducer, *as they are in the working tree* (uncommitted
edits and new files count; ignored files such as ``__pycache__`` do not), plus the Python version, the platform
and the installed distributions and their versions. It is computed with a private copy of
the git index (``GIT_INDEX_FILE``), so the repository's own index is never touched.

Outside a git checkout there is no key and nothing is ever reused.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE_INPUTS = ("supervision_app", "ui", "resources", "pyproject.toml",
                 "packaging/supervision-app.spec", "packaging/entry_point.py",
                 "packaging/icu_data.py")
INFO_FILE = "BUILD-INFO.json"


def _git(*args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def source_trees() -> dict[str, str] | None:
    """Git object ids of the bundle's inputs as they are in the working tree."""
    try:
        real_index = Path(_git("rev-parse", "--path-format=absolute", "--git-path", "index"))
    except (OSError, subprocess.CalledProcessError):
        return None
    with tempfile.TemporaryDirectory(prefix="build-info-") as scratch:
        index = Path(scratch) / "index"
        if real_index.exists():
            shutil.copyfile(real_index, index)  # reuse its stat cache: much faster
        env = {**os.environ, "GIT_INDEX_FILE": str(index)}
        present = [p for p in BUNDLE_INPUTS if (ROOT / p).exists()]
        _git("add", "--all", "--", *present, env=env)
        tree = _git("write-tree", env=env)
        ids = {}
        for path in present:
            ids[path] = _git("rev-parse", f"{tree}:{path}", env=env)
        return ids


def environment() -> dict[str, str]:
    packages = sorted(
        f"{(dist.metadata['Name'] or '?').lower()}=={dist.version}" for dist in metadata.distributions()
    )
    return {
        "python": sys.version.split()[0],
        "platform": f"{sys.platform}-{platform.machine()}",
        "packages": hashlib.sha256("\n".join(packages).encode()).hexdigest(),
    }


def build_key() -> str | None:
    trees = source_trees()
    if trees is None:
        return None
    blob = json.dumps({"sources": trees, "environment": environment()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def project_version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def write(bundle: Path, seconds: float | None) -> dict:
    info = {
        "key": build_key(),
        "version": project_version(),
        "sources": source_trees(),
        "environment": environment(),
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "build_seconds": seconds,
    }
    (bundle / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def recorded(bundle: Path) -> dict | None:
    try:
        return json.loads((bundle / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(bundle: Path) -> bool:
    """``bundle`` exists, is complete, and was built from exactly the current sources."""
    info = recorded(bundle)
    if info is None or not info.get("key"):
        return False
    executable = bundle / ("supervision-app.exe" if sys.platform == "win32" else "supervision-app")
    return executable.is_file() and info["key"] == build_key()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("key")
    w = sub.add_parser("write")
    w.add_argument("bundle", type=Path)
    w.add_argument("--seconds", type=float)
    c = sub.add_parser("check")
    c.add_argument("bundle", type=Path)
    args = parser.parse_args(argv)
    if args.command == "key":
        print(build_key() or "(no git checkout: no key)")
        return 0
    if args.command == "write":
        info = write(args.bundle, args.seconds)
        print(f"recorded build {info['key']} in {args.bundle / INFO_FILE}")
        return 0
    return 0 if is_current(args.bundle) else 1


if __name__ == "__main__":
    sys.exit(main())
