"""The reduced ICU data library of the Linux bundle (``packaging/icu_data.py``).

Qt Core is run twice on the same questions, once over PySide6's full ``libicudata`` and
once with the reduced one preloaded (``LD_PRELOAD``: the dynamic linker then uses it for
Qt's ``libicuuc``), and must answer the same for everything the app's English text needs:
collation, case mapping, time-zone names, UTF-8 and Latin-1 (legacy code pages,
which were ICU converter files, are no longer offered by Qt's ``QStringConverter``).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import icu_data  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="only the Linux bundle carries its own ICU")


def _pyside_icudata() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 has no ICU of its own")
    return found[-1]


PROBE = r"""
import json, os, sys
from functools import cmp_to_key
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QStringEncoder, QTimeZone, Qt

names = ["Zoë Schröder", "zoe", "Zoe", "Ávila", "Ölander", "O'Brien", "o'brien", "Øberg",
         "Ærø", "van Dyke", "Van Dyke", "Nguyễn", "Ştefan", "Åsa", "ängel", "Émile", "eve",
         "Łukasz", "Şahin", "Ćiro", "Mc Donald", "McDonald", "item 10", "item 9", "Αλέξης",
         "Смирнов", "李", "Phương", "Sigrún", "Ayodele", "-dash", "  space"]
out = {"collation": {}, "case": {}, "zones": {}, "codecs": {}}
for locale in ("en_GB", "en_US", "en", "C"):
    for numeric in (False, True):
        for sensitive in (Qt.CaseSensitive, Qt.CaseInsensitive):
            collator = QCollator(QLocale(locale))
            collator.setNumericMode(numeric)
            collator.setCaseSensitivity(sensitive)
            key = f"{locale}/{numeric}/{sensitive.name}"
            out["collation"][key] = sorted(names, key=cmp_to_key(collator.compare))
for locale in ("en_GB", "C"):
    text = "straße ǆemal ﬁnal İstanbul ΣΊΣΥΦΟΣ Zoë"
    out["case"][locale] = [QLocale(locale).toUpper(text), QLocale(locale).toLower(text)]
for zone in ("Europe/London", "UTC", "America/New_York", "Asia/Kolkata", "Australia/Sydney"):
    tz = QTimeZone(zone.encode())
    out["zones"][zone] = [tz.isValid()] + [
        tz.displayName(kind, style, QLocale("en_GB"))
        for kind in (QTimeZone.StandardTime, QTimeZone.DaylightTime)
        for style in (QTimeZone.LongName, QTimeZone.ShortName, QTimeZone.OffsetName)]
for codec in ("UTF-8", "ISO-8859-1", "US-ASCII", "UTF-16LE", "windows-1252", "Shift_JIS"):
    out["codecs"][codec] = [QStringEncoder(codec).isValid(), QStringDecoder(codec).isValid()]
out["available"] = sorted(QStringEncoder.availableCodecs())
with open("/proc/self/maps") as maps:
    out["icudata"] = sorted({line.split()[-1] for line in maps if "libicudata" in line})
print(json.dumps(out))
"""


def _probe(preload: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "QT_QPA_PLATFORM")}
    if preload:
        env["LD_PRELOAD"] = str(preload)
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_policy_keeps_english_and_shared_data_only():
    keep = icu_data.keep
    for kept in ("icudt73l/coll/root.res", "icudt73l/coll/en_GB.res", "icudt73l/coll/ucadata.icu",
                 "icudt73l/en_001.res", "icudt73l/root.res", "icudt73l/pool.res",
                 "icudt73l/res_index.res", "icudt73l/zone/en.res", "icudt73l/zoneinfo64.res",
                 "icudt73l/supplementalData.res", "icudt73l/likelySubtags.res",
                 "icudt73l/brkitr/word.brk", "icudt73l/uts46.nrm", "icudt73l/cnvalias.icu",
                 "icudt73l/curr/pool.res", "icudt73l/metaZones.res"):
        assert keep(kept), kept
    for dropped in ("icudt73l/coll/zh.res", "icudt73l/de.res", "icudt73l/sr_Latn_BA.res",
                    "icudt73l/coll/de__PHONEBOOK.res", "icudt73l/ibm-1390_P110-2003.cnv",
                    "icudt73l/brkitr/cjdict.dict", "icudt73l/translit/root.res",
                    "icudt73l/zone/fr_CA.res"):
        assert not keep(dropped), dropped


def test_the_table_of_contents_is_rewritten_exactly():
    library = _pyside_icudata()
    symbol, offset, size = icu_data._data_symbol(library)
    blob = library.read_bytes()[offset:offset + size]
    header, items = icu_data.read_items(blob)
    assert symbol.startswith("icudt") and len(items) > 1000
    again = icu_data.read_items(icu_data.write_items(header, items))
    assert again == (header, [(name, data + b"\0" * (-len(data) % 16)) for name, data in items])


@pytest.mark.skipif(not (shutil.which("cc") or shutil.which("gcc")), reason="needs a C compiler")
def test_qt_answers_the_same_with_the_reduced_data(tmp_path):
    full_library = _pyside_icudata()
    reduced = icu_data.build_reduced_library(full_library, tmp_path)
    assert reduced is not None
    assert reduced.stat().st_size < full_library.stat().st_size / 5

    full, small = _probe(None), _probe(reduced)
    assert small["icudata"] == [str(reduced)] and full["icudata"] == [str(full_library.resolve())]
    assert small["collation"] == full["collation"]
    assert small["case"] == full["case"]
    assert small["zones"] == full["zones"]
    assert full["zones"]["Europe/London"][1] == "Greenwich Mean Time"
    # legacy encodings (windows-1252, Shift_JIS, ...) were ICU converter files: the app reads
    # and writes UTF-8 only; the Unicode ones and Latin-1 need no data
    for codec in ("UTF-8", "ISO-8859-1", "US-ASCII", "UTF-16LE"):
        assert small["codecs"][codec] == full["codecs"][codec] == [True, True], codec
    assert set(small["available"]) <= set(full["available"])
    assert {"UTF-8", "ISO-8859-1"} <= set(small["available"])
