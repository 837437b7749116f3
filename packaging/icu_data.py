"""A smaller ICU data library for the Linux bundle: what Qt Core asks ICU for, in English.

PySide6's Qt Core links ICU, and ICU's data library (``libicudata.so.NN``, 31 MB) carries
every locale, converter, transliterator and word-break dictionary there is. Qt calls only
these ICU services (``nm -D --undefined-only libQt6Core.so.6 | grep _NN``):

* ``ucol_*``: collation (``QCollator``, locale-aware sorting): needs ``coll/`` for the
  locale and its parents, and ``coll/ucadata.icu``;
* ``ucal_*``: time-zone ids and display names (``QTimeZone``): ``zone/``, ``zoneinfo64``,
  ``metaZones``, ``timezoneTypes``, ``windowsZones``;
* ``u_strToUpper`` / ``u_strToLower``: case mapping (its data is built into ``libicuuc``);
* ``ucnv_*``: converters for legacy encodings (``QStringConverter`` by name): the app reads
  and writes UTF-8 and Latin-1 only, which ICU (and Qt) convert without data files.

So the reduced library keeps every item that is not locale-specific (properties,
normalisation, break rules, supplemental data, time zones) and the locale-specific items
of ``root`` and English (``en``, ``en_GB``, ``en_001``, ...: the app is English), and leaves
out the other ~800 locales, the legacy converters (``*.cnv``), the transliterators
(``translit/``, Qt never calls ``utrans``) and the Thai/CJK/Khmer/Lao/Burmese word-break
dictionaries (``*.dict``, Qt breaks text with its own tables). A lookup of something left out
falls back to ``root`` (collation, names) or fails cleanly (a converter: ``QStringDecoder``
is then invalid), never crashes. ``tests/packaging/test_icu_data.py`` checks Qt's answers
with the reduced data against the full data.

The ICU common data format (``udata.h``, ``ucmndata.h``): a data header, then a table of
contents (``uint32`` count, then per item a ``uint32`` name offset and ``uint32`` data offset,
both from the start of the table), the item names (sorted, NUL-terminated), and the items,
each 16-byte aligned. The library exports it as one symbol, ``icudtNN_dat``.
"""
from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

_LOCALE = re.compile(r"^[a-z]{2,3}(_.*)?$")  # 'de', 'en_GB', 'sr_Latn_BA', 'de__PHONEBOOK'
_DROPPED_TREES = ("translit/",)
_DROPPED_SUFFIXES = (".cnv", ".dict")


def keep(item: str) -> bool:
    """Whether a data item (``icudt73l/coll/en_GB.res``) stays."""
    path = item.split("/", 1)[1] if "/" in item else item
    if path.startswith(_DROPPED_TREES) or path.endswith(_DROPPED_SUFFIXES):
        return False
    stem, _, suffix = path.rsplit("/", 1)[-1].partition(".")
    if suffix == "res" and stem != "res_index" and _LOCALE.match(stem):
        return stem == "en" or stem.startswith("en_")
    return True


def read_items(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The header and the (name, data) items of an ICU common data blob."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD":
        raise ValueError("not ICU common data (CmnD)")
    if blob[8] != 0:
        raise ValueError("big-endian ICU data is not supported")
    toc = blob[header_size:]
    (count,) = struct.unpack_from("<I", toc, 0)
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(entries):
        name = toc[name_offset:toc.index(b"\0", name_offset)].decode("ascii")
        end = entries[index + 1][1] if index + 1 < count else len(toc)
        items.append((name, toc[data_offset:end]))
    return blob[:header_size], items


def write_items(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    items = sorted(items)  # ICU finds items by binary search on the names
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    table_size = 4 + 8 * len(items)
    data_start = -(-(table_size + len(names)) // 16) * 16
    table, name_at, data_at, body = [struct.pack("<I", len(items))], table_size, data_start, []
    for name, data in items:
        table.append(struct.pack("<II", name_at, data_at))
        name_at += len(name) + 1
        padded = data + b"\0" * (-len(data) % 16)
        body.append(padded)
        data_at += len(padded)
    toc = b"".join(table) + names
    return header + toc + b"\0" * (data_start - len(toc)) + b"".join(body)


def _data_symbol(library: Path) -> tuple[str, int, int]:
    """Name, file offset and size of the ``icudtNN_dat`` symbol (64-bit little-endian ELF)."""
    elf = library.read_bytes()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise ValueError(f"{library} is not a 64-bit little-endian ELF library")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    for _name, kind, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if kind != 11:  # SHT_DYNSYM
            continue
        strtab = sections[link]
        for at in range(offset, offset + size, entsize):
            st_name, _st_info, _st_other, st_shndx, value, st_size = struct.unpack_from("<IBBHQQ", elf, at)
            start = strtab[4] + st_name
            name = elf[start:elf.index(b"\0", start)].decode("ascii")
            if re.fullmatch(r"icudt\d+_dat", name):
                home = sections[st_shndx]
                return name, home[4] + value - home[3], st_size
    raise ValueError(f"{library} exports no icudtNN_dat symbol")


def build_reduced_library(library: Path, work: Path, compiler: str | None = None) -> Path | None:
    """A reduced copy of ``library`` (``libicudata.so.NN``) in ``work``; None, with a message,
    where it cannot be made here (no C compiler), so the build goes on with the full data."""
    compiler = compiler or shutil.which("cc") or shutil.which("gcc")
    if not compiler:
        print("icu_data: no C compiler (cc): the bundle keeps ICU's full data (31 MB more)",
              file=sys.stderr)
        return None
    symbol, offset, size = _data_symbol(library)
    header, items = read_items(library.read_bytes()[offset:offset + size])
    kept = [item for item in items if keep(item[0])]
    work.mkdir(parents=True, exist_ok=True)
    data = work / f"{symbol}.dat"
    data.write_bytes(write_items(header, kept))
    source = work / f"{symbol}.S"
    source.write_text(
        f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, %object\n\t.balign 16\n"
        f"{symbol}:\n\t.incbin \"{data}\"\n\t.size {symbol}, . - {symbol}\n"
        "\t.section .note.GNU-stack,\"\",%progbits\n", encoding="ascii")
    output = work / library.name
    subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}",
                    "-Wl,-z,noexecstack", "-o", str(output), str(source)], check=True)
    print(f"icu_data: {library.name}: kept {len(kept)} of {len(items)} items, "
          f"{size / 2**20:.1f} MB -> {output.stat().st_size / 2**20:.1f} MB")
    return output


if __name__ == "__main__":  # packaging/icu_data.py LIBRARY WORK_FOLDER
    built = build_reduced_library(Path(sys.argv[1]), Path(sys.argv[2]))
    sys.exit(0 if built else 1)
