"""``supervision-app export-chronology``: the same export as the child's page, from a shell."""
from __future__ import annotations

from supervision_app.cli import main
from tests.records.chronology_world import NOTE_DECISION, build_chronology_world


def test_the_command_writes_the_signed_pdf_and_csv(database, profile_dir, tmp_path, capsys):
    world = build_chronology_world(database)
    out = tmp_path / "lcs"
    code = main(["export-chronology", "--data-dir", str(profile_dir), "--child", "CS-1003",
                 "--out", str(out), "--as", "ben"])
    assert code == 0, capsys.readouterr().err
    pdf, = out.glob("*.pdf")
    csv_file, = out.glob("*.csv")
    assert pdf.read_bytes().startswith(b"%PDF-") and NOTE_DECISION in csv_file.read_text("utf-8-sig")
    assert "signed by Ben Steady" in capsys.readouterr().out
    assert world.child_id


def test_someone_the_child_is_hidden_from_is_refused_in_words(database, profile_dir, tmp_path, capsys):
    build_chronology_world(database)
    code = main(["export-chronology", "--data-dir", str(profile_dir), "--child", "CS-1003",
                 "--out", str(tmp_path / "x"), "--as", "dev"])
    assert code == 1
    assert "not allocated to you" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
