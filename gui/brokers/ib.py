"""Interactive Brokers in the GUI: IbConnectionPanel (where the trader points TradeTerm at TWS or IB Gateway)
and IbUi, which wires it to the account set-up and offers the accounts TWS manages once connected.

The panel knows nothing of adapters: it emits the settings as a plain dict with a connect request; the
account set-up builds the IB adapter, connects it, and reports back through set_connecting,
set_connected, set_disconnected and show_error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.adapters.ib.config import PORT_PRESETS
from core.ports.capabilities import AccountChooser
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup

CUSTOM_PORT = "Custom port"
MAX_CLIENT_ID = 999_999_999


class IbConnectionPanel(ConnectionPanel):
    """objectName 'ibConnectionPanel'; children 'ibConnectionPanel.<field>' (host, portPreset, port, clientId,
    account, readOnly, connectButton, disconnectButton, progress, status, useSuggestedClientId).

    Signals:
        connect_requested(dict settings): host, port, client_id, account, read_only; no secrets.
        disconnect_requested().
    """

    connect_requested = Signal(dict)

    def __init__(self, port_presets: Sequence[tuple[int, str]], parent: QWidget | None = None) -> None:
        super().__init__("ibConnectionPanel", parent=parent)
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
        self.use_suggested = self._named(QPushButton(), "useSuggestedClientId")
        self.use_suggested.setVisible(False)
        self._layout()
        self.port_preset.currentIndexChanged.connect(self._on_preset_changed)
        self.port.valueChanged.connect(self._on_port_changed)
        self.connect_button.clicked.connect(self._on_connect_clicked)
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
        self.set_progress(message or f"Connecting to {self.host.text().strip()}:{self.port.value()}…")

    def set_progress(self, message: str) -> None:
        super().set_progress(message)
        self.use_suggested.setVisible(False)

    def set_connected(self, message: str = "") -> None:
        """Show the connection up (offer the accounts TWS manages first, with set_managed_accounts)."""
        super().set_connected(message or f"Connected, account {self.account.currentText()}.")

    def show_error(self, message: str, suggested_client_id: int | None = None) -> None:
        """Show why connecting failed; for a client id conflict offer a one-click switch to the free id."""
        super().show_error(message)
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

    def fields(self) -> Sequence[QWidget]:
        return (self.host, self.port_preset, self.port, self.client_id, self.account, self.read_only)

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
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addLayout(self._buttons())
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addWidget(self.use_suggested)
        column.addStretch(1)



class IbUi(BrokerUi):
    """IB's panel; once connected it offers the accounts TWS manages (AccountChooser)."""

    def panel(self, setup: AccountsSetup) -> IbConnectionPanel:
        panel = IbConnectionPanel([(int(port), label) for port, label in PORT_PRESETS.items()])
        setup.show_saved(self.kind, panel)
        panel.connect_requested.connect(lambda values: setup.connect(self, panel, values))
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_disconnected("Disconnected.")))
        return panel

    def connected(self, panel: ConnectionPanel, adapter: object, message: str) -> None:
        if isinstance(panel, IbConnectionPanel) and isinstance(adapter, AccountChooser):
            panel.set_managed_accounts(list(adapter.managed_accounts), adapter.chosen_account)
        panel.set_connected(message)

    def failed(self, panel: ConnectionPanel, exc: BaseException) -> None:
        from core.adapters.ib.parsing import ClientIdInUse  # the adapter is loaded: so is ib_async

        if isinstance(panel, IbConnectionPanel) and isinstance(exc, ClientIdInUse):
            panel.show_error(str(exc), exc.suggested_client_id)
        else:
            panel.show_error(str(exc))


BROKER_UI = IbUi
