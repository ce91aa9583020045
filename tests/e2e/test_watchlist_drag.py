"""A watchlist row dragged with the mouse and dropped between two others moves there, and stays there after a
restart; a drop of anything else (text from another program) changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QTabBar, QTableView

from gui.widgets.main_window import MainWindow
from tests.e2e.test_ticket_rows import write_two_paper_accounts
from tests.e2e.test_watchlists_window import add_symbol, panel_of, rows
from tests.e2e.window_helpers import model_of, open_window

_MOVE = Qt.DropAction.MoveAction
_LEFT = Qt.MouseButton.LeftButton
_NONE = Qt.KeyboardModifier.NoModifier


def drag_row(window: MainWindow, symbol: str, onto: str, lower_half: bool = False) -> None:
    """Drag symbol's row as the mouse does and drop it on the upper (or lower) edge of onto's row."""
    view = window.findChild(QTableView, "watchlistView")
    model = model_of(view)
    source_row, target_row = model.row_of(symbol), model.row_of(onto)
    assert source_row is not None and target_row is not None
    dragged = model.mimeData([model.index(source_row, 0)])  # what the view's startDrag hands QDrag
    rect = view.visualRect(model.index(target_row, 0))
    drop(view, dragged, QPoint(rect.center().x(), rect.bottom() - 2 if lower_half else rect.top() + 2))


def drop(view: QTableView, data: QMimeData, at: QPoint) -> None:
    viewport = view.viewport()
    QApplication.sendEvent(viewport, QDragEnterEvent(at, _MOVE, data, _LEFT, _NONE))
    QApplication.sendEvent(viewport, QDragMoveEvent(at, _MOVE, data, _LEFT, _NONE))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(at), _MOVE, data, _LEFT, _NONE))


@pytest.mark.slow
async def test_a_dragged_row_lands_where_it_is_dropped_and_the_order_is_saved(tmp_path: Path) -> None:
    write_two_paper_accounts(tmp_path)
    async with open_window(tmp_path) as window:
        panel = panel_of(window)
        panel.add_tab_button.click()
        assert panel.name_dialog is not None
        panel.name_dialog.setTextValue("Drag")
        panel.name_dialog.accept()
        for symbol in ("SPY", "MSFT", "AAPL", "TCS"):
            add_symbol(window, symbol, "PAPER-1")
        assert rows(window) == ["SPY", "MSFT", "AAPL", "TCS"]

        drag_row(window, "AAPL", onto="SPY")
        assert rows(window) == ["AAPL", "SPY", "MSFT", "TCS"], "dropped above SPY: first"
        drag_row(window, "AAPL", onto="MSFT", lower_half=True)
        assert rows(window) == ["SPY", "MSFT", "AAPL", "TCS"], "dropped below MSFT: after it"
        drag_row(window, "SPY", onto="TCS", lower_half=True)
        assert rows(window) == ["MSFT", "AAPL", "TCS", "SPY"], "dropped below the last row: last"

        view = window.findChild(QTableView, "watchlistView")
        text = QMimeData()
        text.setText("TSLA")  # dragged in from another program
        drop(view, text, view.visualRect(model_of(view).index(0, 0)).center())
        assert rows(window) == ["MSFT", "AAPL", "TCS", "SPY"], "only a watchlist row moves rows"

    async with open_window(tmp_path) as window:
        tabs = panel_of(window).findChild(QTabBar, "watchlist.tabs")
        assert tabs.tabText(tabs.currentIndex()) == "Drag"
        assert rows(window) == ["MSFT", "AAPL", "TCS", "SPY"], "the dragged order survived the restart"
