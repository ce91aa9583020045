"""EasytraderConnectionPanel: where the trader points TradeTerm at an easytrader server and prepares the client.

It knows nothing of adapters or storage: passwords go to the keyring through the `save_secret` callable
(and are cleared from the form at once), the other settings are emitted as a plain dict with a prepare
request; the composition root builds the easytrader adapter, connects it, and reports back through
set_progress, set_connected, set_disconnected and show_error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
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
DEFAULT_PORT = 1430
NO_AUTH_WARNING = (
    "⚠ The easytrader server has no authentication: anyone who can reach its port can trade this account. "
    "Run it bound to 127.0.0.1 or a trusted private network (firewall or SSH tunnel), never the internet."
)
SECRET_FIELDS = ("password", "comm_password")
_STEP = re.compile(r"Step (\d+) of (\d+)")

SaveSecret = Callable[[str, str], None]
"""Store one secret ("password" or "comm_password") in the keyring; raise with a message on failure."""
HasSecret = Callable[[str], bool]


class EasytraderConnectionPanel(QWidget):
    """objectName 'easytraderConnectionPanel'; children 'easytraderConnectionPanel.<field>' (host, port,
    clientType, user, password, commPassword, exePath, noAuthWarning, prepareButton, disconnectButton,
    progress, status).

    Signals:
        prepare_requested(dict settings): host, port, client_type, user, exe_path; never a password.
        disconnect_requested().
    """

    prepare_requested = Signal(dict)
    disconnect_requested = Signal()

    def __init__(self, client_types: Sequence[tuple[str, str]], save_secret: SaveSecret,
                 has_secret: HasSecret | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("easytraderConnectionPanel")
        self._save_secret = save_secret
        self._has_secret = has_secret or (lambda _: False)
        self.host = self._named(QLineEdit("127.0.0.1"), "host")
        self.host.setPlaceholderText("address of the Windows machine running the easytrader server")
        self.port = self._named(QSpinBox(), "port")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.client_type = self._named(QComboBox(), "clientType")
        for key, label in client_types:
            self.client_type.addItem(label, key)
        self.user = self._named(QLineEdit(), "user")
        self.user.setPlaceholderText("broker account (资金账号)")
        self.password = self._secret_edit("password")
        self.comm_password = self._secret_edit("commPassword")
        self.exe_path = self._named(QLineEdit(), "exePath")
        self.exe_path.setPlaceholderText(r"C:\ths\xiadan.exe (empty: easytrader's default for the client)")
        self.warning = self._named(QLabel(NO_AUTH_WARNING), "noAuthWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b26a00; font-weight: bold;")
        self.prepare_button = self._named(QPushButton("Prepare"), "prepareButton")
        self.prepare_button.setToolTip("Log the broker client in through the easytrader server, then connect.")
        self.disconnect_button = self._named(QPushButton("Disconnect"), "disconnectButton")
        self.progress = self._named(QProgressBar(), "progress")
        self.progress.setVisible(False)
        self.status = self._named(QLabel("Not connected."), "status")
        self.status.setWordWrap(True)
        self._layout()
        self.prepare_button.clicked.connect(self._on_prepare_clicked)
        self.disconnect_button.clicked.connect(self.disconnect_requested)
        self.user.textChanged.connect(self._on_user_changed)
        self.set_disconnected()

    # --- settings ------------------------------------------------------------------------------

    def settings(self) -> dict[str, object]:
        """Return the connection settings as plain values (what the easytrader adapter's config reads)."""
        return {
            "host": self.host.text().strip(),
            "port": self.port.value(),
            "client_type": self.client_type.currentData(),
            "user": self.user.text().strip(),
            "exe_path": self.exe_path.text().strip(),
        }

    def set_settings(self, settings: Mapping[str, object]) -> None:
        """Show saved settings; unknown keys are ignored."""
        host, port, client_type = settings.get("host"), settings.get("port"), settings.get("client_type")
        user, exe_path = settings.get("user"), settings.get("exe_path")
        if isinstance(host, str):
            self.host.setText(host)
        if isinstance(port, int):
            self.port.setValue(port)
        if isinstance(client_type, str) and (index := self.client_type.findData(client_type)) >= 0:
            self.client_type.setCurrentIndex(index)
        if isinstance(user, str):
            self.user.setText(user)
        if isinstance(exe_path, str):
            self.exe_path.setText(exe_path)

    # --- state reported by the lead ------------------------------------------------------------

    def set_progress(self, message: str) -> None:
        """Show a preparing step; "Step n of m: …" moves the bar to n of m, other texts show it busy."""
        self._editable(False)
        self.prepare_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        match = _STEP.search(message)
        if match is not None:
            step, total = int(match.group(1)), int(match.group(2))
            self.progress.setRange(0, total)
            self.progress.setValue(step - 1)
        else:
            self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self._status(message)

    def set_connected(self, message: str = "") -> None:
        self._editable(False)
        self.prepare_button.setEnabled(False)
        self.disconnect_button.setEnabled(True)
        self.progress.setVisible(False)
        self._status(message or "Connected.")

    def set_disconnected(self, message: str = "") -> None:
        self._editable(True)
        self.prepare_button.setEnabled(True)
        self.disconnect_button.setEnabled(False)
        self.progress.setVisible(False)
        self._status(message or "Not connected.")
        self._show_stored()

    def show_error(self, message: str) -> None:
        """Show why preparing failed, in the trader's words, with the form editable again."""
        self.set_disconnected()
        self._status(message, error=True)

    # --- slots ---------------------------------------------------------------------------------

    def _on_prepare_clicked(self) -> None:
        settings = self.settings()
        if not settings["host"]:
            return self._refuse("Enter the address of the machine running the easytrader server.", self.host)
        if not settings["user"]:
            return self._refuse("Enter the broker account (user) the client logs in with.", self.user)
        typed = {"password": self.password.text(), "comm_password": self.comm_password.text()}
        if not typed["password"] and not self._has_secret("password"):
            return self._refuse("Type the login password: it is kept in the system keyring, never in a file.",
                                self.password)
        try:
            for field in SECRET_FIELDS:
                if typed[field]:
                    self._save_secret(field, typed[field])
        except Exception as exc:  # the keyring's error says what is wrong; never the secret itself
            return self._refuse(f"Could not keep the password in the keyring: {exc}", self.password)
        finally:
            self.password.clear()
            self.comm_password.clear()
        self.set_progress("Preparing: logging the broker client in through the easytrader server…")
        self.prepare_requested.emit(settings)

    def _on_user_changed(self, _: str) -> None:
        self._show_stored()

    # --- helpers -------------------------------------------------------------------------------

    def _refuse(self, text: str, focus: QWidget) -> None:
        self._status(text, error=True)
        focus.setFocus()

    def _show_stored(self) -> None:
        if not self.user.text().strip():
            return
        for edit, field in ((self.password, "password"), (self.comm_password, "comm_password")):
            edit.setPlaceholderText("stored in the keyring (type to replace)" if self._has_secret(field)
                                    else "kept in the system keyring")

    def _secret_edit(self, name: str) -> QLineEdit:
        edit = self._named(QLineEdit(), name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("kept in the system keyring")
        return edit

    def _named(self, widget: W, name: str) -> W:
        widget.setObjectName(f"easytraderConnectionPanel.{name}")
        return widget

    def _status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _editable(self, on: bool) -> None:
        for widget in (self.host, self.port, self.client_type, self.user, self.password, self.comm_password,
                       self.exe_path):
            widget.setEnabled(on)

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Server host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Broker client", self.client_type)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("Comm. password", self.comm_password)
        form.addRow("Client exe path", self.exe_path)
        buttons = QHBoxLayout()
        buttons.addWidget(self.prepare_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addWidget(self.warning)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.status)
        column.addStretch(1)
