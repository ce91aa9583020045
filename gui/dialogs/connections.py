"""ConnectionsDialog: every account's state as the session knows it now, then one tab per broker kind, each
holding that broker's connection panel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QGridLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from core.domain import ConnectionState
from core.services.session_view import AccountStatus
from gui.widgets.message_line import MessageLine
from gui.widgets.status_line import show_status


class StatePanel(Protocol):
    """What a connection panel takes back from the account set-up (gui/brokers/panel.py)."""

    def set_connected(self, message: str = "") -> None: ...

    def set_disconnected(self, message: str = "") -> None: ...

    def show_error(self, message: str) -> None: ...


def state_text(status: AccountStatus) -> str:
    """Say an account's state in a trader's words: connected, connecting, disconnected, needs login, or error."""
    if status.needs_login and status.connection is not ConnectionState.CONNECTED:
        return f"Needs login: {status.reason}"
    if status.connection is ConnectionState.FAILED:
        return f"Error: {status.reason}"
    if status.connection is ConnectionState.CONNECTED:
        return f"Connected · {status.trading.value.lower()}"
    if status.connection is ConnectionState.DISCONNECTED:
        return "Disconnected."
    return f"{status.connection.value.title()}…"


def show_state(panel: StatePanel, status: AccountStatus | None) -> None:
    """Show on a kind's panel the real state of the account it shows (not the panel's default 'Not connected')."""
    if status is None:
        return
    if status.connection is ConnectionState.CONNECTED:
        panel.set_connected(f"{status.account_id}: {state_text(status)}")
    elif status.connection is ConnectionState.FAILED or status.needs_login:
        panel.show_error(f"{status.account_id}: {state_text(status)}")
    elif status.connection is ConnectionState.DISCONNECTED:
        panel.set_disconnected(f"{status.account_id}: {state_text(status)}")


class ConnectionsDialog(QDialog):
    """objectName 'connectionsDialog'; tabs 'connections.tabs'; per account 'connections.state.<ID>'. Panels are
    added by the account set-up (gui/brokers/account_setup.py)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionsDialog")
        self.setWindowTitle("Connect a broker account")
        self.setMinimumWidth(520)
        self.tabs = QTabWidget(objectName="connections.tabs")
        self._states = QGridLayout()
        self._state_labels: dict[str, QLabel] = {}
        hint = QLabel("Secrets (passwords, API secrets, tokens) go to the system keyring, or to TradeTerm's "
                      "encrypted vault where there is none; never to the settings file.")
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, objectName="connections.buttons")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self._states)
        layout.addWidget(self.tabs)
        layout.addWidget(hint)
        layout.addWidget(buttons)

    def add_panel(self, title: str, panel: QWidget) -> int:
        """Add a kind's panel as a tab; return its index."""
        return self.tabs.addTab(panel, title)

    def show_states(self, statuses: Sequence[AccountStatus]) -> None:
        """List each account with its state now (connected, disconnected, needs login, error with the reason)."""
        for status in statuses:
            label = self._state_labels.get(status.account_id)
            if label is None:
                row = len(self._state_labels)
                self._states.addWidget(QLabel(f"<b>{status.account_id}</b> ({status.kind})"), row, 0)
                # One line (the whole of it in the tooltip and in the account's panel): a reason that wrapped to
                # three lines pushed the tabs down, and they jumped back up when it cleared.
                label = self._state_labels[status.account_id] = MessageLine(
                    f"connections.state.{status.account_id}")
                self._states.addWidget(label, row, 1)
            failed = status.connection is ConnectionState.FAILED or (
                status.needs_login and status.connection is not ConnectionState.CONNECTED)
            show_status(label, state_text(status), failed)
