"""Zerodha Kite in the GUI: KiteConnectionPanel (API key and secret, the daily login in the browser, then
paste the redirect, connect), KiteUi, which wires it to the account set-up, and the keyring-backed credentials
the Kite adapter reads.

The panel knows nothing of adapters or the keyring: keys go out through `save_keys`, the login URL comes from
`login_url`; KiteUi exchanges the pasted text for a session (InteractiveLogin.complete_login) and
reports back with set_session, ask_relogin, set_connected and show_error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.adapters.kite.credentials import AccessToken, KiteCredentials
from core.domain import AccountId, ConnectionChanged, ConnectionState
from core.ports.capabilities import InteractiveLogin, LoginSession
from core.storage.secrets import SecretStore
from core.storage.settings import AccountSettings
from gui.brokers.broker_ui import BrokerUi
from gui.brokers.panel import ConnectionPanel

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup
    from gui.brokers.runtime import AdapterExtras

IST = timezone(timedelta(hours=5, minutes=30), "IST")
KEYS_SAVED = "API key and secret saved in the keyring (or the encrypted vault)."


class KiteConnectionPanel(ConnectionPanel):
    """objectName 'kiteConnectionPanel'; children 'kiteConnectionPanel.<field>' (apiKey, apiSecret, saveKeys,
    loginButton, redirect, submitLogin, expiry, status, reloginPrompt, connectButton, disconnectButton).

    Signals:
        login_submitted(str): the pasted redirect URL or request token, trimmed.
        connect_requested(): connect with the stored session.
        disconnect_requested().
    """

    login_submitted = Signal(str)
    connect_requested = Signal()

    def __init__(self, save_keys: Callable[[str, str], None], has_keys: Callable[[], bool],
                 login_url: Callable[[], str], open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__("kiteConnectionPanel", status_text="", parent=parent)
        self._save_keys = save_keys
        self._has_keys = has_keys
        self._login_url = login_url
        self._open_url = open_url
        self.api_key = self._named(QLineEdit(), "apiKey")
        self.api_secret = self._named(QLineEdit(), "apiSecret")
        for field, hint in ((self.api_key, "API key"), (self.api_secret, "API secret")):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.setPlaceholderText(f"{hint} (stored in the keyring)")
        self.save_keys = self._named(QPushButton("Save keys"), "saveKeys")
        self.login_button = self._named(QPushButton("Log in"), "loginButton")
        self.login_button.setToolTip("Opens the Kite login page in your browser.")
        self.redirect = self._named(QLineEdit(), "redirect")
        self.redirect.setPlaceholderText("Paste the address Kite redirected to (or the request token)")
        self.submit_login = self._named(QPushButton("Use this login"), "submitLogin")
        self.expiry = self._named(QLabel("No Kite session."), "expiry")
        self.relogin_prompt = self._named(QLabel(), "reloginPrompt")
        self.relogin_prompt.setWordWrap(True)
        self.relogin_prompt.setStyleSheet("color: #c62828; font-weight: bold;")
        self.relogin_prompt.setVisible(False)
        self._layout()
        self.save_keys.clicked.connect(self._on_save_keys_clicked)
        self.login_button.clicked.connect(self._on_login_clicked)
        self.submit_login.clicked.connect(self._on_submit_login_clicked)
        self.redirect.returnPressed.connect(self._on_submit_login_clicked)
        self.connect_button.clicked.connect(self.connect_requested)
        self._refresh_keys()

    # --- called by the composition root -----------------------------------------------------------

    def set_session(self, expires_at: datetime, user_id: str = "") -> None:
        """Show that a session was generated and when Kite ends it."""
        self.relogin_prompt.setVisible(False)
        self.redirect.clear()
        who = f" as {user_id}" if user_id else ""
        self.expiry.setText(f"Logged in{who}; the session ends {expires_at.astimezone(IST):%a %d %b %H:%M} IST.")
        self._status("Session generated.")

    def ask_relogin(self, message: str) -> None:
        """Show the re-login prompt (the Kite session ended) and put the focus on Log in."""
        self.relogin_prompt.setText(message)
        self.relogin_prompt.setVisible(True)
        self.expiry.setText("Kite session ended.")
        self.login_button.setFocus()

    def set_progress(self, message: str) -> None:
        self._status(message)

    def set_connected(self, message: str = "") -> None:
        self.relogin_prompt.setVisible(False)
        self._status(message)

    def set_disconnected(self, message: str = "") -> None:
        self._status(message)

    def show_error(self, message: str) -> None:
        self._status(message, error=True)

    # --- slots ------------------------------------------------------------------------------------

    def _on_save_keys_clicked(self) -> None:
        key, secret = self.api_key.text().strip(), self.api_secret.text().strip()
        if not key or not secret or not key.isalnum() or not secret.isalnum():
            self.show_error("Enter both the API key and the API secret from developers.kite.trade "
                            "(letters and digits only).")
            return
        try:
            self._save_keys(key, secret)
        except Exception as exc:  # the keyring's own error names the problem, never the secret
            self.show_error(f"Could not save the keys: {exc}")
            return
        self.api_key.clear()
        self.api_secret.clear()
        self._refresh_keys()
        self._status(KEYS_SAVED)

    def _on_login_clicked(self) -> None:
        if not self._has_keys():
            self.show_error("Save the API key and secret first.")
            return
        url = self._login_url()
        if not self._open_url(QUrl(url)):
            self.show_error(f"Could not open a browser: open {url} yourself, log in, then paste the address here.")
            return
        self._status("Log in in the browser, then paste the address Kite sends you to below.")
        self.redirect.setFocus()

    def _on_submit_login_clicked(self) -> None:
        text = self.redirect.text().strip()
        if not text:
            self.show_error("Paste the address Kite redirected to after login (it contains request_token=…).")
            return
        self._status("Generating the session…")
        self.login_submitted.emit(text)

    # --- helpers ----------------------------------------------------------------------------------

    def _refresh_keys(self) -> None:
        stored = self._has_keys()
        self.login_button.setEnabled(stored)
        self.api_key.setPlaceholderText("API key saved (type to replace)" if stored else "API key")

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("API key", self.api_key)
        form.addRow("API secret", self.api_secret)
        form.addRow("", self.save_keys)
        login = QHBoxLayout()
        login.addWidget(self.redirect, 1)
        login.addWidget(self.submit_login)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.relogin_prompt)
        column.addWidget(self.login_button)
        column.addLayout(login)
        column.addWidget(self.expiry)
        column.addLayout(self._buttons())
        column.addWidget(self.status)
        column.addStretch(1)


def kite_credentials(secrets: SecretStore, key: Callable[[str], str]) -> KiteCredentials:
    """Kite's API key, secret and daily access token, all kept in the keyring under key(field)."""

    def load_token() -> AccessToken | None:
        raw = secrets.get(key("access_token"))
        return AccessToken.from_secret(raw) if raw is not None else None

    return KiteCredentials(
        api_key=lambda: secrets.get(key("api_key")),
        api_secret=lambda: secrets.get(key("api_secret")),
        load_token=load_token,
        save_token=lambda token: secrets.set(key("access_token"), token.to_secret()),
    )


