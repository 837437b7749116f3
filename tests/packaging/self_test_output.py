"""What the self-test prints when every check passes, as the source and bundle tests read it."""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the self-test must say it checked, in order (the bundle test expects the same).
EXPECTED_CHECKS = (
    "throwaway in-memory keyring installed",
    "version ",
    "resources found",
    "Designer forms found",
    "database migrations found",
    "keyring backends discoverable",
    "England's bank holidays load",
    "throwaway encrypted profile created",
    "small synthetic record written through the store",
    "main window opened offscreen",
    "signed by the supervisor",
    "signed by the supervisee",
    "locked record refuses changes",
    "verified against the throwaway CA",
    "audit chain intact",
    "throwaway profile and keyring deleted",
)


def pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def assert_all_checks_passed(output: str) -> None:
    ok_lines = [line.strip() for line in output.splitlines() if line.strip().startswith("ok ")]
    assert "FAIL" not in output, output
    assert len(ok_lines) == len(EXPECTED_CHECKS), output
    for line, expected in zip(ok_lines, EXPECTED_CHECKS):
        assert expected in line, f"expected {expected!r} in {line!r}\n{output}"
    assert "self-test passed" in output.splitlines()[-1], output
