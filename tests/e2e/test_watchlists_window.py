"""Watchlists through the real window: two paper accounts at different prices; add, reorder, restart, still there."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialog, QLineEdit, QTabBar, QTableView, QToolButton, QWidget

from core.storage.watchlists import WATCHLISTS_FILE
from gui.widgets.main_window import MainWindow
from tests.e2e.test_ticket_rows import text, touch, write_two_paper_accounts
from tests.e2e.window_helpers import cell, click_cell, model_of, open_window, until


def panel_of(window: MainWindow) -> QWidget:
    panel = window.findChild(QWidget, "watchlistPanel")
    assert panel is not None
    return panel


def add_symbol(window: MainWindow, symbol: str, feed: str) -> None:
    """Type symbol into the watchlist's add line with feed chosen, and press Enter."""
    panel = panel_of(window)
    panel.findChild(QComboBox, "watchlist.feedCombo").setCurrentText(feed)
    edit = panel.findChild(QLineEdit, "watchlist.addEdit")
    QTest.keyClicks(edit, symbol)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def rows(window: MainWindow) -> list[str]:
    window.bridge.flusher.flush_now()
    model = model_of(window.findChild(QTableView, "watchlistView"))
    return [str(model.key_at(row)) for row in range(model.rowCount())]


def select(window: MainWindow, symbol: str) -> QTableView:
    view = window.findChild(QTableView, "watchlistView")
    click_cell(view, symbol, "symbol")
    return view


@pytest.mark.slow
async def test_a_new_watchlist_with_rows_from_each_feed_survives_a_restart(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        panel = panel_of(window)
        tabs = panel.findChild(QTabBar, "watchlist.tabs")
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["Main"]
        QTest.mouseClick(panel.findChild(QToolButton, "watchlist.addTabButton"), Qt.MouseButton.LeftButton)
        dialog = panel.name_dialog
        assert dialog is not None and dialog.objectName() == "watchlist.nameDialog"
        dialog.setTextValue(" Main ")  # taken: asked again, saying why, with the name typed
        dialog.accept()
        again = panel.name_dialog
        assert again is not None and again is not dialog and again.isVisible()
        assert again.labelText().startswith("There is already a watchlist named 'Main': choose another name.")
        assert again.textValue() == "Main" and [tabs.tabText(i) for i in range(tabs.count())] == ["Main"]
        again.setTextValue("Tech")
        again.accept()
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["Main", "Tech"] and tabs.currentIndex() == 1
        assert rows(window) == [], "a new watchlist starts empty"

        add_symbol(window, "spy", "PAPER-2")
        add_symbol(window, "MSFT", "auto")
        add_symbol(window, "AAPL", "PAPER-1")
        assert rows(window) == ["SPY", "MSFT", "AAPL"]
        view = window.findChild(QTableView, "watchlistView")
        await until(lambda: (window.bridge.flusher.flush_now() or True) and cell(view, "SPY", "bid") != "—",
                    "SPY's PAPER-2 quote on its row")
        bid, _ = touch(window, "PAPER-2", "SPY")
        assert cell(view, "SPY", "bid") == f"{bid:.2f}" and bid < 450, "PAPER-2's SPY, not PAPER-1's (512)"
        assert cell(view, "SPY", "feed") == "PAPER-2" and cell(view, "SPY", "currency") == "USD"
        assert cell(view, "AAPL", "feed") == "PAPER-1"
        assert cell(view, "MSFT", "feed").startswith("auto")

        select(window, "AAPL")
        QTest.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        assert rows(window) == ["AAPL", "SPY", "MSFT"], "Ctrl+Up moved AAPL to the top"
        select(window, "MSFT")
        QTest.keyClick(view, Qt.Key.Key_Delete)
        assert rows(window) == ["AAPL", "SPY"], "Delete removed MSFT"
        select(window, "SPY")
        next(a for a in panel.feed_menu.actions() if a.objectName() == "watchlist.feed.PAPER-1").trigger()
        assert cell(view, "SPY", "feed") == "PAPER-1", "the row now quotes from PAPER-1"
        next(a for a in panel.feed_menu.actions() if a.objectName() == "watchlist.feed.PAPER-2").trigger()

        tabs.setCurrentIndex(0)
        assert "MSFT" in rows(window) and len(rows(window)) > 2, "Main is still the default list"
        tabs.setCurrentIndex(1)
        assert rows(window) == ["AAPL", "SPY"]
        assert cell(view, "SPY", "bid") == f"{touch(window, 'PAPER-2', 'SPY')[0]:.2f}", "figures shown at once"

    assert (tmp_path / WATCHLISTS_FILE).is_file()
    async with open_window(tmp_path) as window:
        tabs = panel_of(window).findChild(QTabBar, "watchlist.tabs")
        assert [tabs.tabText(i) for i in range(tabs.count())] == ["Main", "Tech"] and tabs.currentIndex() == 1
        assert rows(window) == ["AAPL", "SPY"], "the order survived the restart"
        view = window.findChild(QTableView, "watchlistView")
        await until(lambda: (window.bridge.flusher.flush_now() or True) and cell(view, "SPY", "ask") != "—",
                    "SPY's quote after the restart")
        assert cell(view, "SPY", "feed") == "PAPER-2"
        click_cell(view, "SPY", "ask")
        _, ask = touch(window, "PAPER-2", "SPY")
        assert text(window, QComboBox, "accountCombo") == "PAPER-2", "the row's feed is the ticket's account"
        assert Decimal(text(window, QLineEdit, "limitPriceEdit")) == ask


@pytest.mark.slow
async def test_a_corrupt_watchlists_file_is_refused_by_name_and_never_overwritten(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    broken = '{"version": 1, "lists": [{"name": "Main", "rows": [{"symbol": 42}]}]}\n'
    (tmp_path / WATCHLISTS_FILE).write_text(broken, encoding="utf-8")
    async with open_window(tmp_path) as window:
        assert rows(window), "the window still shows the default list"
        add_symbol(window, "AAPL", "PAPER-2")
        shown = window.log_view.toPlainText()
        assert str(tmp_path / WATCHLISTS_FILE) in shown and "lists[0].rows[0].symbol" in shown, shown
        assert "move it away" in shown, "the trader is told what to do"
        assert "Watchlist change not saved" in shown
    assert (tmp_path / WATCHLISTS_FILE).read_text(encoding="utf-8") == broken, "never overwritten"


@pytest.mark.slow
async def test_an_unknown_symbol_offers_the_search_instead_of_a_dead_end(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        asked: list[str] = []
        window.ticket.search_requested.connect(asked.append)
        window.watchlists.search_requested.connect(asked.append)
        QTest.keyClicks(window.ticket.findChild(QLineEdit, "orderTicket.symbolEdit"), "ZZZQ")
        button = window.ticket.findChild(QWidget, "orderTicket.searchButton")
        assert button.isVisible() and "ZZZQ" in button.text()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        popup = window.findChild(QDialog, "symbolSearch")
        assert popup is not None and popup.isVisible() and popup.query.text() == "ZZZQ", "the search opens with it"
        add_symbol(window, "NOPE", "auto")
        assert asked == ["ZZZQ", "NOPE"]
        assert "NOPE" not in rows(window) and popup.query.text() == "NOPE"

