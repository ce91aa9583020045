"""Shrink Qt's ICU data library (libicudata, ~31 MB) to what a Qt application can use (~4 MB), for the bundle.

QtCore links ICU, so the library itself cannot go, but most of its data serves ICU features Qt never
calls: break iterators and their dictionaries (Qt segments text itself), transliteration, measurement
units, currency, language and region display names, number spell-out and legacy code-page converters
(Qt's QStringConverter covers UTF-8/16/32 and Latin-1 without them; the app decodes no other encoding
through Qt). What Qt does use is kept: the collation root (QCollator, file dialogs' sorting), time zone
names, normalisation, likely-subtags and supplemental data, for the root, English and Chinese locales;
other locales fall back to root, as ICU does for any locale it lacks.

The data is ICU's "common data" package (format CmnD): a table of contents of (name, offset) pairs
followed by 16-byte-aligned items. It is read out of the library's icudtNN_dat symbol, filtered, and linked
into a data-only shared library with the same soname and symbol (needs a C compiler and binutils' nm).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from collections.abc import Iterable
from pathlib import Path

# Whole trees and item kinds no Qt code path reads.
DROPPED_TREES = ("brkitr", "translit", "unit", "curr", "lang", "region", "rbnf")
DROPPED_SUFFIXES = (".cnv", ".spp")
KEPT_LANGUAGES = ("root", "en", "zh")
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]*)*$")
_ALIGN = 16


def keep(name: str) -> bool:
    """Return whether the data item called name (e.g. icudt73l/coll/zh.res) stays in the bundle."""
    parts = name.split("/")[1:]
    if (parts and parts[0] in DROPPED_TREES) or name.endswith(DROPPED_SUFFIXES):
        return False
    stem = parts[-1].rpartition(".")[0] if parts else ""
    if parts[-1].endswith(".res") and _LOCALE.match(stem) and stem != "pool":
        return stem.split("_")[0] in KEPT_LANGUAGES
    return True


def read_items(package: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """Split a little-endian common data package into its header and its (name, item) pairs, in order."""
    header_size = struct.unpack_from("<H", package, 0)[0]
    if package[2:4] != b"\xda\x27" or package[12:16] != b"CmnD":
        raise ValueError("not an ICU common data package")
    toc = package[header_size:]
    count = struct.unpack_from("<I", toc, 0)[0]
    entries = [struct.unpack_from("<II", toc, 4 + 8 * i) for i in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(entries):
        name = toc[name_offset:toc.index(b"\0", name_offset)].decode("ascii")
        end = entries[index + 1][1] if index + 1 < count else len(toc)
        items.append((name, toc[data_offset:end]))
    return package[:header_size], items


def write_package(header: bytes, items: Iterable[tuple[str, bytes]]) -> bytes:
    """Build a common data package from a header and (name, item) pairs (names already in ICU's sorted order)."""
    items = list(items)
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    names_start = 4 + 8 * len(items)
    data_start = -(-(names_start + len(names)) // _ALIGN) * _ALIGN
    toc, data, name_offset = [struct.pack("<I", len(items))], b"", names_start
    for name, item in items:
        toc.append(struct.pack("<II", name_offset, data_start + len(data)))
        name_offset += len(name) + 1
        data += item + b"\0" * (-len(item) % _ALIGN)
    table = b"".join(toc) + names
    return header + table + b"\0" * (data_start - len(table)) + data


def _symbol(library: Path) -> tuple[str, int, int]:
    """Return the name, file offset and size of the icudtNN_dat symbol (its section maps file offset == address)."""
    listing = subprocess.run(["nm", "-D", "-S", str(library)], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) == 4 and re.fullmatch(r"icudt\d+_dat", fields[3]):
            return fields[3], int(fields[0], 16), int(fields[1], 16)
    raise ValueError(f"{library} has no icudtNN_dat symbol")


def shrink(library: Path, out_dir: Path) -> tuple[Path, int, int]:
    """Write a smaller copy of libicudata to out_dir; return its path and the sizes before and after.

    Raise OSError or ValueError (the caller then bundles the library unchanged) when the tools are
    missing or the library is not laid out as expected.
    """
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or shutil.which("nm") is None:
        raise OSError("shrinking ICU's data needs a C compiler (cc) and nm")
    symbol, offset, size = _symbol(library)
    header, items = read_items(library.read_bytes()[offset:offset + size])
    package = write_package(header, [(name, item) for name, item in items if keep(name)])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "icudata.dat").write_bytes(package)
    (out_dir / "icudata.S").write_text(
        f'\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n'
        f'{symbol}:\n\t.incbin "icudata.dat"\n\t.size {symbol}, . - {symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n'
    )
    target = out_dir / library.name
    subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}", "-o", str(target),
                    "icudata.S"], cwd=out_dir, check=True, capture_output=True)
    return target, library.stat().st_size, target.stat().st_size
