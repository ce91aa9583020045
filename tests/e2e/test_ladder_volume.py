"""The ladder's Volume column: the session's traded volume at each price, from the time and sales it shows."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain.tape import TradePrint
from tests.e2e.test_ladder_window import PAPER, ladder_cell, pick_in_watchlist
from tests.e2e.window_helpers import open_window, until, write_paper_settings


@pytest.mark.slow
async def test_volume_at_each_price_adds_up_the_sessions_trades_there_and_stays_when_the_ladder_comes_back(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)
    async with open_window(tmp_path) as window:
        prints: list[TradePrint] = []
        window.session.bus.subscribe(TradePrint, lambda p: prints.append(p) if p.symbol == "AAPL" else None)
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: len({p.price for p in prints}) >= 3, "AAPL trades at three prices")
        tape = window.ladder.widget.tape_model
        await until(lambda: (window.bridge.flusher.flush_now(), tape.rowCount())[1] == len(prints), "the tape")
        volume: Counter[Decimal] = Counter()
        for trade in prints:
            volume[trade.price] += trade.size
        assert all(p.source == PAPER for p in prints)
        for price, size in volume.items():
            assert ladder_cell(window, price, "volume") == f"{size.normalize():f}"

        await pick_in_watchlist(window, "MSFT")
        await until(lambda: window.ladder.symbol == "MSFT", "the ladder on MSFT")
        seen = dict(volume)
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: window.ladder.symbol == "AAPL", "the ladder back on AAPL")
        window.bridge.flusher.flush_now()
        top = max(seen, key=lambda p: seen[p])
        assert Decimal(ladder_cell(window, top, "volume")) >= seen[top]  # the session's volume is kept
