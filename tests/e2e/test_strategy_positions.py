"""The positions split by strategy on the real window: a person's buy and a strategy's sell of one symbol on one
paper account show as two rows, 'manual' long and the strategy short, that add up to the account's position."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView

from core.domain import AccountId, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side, StrategyId
from tests.e2e.window_helpers import cell, open_window, until, until_row, write_paper_settings

PAPER = AccountId("PAPER-1")


@pytest.mark.slow
async def test_a_manual_buy_and_a_strategys_sell_show_as_their_own_rows(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
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
        assert cell(window.positions_view, (PAPER, "AAPL"), "quantity") == "18"  # the account nets them
        model = grid.model()
        rows = [model.index(row, 2).data() for row in range(model.rowCount())]
        assert rows == ["manual", "momo"]  # a person's trades first, then the strategies by name
