"""KiteConnectionPanel: API key and secret, the daily Kite login (browser, then paste the redirect), connect.

It knows nothing of adapters or the keyring: keys go out through `save_keys`, the login URL comes from
`login_url`; the composition root exchanges the pasted text for a session (KiteBroker.complete_login) and
reports back with set_session, ask_relogin, set_connected and show_error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from gui.widgets.status_line import show_status

W = TypeVar("W", bound=QWidget)
IST = timezone(timedelta(hours=5, minutes=30), "IST")
KEYS_SAVED = "API key and secret saved in the system keyring."


class KiteConnectionPanel(QWidget):
    """objectName 'kiteConnectionPanel'; children 'kiteConnectionPanel.<field>' (apiKey, apiSecret, saveKeys,
    loginButton, redirect, submitLogin, expiry, status, reloginPrompt, connectButton, disconnectButton).

    Signals:
        login_submitted(str): the pasted redirect URL or request token, trimmed.
        connect_requested(): connect with the stored session.
        disconnect_requested().
    """

    login_submitted = Signal(str)
    connect_requested = Signal()
    disconnect_requested = Signal()

    def __init__(self, save_keys: Callable[[str, str], None], has_keys: Callable[[], bool],
                 login_url: Callable[[], str], open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kiteConnectionPanel")
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
        self.status = self._named(QLabel(""), "status")
        self.status.setWordWrap(True)
        self.connect_button = self._named(QPushButton("Connect"), "connectButton")
        self.disconnect_button = self._named(QPushButton("Disconnect"), "disconnectButton")
        self._layout()
        self.save_keys.clicked.connect(self._on_save_keys_clicked)
        self.login_button.clicked.connect(self._on_login_clicked)
        self.submit_login.clicked.connect(self._on_submit_login_clicked)
        self.redirect.returnPressed.connect(self._on_submit_login_clicked)
        self.connect_button.clicked.connect(self.connect_requested)
        self.disconnect_button.clicked.connect(self.disconnect_requested)
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

    def set_connected(self, message: str) -> None:
        self.relogin_prompt.setVisible(False)
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

    def _named(self, widget: W, name: str) -> W:
        widget.setObjectName(f"kiteConnectionPanel.{name}")
        return widget

    def _status(self, text: str, error: bool = False) -> None:
        show_status(self.status, text, error)

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow("API key", self.api_key)
        form.addRow("API secret", self.api_secret)
        form.addRow("", self.save_keys)
        login = QHBoxLayout()
        login.addWidget(self.redirect, 1)
        login.addWidget(self.submit_login)
        buttons = QHBoxLayout()
        buttons.addWidget(self.connect_button)
        buttons.addWidget(self.disconnect_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.relogin_prompt)
        column.addWidget(self.login_button)
        column.addLayout(login)
        column.addWidget(self.expiry)
        column.addLayout(buttons)
        column.addWidget(self.status)
        column.addStretch(1)
