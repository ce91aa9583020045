"""AccountsSetup: turn a connection panel's request into an adapter in the running session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.adapters.easytrader.config import CLIENT_TYPES
from core.adapters.ib.config import PORT_PRESETS
from core.adapters.registry import create_adapter
from core.domain import AccountId, ConnectionChanged, ConnectionState
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.secrets import SecretStoreError
from core.storage.settings import AccountSettings, SettingsStore
from gui.adapter_extras import AdapterExtras, easytrader_secret, kite_secret
from gui.async_op import run_op
from gui.dialogs.connections import ConnectionsDialog
from gui.widgets.easytrader_connection_panel import EasytraderConnectionPanel
from gui.widgets.ib_connection_panel import IbConnectionPanel
from gui.widgets.kite_connection_panel import KiteConnectionPanel
from gui.widgets.main_window import MainWindow

AdapterSettings = Callable[[AccountSettings], dict[str, object]]
KITE_ACCOUNT = "KITE-1"


class AccountsSetup:
    """Open the Connections dialog; add, save (without secrets) and connect the accounts it asks for."""

    def __init__(self, window: MainWindow, session: TradingSession, settings: SettingsStore, bus: EventBus,
                 adapter_settings: AdapterExtras) -> None:
        self._window = window
        self._session = session
        self._settings = settings
        self._bus = bus
        self._adapter_settings = adapter_settings
        self.dialog: ConnectionsDialog | None = None

    def open_dialog(self) -> ConnectionsDialog:
        dialog = ConnectionsDialog(self._window)
        ib = IbConnectionPanel([(int(port), label) for port, label in PORT_PRESETS.items()])
        saved = next((a for a in self._settings.accounts() if a.kind == "ib"), None)
        if saved is not None:
            ib.set_settings(saved.settings)
        ib.connect_requested.connect(lambda values: self._connect("ib", ib, values))
        ib.disconnect_requested.connect(
            lambda: self._disconnect_kind("ib", lambda: ib.set_disconnected("Disconnected.")))
        dialog.add_panel("Interactive Brokers", ib)
        dialog.add_panel("Zerodha Kite", self._kite_panel())
        dialog.add_panel("China A-shares (easytrader)", self._easytrader_panel())
        self.dialog = dialog
        dialog.open()
        return dialog

    # --- Zerodha Kite: keys in the keyring, a daily login, then connect -----------------------------

    def _kite_account(self) -> AccountId:
        saved = next((a for a in self._settings.accounts() if a.kind == "kite"), None)
        return AccountId(saved.id if saved is not None else KITE_ACCOUNT)

    def _kite_adapter(self) -> Any:
        """Return the Kite account's adapter, adding the account (saved without secrets) on first use."""
        account_id = self._kite_account()
        if account_id not in self._session.account_ids():
            saved = next((a for a in self._settings.accounts() if a.id == account_id), None)
            account = saved or AccountSettings(str(account_id), "kite", {})
            adapter = create_adapter("kite", account_id, self._adapter_settings(account), self._bus.publish,
                                     self._bus.publish_quotes)
            self._session.add_account(adapter)
            self._save(account)
            self._window.add_account_view(str(account_id))
        return self._session.account(account_id).adapter

    def _kite_panel(self) -> KiteConnectionPanel:
        account_id = str(self._kite_account())
        secrets = self._adapter_settings.secrets

        def save_keys(key: str, secret: str) -> None:
            secrets.set(kite_secret(account_id, "api_key"), key)
            secrets.set(kite_secret(account_id, "api_secret"), secret)

        def has_keys() -> bool:
            try:
                return all(secrets.get(kite_secret(account_id, p)) is not None for p in ("api_key", "api_secret"))
            except SecretStoreError:
                return False

        panel = KiteConnectionPanel(save_keys, has_keys, lambda: str(self._kite_adapter().login_url()))

        async def login_and_connect(text: str) -> Any:
            adapter = self._kite_adapter()
            token = await adapter.complete_login(text)
            await self._session.connect(AccountId(account_id))
            return token

        def connected(_: object) -> None:
            panel.set_connected(f"{account_id} connected and reconciled.")
            self._window.refresh_instruments()

        def logged_in(token: Any) -> None:
            panel.set_session(token.expires_at, token.user_id)
            connected(None)

        panel.login_submitted.connect(lambda text: run_op(
            self._window.reporter, "Kite login", login_and_connect(text),
            on_success=logged_in, on_error=lambda exc: panel.show_error(str(exc))))
        panel.connect_requested.connect(lambda: (self._kite_adapter(), run_op(
            self._window.reporter, f"Connect {account_id}", self._session.connect(AccountId(account_id)),
            on_success=connected, on_error=lambda exc: panel.show_error(str(exc)))))
        panel.disconnect_requested.connect(
            lambda: self._disconnect_kind("kite", lambda: panel.set_connected("Disconnected.")))

        def on_connection(event: ConnectionChanged) -> None:
            if str(event.account_id) == account_id and event.state is ConnectionState.FAILED:
                panel.ask_relogin(event.message)

        unsubscribe = self._bus.subscribe(ConnectionChanged, on_connection)
        panel.destroyed.connect(lambda *_: unsubscribe())
        return panel

    # --- Chinese brokers through an easytrader server ---------------------------------------------------

    def _easytrader_panel(self) -> EasytraderConnectionPanel:
        secrets = self._adapter_settings.secrets
        panel: EasytraderConnectionPanel

        def user() -> str:
            return panel.user.text().strip()

        def has_secret(field: str) -> bool:
            try:
                return bool(user()) and secrets.get(easytrader_secret(user(), field)) is not None
            except SecretStoreError:
                return False

        panel = EasytraderConnectionPanel(
            list(CLIENT_TYPES.items()),
            save_secret=lambda field, value: secrets.set(easytrader_secret(user(), field), value),
            has_secret=has_secret,
        )
        saved = next((a for a in self._settings.accounts() if a.kind == "easytrader"), None)
        if saved is not None:
            panel.set_settings(saved.settings)
        panel.prepare_requested.connect(lambda values: self._connect("easytrader", panel, values))
        panel.disconnect_requested.connect(
            lambda: self._disconnect_kind("easytrader", lambda: panel.set_disconnected("Disconnected.")))

        def on_connection(event: ConnectionChanged) -> None:
            if str(event.account_id).startswith("ET-") and event.state is ConnectionState.CONNECTING and event.message:
                panel.set_progress(event.message)

        unsubscribe = self._bus.subscribe(ConnectionChanged, on_connection)
        panel.destroyed.connect(lambda *_: unsubscribe())
        return panel

    def _account_id(self, kind: str, values: dict[str, Any]) -> AccountId:
        if kind == "easytrader":
            return AccountId(f"ET-{values.get('user') or 'default'}")
        if kind == "ib":
            return AccountId(str(values.get("account") or f"IB-{values.get('client_id', 0)}"))
        return AccountId(str(values.get("id") or kind.upper()))

    def _connect(self, kind: str, panel: Any, values: dict[str, Any]) -> None:
        account_id = self._account_id(kind, values)
        try:
            if account_id not in self._session.account_ids():
                saved = next((a for a in self._settings.accounts() if a.id == account_id), None)
                # The panel sets what it shows; settings it does not show (timeouts, ...) are kept.
                merged = {**(saved.settings if saved is not None and saved.kind == kind else {}), **values}
                account = AccountSettings(str(account_id), kind, merged)
                adapter = create_adapter(kind, account_id, self._adapter_settings(account), self._bus.publish,
                                         self._bus.publish_quotes)
                self._session.add_account(adapter)
                self._save(account)
                self._window.add_account_view(str(account_id))
        except ValueError as exc:
            panel.show_error(str(exc))
            return
        if kind == "ib":
            panel.set_connecting(f"Connecting {account_id}…")
        else:
            panel.set_progress(f"Connecting {account_id}…")

        def done(_: object) -> None:
            message = f"{account_id} connected and reconciled."
            if kind == "ib":
                adapter = self._session.account(account_id).adapter
                managed = list(getattr(adapter, "managed_accounts", []) or [])
                panel.set_connected(managed, str(getattr(adapter, "ib_account", "") or account_id), message)
            else:
                panel.set_connected(message)
            self._window.refresh_instruments()

        def failed(exc: BaseException) -> None:
            panel.show_error(str(exc), getattr(exc, "suggested_client_id", None))

        run_op(self._window.reporter, f"Connect {account_id}", self._session.connect(account_id),
               on_success=done, on_error=failed)

    def _disconnect_kind(self, kind: str, done: Callable[[], None]) -> None:
        for account_id in self._session.account_ids():
            if self._session.account(account_id).adapter.kind == kind:
                run_op(self._window.reporter, f"Disconnect {account_id}", self._session.disconnect(account_id),
                       on_success=lambda _: done())

    def _save(self, account: AccountSettings) -> None:
        accounts = [a for a in self._settings.accounts() if a.id != account.id]
        self._settings.set_accounts([*accounts, account])
