"""ReloginPrompt: when a broker ends an account's session (Kite at 06:00 IST, or a login elsewhere), ask the trader
to log in again at once, through the window, whether or not that broker's panel is open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from core.domain import AccountId, ConnectionState

if TYPE_CHECKING:
    from gui.brokers.account_setup import AccountsSetup


class ReloginPrompt:
    """One non-modal 'reloginDialog.<ID>' per account whose session ended while it was connected; its Log in…
    opens the Connections dialog on that account's tab (InteractiveLogin does the rest)."""

    def __init__(self, setup: AccountsSetup) -> None:
        self._setup = setup
        self._was_connected: set[AccountId] = set()
        self.boxes: dict[AccountId, QMessageBox] = {}
        setup.window.bridge.connection_changed.connect(self._on_connection_changed)

    def _on_connection_changed(self, account_id: AccountId, state: ConnectionState, message: str) -> None:
        if state is ConnectionState.CONNECTED:
            self._was_connected.add(account_id)
            box = self.boxes.pop(account_id, None)
            if box is not None:
                box.close()
            return
        session = self._setup.session
        if account_id not in session.account_ids() or state is not ConnectionState.FAILED:
            return
        if account_id in self._was_connected and session.view.status(account_id).needs_login:
            self._was_connected.discard(account_id)
            self.ask(account_id, message)

    def ask(self, account_id: AccountId, reason: str) -> QMessageBox:
        """Show (or refresh) the prompt to log account_id in again."""
        box = self.boxes.get(account_id)
        text = (f"{account_id}: the broker ended the session, so {account_id} is halted and sends no orders.\n\n"
                f"{reason}\n\nLog in again now; trading resumes after the login, with no restart.")
        if box is None:
            box = QMessageBox(QMessageBox.Icon.Warning, f"Log in to {account_id} again", text,
                              QMessageBox.StandardButton.NoButton, self._setup.window)
            box.setObjectName(f"reloginDialog.{account_id}")
            login = box.addButton("Log in…", QMessageBox.ButtonRole.AcceptRole)
            login.setObjectName(f"reloginDialog.{account_id}.loginButton")
            box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
            box.setDefaultButton(login)
            login.clicked.connect(lambda: self._setup.open_dialog(account_id))
            box.finished.connect(lambda _: self.boxes.pop(account_id, None))
            self.boxes[account_id] = box
            self._setup.window.log_view.add("WARNING", f"{account_id}: session ended; asked the trader to log in "
                                                       "again.")
        box.setText(text)
        box.open()
        return box
