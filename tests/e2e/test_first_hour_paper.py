"""The paper market in the real window: Last within Bid/Ask on every row, Volume kept across a restart."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtWidgets import QTableView

from tests.e2e.window_helpers import cell, model_of, open_window, until, until_row, write_paper_settings


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.mark.slow
async def test_the_watchlist_shows_last_within_bid_and_ask_and_volume_carries_on_after_a_restart(
        tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.02)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until_row(watchlist, "AAPL")
        symbols = list(model_of(watchlist).row_keys())
        await until(lambda: number(cell(watchlist, "AAPL", "volume")) > 0, "AAPL to trade")
        outside = []
        for _ in range(40):
            await asyncio.sleep(0.03)
            for symbol in symbols:
                bid, last, ask = (number(cell(watchlist, symbol, key)) for key in ("bid", "last", "ask"))
                if not bid <= last <= ask:
                    outside.append((symbol, bid, last, ask))
        assert outside == []
        volume = number(cell(watchlist, "AAPL", "volume"))
    write_paper_settings(tmp_path, tick_interval_s=60)
    async with open_window(tmp_path) as window:
        watchlist = window.findChild(QTableView, "watchlistView")
        await until_row(watchlist, "AAPL")
        assert number(cell(watchlist, "AAPL", "volume")) >= volume > 0, "Volume does not restart at zero"
