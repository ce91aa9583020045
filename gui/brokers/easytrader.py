"""Chinese brokers through easytrader in the GUI: EasytraderConnectionPanel (where the trader points TradeTerm at
an easytrader server and prepares the client) and EasytraderUi, which wires it to the account set-up.

The panel knows nothing of adapters or storage: passwords go to the keyring through the `save_secret` callable
(and are cleared from the form at once), the other settings are emitted as a plain dict with a prepare
request; the account set-up builds the easytrader adapter, connects it, and reports back through
set_progress, set_connected, set_disconnected and show_error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget

from core.adapters.easytrader import ACCOUNT_PREFIX
from core.adapters.easytrader.config import CLIENT_TYPES
from core.domain import ConnectionChanged, ConnectionState
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup
    from gui.brokers.runtime import AdapterExtras

DEFAULT_PORT = 1430
NO_AUTH_WARNING = (
    "⚠ The easytrader server has no authentication: anyone who can reach its port can trade this account. "
    "Run it bound to 127.0.0.1 or a trusted private network (firewall or SSH tunnel), never the internet."
)
SECRET_FIELDS = ("password", "comm_password")

SaveSecret = Callable[[str, str], None]
"""Store one secret ("password" or "comm_password") in the keyring; raise with a message on failure."""
HasSecret = Callable[[str], bool]


class EasytraderConnectionPanel(ConnectionPanel):
    """objectName 'easytraderConnectionPanel'; children 'easytraderConnectionPanel.<field>' (host, port,
    clientType, user, password, commPassword, exePath, noAuthWarning, prepareButton, disconnectButton,
    progress, status).

    Signals:
        prepare_requested(dict settings): host, port, client_type, user, exe_path; never a password.
        disconnect_requested().
    """

    prepare_requested = Signal(dict)

    def __init__(self, client_types: Sequence[tuple[str, str]], save_secret: SaveSecret,
                 has_secret: HasSecret | None = None, parent: QWidget | None = None) -> None:
        super().__init__("easytraderConnectionPanel", connect_text="Prepare", connect_name="prepareButton",
                         parent=parent)
        self.prepare_button = self.connect_button
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
        self.prepare_button.setToolTip("Log the broker client in through the easytrader server, then connect.")
        self._layout()
        self.prepare_button.clicked.connect(self._on_prepare_clicked)
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

    # --- state reported by the account set-up -----------------------------------------------------

    def set_disconnected(self, message: str = "") -> None:
        super().set_disconnected(message)
        self._show_stored()

    # --- slots ---------------------------------------------------------------------------------

    def _on_prepare_clicked(self) -> None:
        settings = self.settings()
        if not settings["host"]:
            return self._refuse("Enter the address of the machine running the easytrader server.", self.host)
        if not settings["user"]:
            return self._refuse("Enter the broker account (user) the client logs in with.", self.user)
        typed = {"password": self.password.text(), "comm_password": self.comm_password.text()}
        if not typed["password"] and not self._has_secret("password"):
            return self._refuse("Type the login password: it is kept in the keyring (or the encrypted vault), "
                                "never in settings.", self.password)
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

    def _show_stored(self) -> None:
        if not self.user.text().strip():
            return
        for edit, field in ((self.password, "password"), (self.comm_password, "comm_password")):
            edit.setPlaceholderText("stored in the keyring (type to replace)" if self._has_secret(field)
                                    else "kept in the keyring or the vault")

    def _secret_edit(self, name: str) -> QLineEdit:
        edit = self._named(QLineEdit(), name)
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("kept in the keyring or the vault")
        return edit

    def fields(self) -> Sequence[QWidget]:
        return (self.host, self.port, self.client_type, self.user, self.password, self.comm_password, self.exe_path)

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("Server host", self.host)
        form.addRow("Port", self.port)
        form.addRow("Broker client", self.client_type)
        form.addRow("User", self.user)
        form.addRow("Password", self.password)
        form.addRow("Comm. password", self.comm_password)
        form.addRow("Client exe path", self.exe_path)
        self._lay_out(form, self.warning)


class EasytraderUi(BrokerUi):
    """easytrader's panel: passwords to the keyring (by broker login), prepare = log the client in, then connect;
    the server's preparing steps shown as they come."""

    def panel(self, setup: AccountsSetup) -> EasytraderConnectionPanel:
        panel: EasytraderConnectionPanel

        def login() -> dict[str, object]:
            return {"user": panel.user.text().strip()}

        def has_secret(field: str) -> bool:
            settings = login()
            return bool(settings["user"]) and setup.has_secret(
                self.kind, str(self.kind.account_id(settings)), settings, field)

        save = setup.secret_saver(self.kind)
        panel = EasytraderConnectionPanel(list(CLIENT_TYPES.items()),
                                          save_secret=lambda field, value: save(login(), field, value),
                                          has_secret=has_secret)
        setup.show_saved(self.kind, panel)
        panel.prepare_requested.connect(lambda values: setup.connect(self, panel, values))
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_disconnected("Disconnected.")))

        def on_connection(event: ConnectionChanged) -> None:
            if (str(event.account_id).startswith(ACCOUNT_PREFIX) and event.state is ConnectionState.CONNECTING
                    and event.message):
                panel.set_progress(event.message)

        setup.on_connection(panel, on_connection)
        return panel

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        def key(field: str) -> str:
            return runtime.secret_key(self.kind, account.id, account.settings, field)

        values.setdefault("order_map_path", str(runtime.cache_dir.parent / self.kind.name / f"{account.id}.json"))
        values["credentials"] = lambda: (runtime.secrets.get(key("password")),
                                         runtime.secrets.get(key("comm_password")))


BROKER_UI = EasytraderUi
