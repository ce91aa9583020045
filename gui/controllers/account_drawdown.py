"""Keep the accounts panel's Drawdown column live: each account's drawdown used against its limit, twice a second."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from core.domain import AccountId
from core.services.risk.drawdown_gauge import DrawdownGauge
from gui.periodic import start_apart
from gui.widgets.accounts_panel import AccountsPanel

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

REFRESH_MS = 500
"""How often the column re-reads the drawdowns (P&L moves with every mark; a label repaints only when it changed)."""


class AccountDrawdownController(QObject):
    """Show `gauge_of(account)` in the panel's Drawdown column for every account it lists, every REFRESH_MS."""

    def __init__(self, panel: AccountsPanel, gauge_of: Callable[[AccountId], DrawdownGauge | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._panel = panel
        self._gauge_of = gauge_of
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._soon = QTimer(self, singleShot=True, interval=0)
        self._soon.timeout.connect(self.refresh)
        self._stopped = False
        start_apart(self._timer)
        self.refresh()

    @classmethod
    def install(cls, window: MainWindow) -> AccountDrawdownController:
        """Drive the window's accounts panel from the session's risk engine."""
        controller = cls(window.accounts_panel, window.session.view.drawdown_gauge, window)
        window.bridge.trading_state_changed.connect(lambda *_: controller.refresh_soon())  # a hold shows at once
        window.shutdown_hooks.append(controller.stop)  # before the journal closes: a refresh may note a new day
        return controller

    async def stop(self) -> None:
        """Stop refreshing (the window is shutting down): a late state change's refresh is ignored too."""
        self._stopped = True
        self._timer.stop()
        self._soon.stop()

    def refresh_soon(self) -> None:
        """Refresh once when Qt's loop next runs its timers, however many states changed meanwhile.

        The kill switch halts every account and each one: each change re-read every account's day P&L over its
        positions (1.5 ms with 1,000) inside the kill switch's first step, the longest stretch of the GUI thread
        in a kill switch (#27).
        """
        if not self._soon.isActive():
            self._soon.start()

    def refresh(self) -> None:
        if self._stopped:
            return
        for account_id in self._panel.accounts():
            try:
                gauge = self._gauge_of(account_id)
            except KeyError:  # removed meanwhile
                continue
            self._panel.set_drawdown(account_id, gauge)
