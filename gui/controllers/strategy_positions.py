"""StrategyPositionsController: the "By strategy" dock — the positions split by strategy, beside the positions grid.

Each strategy's position comes from its own orders' fills (core's StrategyPositions, the one the per-strategy
risk limits check), so two strategies holding opposite sides of one symbol show as two rows whose sum is the
account's position. Once per frame in which positions changed (a fill or a mark) only the rows of the changed
accounts' symbols are re-read, and only while the dock shows: a hidden dock re-reads every row when it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from core.domain import Position
from gui.frame_feed import PositionKey
from gui.models.strategy_positions import StrategyPositionsTableModel
from gui.widgets.grid_view import make_grid_view

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow


class StrategyPositionsController(QObject):
    """Own the model and grid ('strategyPositionsView') of the "By strategy" dock."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._view = window.session.view
        self.model = StrategyPositionsTableModel(self)
        window.bridge.flusher.register(self.model)
        self.grid = make_grid_view(self.model, "strategyPositionsView")
        self.grid.setToolTip("Each strategy's own position, from its own orders' fills ('manual': a person's "
                             "trades); per account and symbol they add up to the account's position")
        self._stale = False
        area = Qt.DockWidgetArea.BottomDockWidgetArea
        dock = window.add_dock("By strategy", "dock.strategyPositions", self.grid, area)
        dock.visibilityChanged.connect(self._on_visibility)
        self._watch = window.bridge.feed.watch_positions(self._on_positions, paint_with=self.model)
        self.refresh()

    @classmethod
    def install(cls, window: MainWindow) -> StrategyPositionsController:
        """Add the dock to window (the one line MainWindow calls)."""
        controller = cls(window)

        async def stop() -> None:
            controller._watch.cancel()

        window.shutdown_hooks.append(stop)
        return controller

    def refresh(self) -> None:
        """Re-read every strategy's position now."""
        self.model.show_rows(self._view.strategy_positions())

    def _on_positions(self, changed: Mapping[PositionKey, Position]) -> None:
        if not self._in_view():  # nobody sees the rows: read them all when the dock is shown
            self._stale = True
            return
        self.model.show_rows(self._view.strategy_positions_of((key[0], key[1]) for key in changed))

    def _in_view(self) -> bool:
        """Return whether the trader can see the rows (the dock's tab is the current one, the window shown)."""
        return self.grid.isVisible() and not self.grid.visibleRegion().isEmpty()

    def _on_visibility(self, visible: bool) -> None:
        if visible and self._stale:
            self._stale = False
            self.refresh()
