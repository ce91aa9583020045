"""The window at its first size: the ladder (right column) shows levels around the market and the chart (over the
positions) a price pane a trader can read; Reset layout brings that back."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from gui.widgets.chart.chart_view import ChartView
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
        assert chart.height() >= 300, f"the chart is {chart.height()} px high"
        await until(lambda: window.findChild(ChartView, "chartView") is not None, "the chart")
        prices = window.findChild(ChartView, "chartView").price_box.height()
        assert prices >= 180, f"the chart's price pane is {prices} px high"

        window.resizeDocks([window.findChild(QDockWidget, "dock.orders")], [750], Qt.Orientation.Vertical)  # squeezed
        await asyncio.sleep(0.05)
        assert visible_levels(window) < 6
        window.reset_layout()
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert visible_levels(window) >= 6 and chart.height() >= 300
        assert window.dockWidgetArea(chart) is Qt.DockWidgetArea.TopDockWidgetArea
        assert window.tabifiedDockWidgets(chart) == [], "the chart is over the positions, not a tab among the blotters"
        assert chart.isVisible()
        pnl = window.findChild(QDockWidget, "dock.pnlCurve")
        assert pnl is not None and window.findChild(QDockWidget, "dock.fills") in window.tabifiedDockWidgets(pnl)


async def test_reset_layout_after_a_restart_puts_the_chart_back_under_the_ladder(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.findChild(QDockWidget, "dock.pnlCurve") is not None, "the late docks")
    async with open_window(tmp_path) as window:  # the layout saved on close comes back
        await until(lambda: window.findChild(QDockWidget, "dock.pnlCurve") is not None, "the late docks")
        chart = window.findChild(QDockWidget, "dock.chart")
        window.tabifyDockWidget(window.findChild(QDockWidget, "dock.fills"), chart)  # the trader moved it
        await asyncio.sleep(0.05)
        window.reset_layout()
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert window.dockWidgetArea(chart) is Qt.DockWidgetArea.TopDockWidgetArea
        assert window.tabifiedDockWidgets(chart) == [], "the chart is over the positions, not a tab among the blotters"
        assert chart.height() >= 300
        await pick_in_watchlist(window, "AAPL")
        await until(lambda: (window.bridge.flusher.flush_now(), window.ladder.model.best_bid)[1] is not None, "AAPL")
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert visible_levels(window) >= 6


async def test_reset_layout_docks_a_floated_chart_under_the_ladder_again(tmp_path: Path) -> None:
    write_paper_settings(tmp_path)
    async with open_window(tmp_path) as window:
        await until(lambda: window.findChild(QDockWidget, "dock.pnlCurve") is not None, "the late docks")
        chart = window.findChild(QDockWidget, "dock.chart")
        chart.setFloating(True)  # the trader pulls the chart out to see it bigger
        chart.resize(900, 700)
        window.tabifyDockWidget(window.findChild(QDockWidget, "dock.fills"), window.ladder.dock)  # and drops the ladder
        await asyncio.sleep(0.05)
        window.reset_layout()
        for _ in range(5):
            await asyncio.sleep(0.05)
        assert not chart.isFloating() and not window.ladder.dock.isFloating()
        assert window.dockWidgetArea(chart) is Qt.DockWidgetArea.TopDockWidgetArea
        assert window.dockWidgetArea(window.ladder.dock) is Qt.DockWidgetArea.RightDockWidgetArea
        assert window.tabifiedDockWidgets(chart) == [] and window.tabifiedDockWidgets(window.ladder.dock) == []
        assert chart.height() >= 300
