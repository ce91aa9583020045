"""AccountsSetup: turn a connection panel's request into an adapter in the running session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.adapters.ib.config import PORT_PRESETS
from core.adapters.registry import create_adapter
from core.domain import AccountId
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.settings import AccountSettings, SettingsStore
from gui.async_op import run_op
from gui.dialogs.connections import ConnectionsDialog
from gui.widgets.ib_connection_panel import IbConnectionPanel
from gui.widgets.main_window import MainWindow

AdapterSettings = Callable[[AccountSettings], dict[str, object]]


class AccountsSetup:
    """Open the Connections dialog; add, save (without secrets) and connect the accounts it asks for."""

    def __init__(self, window: MainWindow, session: TradingSession, settings: SettingsStore, bus: EventBus,
                 adapter_settings: AdapterSettings) -> None:
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
        ib.disconnect_requested.connect(lambda: self._disconnect_kind("ib", ib))
        dialog.add_panel("Interactive Brokers", ib)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _account_id(self, kind: str, values: dict[str, Any]) -> AccountId:
        if kind == "ib":
            return AccountId(str(values.get("account") or f"IB-{values.get('client_id', 0)}"))
        return AccountId(str(values.get("id") or kind.upper()))

    def _connect(self, kind: str, panel: Any, values: dict[str, Any]) -> None:
        account_id = self._account_id(kind, values)
        try:
            if account_id not in self._session.account_ids():
                account = AccountSettings(str(account_id), kind, dict(values))
                adapter = create_adapter(kind, account_id, self._adapter_settings(account), self._bus.publish)
                self._session.add_account(adapter)
                self._save(account)
                self._window.add_account_view(str(account_id))
        except ValueError as exc:
            panel.show_error(str(exc))
            return
        panel.set_connecting(f"Connecting {account_id}…")

        def done(_: object) -> None:
            adapter = self._session.account(account_id).adapter
            managed = list(getattr(adapter, "managed_accounts", []) or [])
            current = str(getattr(adapter, "ib_account", "") or account_id)
            panel.set_connected(managed, current, f"{account_id} connected and reconciled.")
            self._window.refresh_instruments()

        def failed(exc: BaseException) -> None:
            panel.show_error(str(exc), getattr(exc, "suggested_client_id", None))

        run_op(self._window.reporter, f"Connect {account_id}", self._session.connect(account_id),
               on_success=done, on_error=failed)

    def _disconnect_kind(self, kind: str, panel: Any) -> None:
        for account_id in self._session.account_ids():
            if self._session.account(account_id).adapter.kind == kind:
                run_op(self._window.reporter, f"Disconnect {account_id}", self._session.disconnect(account_id),
                       on_success=lambda _: panel.set_disconnected("Disconnected."))

    def _save(self, account: AccountSettings) -> None:
        accounts = [a for a in self._settings.accounts() if a.id != account.id]
        self._settings.set_accounts([*accounts, account])
