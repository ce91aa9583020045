"""The price ladder on the real window: paper and IB (TWS simulator) depth sizes on their levels, an armed click
places a limit at the simulator, an own order shows on its level and a click there cancels it, an unarmed click
fills the ticket instead."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QTableView, QWidget

from core.domain import AccountId, OrderStatus, Side
from core.domain.depth import DepthBook
from core.domain.tape import TradePrint
from core.services.risk.limits import DEFAULT_LIMITS, RiskConfig
from core.storage.settings import AccountSettings, SettingsStore
from gui.controllers.ladder import MOVED_GUARD_S
from gui.widgets.ladder.model import COLUMNS
from gui.widgets.main_window import MainWindow
from tests.e2e.window_helpers import click_cell, move_mouse, open_window, until, write_paper_settings
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors, sim_settings

PAPER = AccountId("PAPER-1")
IB = AccountId("IB-7")


def ladder_cell(window: MainWindow, price: Decimal, column: str) -> str:
    """Return what the ladder shows at price in column (after painting the frame)."""
    window.bridge.flusher.flush_now()
    model = window.ladder.model
    row = model.row_of_price(price)
    assert row is not None, f"{price} is not on the ladder"
    return str(model.index(row, COLUMNS.index(column)).data())


async def held_still(window: MainWindow) -> None:
    """Wait until the levels have not moved by themselves for MOVED_GUARD_S, as a trader looks before he clicks
    (an armed click sooner after a move sends nothing: gui/controllers/ladder.py)."""
    widget = window.ladder.widget
    await until(lambda: not widget.moved_within(MOVED_GUARD_S), "the ladder to hold still")


async def click_level(window: MainWindow, price: Decimal, column: str) -> None:
    """Click the ladder's cell at price in column, as the trader does: once he sees it where it stays."""
    window.bridge.flusher.flush_now()
    table = window.ladder.widget.table
    row = window.ladder.model.row_of_price(price)
    assert row is not None
    index = window.ladder.model.index(row, COLUMNS.index(column))
    table.scrollTo(index)
    await held_still(window)
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     table.visualRect(index).center())


async def pick_in_watchlist(window: MainWindow, symbol: str) -> None:
    """Click symbol's row in the watchlist once it is painted there."""
    model = window.watchlist_view.model()
    await until(lambda: (window.bridge.flusher.flush_now(), model.row_of(symbol))[1] is not None,  # type: ignore[attr-defined]
                f"{symbol} in the watchlist")
    click_cell(window.watchlist_view, symbol, "symbol")


async def drag_level(window: MainWindow, from_price: Decimal, to_price: Decimal, column: str) -> None:
    """Press on one level's cell and let go on another's, in the same column."""
    window.bridge.flusher.flush_now()
    table, model = window.ladder.widget.table, window.ladder.model
    start = model.index(model.row_of_price(from_price), COLUMNS.index(column))
    end = model.index(model.row_of_price(to_price), COLUMNS.index(column))
    table.scrollTo(start)
    await held_still(window)
    none = Qt.KeyboardModifier.NoModifier
    QTest.mousePress(table.viewport(), Qt.MouseButton.LeftButton, none, table.visualRect(start).center())
    move_mouse(table.viewport(), table.visualRect(end).center(), Qt.MouseButton.LeftButton)
    QTest.mouseRelease(table.viewport(), Qt.MouseButton.LeftButton, none, table.visualRect(end).center())


def choose_account(window: MainWindow, account: str) -> None:
    combo = window.findChild(QWidget, "ladderView").findChild(QComboBox, "ladderView.account")
    combo.setCurrentText(account)
    combo.activated.emit(combo.currentIndex())


def write_settings(data_dir: Path, port: int) -> None:
    SettingsStore(data_dir / "settings.json").set_accounts([
        AccountSettings(str(PAPER), "paper", {"state_path": str(data_dir / "paper" / "PAPER-1.json"),
                                              "tick_interval_s": 60}),
        AccountSettings(str(IB), "ib", sim_settings(port, 7)),
    ])


