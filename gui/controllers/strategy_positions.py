"""StrategyPositionsController: the "By strategy" dock — the positions split by strategy, beside the positions grid.

Each strategy's position comes from its own orders' fills (core's StrategyPositions, the one the per-strategy
risk limits check), so two strategies holding opposite sides of one symbol show as two rows whose sum is the
account's position. The rows are re-read once per frame in which a position changed (a fill or a mark).
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
        window.add_dock("By strategy", "dock.strategyPositions", self.grid, Qt.DockWidgetArea.BottomDockWidgetArea)
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

    def _on_positions(self, _positions: Mapping[PositionKey, Position]) -> None:
        self.refresh()
