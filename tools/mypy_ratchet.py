"""Run mypy and fail on any error a file did not have before.

The errors the code had when mypy was brought in are counted per file in
``tools/mypy_baseline.json``. A file with more errors than its count (a file not listed
has none) fails the check and its errors are printed; a file with fewer lowers its count
with ``--update`` (and the check asks for that, so the baseline only ever goes down).

    python tools/mypy_ratchet.py            # the check (.ci/run)
    python tools/mypy_ratchet.py --update   # after fixing errors: record the lower counts
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tools" / "mypy_baseline.json"
ERROR = re.compile(r"^(?P<path>[^:\s]+\.py):\d+(?::\d+)?: error: ")


def run_mypy() -> list[str]:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    if result.returncode not in (0, 1):  # 2: mypy itself could not run
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(2)
    return result.stdout.splitlines()


def count_by_file(lines: list[str]) -> Counter[str]:
    return Counter(match["path"] for line in lines if (match := ERROR.match(line)))


def by_package(counts: Counter[str]) -> dict[str, int]:
    packages: Counter[str] = Counter()
    for path, count in counts.items():
        parts = path.removesuffix(".py").split("/")
        packages["/".join(parts[:2])] += count
    return dict(sorted(packages.items()))


def compare(counts: Counter[str], baseline: dict[str, int]) -> tuple[list[str], list[str]]:
    """Files with more errors than the baseline allows, and files with fewer."""
    worse = sorted(path for path, count in counts.items() if count > baseline.get(path, 0))
    better = sorted(path for path, count in baseline.items() if counts.get(path, 0) < count)
    return worse, better


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="record the current counts as the baseline")
    args = parser.parse_args(argv)
    lines = run_mypy()
    counts = count_by_file(lines)
    if args.update:
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n", encoding="utf-8")
        print(f"mypy baseline: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    baseline: dict[str, int] = json.loads(BASELINE.read_text(encoding="utf-8"))
    worse, better = compare(counts, baseline)
    for package, count in by_package(counts).items():
        print(f"  {package}: {count}")
    print(f"mypy: {sum(counts.values())} errors (baseline {sum(baseline.values())})")
    if worse:
        print("\nNew mypy errors (these files have more than tools/mypy_baseline.json allows):")
        for line in lines:
            match = ERROR.match(line)
            if match and match["path"] in worse:
                print(line)
        return 1
    if better:
        print(f"Fewer errors than the baseline in {', '.join(better)}: run "
              "`python tools/mypy_ratchet.py --update` and commit tools/mypy_baseline.json.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
