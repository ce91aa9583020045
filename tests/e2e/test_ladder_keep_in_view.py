"""Without auto-centre the ladder stays where it is, but never shows empty levels while the market trades
elsewhere: once the market has left the view and the trader has left the ladder alone, it comes back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtWidgets import QAbstractSlider

from gui.widgets.main_window import MainWindow
from tests.e2e.test_ladder_window import pick_in_watchlist
from tests.e2e.window_helpers import open_window, until, write_paper_settings


def market_in_view(window: MainWindow) -> bool:
    model, table = window.ladder.model, window.ladder.widget.table
    window.bridge.flusher.flush_now()
    if model.best_bid is None:
        return False
    row = model.row_of_price(model.best_bid * model.tick)
    first, last = table.rowAt(0), table.rowAt(table.viewport().height() - 1)
    return row is not None and first <= row <= (last if last >= 0 else model.rowCount())


async def test_a_market_that_left_the_view_is_brought_back_without_auto_centre(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)  # a market that moves
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "MSFT")
        await until(lambda: market_in_view(window), "MSFT's market on the ladder")
        assert not window.ladder.widget.auto_centre.isChecked()
        window.ladder.widget.table.scrollToTop()  # what a market that ran 100 ticks away looks like
        assert not market_in_view(window)
        await until(lambda: market_in_view(window), "the market back in view after it left it")


async def test_levels_the_trader_scrolled_to_stay_while_he_works_there(tmp_path: Path) -> None:
    write_paper_settings(tmp_path, tick_interval_s=0.05)  # a market that moves
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "MSFT")
        await until(lambda: market_in_view(window), "MSFT's market on the ladder")
        bar = window.ladder.widget.table.verticalScrollBar()
        for _ in range(6):  # the trader pages up, to a price far above the market
            bar.triggerAction(QAbstractSlider.SliderAction.SliderPageStepSub)
        top = bar.value()
        assert not market_in_view(window)
        for _ in range(20):  # a second of quotes
            await asyncio.sleep(0.05)
        assert bar.value() == top, "the ladder moved away from the levels the trader scrolled to"
