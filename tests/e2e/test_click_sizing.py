"""Sizing by risk from the ladder and the chart: with the ticket's 'Ladder & chart' box checked, a click's quantity
is the one the ticket's risk and Protect stop give the order at the clicked price (core's sizing, capped by the
risk limits); without a stop, nothing is sent and the place says why."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox

from core.domain import AccountId, OrderStatus, OrderType, Side
from core.services.risk.limits import DEFAULT_LIMITS, RiskConfig
from gui.controllers.chart_controller import ChartController
from gui.widgets.main_window import MainWindow
from tests.e2e.test_ladder_window import click_level, pick_in_watchlist
from tests.e2e.window_helpers import open_window, until, write_paper_settings

PAPER = AccountId("PAPER-1")


def size_clicks(window: MainWindow, risk: str, stop: str, unit: str) -> None:
    """Type the risk per trade and the Protect stop-loss on the ticket and check 'Ladder & chart'."""
    ticket = window.ticket
    ticket.findChild(QLineEdit, "orderTicket.sizeRiskEdit").setText(risk)
    ticket.findChild(QLineEdit, "orderTicket.stopLossEdit").setText(stop)
    units = ticket.findChild(QComboBox, "orderTicket.protectionUnitCombo")
    units.setCurrentIndex(units.findData(unit))
    ticket.findChild(QCheckBox, "orderTicket.sizeClicksCheck").setChecked(True)


@pytest.mark.slow
async def test_an_armed_ladder_click_sends_the_quantity_that_risks_the_amount_to_the_stop(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.session.set_risk_config(RiskConfig(global_limits=replace(DEFAULT_LIMITS, max_order_qty=Decimal(700))))
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        quantity = window.findChild(QSpinBox, "ladderView.quantity")
        size_clicks(window, "250", "50", "ticks")  # 50 ticks of 0.01: 0.50 a share
        assert not quantity.isEnabled(), "the ladder's own quantity no longer decides"
        window.findChild(QPushButton, "ladderView.arm").click()
        model = window.ladder.model
        level = model.best_bid * model.tick - 2 * model.tick
        await click_level(window, level, "buy")
        await until(lambda: [o for o in window.session.oms.orders(PAPER) if o.is_working], "the ladder's order")
        (order,) = window.session.oms.orders(PAPER)
        assert order.quantity.value == 500 and order.limit_price is not None and order.limit_price.value == level
        assert quantity.value() == 500

        size_clicks(window, "1000", "50", "ticks")  # 2,000 shares, but 700 is the most an order may have
        await click_level(window, level - model.tick, "buy")
        await until(lambda: len(window.session.oms.orders(PAPER)) == 2, "the capped order")
        capped = max(window.session.oms.orders(PAPER), key=lambda o: o.created_at)
        assert capped.quantity.value == 700


@pytest.mark.slow
async def test_without_a_stop_a_ladder_click_sends_nothing_and_says_what_is_missing(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        size_clicks(window, "250", "", "ticks")
        window.findChild(QPushButton, "ladderView.arm").click()
        model = window.ladder.model
        await click_level(window, model.best_bid * model.tick - 2 * model.tick, "buy")
        status = window.findChild(QLabel, "ladderView.status")
        assert status.text().startswith("Not sent: sizing by risk:") and "enter a stop-loss under Protect" in (
            status.text())
        assert window.session.oms.orders(PAPER) == []

        window.ticket.findChild(QCheckBox, "orderTicket.sizeClicksCheck").setChecked(False)
        assert window.findChild(QSpinBox, "ladderView.quantity").isEnabled()


@pytest.mark.slow
async def test_a_chart_place_goes_to_the_ticket_with_the_size_by_risk_from_the_clicked_price(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: any(isinstance(k, ChartController) for k in window.keep_alive), "the chart")
        controller = next(k for k in window.keep_alive if isinstance(k, ChartController))
        await until(lambda: controller.view.symbol == "AAPL" and controller.account == PAPER, "AAPL on the chart")
        bid, _ask = window.bridge.bid_ask("AAPL")
        assert bid is not None
        entry = bid - Decimal("0.20")
        stop = entry - Decimal("1.25")
        size_clicks(window, "500", str(stop), "price")  # 1.25 a share: 400 shares
        window.ticket.set_confirm_required(True)
        controller.place(Side.BUY, OrderType.LIMIT, entry)
        await until(lambda: window.ticket.confirm_dialog is not None, "the ticket's confirm dialog")
        assert window.ticket.findChild(QLineEdit, "orderTicket.quantityEdit").text() == "400"
        assert "qty 400 risks 500.00 USD to the stop" in controller.view.status.text()
        dialog = window.ticket.confirm_dialog
        assert dialog is not None
        dialog.findChild(QPushButton, "orderTicket.confirmDialog.sendButton").click()
        await until(lambda: [o for o in window.session.oms.orders(PAPER) if o.quantity.value == 400
                             and o.status is OrderStatus.ACCEPTED], "the sized order working at the broker")
