"""TradingStateWidget: the global trading state (ACTIVE / REDUCING / HALTED), colored, for the status bar."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from core.domain import AccountId, TradingState

COLORS = {TradingState.ACTIVE: "#2e7d32", TradingState.REDUCING: "#b26a00", TradingState.HALTED: "#c62828"}


class TradingStateWidget(QLabel):
    """Show the global state; its tooltip says why. objectName 'status.tradingState'.

    Connect CoreBridge.trading_state_changed to `on_trading_state_changed`; events of one account
    (an account id, not None) are ignored here, the per-account labels show those.
    """

    def __init__(self, state: TradingState = TradingState.ACTIVE, reason: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status.tradingState")
        self.state = state
        self.set_state(state, reason)

    def set_state(self, state: TradingState, reason: str = "") -> None:
        """Show state and keep reason as the tooltip."""
        self.state = state
        self.setText(f"Trading: <b style='color:{COLORS[state]}'>{state.value}</b>")
        self.setToolTip(reason)

    def on_trading_state_changed(self, account_id: AccountId | None, state: TradingState, reason: str) -> None:
        if account_id is None:
            self.set_state(state, reason)
