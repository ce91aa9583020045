"""An Alpaca-quoted watchlist row shows Last, Chg, Chg % and Volume, not only Bid and Ask: once the Alpaca account
connects, AAPL's row takes Alpaca's feed (a broker's feed is preferred over the paper market) and its change is
from Alpaca's previous close."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.test_alpaca_window import ALPACA, connect_from_the_panel, simulator_fields
from tests.e2e.window_helpers import cell, open_window, until
from tests.sims.alpaca.server import AlpacaSimulator

DASH = "—"
FIGURES = ("bid", "ask", "last", "change", "change_pct", "volume")


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").rstrip("%"))


@pytest.mark.slow
async def test_an_alpaca_quoted_row_shows_last_change_and_volume(tmp_path: Path) -> None:
    simulator = AlpacaSimulator(tick_interval_s=0.05)
    await simulator.start()
    try:
        async with open_window(tmp_path) as window:
            view = window.watchlist_view
            await connect_from_the_panel(window, *simulator_fields(simulator))
            await until(lambda: cell(view, "AAPL", "feed") == f"auto: {ALPACA}", "AAPL's row on Alpaca's feed")
            await until(lambda: all(cell(view, "AAPL", column) != DASH for column in FIGURES),
                        "AAPL's Last, Chg, Chg % and Volume from Alpaca")
            shown = {column: cell(view, "AAPL", column) for column in (*FIGURES, "feed")}
            assert shown["feed"] == f"auto: {ALPACA}"
            previous_close = simulator.exchange.market.closes()["AAPL"]
            assert number(shown["last"]) - number(shown["change"]) == previous_close, shown
            assert number(shown["volume"]) > 0
    finally:
        await simulator.stop()
