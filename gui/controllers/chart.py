"""ChartDocks: the chart dock, added at once, its chart built once the dock is in view after the first paint.

The chart needs pyqtgraph and numpy, about half a second of imports on a 2-core VM and 50 MB, which the first
screen must not wait for: the dock (objectName 'dock.chart') is empty until then, and the chart itself
(ChartView, driven by gui/controllers/chart_controller.py) is imported and built in the turn after the first
paint when the dock is in view (the default layout shows it over the positions), else when the trader first
raises or shows it (BuildWhenShown), with the watchlist's selected symbol.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.widgets.dock_build import BuildWhenShown

if TYPE_CHECKING:
    from gui.controllers.chart_controller import ChartController
    from gui.widgets.main_window import MainWindow

Defer = Callable[[QWidget, Callable[[], object]], object]
"""Run a callable after the window's first paint (gui.first_paint.AfterFirstPaint)."""


class ChartDocks:
    """The chart dock and the New chart action; `controller` is the first chart's once built."""

    @classmethod
    def install(cls, window: MainWindow, cache_root: Path | None, after_first_paint: Defer) -> ChartDocks:
        """Add the chart dock to window now and build its chart after the first paint (the composition root's line)."""
        docks = cls(window, cache_root)
        # a turn later still: the connects and the rest of the start-up's after-paint work go first
        after_first_paint(window, lambda: QTimer.singleShot(0, docks.host, docks.build_when_shown))
        return docks

    def __init__(self, window: MainWindow, cache_root: Path | None) -> None:
        self._window = window
        self._cache_root = cache_root
        self.controller: ChartController | None = None
        self._shut = False
        window.shutdown_hooks.append(self._on_shutdown)
        self.host = QWidget(objectName="chartHost")
        QVBoxLayout(self.host).setContentsMargins(0, 0, 0, 0)
        self.dock = window.add_dock("Chart", "dock.chart", self.host, Qt.DockWidgetArea.TopDockWidgetArea)
        window.add_tool_action("New chart", "action.newChart", "Ctrl+Shift+G", self.open_another)

    def build_when_shown(self) -> None:
        """Build the chart in the next turn if its dock is in view, else once the trader shows or raises it."""
        if not self._shut:
            BuildWhenShown(self.dock, self.build_when_the_loop_runs)

    def build_when_the_loop_runs(self) -> None:
        """Build once the asyncio loop runs (the chart reads history on it); never after the window shut down."""
        if self._shut:
            return
        try:
            running = asyncio.get_event_loop().is_running()
        except RuntimeError:
            running = False
        if running:
            self.build()
        else:  # a window painted by Qt alone (a test without the application's loop): try again later
            QTimer.singleShot(100, self.host, self.build_when_the_loop_runs)

    async def _on_shutdown(self) -> None:
        self._shut = True

    def build(self) -> ChartController:
        """Build the chart (once) and start showing the watchlist's first symbol."""
        if self.controller is None:
            from core.services.bar_cache import BarCache
            from gui.controllers.chart_controller import ChartController
            from gui.widgets.chart.chart_view import ChartView

            view = ChartView(self.host)
            layout = self.host.layout()
            assert layout is not None
            layout.addWidget(view)
            cache = None if self._cache_root is None else BarCache(self._cache_root)
            self.controller = ChartController(self._window, view, cache)
            self._window.keep_alive.append(self.controller)
            self._window.shutdown_hooks.append(self.controller.close)
        return self.controller

    def open_another(self) -> None:
        self.build().open_another()