@pytest.mark.slow
async def test_paper_depth_sizes_sit_on_their_levels_and_an_unarmed_click_fills_the_ticket(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        books: list[DepthBook] = []
        window.session.bus.subscribe(DepthBook, books.append)
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: any(b.symbol == "AAPL" and b.source == PAPER for b in books), "the paper AAPL book")
        book = [b for b in books if b.symbol == "AAPL"][-1]
        assert len(book.bids) == len(book.asks) == 10
        for level in (*book.bids[:10], *book.asks[:10]):
            column = "bid" if level in book.bids else "ask"
            assert ladder_cell(window, level.price, column) == f"{level.size.normalize():f}"
        assert "Market depth" in window.findChild(QLabel, "ladderView.depth").text()

        window.findChild(QPushButton, "ladderView.qty5").click()
        level = book.asks[2].price
        await click_level(window, level, "sell")
        ticket = window.ticket
        assert ticket.current_symbol() == "AAPL" and ticket.current_account() == str(PAPER)
        assert ticket.findChild(QLineEdit, "orderTicket.quantityEdit").text() == "5"
        assert Decimal(ticket.findChild(QLineEdit, "orderTicket.limitPriceEdit").text()) == level
        assert window.session.oms.orders(PAPER) == []  # nothing sent: the ticket asks for the confirm


@pytest.mark.slow
async def test_ib_depth_then_an_armed_click_places_a_limit_a_drag_moves_it_and_a_click_on_it_cancels_it(
        tmp_path: Path) -> None:
    simulator = TwsSimulator(tick_interval_s=60)  # a still market: levels do not move under the clicks
    await simulator.start()
    write_settings(tmp_path, simulator.port)
    try:
        with no_decoder_errors():
            async with open_window(tmp_path) as window:
                await pick_in_watchlist(window, "AAPL")
                choose_account(window, str(IB))
                await until(lambda: window.ladder.account == IB and window.ladder.model.bids.__len__() == 10,
                            "the IB AAPL book on the ladder")
                expected = simulator.depth_book("AAPL")
                assert expected is not None
                for level in expected.bids:
                    assert ladder_cell(window, level.price, "bid") == f"{level.size.normalize():f}"
                for level in expected.asks:
                    assert ladder_cell(window, level.price, "ask") == f"{level.size.normalize():f}"

                arm = window.findChild(QPushButton, "ladderView.arm")
                QTest.mouseClick(arm, Qt.MouseButton.LeftButton)
                assert arm.isChecked() and "ARMED" in arm.text()
                window.findChild(QPushButton, "ladderView.qty10").click()
                level = expected.bids[3].price
                await click_level(window, level, "buy")
                await until(lambda: any(o.is_working and o.limit_price == level and o.action == "BUY"
                                        for o in simulator.book.orders.values()), "the limit at the simulator")
                (sim_order,) = [o for o in simulator.book.orders.values() if o.is_working]
                assert sim_order.quantity == 10 and sim_order.order_type == "LMT"
                await until(lambda: ladder_cell(window, level, "buy") == "10", "the own order on its level")
                await until(lambda: ladder_cell(window, level, "bid") == f"{expected.bids[3].size + 10:f}",
                            "the order in the simulator's book at its level")

                moved = expected.bids[5].price
                await drag_level(window, level, moved, "buy")
                await until(lambda: sim_order.limit_price == moved, "the order moved at the simulator")
                shown = lambda: (ladder_cell(window, moved, "buy"), ladder_cell(window, level, "buy"))  # noqa: E731
                await until(lambda: shown() == ("10", ""), "the own order on its new level")
                level = moved

                await click_level(window, level, "buy")
                await until(lambda: not sim_order.is_working, "the order canceled at the simulator")
                (order,) = window.session.oms.orders(IB)
                await until(lambda: window.session.oms.get(order.client_order_id).status is OrderStatus.CANCELED,
                            "the order canceled in the window")
                await until(lambda: ladder_cell(window, level, "buy") == "", "the level empty again")
                assert order.side is Side.BUY
    finally:
        await simulator.stop()


async def test_an_armed_click_just_after_the_levels_moved_by_themselves_sends_nothing(tmp_path: Path) -> None:
    """Under Xvfb the ladder followed the market just before a click: a buy aimed below the market landed above
    it, became a buy stop and filled at once. A click within MOVED_GUARD_S of such a move sends nothing."""
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        window.findChild(QPushButton, "ladderView.arm").click()
        await held_still(window)
        model, table = window.ladder.model, window.ladder.widget.table
        level = model.best_bid * model.tick - 3 * model.tick
        row = model.row_of_price(level)
        assert row is not None
        index = model.index(row, COLUMNS.index("buy"))
        table.verticalScrollBar().setValue(table.verticalScrollBar().value() + 1)  # as following the market does
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         table.visualRect(index).center())
        status = window.findChild(QLabel, "ladderView.status")
        assert "Not sent: the levels moved under the pointer just now" in status.text(), status.text()
        assert not window.session.view.working_orders(PAPER)
        await click_level(window, level, "buy")  # looked again: it goes
        await until(lambda: window.session.view.working_orders(PAPER), "the order sent once the ladder held still")


