"""Keep the HALTED banner in step with the risk engine's holds; its Resume goes through HaltController.resume."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QToolBar

from core.domain import AccountId, TradingState
from gui.widgets.halt_banner import HaltBanner

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow


def hold_lines(holds: list[tuple[AccountId | None, TradingState, str]]) -> list[str]:
    """Say each hold as the banner shows it: 'HALTED (all accounts): Kill switch pulled by ana.'"""
    return [f"{state.value} ({account_id or 'all accounts'}): {reason}" for account_id, state, reason in holds]


class HaltBannerController(QObject):
    """Show the window's HaltBanner while the kill switch or a daily-loss limit holds trading.

    The banner is laid over the top of the docks, just under the toolbar (whose Kill switch, Cancel all and
    Flatten all stay in reach), in no layout: showing it moves no widget under the trader's pointer and lays
    nothing out anew; while trading it takes no room. It covers the docks' title bars meanwhile.
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._view = window.session.view
        self._place_due = False
        """A placing is queued (one for every resize and layout request of the window until it runs)."""
        self.banner = HaltBanner(window)
        self.banner.resume_requested.connect(window.halts.resume)
        window.bridge.trading_state_changed.connect(self.refresh)
        window.installEventFilter(self)  # a resize, or a banner above the toolbar: place it again
        self.refresh()

    def refresh(self, *_: object) -> None:
        self.banner.show_holds(hold_lines(self._view.resumable_holds()))
        if self.banner.isVisible():
            self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest) and self.banner.isVisible()
                and not self._place_due):
            self._place_due = True  # the window lays itself out many times a second in a kill switch: once a turn
            QTimer.singleShot(0, self.banner, self._place)  # once the window has laid its toolbar out
        return False

    def _place(self) -> None:
        self._place_due = False
        window = self._window
        # the toolbars are the main window's own children: searching its whole tree of widgets took 0.3-0.9 ms a time
        bars = window.findChildren(QToolBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
        top = max((bar.geometry().bottom() + 1 for bar in bars
                   if bar.isVisible() and window.toolBarArea(bar) is Qt.ToolBarArea.TopToolBarArea), default=0)
        width = window.width()
        banner = self.banner
        height = banner.heightForWidth(width) if banner.hasHeightForWidth() else banner.sizeHint().height()
        banner.setGeometry(0, top, width, max(height, banner.sizeHint().height()))
        banner.raise_()
