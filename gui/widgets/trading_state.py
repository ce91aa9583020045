"""TradingStateWidget: the global trading state (ACTIVE / REDUCING / HALTED), colored, for the status bar."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

COLORS = {"ACTIVE": "#2e7d32", "REDUCING": "#b26a00", "HALTED": "#c62828"}


class TradingStateWidget(QLabel):
    """Show the global state; its tooltip says why. objectName 'status.tradingState'.

    Connect CoreBridge.trading_state_changed to `on_trading_state_changed`; events of one account
    (a non-empty account id) are ignored here, the per-account labels show those.
    """

    def __init__(self, state: str = "ACTIVE", reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status.tradingState")
        self.state = ""
        self.set_state(state, reason)

    def set_state(self, state: str, reason: str = "") -> None:
        """Show state (a TradingState value) and keep reason as the tooltip."""
        self.state = state
        color = COLORS.get(state, COLORS["HALTED"])
        self.setText(f"Trading: <b style='color:{color}'>{state}</b>")
        self.setToolTip(reason)

    def on_trading_state_changed(self, account_id: str, state: str, reason: str) -> None:
        if account_id == "":
            self.set_state(state, reason)
