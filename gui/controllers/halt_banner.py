"""Keep the HALTED banner in step with the risk engine's holds; its Resume goes through HaltController.resume."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from core.domain import AccountId, TradingState
from gui.widgets.halt_banner import HaltBanner

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow


def hold_lines(holds: list[tuple[AccountId | None, TradingState, str]]) -> list[str]:
    """Say each hold as the banner shows it: 'HALTED (all accounts): Kill switch pulled by ana.'"""
    return [f"{state.value} ({account_id or 'all accounts'}): {reason}" for account_id, state, reason in holds]


class HaltBannerController(QObject):
    """Show the window's HaltBanner while the kill switch or a daily-loss limit holds trading."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._view = window.session.view
        self.banner = HaltBanner()
        window.add_banner(self.banner)
        self.banner.resume_requested.connect(window.halts.resume)
        window.bridge.trading_state_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_: object) -> None:
        self.banner.show_holds(hold_lines(self._view.resumable_holds()))
