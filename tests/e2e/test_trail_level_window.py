"""Through the real window on the paper account: a working trailing stop shows where its stop stands now, in
Working orders ('188.85 (trail 0.50)'), on the chart (a line that follows it and cannot be dragged) and on the
ladder; it moves up as the market rises and stays when the market falls back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit, QTableView

from core.domain import AccountId, Order, OrderStatus, OrderType
from gui.widgets.main_window import MainWindow
from tests.e2e.test_chart_window import _chart
from tests.e2e.test_ladder_window import ladder_cell, pick_in_watchlist
from tests.e2e.window_helpers import cell, click_cell, open_window, until, write_paper_settings

ACCOUNT = AccountId("PAPER-1")


def _move_market(window: MainWindow, ticks: int) -> None:
    """Move the paper market's AAPL by `ticks` ticks, then let it tick once (its own small step on top)."""
    adapter = window.session.account(ACCOUNT).adapter
    adapter._market.shift("AAPL", ticks)
    adapter._tick()


def _shown_stop(window: MainWindow, order: Order) -> Decimal | None:
    window.bridge.flusher.flush_now()
    text = cell(window.orders_view, order.client_order_id, "price")
    if not text.endswith(" (trail 0.50)") or text.startswith("("):
        return None
    return Decimal(text.removesuffix(" (trail 0.50)"))


@pytest.mark.slow
async def test_a_trailing_stop_shows_its_level_and_the_level_rises_with_the_market_never_back(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until(lambda: window.session.account_ids() and window.bridge.bid_ask("AAPL")[0] is not None
                    and window.bridge.quotes.row_of("AAPL") is not None, "AAPL quotes")
        await until(lambda: window.session.account(ACCOUNT).trading.value == "ACTIVE", "an active account")
        chart = await _chart(window)
        await pick_in_watchlist(window, "AAPL")
        window.ticket.set_confirm_required(False)
        click_cell(watchlist, "AAPL", "bid")  # a sell
        ticket = window.ticket
        types = ticket.findChild(QComboBox, "orderTicket.typeCombo")
        types.setCurrentIndex(types.findText("Trail"))
        quantity = ticket.findChild(QLineEdit, "orderTicket.quantityEdit")
        quantity.clear()
        QTest.keyClicks(quantity, "10")
        QTest.keyClicks(ticket.findChild(QLineEdit, "orderTicket.trailEdit"), "0.50")
        QTest.keyClick(quantity, Qt.Key.Key_Return)

        def trails() -> list[Order]:
            return [o for o in window.session.oms.orders(ACCOUNT) if o.order_type is OrderType.TRAIL]

        await until(lambda: any(o.status is OrderStatus.ACCEPTED for o in trails()), "the working trail")
        (order,) = trails()
        await until(lambda: _shown_stop(window, order) is not None, "the trailing stop's level in Working orders")
        first = _shown_stop(window, order)
        assert first is not None
        found = await window.session.account(ACCOUNT).adapter.lookup_order(order)
        assert found is not None and found.state.stop_price == first, "the level the paper broker holds"
        assert cell(window.orders_view, order.client_order_id, "stop") == f"{first:.2f}"

        await until(lambda: str(order.client_order_id) in chart.order_lines, "the trailing stop's line")
        line = chart.order_lines[str(order.client_order_id)]
        assert line.value() == float(first) and not line.movable, "at the stop, not draggable"
        assert line.label() == "SELL 10 TRAIL 0.5"
        await until(lambda: "TS" in ladder_cell(window, first, "sell"), "the trailing stop on the ladder")

        _move_market(window, 100)  # the market rises a dollar: the stop follows
        await until(lambda: (_shown_stop(window, order) or first) > first, "the level to rise")
        risen = _shown_stop(window, order)
        assert risen is not None and risen >= first + Decimal("0.90")
        await until(lambda: line.value() == float(risen), "the line to follow the stop")
        await until(lambda: "TS" in ladder_cell(window, risen, "sell"), "the ladder mark to follow the stop")

        _move_market(window, -30)  # falls back 30 cents (less than the trail): the stop stays
        _move_market(window, 0)
        window.bridge.flusher.flush_now()
        assert _shown_stop(window, order) == risen, "a trailing stop never comes back down"
        assert order.status is OrderStatus.ACCEPTED
