"""HistoryAction: the toolbar's History action; the history window's controller, view and exports load on first use.

The history window (gui/controllers/history.py with its view, CSV exports and books check) is a few dozen
milliseconds of imports that the first paint never needs: the action is added at start, and the first
trigger imports and builds the controller (kept alive in the window's keep_alive, as before).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.ports.history import HistoryQueries
    from gui.controllers.history import HistoryController
    from gui.widgets.history_view import HistoryView
    from gui.widgets.main_window import MainWindow


class HistoryAction:
    """The History… action of window; `controller` once the trader (or a test) first opened the window."""

    @classmethod
    def install(cls, window: MainWindow, open_history: Callable[[], HistoryQueries]) -> HistoryAction:
        """Add the toolbar's History action to window; return the action's owner to keep alive."""
        action = cls(window, open_history)
        window.add_tool_action("History…", "action.history", "Ctrl+Shift+H", action.open)
        window.shutdown_hooks.append(action.close)
        return action

    def __init__(self, window: MainWindow, open_history: Callable[[], HistoryQueries]) -> None:
        self._window = window
        self._open_history = open_history
        self.controller: HistoryController | None = None

    def open(self) -> HistoryView:
        """Show the history window (its controller made on first use)."""
        if self.controller is None:
            from gui.controllers.history import HistoryController

            window = self._window
            self.controller = HistoryController(window, window.session, window.reporter, self._open_history,
                                                window.accounts.ask_reconciliation)
            window.keep_alive.append(self.controller)
        return self.controller.open()

    async def close(self) -> None:
        if self.controller is not None:
            await self.controller.close()
