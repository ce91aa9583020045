"""Through the real window on the paper account: a trailing stop typed on the ticket is journaled with its trail
and works at the paper broker, its stop a trail behind the bid."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableView

from core.domain import OrderStatus, OrderType
from core.domain.trailing import Trail
from tests.e2e.window_helpers import click_cell, open_window, until, write_paper_settings


@pytest.mark.slow
async def test_a_trailing_stop_from_the_ticket_works_at_the_paper_broker(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: window.session.account_ids() and window.bridge.bid_ask("AAPL")[0] is not None
                    and window.bridge.quotes.row_of("AAPL") is not None, "AAPL quotes")
        account = window.session.account_ids()[0]
        await until(lambda: window.session.account(account).trading.value == "ACTIVE", "an active account")
        window.ticket.set_confirm_required(False)
        click_cell(watchlist, "AAPL", "bid")  # a sell
        ticket = window.ticket
        types = ticket.findChild(QComboBox, "orderTicket.typeCombo")
        types.setCurrentIndex(types.findText("Trail"))
        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        quantity.clear()
        QTest.keyClicks(quantity, "10")
        QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.trailEdit"), "5.00")
        QTest.keyClick(quantity, Qt.Key.Key_Return)

        def trails() -> list:
            return [o for o in window.session.oms.orders(account) if o.order_type is OrderType.TRAIL]

        await until(lambda: any(o.status is OrderStatus.ACCEPTED for o in trails()), "the working trail")
        (order,) = trails()
        assert order.trail == Trail(Decimal("5.00")) and order.limit_price is None and order.stop_price is None
        assert [o.trail for o in window.session.journal.load().orders if o.order_type is OrderType.TRAIL] == [
            Trail(Decimal(5))]
        adapter = window.session.account(account).adapter
        found = await adapter.lookup_order(order)
        assert found is not None and found.state.stop_price is not None
        bid = window.bridge.bid_ask("AAPL")[0]
        assert bid is not None and abs(bid - found.state.stop_price - 5) < 1, "about 5.00 below the bid"
