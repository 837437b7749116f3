"""The command line: report routing and refusals."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from supervision_app.cli import EXIT_STARTUP_REFUSED, main
from supervision_app.demo.generator import populate_team_demo
from supervision_app.store.database import open_database
from supervision_app.store.models import Staff


def test_report_compliance_from_the_command_line(tmp_path, capsys):
    db = open_database(tmp_path / "profile")
    summary = populate_team_demo(db, today=date(2026, 11, 23))
    with db.reading() as s:
        username = s.execute(select(Staff.username).where(Staff.id == summary.manager_id)).scalar_one()
    db.close()
    code = main(["--data-dir", str(tmp_path / "profile"), "report", "compliance", "--as", username,
                 "--format", "csv", "--today", "2026-11-23"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("\n") >= 2 and "," in out.splitlines()[0]


def test_report_without_a_profile_refuses_in_words(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path / "none"), "report", "compliance", "--as", "x"])
    assert code == EXIT_STARTUP_REFUSED
    assert "no profile" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
