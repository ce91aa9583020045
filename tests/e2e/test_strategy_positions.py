"""The positions split by strategy on the real window: a person's buy and a strategy's sell of one symbol on one
paper account show as two rows, 'manual' long and the strategy short, that add up to the account's position."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDockWidget, QTableView

from core.domain import AccountId, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side, StrategyId
from core.services.session import TradingSession
from tests.e2e.window_helpers import cell, model_of, open_window, until, until_row, write_paper_settings

PAPER = AccountId("PAPER-1")


@pytest.mark.slow
async def test_a_manual_buy_and_a_strategys_sell_show_as_their_own_rows(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        window.findChild(QDockWidget, "dock.strategyPositions").raise_()  # the trader looks at the By strategy tab
        session = window.session
        bid, ask = window.bridge.bid_ask("AAPL")
        assert bid is not None and ask is not None
        bought = await session.submit(OrderRequest(PAPER, "AAPL", Side.BUY, "30", OrderType.LIMIT, str(ask)))
        await until(lambda: session.oms.get(bought.client_order_id).status is OrderStatus.FILLED, "the manual buy")
        queued = await session.submit(OrderRequest(PAPER, "AAPL", Side.SELL, "12", OrderType.LIMIT, str(bid),
                                                   origin=OrderOrigin.STRATEGY, strategy_id=StrategyId("momo")))
        assert queued.status is OrderStatus.PENDING_APPROVAL
        await session.approve(queued.client_order_id)
        await until(lambda: session.oms.get(queued.client_order_id).status is OrderStatus.FILLED, "the strategy sell")

        grid = window.findChild(QTableView, "strategyPositionsView")
        manual, momo = (PAPER, StrategyId("manual"), "AAPL"), (PAPER, StrategyId("momo"), "AAPL")
        await until_row(grid, momo)
        assert cell(grid, manual, "quantity") == "30" and cell(grid, momo, "quantity") == "-12"
        assert Decimal(cell(grid, momo, "avg_cost")) == bid
        # the account nets them: its grid may paint in the flusher's next pass (each pass has a CPU budget)
        await until(lambda: cell(window.positions_view, (PAPER, "AAPL"), "quantity") == "18", "the net position")
        model = grid.model()
        rows = [model.index(row, 2).data() for row in range(model.rowCount())]
        assert rows == ["manual", "momo"]  # a person's trades first, then the strategies by name


async def _fill(session: TradingSession, symbol: str, side: Side, qty: str, strategy: str | None = None) -> None:
    """Send a market order (a strategy's is approved as a person would) and wait for its fill."""
    origin = OrderOrigin.STRATEGY if strategy else OrderOrigin.MANUAL
    order = await session.submit(OrderRequest(PAPER, symbol, side, qty, OrderType.MARKET, origin=origin,
                                              strategy_id=StrategyId(strategy) if strategy else None))
    if order.status is OrderStatus.PENDING_APPROVAL:
        await session.approve(order.client_order_id)
    await until(lambda: session.oms.get(order.client_order_id).status is OrderStatus.FILLED, f"{symbol} {qty}")


@pytest.mark.slow
async def test_a_hidden_by_strategy_dock_shows_the_current_rows_when_shown(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        dock = window.findChild(QDockWidget, "dock.strategyPositions")
        grid = window.findChild(QTableView, "strategyPositionsView")
        fills = window.findChild(QDockWidget, "dock.fills")
        fills.raise_()  # another tab of the group in front: the trader does not see the By strategy rows
        await until(lambda: grid.visibleRegion().isEmpty(), "the By strategy tab to be behind the fills")
        await _fill(window.session, "AAPL", Side.BUY, "30")
        await _fill(window.session, "MSFT", Side.BUY, "7", strategy="momo")
        await _fill(window.session, "AAPL", Side.SELL, "10")
        dock.raise_()  # the trader picks the By strategy tab
        manual, momo = (PAPER, StrategyId("manual"), "AAPL"), (PAPER, StrategyId("momo"), "MSFT")
        await until_row(grid, momo)
        await until_row(grid, manual)
        assert cell(grid, manual, "quantity") == "20" and cell(grid, momo, "quantity") == "7"


@pytest.mark.slow
async def test_after_many_fills_the_strategy_rows_add_up_to_each_account_position(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)  # quotes move: rows are re-read on marks, too
    async with open_window(tmp_path) as window:
        window.findChild(QDockWidget, "dock.strategyPositions").raise_()
        grid = window.findChild(QTableView, "strategyPositionsView")
        session = window.session
        for k in range(6):
            await asyncio.sleep(1.0)  # a pair a second: at most 4 orders in any second, under the default limit
            # of 5 (a pair every 0.5 s put 5 in one second when the fills came back at once: the 6th was refused)
            await _fill(session, "AAPL", Side.BUY, str(10 + k), strategy="momo" if k % 2 else None)
            side = Side.SELL if k % 3 else Side.BUY
            await _fill(session, "MSFT", side, str(5 + k), strategy="mean" if k % 2 else None)
        await _fill(session, "AAPL", Side.SELL, "40")  # a person's close: split over the holders

        def adds_up() -> bool:
            for symbol in ("AAPL", "MSFT"):
                keys = [key for s in ("manual", "momo", "mean")
                        if model_of(grid).row_of(key := (PAPER, StrategyId(s), symbol)) is not None]
                quantity = sum(Decimal(cell(grid, key, "quantity").replace(",", "")) for key in keys)
                account = (PAPER, symbol)
                if quantity != Decimal(cell(window.positions_view, account, "quantity").replace(",", "")):
                    return False
                if {cell(grid, key, "last") for key in keys} != {cell(window.positions_view, account, "last")}:
                    return False
            return True

        await until(adds_up, "the By strategy rows to add up to the positions grid, at its marks")