@pytest.mark.slow
async def test_a_click_outside_the_collar_is_refused_with_its_bounds_and_a_halted_account_says_why(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.session.set_risk_config(RiskConfig(global_limits=replace(DEFAULT_LIMITS, collar_ticks=10)))
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        arm = window.findChild(QPushButton, "ladderView.arm")
        arm.click()
        status = window.findChild(QLabel, "ladderView.status")
        bid = window.ladder.model.best_bid * window.ladder.model.tick
        await click_level(window, bid - 15 * window.ladder.model.tick, "buy")
        await until(lambda: "collar" in status.text(), "the collar refusal on the ladder")
        assert "Refused" in status.text() and "–" in status.text()  # the bounds: low–high
        assert not [o for o in window.session.oms.orders(PAPER) if o.is_working]

        await window.session.kill_switch("tester")
        await click_level(window, bid - 2 * window.ladder.model.tick, "buy")
        await until(lambda: "halted" in status.text(), "why the click was not sent")
        assert "Resume trading" in status.text()
        assert not [o for o in window.session.oms.orders(PAPER) if o.is_working]


@pytest.mark.slow
async def test_a_depth_stream_that_stops_greys_the_ladder_and_says_how_old_it_is(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)
    async with open_window(tmp_path) as window:
        window.ladder.stale_after_s = 0.3
        await pick_in_watchlist(window, "AAPL")
        depth = window.findChild(QLabel, "ladderView.depth")
        await until(lambda: "Market depth:" in depth.text(), "live depth")
        assert not window.ladder.model.stale
        adapter = window.session.account(PAPER).adapter
        await adapter.unsubscribe_depth("AAPL")  # the stream stops; quotes go on
        await until(lambda: "stale" in depth.text(), "the stale mark")
        assert window.ladder.model.stale
        assert " s ago" in depth.text()


@pytest.mark.slow
async def test_esc_cancels_this_symbols_orders_on_this_account_after_a_confirm(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len(window.ladder.model.bids) == 10, "the paper book on the ladder")
        window.findChild(QPushButton, "ladderView.arm").click()
        tick, bid = window.ladder.model.tick, window.ladder.model.best_bid * window.ladder.model.tick
        for k in (3, 4):
            await click_level(window, bid - k * tick, "buy")
        await until(lambda: len([o for o in window.session.oms.orders(PAPER) if o.is_working]) == 2, "two orders")
        await until(lambda: ladder_cell(window, bid - 4 * tick, "buy") == "1", "the orders on their levels")
        QTest.keyClick(window.ladder.widget.table, Qt.Key.Key_Escape)
        box = window.findChild(QMessageBox, "ladderView.cancelConfirm")
        assert box is not None and "Cancel 2 working AAPL order(s) on PAPER-1" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: not [o for o in window.session.oms.orders(PAPER) if o.is_working], "both canceled")
        await until(lambda: ladder_cell(window, bid - 3 * tick, "buy") == "", "the levels empty")


@pytest.mark.slow
async def test_time_and_sales_lists_the_paper_markets_trades_newest_first(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)
    async with open_window(tmp_path) as window:
        prints: list[TradePrint] = []
        window.session.bus.subscribe(TradePrint, lambda p: prints.append(p) if p.symbol == "AAPL" else None)
        await pick_in_watchlist(window, "AAPL")
        tape = window.findChild(QTableView, "ladderView.tape")
        await until(lambda: len(prints) >= 3, "three AAPL trades")
        await until(lambda: (window.bridge.flusher.flush_now(), tape.model().rowCount())[1] >= 3, "the tape")
        model = tape.model()
        shown = [(model.index(r, 1).data(), model.index(r, 2).data(), model.index(r, 3).data())
                 for r in range(model.rowCount())]
        assert len(shown) == len(prints)  # every print since the ladder asked, none conflated away
        newest = list(reversed(prints))[:3]
        assert shown[:3] == [(f"{p.price:.2f}", f"{p.size.normalize():f}",
                              "" if p.aggressor is None else p.aggressor.value.capitalize()) for p in newest]
        assert all(p.source == PAPER for p in prints)


async def test_the_ladder_opens_on_the_market_not_two_hundred_ticks_above_it(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "MSFT")
        model, table = window.ladder.model, window.ladder.widget.table
        await until(lambda: (window.bridge.flusher.flush_now(), model.best_bid)[1] is not None, "MSFT's touch")
        for _ in range(5):  # let the dock lay out and paint
            await asyncio.sleep(0.05)
        bid_row = model.row_of_price(model.best_bid * model.tick)
        first, last = table.rowAt(0), table.rowAt(table.viewport().height() - 1)
        assert bid_row is not None and first <= bid_row <= (last if last >= 0 else model.rowCount()), \
            f"the best bid (row {bid_row}) is off screen: rows {first}..{last} are shown"
