"""``supervision-app report ...`` against the hand-built world."""
from __future__ import annotations

import csv
import io
import re

from supervision_app.assurance.report_cli import report_main


def run(database, *argv):
    out, err = io.StringIO(), io.StringIO()
    code = report_main(list(argv), database, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_compliance_text_csv_and_xlsx(database, world, tmp_path):
    code, out, _ = run(database, "compliance", "--as", "tm", "--today", "2026-03-20")
    assert code == 0
    assert re.search(r"Supervision held within policy \(signed\)\s+65% \(13/20\)", out)  # not Tam's own
    code, out, _ = run(database, "compliance", "--as", "hos", "--today", "2026-03-20", "--format", "csv",
                       "--level", "teams")
    rows = list(csv.reader(out.splitlines()))
    assert [r[0] for r in rows[1:]] == ["Assessment A", "Long Term B", "All teams in scope"]
    target = tmp_path / "board.xlsx"
    code, out, _ = run(database, "compliance", "--as", "hos", "--team", "Long Term B", "--format", "xlsx",
                       "--output", str(target), "--today", "2026-03-20")
    assert code == 0 and target.read_bytes()[:2] == b"PK"


def test_refusals_are_in_words(database, world):
    assert run(database, "compliance", "--as", "nobody")[0] == 2
    code, _, err = run(database, "compliance", "--as", "ash")
    assert code == 2 and "do not manage" in err
    code, _, err = run(database, "compliance", "--as", "tm", "--team", "Long Term B")
    assert code == 2
    code, _, err = run(database, "sample", "--as", "tm", "--population", "children", "--size", "2")
    assert code == 2 and "auditor" in err
    assert run(database, "compliance", "--as", "tm", "--format", "xlsx")[0] == 2


def test_sample_then_report_the_round(database, world, tmp_path):
    code, out, _ = run(database, "sample", "--as", "auditor", "--population", "supervision",
                       "--size", "4", "--seed", "42")
    assert code == 0
    round_id = re.search(r"Audit round (\S+):", out).group(1)
    again = run(database, "sample", "--as", "auditor", "--population", "supervision", "--size", "4",
                "--seed", "42")[1]
    assert out.splitlines()[1:] == again.splitlines()[1:]  # same seed, same records
    code, out, _ = run(database, "rounds", "--as", "auditor")
    assert round_id in out
    pdf = tmp_path / "round.pdf"
    assert run(database, "audit", "--as", "auditor", "--round", round_id, "--output", str(pdf))[0] == 0
    assert pdf.read_bytes()[:5] == b"%PDF-"
    code, out, _ = run(database, "signals", "--as", "tm", "--today", "2026-03-20", "--format", "csv")
    assert code == 0 and out.startswith("Signal,")
