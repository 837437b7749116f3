"""The client log can never hold record contents: a record's text sent through every way a
log call can carry it is not in the file, while the template words, argument types,
exception classes and frames are."""
from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from supervision_app.domain.text_rules import InvalidInput, parse_date
from supervision_app.domain.vocabulary import Role
from supervision_app.logging_setup import SafeText, configure_logging, log_path, stop_logging


@pytest.fixture
def profile_log(tmp_path: Path):
    path = configure_logging(tmp_path / "profile")
    yield path
    stop_logging()


def _record_text() -> str:
    """Text as a record holds it: made at run time, so it is no constant in any code."""
    return f"Child disclosed at home visit {uuid.uuid4().hex} on 3 March"


def _read(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def _raise_with(text: str) -> None:
    typed_by_worker = text  # a local value in the frame: never written
    raise ValueError(f"could not save {typed_by_worker}")


def test_the_log_file_is_made_only_when_something_is_logged(tmp_path: Path, profile_log: Path):
    assert profile_log == log_path(tmp_path / "profile")
    assert not (tmp_path / "profile").exists()
    logging.getLogger("supervision_app.test").warning("Sync stopped after %d attempts", 3)
    assert "Sync stopped after 3 attempts" in _read(profile_log)


def test_a_records_text_never_reaches_the_log_file(profile_log: Path):
    text = _record_text()
    token = text.split()[5]
    log = logging.getLogger("supervision_app.test")
    other_library = logging.getLogger("sqlalchemy.engine.Engine")

    log.info(text)                                       # the text as the message
    log.info(f"Saved the note: {text}")                  # an f-string
    log.info("Saved the note: " + text)                  # concatenated
    log.info("Saved the note: {}".format(text))          # str.format
    log.info("Saved the note: %s", text)                 # a %s argument
    log.info("Saved the note: %r", text)                 # a %r argument
    log.info("Saved %(field)s", {"field": text})         # a mapping argument
    log.info("Saved fields %s", [text, text])            # inside a container
    log.info("Saved the note: %s", text.encode())        # as bytes
    log.info("Saved the note", extra={"body": text})     # extra fields
    log.info("Saved the note", stack_info=True)          # a stack dump
    log.info({"note": text})                             # not a string at all
    other_library.warning("INSERT INTO notes VALUES (%s)", text)  # another library's logger
    try:
        parse_date("Date of session", text)              # an error that quotes the input
    except InvalidInput as refused:
        log.warning("Refused: %s", refused)
        log.exception("Refused while saving")
    try:
        try:
            _raise_with(text)
        except ValueError as first:
            raise RuntimeError(text) from first          # a chained cause
    except RuntimeError:
        log.exception("Save failed for record %s", uuid.UUID(int=7))

    written = _read(profile_log)
    assert token not in written
    assert "home visit" not in written

    # what may be written, is
    assert "Saved the note: <str withheld>" in written
    assert "Saved fields <list withheld>" in written
    assert "Saved <str withheld>" in written
    assert "Saved the note: <bytes withheld>" in written
    assert "Refused: InvalidInput" in written
    assert "<message withheld: not a template in" in written
    assert "INSERT INTO notes VALUES (<str withheld>)" in written
    assert f"Save failed for record {uuid.UUID(int=7)}" in written
    assert "supervision_app.domain.text_rules.InvalidInput" in written
    assert "builtins.ValueError" in written and "builtins.RuntimeError" in written
    assert "The above exception was the direct cause of the following:" in written
    assert "tests/test_log_safety.py" in written or "test_log_safety.py" in written
    assert " in _raise_with" in written


def test_safe_arguments_are_written(profile_log: Path):
    log = logging.getLogger("supervision_app.test")
    log.info("Pushed %d rows in %.1f s (complete: %s) as %s for %s; page %s", 120, 2.5, True,
             Role.TEAM_MANAGER, KeyError, SafeText("dashboard"))
    assert ("Pushed 120 rows in 2.5 s (complete: True) as Role.TEAM_MANAGER for KeyError; "
            "page dashboard") in _read(profile_log)


def test_the_file_rotates_at_its_size(tmp_path: Path, profile_log: Path, monkeypatch):
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "supervision-app-file")
    monkeypatch.setattr(handler, "maxBytes", 2_000)
    log = logging.getLogger("supervision_app.test")
    for number in range(200):
        log.warning("Line number %d of a long run", number)
    handler.flush()
    rotated = sorted(p.name for p in profile_log.parent.iterdir())
    assert rotated == ["supervision-app.log", *(f"supervision-app.log.{n}" for n in range(1, 6))]


def test_templates_are_found_for_code_that_names_its_file_relative_to_a_bundle(profile_log: Path, tmp_path: Path,
                                                                              monkeypatch):
    """A frozen bundle's code objects may carry ``supervision_app/...`` paths, not the file's."""
    monkeypatch.chdir(tmp_path)  # where no supervision_app/ folder is
    import supervision_app.gui.tasks  # noqa: F401 - the module whose template is logged
    record = logging.LogRecord("supervision_app.gui.tasks", logging.ERROR,
                               "supervision_app/gui/tasks.py", 1, "Background task failed", None, None)
    logging.getLogger("supervision_app.gui.tasks").handle(record)
    assert "ERROR supervision_app.gui.tasks [MainThread]: Background task failed" in _read(profile_log)
