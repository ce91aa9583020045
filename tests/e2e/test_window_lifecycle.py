"""The window across restarts: orders, fills and positions come back; a resting order is canceled; layout."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDockWidget, QLabel, QLineEdit, QMessageBox, QPushButton, QTableView, QWidget

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Price, Side, TimeInForce
from core.services.session import OrderRefused
from tests.e2e.window_helpers import cell, click_cell, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


async def test_a_restart_shows_the_same_orders_fills_and_positions(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        bought = await window.session.submit(OrderRequest(ACCOUNT, "MSFT", Side.BUY, "25", OrderType.MARKET))
        bid, _ = window.bridge.bid_ask("SPY")
        assert bid is not None
        resting = await window.session.submit(
            OrderRequest(ACCOUNT, "SPY", Side.BUY, "10", OrderType.LIMIT, limit_price=bid - 5, tif=TimeInForce.GTC)
        )
        assert bought.status is OrderStatus.FILLED and resting.status is OrderStatus.ACCEPTED
        avg_before = window.session.portfolio.position(ACCOUNT, "MSFT").avg_cost  # type: ignore[union-attr]

    async with open_window(tmp_path) as window:
        positions = window.findChild(QTableView, "positionsView")
        orders = window.findChild(QTableView, "ordersView")
        await until(lambda: window.bridge.positions.row_of((ACCOUNT, "MSFT")) is not None, "MSFT position")
        assert cell(positions, (ACCOUNT, "MSFT"), "quantity") == "25"
        assert Decimal(cell(positions, (ACCOUNT, "MSFT"), "avg_cost").replace(",", "")) == avg_before
        await until(lambda: window.bridge.fills.rowCount() == 1, "the fill from before the restart")
        await until(lambda: window.bridge.working_orders.row_of(resting.client_order_id) is not None,
                    "the resting GTC order in the working blotter")
        assert cell(orders, resting.client_order_id, "status").lower() in ("accepted", "working")
        restored = window.session.oms.get(resting.client_order_id)
        assert restored is not None and restored.status is OrderStatus.ACCEPTED


async def test_cancel_selected_takes_a_resting_order_off_the_working_blotter(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        order = await window.session.submit(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=bid - 2)
        )
        orders = window.findChild(QTableView, "ordersView")
        await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is not None, "the order")
        click_cell(orders, order.client_order_id, "symbol")
        QTest.mouseClick(window.findChild(QPushButton, "orders.cancelButton"), Qt.MouseButton.LeftButton)
        await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is None,
                    "the canceled order to leave the working blotter")
        assert order.status is OrderStatus.CANCELED
        snapshot = await window.session.account(ACCOUNT).adapter.snapshot()
        assert [o.status for o in snapshot.orders] == [OrderStatus.CANCELED], "canceled at the broker too"


async def test_the_layout_is_saved_on_close_and_reset_brings_the_docks_back(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        window.findChild(QDockWidget, "dock.fills").hide()
    async with open_window(tmp_path, active=False) as window:
        fills = window.findChild(QDockWidget, "dock.fills")
        assert not fills.isVisible(), "the hidden dock stays hidden after a restart"
        window.findChild(QAction, "action.resetLayout").trigger()
        await until(fills.isVisible, "Reset layout to show the fills dock again")


async def test_a_restart_gives_every_dock_the_size_it_had_when_the_window_closed(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    names = ("dock.watchlist", "dock.ticket", "dock.orders", "dock.fills")
    async with open_window(tmp_path, active=False) as window:
        watchlist = window.findChild(QDockWidget, "dock.watchlist")
        window.resizeDocks([watchlist], [610], Qt.Orientation.Horizontal)  # the trader widens the watchlist
        await asyncio.sleep(0.05)
        before = {name: window.findChild(QDockWidget, name).size() for name in names}
        assert before["dock.watchlist"].width() == 610
    async with open_window(tmp_path, active=False) as window:
        await asyncio.sleep(0.05)
        after = {name: window.findChild(QDockWidget, name).size() for name in names}
    assert after == before  # restored before the window had its size, the docks came back narrower


async def test_double_click_a_working_order_to_change_its_price(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        order = await window.session.submit(
            OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=bid - 3)
        )
        orders = window.findChild(QTableView, "ordersView")
        await until(lambda: window.bridge.working_orders.row_of(order.client_order_id) is not None, "the order")
        click_cell(orders, order.client_order_id, "symbol", double=True)
        await until(lambda: window.findChild(QWidget, "modifyOrderDialog") is not None, "the modify dialog")
        dialog = window.findChild(QWidget, "modifyOrderDialog")
        price = dialog.findChild(QLineEdit, "modifyOrder.limitPrice")
        price.setText(f"{bid - 2}5")  # off tick: one more digit
        QTest.keyClick(price, Qt.Key.Key_Return)
        error = dialog.findChild(QLabel, "modifyOrder.limitPriceError")
        await until(error.isVisible, "the off-tick error next to the price")
        assert "ticks in 0.01" in error.text() and order.limit_price == Price(bid - 3)
        price.setText(str(bid - 2))
        QTest.keyClick(price, Qt.Key.Key_Return)
        await until(lambda: order.limit_price == Price(bid - 2), "the new price on the order")
        await until(lambda: cell(orders, order.client_order_id, "limit").replace(",", "") == str(bid - 2),
                    "the new price in the working-orders grid")


async def test_kill_switch_from_the_toolbar_cancels_everything_and_halts_until_resumed(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        orders = []
        for offset in (2, 3, 4):
            orders.append(await window.session.submit(
                OrderRequest(ACCOUNT, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=bid - offset)))
            await asyncio.sleep(0.25)  # within the order-rate limit
        window.findChild(QAction, "action.killSwitch").trigger()
        await until(lambda: window.findChild(QMessageBox, "killSwitchConfirmDialog") is not None, "the confirm")
        box = window.findChild(QMessageBox, "killSwitchConfirmDialog")
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        await until(lambda: all(o.status is OrderStatus.CANCELED for o in orders), "every order canceled")
        await until(lambda: ">HALTED</b>" in window.findChild(QLabel, "status.tradingState").text(),
                    "the status bar to say HALTED for all trading (not one account halted)")
        with pytest.raises(OrderRefused, match=r"(?i)halt|kill"):
            await window.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "1", OrderType.MARKET))
        window.findChild(QAction, "action.resumeTrading").trigger()
        await until(lambda: window.findChild(QMessageBox, "resumeConfirmDialog") is not None, "the resume confirm")
        box = window.findChild(QMessageBox, "resumeConfirmDialog")
        QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "trading to resume")


async def test_a_kill_switch_pulled_before_a_restart_still_halts_the_new_window(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await window.session.kill_switch("ana")
    async with open_window(tmp_path, active=False) as window:
        await until(lambda: window.session.account(ACCOUNT).connection.value == "CONNECTED", "the reconnect")
        await until(lambda: ">HALTED</b>" in window.findChild(QLabel, "status.tradingState").text(),
                    "the status bar to say HALTED for all trading (not one account halted)")
        assert window.session.account(ACCOUNT).trading.value == "HALTED"
        with pytest.raises(OrderRefused, match="before TradeTerm restarted"):
            await window.session.submit(OrderRequest(ACCOUNT, "AAPL", Side.BUY, "1", OrderType.MARKET))


async def test_a_closed_window_leaves_no_timer_running(tmp_path: Path) -> None:
    """Every timer of the window stops when it shuts down: one left running fires after the journal closed (the
    accounts panel's drawdown column read the drawdowns of a closed journal twice a second, and its errors landed
    in whatever ran next)."""
    from PySide6.QtCore import QTimer

    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "the account trading")
        QTest.keyClicks(window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit"), "5")  # arms its live check
    running = sorted(f"{t.parent().__class__.__name__}.{t.objectName() or '?'} every {t.interval()} ms"
                     for t in window.findChildren(QTimer) if t.isActive()
                     and t.parent().__class__.__name__ != "FrameFlusher")  # it only paints models: a last frame
    assert running == []


async def test_a_closed_window_no_longer_watches_every_event_of_the_application(tmp_path: Path) -> None:
    """The focus keeper filters every event of the application; a closed window that lives on (a reference kept)
    must stop doing so, or each such window adds a Python call to every event after it (a full test run's
    theme switch, which re-polishes every widget, crawled for minutes behind the windows of earlier tests)."""
    from PySide6.QtWidgets import QDialog

    write_paper_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        pass
    given_back: list[int] = []
    window.focus_keeper._give_back = lambda: given_back.append(1)  # type: ignore[method-assign]
    dialog = QDialog()
    dialog.show()
    await asyncio.sleep(0.05)
    dialog.hide()  # what the keeper acts on: a dialog that hides
    await asyncio.sleep(0.05)
    assert given_back == [], "the closed window's keeper still watches the application's dialogs"


async def test_a_dialog_that_closes_gives_the_keyboard_back_to_the_window(tmp_path: Path) -> None:
    """On a bare X server no window manager does it: the real window's focus keeper, watching from the start."""
    from PySide6.QtWidgets import QApplication, QDialog

    write_paper_settings(tmp_path)
    async with open_window(tmp_path, active=False) as window:
        given_back: list[int] = []
        window.focus_keeper._give_back = lambda: given_back.append(1)  # type: ignore[method-assign]
        window.activateWindow()
        await until(lambda: QApplication.activeWindow() is window, "the window to have the keyboard")
        dialog = QDialog(window)
        dialog.open()
        await until(lambda: QApplication.activeWindow() is dialog, "the dialog to take the keyboard")
        dialog.hide()
        await until(lambda: given_back == [1], "the keyboard given back")
