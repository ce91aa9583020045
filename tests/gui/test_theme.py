"""Light and dark themes: the palette colours the grids; the chrome style sheets never reach a grid."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QStatusBar, QTableView, QToolBar
from pytestqt.qtbot import QtBot

from gui.theme import Theme, apply_theme, style_sheet, theme_named, theme_palette

GRID_SELECTORS = re.compile(r"QTableView|QTreeView|QListView|QHeaderView|QAbstractItemView|::item|::section")


@pytest.fixture
def restore_app_look(qapp: QApplication) -> Iterator[QApplication]:
    palette, style = qapp.palette(), qapp.style().name()
    yield qapp
    if qapp.style().name() != style:  # only what changed: each call re-polishes every widget still held
        qapp.setStyle(style)
    if qapp.palette() != palette:
        qapp.setPalette(palette)


@pytest.mark.parametrize("theme", list(Theme))
def test_the_style_sheets_have_no_rule_for_grids_or_their_cells(theme: Theme) -> None:
    sheet = style_sheet(theme)
    assert GRID_SELECTORS.search(sheet.split("*/", 1)[1]) is None


@pytest.mark.parametrize(("theme", "toolbar_rgb"), [(Theme.LIGHT, "#eceff3"), (Theme.DARK, "#232833")])
def test_a_theme_colours_the_grid_by_palette_and_the_toolbar_by_its_sheet(
    qtbot: QtBot, restore_app_look: QApplication, theme: Theme, toolbar_rgb: str
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    toolbar = QToolBar("Trading", window, objectName="toolbar.trading")
    toolbar.addAction("Kill switch")
    window.addToolBar(toolbar)
    status = QStatusBar(window, objectName="statusBar")
    window.setStatusBar(status)
    grid = QTableView(window)
    window.setCentralWidget(grid)
    apply_theme(restore_app_look, theme, [toolbar, status])
    window.resize(400, 300)
    window.show()
    qtbot.waitExposed(window)
    assert grid.styleSheet() == "" and window.styleSheet() == "" and restore_app_look.styleSheet() == ""
    base = theme_palette(theme).color(QPalette.ColorRole.Base)
    qtbot.waitUntil(lambda: grid.palette().color(QPalette.ColorRole.Base) == base, timeout=2000)
    assert grid.viewport().grab().toImage().pixelColor(5, 5) == base
    assert toolbar.grab().toImage().pixelColor(toolbar.width() - 3, 3) == QColor(toolbar_rgb)


@pytest.mark.parametrize(("name", "theme"), [("dark", Theme.DARK), ("Light", Theme.LIGHT), (" DARK ", Theme.DARK)])
def test_a_theme_is_found_by_its_name_in_any_case(name: str, theme: Theme) -> None:
    assert theme_named(name) is theme


def test_an_unknown_theme_name_says_which_there_are() -> None:
    with pytest.raises(ValueError, match=r"'Solarized' is not a theme: use \"light\" or \"dark\"\."):
        theme_named("Solarized")