class KiteUi(BrokerUi):
    """Kite's panel: keys to the keyring, the daily login (InteractiveLogin), connect; a re-login prompt when the
    session ends. One Kite account: the saved one, else KITE-1."""

    def _account_id(self, setup: AccountsSetup) -> AccountId:
        saved = setup.saved(self.kind)
        return AccountId(saved.id) if saved is not None else self.kind.account_id({})

    def panel(self, setup: AccountsSetup) -> KiteConnectionPanel:
        account_id = self._account_id(setup)

        def key(field: str) -> str:
            return setup.secret_key(self.kind, account_id, {}, field)

        def save_keys(api_key: str, secret: str) -> None:
            setup.secrets.set(key("api_key"), api_key)
            setup.secrets.set(key("api_secret"), secret)

        def has_keys() -> bool:
            return all(setup.has_secret(self.kind, account_id, {}, field) for field in ("api_key", "api_secret"))

        def login() -> InteractiveLogin:
            adapter = setup.account_adapter(self.kind, account_id)
            assert isinstance(adapter, InteractiveLogin), f"{self.kind.name} adapters log in interactively"
            return adapter

        panel = KiteConnectionPanel(save_keys, has_keys, lambda: login().login_url())

        async def login_and_connect(text: str) -> LoginSession:
            token = await login().complete_login(text)
            await setup.connect_account(account_id)
            return token

        def connected(_: object) -> None:
            self.connected(panel, None, f"{account_id} connected and reconciled.")
            setup.after_connect(account_id)

        def logged_in(token: LoginSession) -> None:
            panel.set_session(token.expires_at, token.user_id)
            connected(None)

        def connect() -> None:
            setup.account_adapter(self.kind, account_id)
            setup.run(f"Connect {account_id}", setup.connect_account(account_id), on_success=connected,
                      on_error=lambda exc: self.failed(panel, exc))

        panel.login_submitted.connect(lambda text: setup.run(
            "Kite login", login_and_connect(text), on_success=logged_in, on_error=lambda exc: self.failed(panel, exc)))
        panel.connect_requested.connect(connect)
        panel.disconnect_requested.connect(
            lambda: setup.disconnect_kind(self.kind, lambda: panel.set_connected("Disconnected.")))

        def on_connection(event: ConnectionChanged) -> None:
            if event.account_id == account_id and event.state is ConnectionState.FAILED:
                panel.ask_relogin(event.message)

        setup.on_connection(panel, on_connection)
        return panel

    def add_runtime(self, account: AccountSettings, values: dict[str, object], runtime: AdapterExtras) -> None:
        values["credentials"] = kite_credentials(
            runtime.secrets, lambda field: runtime.secret_key(self.kind, account.id, account.settings, field))
        values.setdefault("instruments_cache_dir", str(runtime.cache_dir))


BROKER_UI = KiteUi
