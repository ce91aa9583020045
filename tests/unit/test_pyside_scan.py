"""PySide6 does not read the source of the modules the window imports after it (gui/pyside_scan.py), and that
is safe only while TradeTerm selects no PySide feature."""

from __future__ import annotations

import linecache
import re
import sys
from pathlib import Path

import pytest

import gui  # noqa: F401  (as `tradeterm` starts: PySide6's check replaced)
from gui.pyside_scan import uses_pyside

REPO = Path(__file__).resolve().parents[2]


def test_a_module_imported_after_the_window_s_package_is_not_read_by_pyside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "late_module_for_pyside.py"
    source.write_text('"""Uses PySide6."""\nfrom PySide6.QtCore import QObject\n\nVALUE = QObject\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        __import__("late_module_for_pyside")  # the import statement's way, where PySide6 hooks in
        assert str(source) not in linecache.cache  # PySide6's check read it through linecache
    finally:
        sys.modules.pop("late_module_for_pyside", None)
        linecache.checkcache(str(source))


def test_tradeterm_selects_no_pyside_feature() -> None:
    selecting = re.compile(r"^\s*(from|import)\s+__feature__\b", re.MULTILINE)
    found = [str(path.relative_to(REPO)) for folder in ("core", "gui", "bench", "tests")
             for path in (REPO / folder).rglob("*.py") if selecting.search(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_window_s_modules_count_as_using_pyside_and_core_s_do_not() -> None:
    assert uses_pyside(sys.modules["gui.pyside_scan"])
    assert uses_pyside(sys.modules["PySide6.QtCore"])
    assert not uses_pyside(sys.modules["core.services.session"])
