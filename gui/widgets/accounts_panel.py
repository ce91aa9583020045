"""AccountsPanel: one row per account with its connection and trading state and a connect button."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QWidget

from core.domain import ConnectionState, TradingState

_STATE_COLORS = {
    ConnectionState.CONNECTED.value: "#2e7d32",
    ConnectionState.CONNECTING.value: "#b26a00",
    ConnectionState.RECONNECTING.value: "#b26a00",
    ConnectionState.FAILED.value: "#c62828",
    ConnectionState.DISCONNECTED.value: "#757575",
}


class AccountsPanel(QWidget):
    """objectName 'accountsPanel'; per account: accountsPanel.state.<ID>, accountsPanel.connectButton.<ID>.

    Signals: connect_requested(str account_id), disconnect_requested(str account_id).
    """

    connect_requested = Signal(str)
    disconnect_requested = Signal(str)

    def __init__(self, accounts: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsPanel")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        for col, title in enumerate(("Account", "Broker", "Connection", "Trading", "")):
            self._layout.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self._state: dict[str, QLabel] = {}
        self._trading: dict[str, QLabel] = {}
        self._buttons: dict[str, QPushButton] = {}
        self._connected: dict[str, bool] = {}
        self._layout.setColumnStretch(5, 1)
        for account_id, kind in accounts:
            self.add_account(account_id, kind)

    def add_account(self, account_id: str, kind: str) -> None:
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
        self.set_connection(account_id, ConnectionState.DISCONNECTED.value, "")
        self.set_trading(account_id, TradingState.HALTED.value, "Not connected.")

    def set_connection(self, account_id: str, state: str, message: str) -> None:
        label = self._state[account_id]
        label.setText(f"<span style='color:{_STATE_COLORS.get(state, '#000')}'>● {state.title()}</span>")
        label.setToolTip(message)
        connected = state in (ConnectionState.CONNECTED.value, ConnectionState.CONNECTING.value,
                              ConnectionState.RECONNECTING.value)
        self._connected[account_id] = connected
        self._buttons[account_id].setText("Disconnect" if connected else "Connect")

    def set_trading(self, account_id: str, state: str, reason: str) -> None:
        label = self._trading[account_id]
        label.setText(state.title())
        label.setToolTip(reason)

    def _on_button_clicked(self, account_id: str) -> None:
        if self._connected.get(account_id):
            self.disconnect_requested.emit(account_id)
        else:
            self.connect_requested.emit(account_id)
