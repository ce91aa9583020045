"""Brackets from the ladder: with Bracket on, an armed click sends the ticket's Protect row (stop-loss and target)
with the order through the ticket's own path, held by TradeTerm on paper and native at IB (TWS simulator), and the
children show on their levels in the ladder's order columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton

from core.domain import OrderOrigin
from core.domain.protection import HeldState, ProtectionLeg
from gui.widgets.main_window import MainWindow
from tests.e2e.test_ladder_window import IB, PAPER, choose_account, click_level, ladder_cell, pick_in_watchlist
from tests.e2e.test_ladder_window import write_settings as write_ib_settings
from tests.e2e.window_helpers import open_window, until, write_paper_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors


def protect_in_ticks(window: MainWindow, stop: str, target: str) -> None:
    """Type the ticket's Protect row: stop-loss and target so many ticks from the entry."""
    ticket = window.ticket
    ticket.findChild(QComboBox, "orderTicket.protectionUnitCombo").setCurrentIndex(1)  # ticks
    ticket.findChild(QLineEdit, "orderTicket.stopLossEdit").setText(stop)
    ticket.findChild(QLineEdit, "orderTicket.takeProfitEdit").setText(target)


def arm_with_bracket(window: MainWindow) -> None:
    window.findChild(QCheckBox, "ladderView.bracket").setChecked(True)
    window.findChild(QPushButton, "ladderView.arm").click()


@pytest.mark.slow
async def test_a_bracket_click_on_paper_holds_the_stop_and_target_and_shows_them_on_their_levels(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        protect_in_ticks(window, "10", "20")
        arm_with_bracket(window)
        tick, bid = window.ladder.model.tick, window.ladder.model.best_bid * window.ladder.model.tick
        entry = bid - 2 * tick
        await click_level(window, entry, "buy")

        await until(lambda: [o for o in window.session.oms.orders(PAPER) if o.is_working], "the entry")
        (order,) = window.session.oms.orders(PAPER)
        assert order.limit_price is not None and order.limit_price.value == entry
        children = {c.leg: c for c in window.session.protection.children(PAPER)}
        assert {leg: (c.trigger, c.state, c.entry) for leg, c in children.items()} == {
            ProtectionLeg.STOP_LOSS: (entry - 10 * tick, HeldState.PENDING, order.client_order_id),
            ProtectionLeg.TAKE_PROFIT: (entry + 20 * tick, HeldState.PENDING, order.client_order_id)}
        await until(lambda: ladder_cell(window, entry - 10 * tick, "sell") == "SL held", "the held stop on its level")
        assert ladder_cell(window, entry + 20 * tick, "sell") == "TP held"
        assert ladder_cell(window, entry, "buy") == "1"

        status = window.findChild(QLabel, "ladderView.status")
        await click_level(window, entry - 10 * tick, "sell")  # a held child is not an order: the click says so
        assert "held" in status.text() and "stop-loss" in status.text()
        assert len(window.session.oms.orders(PAPER)) == 1

        await click_level(window, entry, "buy")  # cancelling the entry unfilled cancels its children
        await until(lambda: ladder_cell(window, entry - 10 * tick, "sell") == "", "the children gone with the entry")
        assert ladder_cell(window, entry + 20 * tick, "sell") == ""


@pytest.mark.slow
async def test_bracket_on_with_an_empty_protect_row_sends_nothing_and_says_where_to_fill_it(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        arm_with_bracket(window)
        tick, bid = window.ladder.model.tick, window.ladder.model.best_bid * window.ladder.model.tick
        await click_level(window, bid - 2 * tick, "buy")
        status = window.findChild(QLabel, "ladderView.status")
        assert "Protect row is empty" in status.text() and "Bracket off" in status.text()

        protect_in_ticks(window, "oops", "")
        await click_level(window, bid - 2 * tick, "buy")
        assert "Not sent" in status.text() and "'oops'" in status.text()
        assert window.session.oms.orders(PAPER) == []


@pytest.mark.slow
async def test_a_bracket_click_on_ib_sends_a_native_bracket_and_its_children_show_as_working_orders(
        tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=60)
    await simulator.start()
    write_ib_settings(tmp_path, simulator.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                await pick_in_watchlist(window, "AAPL")
                choose_account(window, str(IB))
                await until(lambda: window.ladder.account == IB and len(window.ladder.model.bids) == 10,
                            "the IB AAPL book on the ladder")
                protect_in_ticks(window, "10", "20")
                arm_with_bracket(window)
                tick, bid = window.ladder.model.tick, window.ladder.model.best_bid * window.ladder.model.tick
                entry = bid - 3 * tick
                await click_level(window, entry, "buy")

                await until(lambda: len([o for o in simulator.book.orders.values() if o.is_working]) == 3,
                            "the parent and its two children at the simulator")
                at_sim = sorted((o.order_type, o.action, o.parent_id != 0) for o in simulator.book.orders.values())
                assert at_sim == [("LMT", "BUY", False), ("LMT", "SELL", True), ("STP", "SELL", True)]
                children = [o for o in window.session.oms.orders(IB) if o.origin is OrderOrigin.PROTECTIVE]
                assert len(children) == 2
                await until(lambda: ladder_cell(window, entry - 10 * tick, "sell") == "1 SL", "the stop on its level")
                assert ladder_cell(window, entry + 20 * tick, "sell") == "1 TP"
                assert ladder_cell(window, entry, "buy") == "1"
                assert window.session.protection.children(IB) == []  # the broker holds them, not TradeTerm
    finally:
        await simulator.stop()

