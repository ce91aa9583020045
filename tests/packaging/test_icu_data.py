"""The bundle's cut-down ICU data still does what Qt asks of ICU: Chinese names sort by pinyin, zones have names.

installer/icu_data.py shrinks PySide6's libicudata; this loads the real ICU libraries of the installed
PySide6 against the shrunk data (their RUNPATH is $ORIGIN, so copies in one folder use the copy beside them).
"""

from __future__ import annotations

import ctypes
import shutil
import sys
from pathlib import Path

import PySide6
import pytest

sys.path.append(str(Path(__file__).resolve().parents[2] / "installer"))
import icu_data

pytestmark = [pytest.mark.packaging,
              pytest.mark.skipif(sys.platform != "linux", reason="the bundle shrinks ICU on Linux only")]

QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"


def _utf16(text: str) -> ctypes.Array[ctypes.c_char]:
    return ctypes.create_string_buffer(text.encode("utf-16-le") + b"\0\0")


@pytest.fixture(scope="module")
def shrunk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int, int]:
    folder = tmp_path_factory.mktemp("icu")
    [data] = QT_LIB.glob("libicudata.so.*")
    library, before, after = icu_data.shrink(data, folder / "build")
    for name in ("libicuuc.so.", "libicui18n.so."):
        [original] = QT_LIB.glob(name + "*")
        shutil.copy2(original, folder)
    shutil.copy2(library, folder)
    return folder, data.name.rpartition(".")[2], before, after


def test_the_shrunk_icu_data_is_a_fraction_of_the_original(shrunk: tuple[Path, str, int, int]) -> None:
    _, _, before, after = shrunk
    assert after < 6_000_000 < 25_000_000 < before


def test_chinese_names_still_sort_by_pinyin_and_zones_keep_their_names(shrunk: tuple[Path, str, int, int]) -> None:
    folder, version, _, _ = shrunk
    i18n = ctypes.CDLL(str(next(folder.glob("libicui18n.so.*"))))
    ucol_open = getattr(i18n, f"ucol_open_{version}")
    ucol_open.restype = ctypes.c_void_p
    strcoll = getattr(i18n, f"ucol_strcoll_{version}")
    status = ctypes.c_int(0)
    collator = ctypes.c_void_p(ucol_open(b"zh_CN", ctypes.byref(status)))
    assert status.value <= 0, f"ICU error {status.value} opening the Chinese collation"
    names = ["中国平安", "贵州茅台", "阿里巴巴"]  # zhong, gui, a
    order = sorted(names, key=lambda name: sum(
        strcoll(collator, _utf16(name), -1, _utf16(other), -1) for other in names))
    assert order == ["阿里巴巴", "贵州茅台", "中国平安"]

    ucal_open = getattr(i18n, f"ucal_open_{version}")
    ucal_open.restype = ctypes.c_void_p
    calendar = ctypes.c_void_p(ucal_open(_utf16("America/New_York"), -1, b"en_US", 0, ctypes.byref(status)))
    names_out = {}
    for locale in (b"en_US", b"zh_CN"):
        buffer = ctypes.create_string_buffer(256)
        length = getattr(i18n, f"ucal_getTimeZoneDisplayName_{version}")(calendar, 0, locale, buffer, 128,
                                                                          ctypes.byref(status))
        names_out[locale] = buffer.raw[:2 * length].decode("utf-16-le")
    assert names_out == {b"en_US": "Eastern Standard Time", b"zh_CN": "北美东部标准时间"}


def test_items_qt_never_reads_are_gone_and_the_rest_keep_their_order() -> None:
    assert not icu_data.keep("icudt73l/brkitr/cjdict.dict")
    assert not icu_data.keep("icudt73l/ibm-943_P15A-2003.cnv")
    assert not icu_data.keep("icudt73l/coll/de.res") and not icu_data.keep("icudt73l/coll/de_.res")
    assert icu_data.keep("icudt73l/coll/zh_Hant.res") and icu_data.keep("icudt73l/zone/pool.res")
    assert icu_data.keep("icudt73l/likelySubtags.res") and icu_data.keep("icudt73l/coll/ucadata.icu")
    _header, items = icu_data.read_items(icu_data.write_package(b"\x20\x00\xda\x27" + b"\0" * 8 + b"CmnD" + b"\0" * 16,
                                                               [("a/x.res", b"12345"), ("a/y.res", b"6")]))
    assert items == [("a/x.res", b"12345" + b"\0" * 11), ("a/y.res", b"6" + b"\0" * 15)]  # 16-byte aligned
