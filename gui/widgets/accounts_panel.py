"""AccountsPanel: one row per account with its connection and trading state, and Connect, Edit and Remove buttons."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QToolButton, QWidget

from core.domain import AccountId, ConnectionState, TradingState
from core.services.risk.drawdown_gauge import DrawdownGauge, GaugeLevel

_STATE_COLORS = {
    ConnectionState.CONNECTED: "#2e7d32",
    ConnectionState.CONNECTING: "#b26a00",
    ConnectionState.RECONNECTING: "#b26a00",
    ConnectionState.FAILED: "#c62828",
    ConnectionState.DISCONNECTED: "#757575",
}
_LINKED = (ConnectionState.CONNECTED, ConnectionState.CONNECTING, ConnectionState.RECONNECTING)
_GAUGE_COLORS = {
    GaugeLevel.OFF: "#757575",
    GaugeLevel.CLEAR: "#2e7d32",
    GaugeLevel.NEAR: "#b26a00",
    GaugeLevel.REDUCING: "#b26a00",
    GaugeLevel.HALTED: "#c62828",
}
"""The drawdown's colour, in the connection's and the trading state's palette: green clear, amber near or reduce-only,
red halted."""


class AccountsPanel(QWidget):
    """objectName 'accountsPanel'; per account: accountsPanel.state.<ID>, accountsPanel.trading.<ID>,
    accountsPanel.drawdown.<ID> (drawdown used / limit, money and %),
    accountsPanel.connectButton.<ID>, accountsPanel.editButton.<ID>, accountsPanel.removeButton.<ID>.

    Signals: connect_requested(AccountId), disconnect_requested(AccountId), edit_requested(AccountId),
    remove_requested(AccountId).
    """

    connect_requested = Signal(object)
    disconnect_requested = Signal(object)
    edit_requested = Signal(object)
    remove_requested = Signal(object)

    def __init__(self, accounts: list[tuple[AccountId, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountsPanel")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(6, 6, 6, 6)
        for col, title in enumerate(("Account", "Broker", "Connection", "Trading", "Drawdown")):
            self._layout.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self._state: dict[AccountId, QLabel] = {}
        self._trading: dict[AccountId, QLabel] = {}
        self._drawdown: dict[AccountId, QLabel] = {}
        self._buttons: dict[AccountId, QPushButton] = {}
        self._connected: dict[AccountId, bool] = {}
        self._rows: dict[AccountId, list[QWidget]] = {}
        self._next_row = 1
        self._layout.setColumnStretch(8, 1)
        for account_id, kind in accounts:
            self.add_account(account_id, kind)

    def add_account(self, account_id: AccountId, kind: str) -> None:
        """Add a row for an account (at start-up, or when one is added from the Connections dialog)."""
        if account_id in self._state:
            return
        row = self._next_row
        self._next_row += 1
        self._layout.setRowStretch(row, 0)
        name, broker = QLabel(account_id), QLabel(kind)
        state = QLabel(objectName=f"accountsPanel.state.{account_id}")
        trading = QLabel(objectName=f"accountsPanel.trading.{account_id}")
        drawdown = QLabel("—", objectName=f"accountsPanel.drawdown.{account_id}")
        button = QPushButton("Connect", objectName=f"accountsPanel.connectButton.{account_id}")
        button.clicked.connect(lambda _=False, a=account_id: self._on_button_clicked(a))
        edit = QToolButton(objectName=f"accountsPanel.editButton.{account_id}", text="Edit…")  # compact: narrow dock
        edit.setToolTip(f"Change {account_id}'s connection settings")
        edit.clicked.connect(lambda _=False, a=account_id: self.edit_requested.emit(a))
        remove = QToolButton(objectName=f"accountsPanel.removeButton.{account_id}", text="Remove…")
        remove.setToolTip(f"Remove {account_id} from TradeTerm, with its saved settings and secrets")
        remove.clicked.connect(lambda _=False, a=account_id: self.remove_requested.emit(a))
        widgets: list[QWidget] = [name, broker, state, trading, drawdown, button, edit, remove]
        for col, widget in enumerate(widgets):
            self._layout.addWidget(widget, row, col)
        self._state[account_id], self._trading[account_id], self._buttons[account_id] = state, trading, button
        self._drawdown[account_id] = drawdown
        self._rows[account_id] = widgets
        self._layout.setRowStretch(row + 1, 1)
        self.set_connection(account_id, ConnectionState.DISCONNECTED, "")
        self.set_trading(account_id, TradingState.HALTED, "Not connected.")

    def remove_account(self, account_id: AccountId) -> None:
        """Drop a removed account's row."""
        for widget in self._rows.pop(account_id, []):
            self._layout.removeWidget(widget)
            widget.deleteLater()
        for table in (self._state, self._trading, self._drawdown, self._buttons, self._connected):
            table.pop(account_id, None)

    def accounts(self) -> list[AccountId]:
        return list(self._state)

    def set_connection(self, account_id: AccountId, state: ConnectionState, message: str) -> None:
        label = self._state.get(account_id)
        if label is None:  # removed meanwhile
            return
        label.setText(f"<span style='color:{_STATE_COLORS[state]}'>● {state.value.title()}</span>")
        label.setToolTip(message)
        connected = state in _LINKED
        self._connected[account_id] = connected
        self._buttons[account_id].setText("Disconnect" if connected else "Connect")

    def set_trading(self, account_id: AccountId, state: TradingState, reason: str) -> None:
        label = self._trading.get(account_id)
        if label is None:
            return
        label.setText(state.value.title())
        label.setToolTip(reason)

    def set_drawdown(self, account_id: AccountId, gauge: DrawdownGauge | None) -> None:
        """Show the account's drawdown used against its limit, coloured by how near it is (None: P&L not known)."""
        label = self._drawdown.get(account_id)
        if label is None:
            return
        if gauge is None:
            text, tip = "—", "The drawdown shows once the account's P&L of the day is known."
        else:
            text = f"<span style='color:{_GAUGE_COLORS[gauge.level]}'>{html.escape(gauge.text())}</span>"
            tip = gauge.tooltip()
        if label.text() != text:  # called every refresh: repaint only what changed
            label.setText(text)
        if label.toolTip() != tip:
            label.setToolTip(tip)

    def _on_button_clicked(self, account_id: AccountId) -> None:
        if self._connected.get(account_id):
            self.disconnect_requested.emit(account_id)
        else:
            self.connect_requested.emit(account_id)
