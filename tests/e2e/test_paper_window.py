"""Through the real window on the paper account: click an ask, send, see the fill and the position, flatten."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QMessageBox, QPushButton, QTableView

from gui.models.format import fmt_signed
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import cell, click_cell, open_window, until, write_paper_settings

FEE_BPS = Decimal("0.5")


def fee(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price * FEE_BPS / Decimal(10_000)).quantize(Decimal("0.01"))


@pytest.mark.slow
async def test_click_ask_send_see_fill_and_position_then_flatten(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, fee_bps=str(FEE_BPS))
    async with open_window(tmp_path) as window:
        await click_send_check_flatten(window, tmp_path)


async def click_send_check_flatten(window: MainWindow, tmp_path: Path) -> None:
    watchlist = window.findChild(QTableView, "watchlistView")
    fills = window.findChild(QTableView, "fillsView")
    positions = window.findChild(QTableView, "positionsView")
    await until(lambda: window.session.account_ids() and window.bridge.bid_ask("AAPL")[1] is not None
                and window.bridge.quotes.row_of("AAPL") is not None, "AAPL quotes")
    await until(lambda: window.session.account(window.session.account_ids()[0]).trading.value == "ACTIVE",
                "the paper account to be active")
    bid, ask = window.bridge.bid_ask("AAPL")
    assert bid is not None and ask is not None

    click_cell(watchlist, "AAPL", "ask")
    ticket = window.ticket
    assert ticket.findChild(QPushButton, "orderTicket.buyButton").isChecked()
    assert ticket.findChild(QLineEdit, "orderTicket.symbolEdit").text() == "AAPL"
    assert Decimal(ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit").text()) == ask
    quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
    quantity.clear()
    QTest.keyClicks(quantity, "100")
    QTest.keyClick(quantity, Qt.Key.Key_Return)
    await until(lambda: ticket.confirm_dialog is not None, "the confirm dialog")
    confirm = ticket.confirm_dialog
    assert confirm is not None and "AAPL" in confirm.findChild(object, "orderTicket.confirmDialog.summary").text()
    QTest.mouseClick(confirm.findChild(QPushButton, "orderTicket.confirmDialog.sendButton"), Qt.MouseButton.LeftButton)

    await until(lambda: window.bridge.fills.rowCount() == 1, "the fill in the fills grid")
    (trade_id,) = [key for key in window.bridge.fills.row_keys()]
    assert cell(fills, trade_id, "symbol") == "AAPL"
    assert cell(fills, trade_id, "side") == "BUY"
    assert cell(fills, trade_id, "quantity") == "100"
    assert Decimal(cell(fills, trade_id, "price").replace(",", "")) == ask
    assert Decimal(cell(fills, trade_id, "commission")) == fee(Decimal(100), ask)

    account = window.session.account_ids()[0]
    key = (account, "AAPL")
    await until(lambda: window.bridge.positions.row_of(key) is not None, "the AAPL position")
    await until(lambda: cell(positions, key, "quantity") == "100", "quantity 100 in the positions grid")
    assert Decimal(cell(positions, key, "avg_cost").replace(",", "")) == ask
    last = window.session.portfolio.position(account, "AAPL").last_price
    assert last is not None
    assert cell(positions, key, "unrealized") == fmt_signed((last - ask) * 100)
    assert cell(positions, key, "realized") == fmt_signed(-fee(Decimal(100), ask))

    click_cell(positions, key, "symbol", double=True)
    assert ticket.findChild(QPushButton, "orderTicket.sellButton").isChecked(), "double-click prepares a close"
    assert ticket.findChild(QLineEdit, "orderTicket.quantityEdit").text() == "100"
    assert ticket.findChild(QLineEdit, "orderTicket.symbolEdit").text() == "AAPL"

    window.findChild(QAction, "action.flattenAll").trigger()
    await until(lambda: window.findChild(QMessageBox, "flattenConfirmDialog") is not None, "flatten confirm")
    box = window.findChild(QMessageBox, "flattenConfirmDialog")
    QTest.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)

    await until(lambda: cell(positions, key, "quantity") == "0", "the position to be flat")
    await until(lambda: window.bridge.fills.rowCount() == 2, "the closing fill")
    expected_realized = (bid - ask) * 100 - fee(Decimal(100), ask) - fee(Decimal(100), bid)
    assert cell(positions, key, "realized") == fmt_signed(expected_realized)
    assert window.bridge.working_orders.rowCount() == 0
    window.grab().save(str(tmp_path / "after-flatten.png"))
