"""Through the real window on the paper account: an OCO pair and an OTO typed on the ticket go through the
session's own OCO/OTO commands: the OCO's two orders work at the broker linked by their ids, and the OTO's entry,
filled at once, sends its exit as a working order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QTableView

from core.domain import OrderOrigin, OrderStatus, OrderType, Side
from core.domain.protection import ProtectionLeg, child_order_id, oco_partner_id
from tests.e2e.window_helpers import click_cell, open_window, until, write_paper_settings


@pytest.mark.slow
async def test_an_oco_and_an_oto_from_the_ticket_reach_the_paper_broker(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: window.session.account_ids() and window.bridge.bid_ask("AAPL")[1] is not None
                    and window.bridge.quotes.row_of("AAPL") is not None, "AAPL quotes")
        account = window.session.account_ids()[0]
        await until(lambda: window.session.account(account).trading.value == "ACTIVE", "an active account")
        window.ticket.set_confirm_required(False)
        ticket = window.ticket
        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        link_price = ticket.findChild(QLineEdit, "orderTicket.linkPriceEdit")

        click_cell(watchlist, "AAPL", "ask")  # OTO: buy at the ask (fills at once), then sell 3.00 above it
        _, ask = window.bridge.bid_ask("AAPL")
        assert ask is not None
        quantity.clear()
        QTest.keyClicks(quantity, "10")
        QTest.keyClick(quantity, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        QTest.keyClick(link_price, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # OCO -> OTO
        QTest.keyClicks(link_price, str(ask + 3))
        QTest.keyClick(link_price, Qt.Key.Key_Return)

        def orders() -> list:
            return window.session.oms.orders(account)

        await until(lambda: any(o.origin is OrderOrigin.PROTECTIVE and o.status is OrderStatus.ACCEPTED
                                for o in orders()), "the OTO's exit working at the broker")
        (entry,) = [o for o in orders() if o.origin is OrderOrigin.MANUAL]
        (exit_order,) = [o for o in orders() if o.origin is OrderOrigin.PROTECTIVE]
        assert entry.status is OrderStatus.FILLED and entry.side is Side.BUY
        assert exit_order.client_order_id == child_order_id(entry.client_order_id, ProtectionLeg.THEN_LIMIT)
        assert (exit_order.side, exit_order.order_type, exit_order.quantity.value) == (
            Side.SELL, OrderType.LIMIT, Decimal(10))
        assert exit_order.limit_price is not None and exit_order.limit_price.value == ask + 3

        click_cell(watchlist, "AAPL", "bid")  # OCO: sell 10 LMT 5.00 above the bid, or STP 5.00 below it
        bid, _ = window.bridge.bid_ask("AAPL")
        assert bid is not None
        QTest.keyClick(quantity, Qt.Key.Key_Escape)  # a fresh ticket: no link, no price
        click_cell(watchlist, "AAPL", "bid")
        limit = ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit")
        limit.clear()
        QTest.keyClicks(limit, str(bid + 5))
        quantity.clear()
        QTest.keyClicks(quantity, "10")
        QTest.keyClick(quantity, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        types = ticket.findChild(QComboBox, "orderTicket.linkTypeCombo")
        types.setCurrentIndex(types.findData(True))  # STP
        QTest.keyClicks(link_price, str(bid - 5))
        before = {o.client_order_id for o in orders()}
        QTest.keyClick(link_price, Qt.Key.Key_Return)

        def pair() -> list:
            return [o for o in orders() if o.client_order_id not in before]

        await until(lambda: len(pair()) == 2 and all(o.status is OrderStatus.ACCEPTED for o in pair()),
                    "both OCO orders working")
        first, second = sorted(pair(), key=lambda o: str(o.client_order_id).startswith("O"))
        assert oco_partner_id(first.client_order_id) == second.client_order_id, "linked: one cancels the other"
        assert (first.order_type, second.order_type) == (OrderType.LIMIT, OrderType.STOP)
        assert second.stop_price is not None and second.stop_price.value == bid - 5
        status = ticket.findChild(QLabel, "orderTicket.statusLabel").text()
        assert status.count("accepted") == 2, status
