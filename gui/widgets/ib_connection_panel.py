"""IbConnectionPanel: where the trader points TradeTerm at TWS or IB Gateway and connects.

It knows nothing of adapters: it emits the settings as a plain dict with a connect request; the
composition root builds the IB adapter, connects it, and reports back through set_connecting,
set_connected, set_disconnected and show_error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeVar

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.widgets.status_line import show_status

W = TypeVar("W", bound=QWidget)
CUSTOM_PORT = "Custom port"
MAX_CLIENT_ID = 999_999_999


class IbConnectionPanel(QWidget):
    """objectName 'ibConnectionPanel'; children 'ibConnectionPanel.<field>' (host, portPreset, port, clientId,
    account, readOnly, connectButton, disconnectButton, progress, status, useSuggestedClientId).

    Signals:
        connect_requested(dict settings): host, port, client_id, account, read_only; no secrets.
        disconnect_requested().
    """

    connect_requested = Signal(dict)
    disconnect_requested = Signal()

    def __init__(self, port_presets: Sequence[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ibConnectionPanel")
        self._presets = list(port_presets)
        self._suggested: int | None = None
        self.host = self._named(QLineEdit("127.0.0.1"), "host")
        self.host.setPlaceholderText("127.0.0.1")
        self.port_preset = self._named(QComboBox(), "portPreset")
        for port, label in self._presets:
            self.port_preset.addItem(label, port)
        self.port_preset.addItem(CUSTOM_PORT, None)
        self.port = self._named(QSpinBox(), "port")
        self.port.setRange(1, 65535)
        self.client_id = self._named(QSpinBox(), "clientId")
        self.client_id.setRange(0, MAX_CLIENT_ID)
        self.client_id.setValue(1)
        self.account = self._named(QComboBox(), "account")
        self.account.setEditable(True)
        self.account.setToolTip("Filled with the accounts TWS manages once connected; empty picks the only one.")
        self.read_only = self._named(QCheckBox("Read-only (no orders)"), "readOnly")
        self.connect_button = self._named(QPushButton("Connect"), "connectButton")
        self.disconnect_button = self._named(QPushButton("Disconnect"), "disconnectButton")
        self.progress = self._named(QProgressBar(), "progress")
        self.progress.setRange(0, 0)
        self.progress.setVisible(False)
        self.status = self._named(QLabel("Not connected."), "status")
        self.status.setWordWrap(True)
        self.use_suggested = self._named(QPushButton(), "useSuggestedClientId")
        self.use_suggested.setVisible(False)
        self._layout()
        self.port_preset.currentIndexChanged.connect(self._on_preset_changed)
        self.port.valueChanged.connect(self._on_port_changed)
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.disconnect_button.clicked.connect(self.disconnect_requested)
        self.use_suggested.clicked.connect(self._on_use_suggested_clicked)
        self._on_preset_changed(0)
        self.set_disconnected()

    # --- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, object]:
        """Return the connection settings as plain values (what the IB adapter's config reads)."""
        return {
            "host": self.host.text().strip(),
            "port": self.port.value(),
            "client_id": self.client_id.value(),
            "account": self.account.currentText().strip().upper(),
            "read_only": self.read_only.isChecked(),
        }

    def set_settings(self, settings: Mapping[str, object]) -> None:
        """Show saved settings; unknown keys are ignored."""
        host, port, client_id = settings.get("host"), settings.get("port"), settings.get("client_id")
        account, read_only = settings.get("account"), settings.get("read_only")
        if isinstance(host, str):
            self.host.setText(host)
        if isinstance(port, int):
            self.port.setValue(port)
        if isinstance(client_id, int):
            self.client_id.setValue(client_id)
        if isinstance(account, str):
            self.account.setCurrentText(account)
        if isinstance(read_only, bool):
            self.read_only.setChecked(read_only)

    # --- state reported by the lead ------------------------------------------------------------

    def set_connecting(self, message: str = "") -> None:
        self._editable(False)
        self.connect_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        self.progress.setVisible(True)
        self.use_suggested.setVisible(False)
        self._status(message or f"Connecting to {self.host.text().strip()}:{self.port.value()}…")

    def set_connected(self, managed_accounts: Sequence[str], account: str, message: str = "") -> None:
        """Show the connection up and offer the accounts TWS manages, with the one in use selected."""
        self.set_managed_accounts(managed_accounts, account)
        self._editable(False)
        self.connect_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        self.progress.setVisible(False)
        self._status(message or f"Connected, account {account}.")

    def set_disconnected(self, message: str = "") -> None:
        self._editable(True)
        self.connect_button.setEnabled(True)
        self.disconnect_button.setEnabled(False)
        self.progress.setVisible(False)
        self._status(message or "Not connected.")

    def show_error(self, message: str, suggested_client_id: int | None = None) -> None:
        """Show why connecting failed; for a client id conflict offer a one-click switch to the free id."""
        self.set_disconnected()
        self._status(message, error=True)
        self._suggested = suggested_client_id
        if suggested_client_id is not None:
            self.use_suggested.setText(f"Use client id {suggested_client_id}")
        self.use_suggested.setVisible(suggested_client_id is not None)

    def set_managed_accounts(self, accounts: Sequence[str], current: str = "") -> None:
        with QSignalBlocker(self.account):
            self.account.clear()
            self.account.addItems(list(accounts))
            self.account.setCurrentText(current or (accounts[0] if len(accounts) == 1 else ""))

    # --- slots ---------------------------------------------------------------------------------

    def _on_connect_clicked(self) -> None:
        settings = self.settings()
        if not settings["host"]:
            self._status("Enter the host TWS runs on, e.g. 127.0.0.1.", error=True)
            self.host.setFocus()
            return
        self.set_connecting()
        self.connect_requested.emit(settings)

    def _on_use_suggested_clicked(self) -> None:
        if self._suggested is not None:
            self.client_id.setValue(self._suggested)
            self.use_suggested.setVisible(False)
            self._on_connect_clicked()

    def _on_preset_changed(self, index: int) -> None:
        port = self.port_preset.itemData(index)
        if isinstance(port, int):
            with QSignalBlocker(self.port):
                self.port.setValue(port)

    def _on_port_changed(self, value: int) -> None:
        index = self.port_preset.findData(value)
        with QSignalBlocker(self.port_preset):
            self.port_preset.setCurrentIndex(index if index >= 0 else self.port_preset.count() - 1)

    # --- helpers -------------------------------------------------------------------------------

    def _named(self, widget: W, name: str) -> W:
        widget.setObjectName(f"ibConnectionPanel.{name}")
        return widget

    def _status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _editable(self, on: bool) -> None:
        for widget in (self.host, self.port_preset, self.port, self.client_id, self.account, self.read_only):
            widget.setEnabled(on)

    def _layout(self) -> None:
        form = QFormLayout()
        ports = QHBoxLayout()
        ports.addWidget(self.port_preset, 1)
        ports.addWidget(self.port)
        form.addRow("Host", self.host)
        form.addRow("Port", ports)
        form.addRow("Client id", self.client_id)
        form.addRow("Account", self.account)
        form.addRow("", self.read_only)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addWidget(self.use_suggested)
        column.addStretch(1)

