"""AccountsPanel: one row per account with its connection and trading state and a connect button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from core.domain import AccountId, ConnectionState, TradingState

_STATE_COLORS = {
    ConnectionState.CONNECTED: "#2e7d32",
    ConnectionState.CONNECTING: "#b26a00",
    ConnectionState.RECONNECTING: "#b26a00",
    ConnectionState.FAILED: "#c62828",
    ConnectionState.DISCONNECTED: "#757575",
}
_LINKED = (ConnectionState.CONNECTED, ConnectionState.CONNECTING, ConnectionState.RECONNECTING)


class AccountsPanel(QWidget):
    """objectName 'accountsPanel'; per account: accountsPanel.state.<ID>, accountsPanel.connectButton.<ID>.

    Signals: connect_requested(AccountId), disconnect_requested(AccountId).
    """

    connect_requested = Signal(object)
    disconnect_requested = Signal(object)

    def __init__(self, accounts: list[tuple[AccountId, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsPanel")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        for col, title in enumerate(("Account", "Broker", "Connection", "Trading", "")):
            self._layout.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self._state: dict[AccountId, QLabel] = {}
        self._trading: dict[AccountId, QLabel] = {}
        self._buttons: dict[AccountId, QPushButton] = {}
        self._connected: dict[AccountId, bool] = {}
        self._layout.setColumnStretch(5, 1)
        for account_id, kind in accounts:
            self.add_account(account_id, kind)

    def add_account(self, account_id: AccountId, kind: str) -> None:
        """Add a row for an account (at start-up, or when one is added from the Connections dialog)."""
        if account_id in self._state:
            return
        row = len(self._state) + 1
        self._layout.setRowStretch(row, 0)
        self._layout.addWidget(QLabel(account_id), row, 0)
        self._layout.addWidget(QLabel(kind), row, 1)
        state = QLabel(objectName=f"accountsPanel.state.{account_id}")
        trading = QLabel(objectName=f"accountsPanel.trading.{account_id}")
        button = QPushButton("Connect", objectName=f"accountsPanel.connectButton.{account_id}")
        button.clicked.connect(lambda _=False, a=account_id: self._on_button_clicked(a))
        self._layout.addWidget(state, row, 2)
        self._layout.addWidget(trading, row, 3)
        self._layout.addWidget(button, row, 4)
        self._state[account_id], self._trading[account_id], self._buttons[account_id] = state, trading, button
        self._layout.setRowStretch(row + 1, 1)
        self.set_connection(account_id, ConnectionState.DISCONNECTED, "")
        self.set_trading(account_id, TradingState.HALTED, "Not connected.")

    def set_connection(self, account_id: AccountId, state: ConnectionState, message: str) -> None:
        label = self._state[account_id]
        label.setText(f"<span style='color:{_STATE_COLORS[state]}'>● {state.value.title()}</span>")
        label.setToolTip(message)
        connected = state in _LINKED
        self._connected[account_id] = connected
        self._buttons[account_id].setText("Disconnect" if connected else "Connect")

    def set_trading(self, account_id: AccountId, state: TradingState, reason: str) -> None:
        label = self._trading[account_id]
        label.setText(state.value.title())
        label.setToolTip(reason)

    def _on_button_clicked(self, account_id: AccountId) -> None:
        if self._connected.get(account_id):
            self.disconnect_requested.emit(account_id)
        else:
            self.connect_requested.emit(account_id)
