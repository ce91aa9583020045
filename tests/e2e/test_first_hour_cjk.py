"""A China A-share's name in the real window's watchlist is drawn with glyphs, not boxes (where a CJK font exists)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtGui import QFont, QFontDatabase, QTextLayout
from PySide6.QtWidgets import QTableView

from tests.e2e.window_helpers import cell, open_window, until, until_row, write_paper_settings

NAME = "贵州茅台"


def unrendered(text: str, font: QFont) -> list[str]:
    """Return the characters of text that Qt would draw as a box with font (its fallbacks included)."""
    layout = QTextLayout(text, font)
    layout.beginLayout()
    layout.createLine().setLineWidth(10_000)
    layout.endLayout()
    fonts = [run.rawFont() for run in layout.glyphRuns() if 0 not in run.glyphIndexes()]  # 0: the box (.notdef)
    return [ch for ch in text if not any(raw.glyphIndexesForString(ch) not in ([], [0]) for raw in fonts)]


@pytest.mark.slow
async def test_a_chinese_name_in_the_watchlist_renders_with_a_font_that_has_its_glyphs(tmp_path: Path) -> None:
    if not QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        pytest.skip("no CJK font on this machine: `make sysdeps` installs fonts-noto-cjk")
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        moutai = window.session.view.instruments()["600519"]
        window.session.instruments.add([replace(moutai, name=NAME)], account="PAPER-1")  # as a Chinese broker lists it
        window.bridge.quotes.set_catalog(window.session.instruments.find)  # the rows take their feed's listing again
        watchlist = window.findChild(QTableView, "watchlistView")
        await until_row(watchlist, "600519")
        await until(lambda: cell(watchlist, "600519", "name") == NAME, "the name in the watchlist")
        assert unrendered(NAME, watchlist.font()) == []
        assert unrendered("\U000f0000", watchlist.font()) == ["\U000f0000"], "the check sees a missing glyph"
