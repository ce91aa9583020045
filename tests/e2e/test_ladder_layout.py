"""The right column at the window's first size: the ladder shows levels around the market and the chart below it
keeps a readable height; Reset layout brings that split back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from gui.widgets.main_window import MainWindow
from tests.e2e.test_ladder_window import pick_in_watchlist
from tests.e2e.window_helpers import open_window, until, write_paper_settings


def visible_levels(window: MainWindow) -> int:
    table = window.ladder.widget.table
    return table.rowAt(table.viewport().height() - 1) - table.rowAt(0) + 1


async def test_at_the_first_size_the_ladder_shows_levels_and_the_chart_keeps_its_height(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await pick_in_watchlist(window, "AAPL")
        model = window.ladder.model
        await until(lambda: (window.bridge.flusher.flush_now(), model.best_bid)[1] is not None, "AAPL's touch")
        for _ in range(5):
            await asyncio.sleep(0.05)
        levels = visible_levels(window)
        chart = window.findChild(QDockWidget, "dock.chart")
        assert levels >= 6, f"the ladder shows {levels} levels in a {window.ladder.dock.height()} px dock"
        assert chart.height() >= 140, f"the chart is {chart.height()} px high"

        window.resizeDocks([window.ladder.dock, chart], [120, 400], Qt.Orientation.Vertical)  # the trader squeezes it
        await asyncio.sleep(0.05)
        assert visible_levels(window) < 6
        window.reset_layout()
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert visible_levels(window) >= 6 and chart.height() >= 140
