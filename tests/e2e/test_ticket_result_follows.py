"""The line under Send follows the orders the ticket sent: 'accepted' does not stay when the order filled or ended."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableView, QWidget

from gui.controllers.orders import SentOrdersLine
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import click_cell, click_from_qt, open_window, until, until_row, write_paper_settings


def result(window: QWidget) -> str:
    return str(window.ticket.result_text())


async def send_a_resting_buy(window: MainWindow) -> None:
    """Buy 5 AAPL a dollar below the ask from the ticket (no confirm): it rests, accepted and unfilled."""
    watchlist = window.findChild(QTableView, "watchlistView")
    await until_row(watchlist, "AAPL")
    await until(lambda: window.bridge.bid_ask("AAPL")[0] is not None, "AAPL's bid")
    click_cell(watchlist, "AAPL", "ask")
    ticket = window.ticket
    limit = ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit")
    limit.setText(str(Decimal(limit.text()) - 1))
    ticket.findChild(QLineEdit, "orderTicket.quantityEdit").setText("5")
    ticket.set_confirm_required(False)
    await click_from_qt(ticket.findChild(QPushButton, "orderTicket.sendButton"))
    await until(lambda: result(window).endswith("— accepted"), f"the order accepted, not {result(window)!r}")


async def test_the_result_line_says_canceled_once_the_sent_order_is_canceled(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await send_a_resting_buy(window)
        (order,) = window.session.view.working_orders()
        await window.session.cancel(order.client_order_id)
        await until(lambda: "— canceled" in result(window), f"the line to follow the cancel, not {result(window)!r}")
        assert result(window).startswith("BUY 5 AAPL LMT")


async def test_a_cleared_ticket_is_not_written_over_by_the_last_orders_news(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await send_a_resting_buy(window)
        ticket = window.ticket
        QTest.mouseClick(ticket.findChild(QPushButton, "orderTicket.clearButton"), Qt.MouseButton.LeftButton)
        assert result(window) == ""
        shown = result(window)
        (order,) = window.session.view.working_orders()
        await window.session.cancel(order.client_order_id)
        await until(lambda: not window.session.view.working_orders(), "the cancel")
        await asyncio.sleep(2 * SentOrdersLine.FOLLOW_MS / 1000)  # the follower looks again meanwhile
        assert result(window) == shown, "the earlier order's cancel does not replace what the ticket says now"
