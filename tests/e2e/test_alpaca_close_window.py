"""Alpaca's Close and Flatten from the window go out as Alpaca's own close (DELETE /v2/positions/{symbol})."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderOrigin, OrderRequest, OrderStatus, OrderType, Side
from tests.e2e.test_alpaca_window import ALPACA, connect_from_the_panel, simulator_fields
from tests.e2e.window_helpers import open_window, until
from tests.sims.alpaca.server import AlpacaSimulator


@pytest.mark.slow
async def test_close_then_flatten_an_alpaca_position_through_delete_positions(tmp_path: Path) -> None:
    simulator = AlpacaSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        async with open_window(tmp_path) as window:
            await connect_from_the_panel(window, *simulator_fields(simulator, ("pollIntervalS", "0.1")))
            session = window.session
            await until(lambda: session.quotes.latest("AAPL", str(ALPACA)) is not None, "Alpaca's AAPL quote")
            entry = await session.submit(OrderRequest(ALPACA, "AAPL", Side.BUY, "5", OrderType.MARKET))
            await until(lambda: entry.status is OrderStatus.FILLED, "the entry to fill")

            close = await session.submit(OrderRequest(ALPACA, "AAPL", Side.SELL, "2", OrderType.MARKET,
                                                      origin=OrderOrigin.CLOSE))
            await until(lambda: close.status is OrderStatus.FILLED, "the close to fill")
            assert simulator.requests.count(("DELETE", "/v2/positions/AAPL")) == 1
            assert simulator.exchange.holdings["AAPL"].qty == Decimal(3)

            result = await session.flatten(ALPACA, "AAPL")
            assert len(result.sent) == 1 and result.not_sent == ()
            await until(lambda: result.sent[0].status is OrderStatus.FILLED, "the flatten to fill")
            assert simulator.requests.count(("DELETE", "/v2/positions/AAPL")) == 2
            assert "AAPL" not in simulator.exchange.holdings
            await until(lambda: (p := session.portfolio.position(ALPACA, "AAPL")) is None or p.quantity == 0,
                        "the position to be flat here too")
            assert simulator.requests.count(("POST", "/v2/orders")) == 1, "only the entry went as an order"
    finally:
        await simulator.stop()
