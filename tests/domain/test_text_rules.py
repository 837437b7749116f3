from datetime import date

import pytest

from supervision_app.domain.text_rules import (
    MAX_TEXT_CHARS,
    InvalidInput,
    check_not_future,
    check_order,
    check_safety_scale,
    clean_text,
    parse_date,
    search_fold,
)


def test_dates_in_british_and_iso_form():
    assert parse_date("Session date", "05/11/2026") == date(2026, 11, 5)
    assert parse_date("Session date", "2026-11-05") == date(2026, 11, 5)
    assert parse_date("Session date", "01/01/2000") == date(2000, 1, 1)
    assert parse_date("Due date", "31/12/2099") == date(2099, 12, 31)


@pytest.mark.parametrize(
    ("raw", "words"),
    [("31/02/2026", "not a real date"), ("", "empty"), ("next tuesday", "not a date"),
     ("13/13/2026", "not a real date"), ("01/01/0001", "check the year"),
     ("05/12/1926", "check the year"), ("1999-12-31", "check the year"),
     ("01/01/2100", "check the year")],
)
def test_bad_dates_get_a_clear_message(raw, words):
    with pytest.raises(InvalidInput) as error:
        parse_date("Session date", raw)
    assert words in str(error.value)
    assert "Session date" in str(error.value)


def test_text_over_the_limit_is_refused_not_truncated():
    assert len(clean_text("Notes", "x" * MAX_TEXT_CHARS)) == MAX_TEXT_CHARS
    with pytest.raises(InvalidInput) as error:
        clean_text("Notes", "x" * (MAX_TEXT_CHARS + 1))
    assert "100,000" in str(error.value)


def test_control_characters_are_removed_but_markup_is_kept_as_text():
    assert clean_text("Notes", "a\x00b\x07c\td\ne") == "abc\td\ne"
    assert clean_text("Notes", "<b>bold</b> & <script>") == "<b>bold</b> & <script>"


def test_scale_future_and_order_checks():
    assert check_safety_scale(7) == 7 and check_safety_scale(None) is None
    for bad in (-1, 11, True):
        with pytest.raises(InvalidInput):
            check_safety_scale(bad)
    with pytest.raises(InvalidInput, match="in the future"):
        check_not_future("Session date", date(2026, 12, 1), today=date(2026, 11, 23))
    with pytest.raises(InvalidInput, match="before"):
        check_order("Session date", date(2026, 11, 20), "Next supervision", date(2026, 11, 1))


@pytest.mark.parametrize("typed, stored", [
    ("zoe", "Zoë"), ("sian", "Siân"), ("lukasz", "Łukasz"), ("bjorn", "Björn"), ("orsted", "Ørsted"),
    ("dorde", "Đorđe"), ("hoang", "Hoàng"), ("goncalves", "Gonçalves"), ("strasse", "Straße"),
    ("aeron", "Æron"), ("istanbul", "İstanbul"), ("sigrun", "SIGRÚN"),
])
def test_search_fold_lets_plain_letters_find_accented_names(typed, stored):
    assert search_fold(typed) == search_fold(stored) == typed


def test_search_fold_keeps_what_is_not_a_letter_with_a_mark():
    assert search_fold("CS-1001 O'Neil (Smith)") == "cs-1001 o'neil (smith)"
    assert search_fold("") == ""


def test_domain_imports_no_qt_and_no_sql():
    import subprocess
    import sys

    code = (
        "import sys, supervision_app.domain.permissions, supervision_app.domain.lifecycle, "
        "supervision_app.domain.canonical, supervision_app.domain.supervision_policy, "
        "supervision_app.domain.working_days, supervision_app.domain.text_rules, "
        "supervision_app.domain.time_rules;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('PySide6','sqlalchemy','sqlcipher3')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
