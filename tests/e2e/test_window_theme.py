"""The dark theme: one click colours grids, ticket and chrome; the choice survives a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QCheckBox, QLineEdit, QTableView, QToolBar

from core.storage.settings import SettingsStore
from core.storage.watchlists import WATCHLISTS_FILE, Watchlist, WatchlistsDocument, WatchlistStore, WatchRow
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import open_window, until, write_paper_settings

DARK_BASE, LIGHT_BASE = QColor("#161a20"), QColor("#ffffff")
DARK_TEXT, LIGHT_TEXT = QColor("#d7dce3"), QColor("#1b1f24")


@pytest.fixture(autouse=True)
def restore_app_look(qapp: QApplication) -> Iterator[None]:
    palette, style = qapp.palette(), qapp.style().name()
    yield
    if qapp.style().name() != style:  # only what changed: each call re-polishes every widget still held
        qapp.setStyle(style)
    if qapp.palette() != palette:
        qapp.setPalette(palette)


def write_settings(data_dir: Path) -> None:
    """PAPER-1, and a one-row watchlist: the grid has an empty area below its row whose colour is the theme's."""
    write_paper_settings(data_dir)
    WatchlistStore(data_dir / WATCHLISTS_FILE).save(WatchlistsDocument((Watchlist("Main", (WatchRow("AAPL"),)),)))


def empty_grid_pixel(window: MainWindow) -> QColor:
    """The colour of the watchlist below its last row, as the trader sees it."""
    viewport = window.findChild(QTableView, "watchlistView").viewport()
    return viewport.grab().toImage().pixelColor(5, viewport.height() - 3)


def ticket_looks(window: MainWindow) -> tuple[QColor, QColor]:
    """The quantity field's background and the confirm box's text colour, as painted."""
    quantity = window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    confirm = window.ticket.findChild(QCheckBox)
    field = quantity.grab().toImage().pixelColor(quantity.width() // 2, quantity.height() // 2)
    return field, confirm.palette().color(QPalette.ColorRole.WindowText)


async def test_the_dark_theme_button_colours_grids_ticket_and_toolbar_and_a_restart_keeps_it(tmp_path: Path) -> None:
    write_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        toggle = window.dark_theme_action
        assert not toggle.isChecked()
        await until(lambda: empty_grid_pixel(window) == LIGHT_BASE, "the light grid")
        toolbar = window.findChild(QToolBar, "toolbar.trading")
        light_toolbar = toolbar.grab().toImage().pixelColor(toolbar.width() - 3, 3)
        toggle.trigger()
        assert toggle.isChecked()
        await until(lambda: empty_grid_pixel(window) == DARK_BASE, "the dark grid")
        assert ticket_looks(window) == (DARK_BASE, DARK_TEXT), "the ticket, which has its own sheet, follows too"
        assert toolbar.grab().toImage().pixelColor(toolbar.width() - 3, 3) == QColor("#232833") != light_toolbar
    assert SettingsStore(tmp_path / "settings.json").theme() == "dark"

    async with open_window(tmp_path, active=False) as window:
        assert window.dark_theme_action.isChecked()
        await until(lambda: empty_grid_pixel(window) == DARK_BASE, "the dark grid after a restart")
        assert ticket_looks(window) == (DARK_BASE, DARK_TEXT)
        window.dark_theme_action.trigger()
        await until(lambda: empty_grid_pixel(window) == LIGHT_BASE, "the light grid again")
        assert ticket_looks(window) == (LIGHT_BASE, LIGHT_TEXT)
    assert SettingsStore(tmp_path / "settings.json").theme() == "light"


async def test_a_first_window_started_in_the_dark_theme_shows_its_ticket_dark(tmp_path: Path) -> None:
    write_settings(tmp_path)
    SettingsStore(tmp_path / "settings.json").set_theme("dark")  # the application still has its default palette
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: empty_grid_pixel(window) == DARK_BASE, "the dark grid")
        assert ticket_looks(window) == (DARK_BASE, DARK_TEXT), "the ticket, which has its own sheet, is dark too"


async def test_a_theme_that_cannot_be_saved_still_shows_and_the_log_says_why(tmp_path: Path) -> None:
    write_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        settings = tmp_path / "settings.json"
        settings.write_text('{"version": 99}')  # a newer TradeTerm's file: this one must not replace it
        window.dark_theme_action.trigger()
        await until(lambda: empty_grid_pixel(window) == DARK_BASE, "the dark grid")
        assert "Theme not saved" in window.log_view.toPlainText() and "newer" in window.log_view.toPlainText()
        assert settings.read_text() == '{"version": 99}'
