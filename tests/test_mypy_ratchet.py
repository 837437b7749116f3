"""The mypy ratchet fails on a file with more errors than its baseline (a new file with
any), and asks for the baseline to be lowered when a file has fewer."""
from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "mypy_ratchet", Path(__file__).resolve().parent.parent / "tools" / "mypy_ratchet.py")
ratchet = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ratchet)

MYPY_OUTPUT = """\
supervision_app/gui/pages.py:12: error: Item "None" of "X | None" has no attribute "y"  [union-attr]
supervision_app/gui/pages.py:40:5: error: Incompatible types in assignment  [assignment]
supervision_app/gui/pages.py:41: note: See https://mypy.readthedocs.io
supervision_app/store/queries.py:7: error: Missing return statement  [return]
Found 3 errors in 2 files (checked 159 source files)
""".splitlines()


def test_errors_are_counted_per_file_and_package():
    counts = ratchet.count_by_file(MYPY_OUTPUT)
    assert counts == {"supervision_app/gui/pages.py": 2, "supervision_app/store/queries.py": 1}
    assert ratchet.by_package(counts) == {"supervision_app/gui": 2, "supervision_app/store": 1}


def test_a_new_error_fails_and_a_fixed_one_lowers_the_baseline():
    counts = ratchet.count_by_file(MYPY_OUTPUT)
    assert ratchet.compare(counts, {"supervision_app/gui/pages.py": 2,
                                    "supervision_app/store/queries.py": 1}) == ([], [])
    # a file with no errors before (not in the baseline) now has one
    assert ratchet.compare(counts, {"supervision_app/gui/pages.py": 2}) == (
        ["supervision_app/store/queries.py"], [])
    # a file fixed since the baseline was recorded
    assert ratchet.compare(counts, {"supervision_app/gui/pages.py": 3,
                                    "supervision_app/store/queries.py": 1,
                                    "supervision_app/sync/client.py": 4}) == (
        [], ["supervision_app/gui/pages.py", "supervision_app/sync/client.py"])
