"""AccountsSetup: the Connections dialog, one tab per broker kind the registry lists, and what a panel asks of it.

It names no broker kind: each kind's BrokerUi (gui/brokers/<kind>.py, or the generic one) builds its panel
and wires it to connect, disconnect, the keyring and the bus through the methods below.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from core.adapters import registry
from core.domain import AccountId, ConnectionChanged, ConnectionState, TradingStateChanged
from core.ports.broker import BrokerAdapter
from core.ports.broker_kind import BrokerKind
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.services.session_view import AccountStatus
from core.storage.secrets import SecretStoreError
from core.storage.settings import AccountSettings, SettingsStore
from gui.async_op import run_op
from gui.brokers.broker_ui import BrokerUi, broker_ui
from gui.brokers.generic import SaveSecret, config_field_names, same_settings
from gui.brokers.panel import ConnectionPanel
from gui.brokers.runtime import AdapterExtras
from gui.widgets.main_window import MainWindow

if TYPE_CHECKING:
    from gui.dialogs.connections import ConnectionsDialog

T = TypeVar("T")


class AccountsSetup:
    """Open the Connections dialog; add, save (without secrets) and connect the accounts it asks for."""

    def __init__(self, window: MainWindow, session: TradingSession, settings: SettingsStore, bus: EventBus,
                 adapter_settings: AdapterExtras) -> None:
        self._window = window
        self._session = session
        self._settings = settings
        self.window, self.session, self.settings = window, session, settings
        self._bus = bus
        self._adapter_settings = adapter_settings
        self.secrets = adapter_settings.secrets
        self.dialog: ConnectionsDialog | None = None

    def open_dialog(self, account_id: AccountId | None = None) -> ConnectionsDialog:
        """Open the dialog with a tab for each broker kind that has a connection panel, in the registry's order.

        Each account's state is listed at the top, as the session knows it now; with account_id (Edit…), its
        kind's tab is current and shows that account's saved settings; without, the first account that failed
        to connect or needs a login is shown so.
        """
        from gui.dialogs.connections import ConnectionsDialog, show_state  # a dialog: loaded when first opened

        dialog = ConnectionsDialog(self._window)
        if account_id is None:  # opened from the toolbar: on the account that wants the trader (no token, failed)
            account_id = next((a for a in self._session.account_ids() if self._wants_attention(a)), None)
        editing = next((a for a in self._settings.accounts() if a.id == account_id), None)
        for kind in registry.kinds():
            panel = broker_ui(kind).panel(self)
            if panel is None:
                continue
            index = dialog.add_panel(kind.display_name, panel)
            shown = editing if editing is not None and editing.kind == kind.name else self.saved(kind)
            if shown is not None and shown is editing:
                panel.set_settings(editing.settings)
                panel.show_account(editing.id)
                dialog.tabs.setCurrentIndex(index)
            if shown is not None:
                show_state(panel, self._status_of(AccountId(shown.id)))
        def show_states(_event: object = None) -> None:
            dialog.show_states([self._session.view.status(a) for a in self._session.account_ids()])

        show_states()
        # The list says "Connected · halted" while a new connection reconciles, then "active": it follows both.
        unsubscribes = [self._bus.subscribe(ConnectionChanged, show_states),
                        self._bus.subscribe(TradingStateChanged, show_states)]
        dialog.destroyed.connect(lambda *_: [unsubscribe() for unsubscribe in unsubscribes])
        self.dialog = dialog
        dialog.open()
        return dialog

    def _wants_attention(self, account_id: AccountId) -> bool:
        status = self._session.view.status(account_id)
        return status.connection is ConnectionState.FAILED or status.needs_login

    def _status_of(self, account_id: AccountId) -> AccountStatus | None:
        return self._session.view.status(account_id) if account_id in self._session.account_ids() else None

    # --- what a panel asks of the set-up --------------------------------------------------------------

    def saved(self, kind: BrokerKind) -> AccountSettings | None:
        """Return the first saved account of kind, or None."""
        return next((a for a in self._settings.accounts() if a.kind == kind.name), None)

    def show_saved(self, kind: BrokerKind, panel: ConnectionPanel) -> None:
        """Show the saved settings of kind's first account on its panel."""
        saved = self.saved(kind)
        if saved is not None:
            panel.set_settings(saved.settings)
            panel.show_account(saved.id)

    def secret_key(self, kind: BrokerKind, account_id: str, settings: Mapping[str, object], field: str) -> str:
        return self._adapter_settings.secret_key(kind, account_id, settings, field)

    def secret_saver(self, kind: BrokerKind) -> SaveSecret:
        """Return a function that keeps one secret field of the account some settings make in the keyring."""
        def save(settings: Mapping[str, object], field: str, value: str) -> None:
            self.secrets.set(self.secret_key(kind, str(kind.account_id(settings)), settings, field), value)
        return save

    def has_secret(self, kind: BrokerKind, account_id: str, settings: Mapping[str, object], field: str) -> bool:
        """Return True if the keyring holds that secret (False when the keyring cannot be read)."""
        try:
            return self.secrets.get(self.secret_key(kind, account_id, settings, field)) is not None
        except SecretStoreError:
            return False

    def account_adapter(self, kind: BrokerKind, account_id: AccountId,
                        values: Mapping[str, object] | None = None) -> BrokerAdapter:
        """Return the account's adapter, adding the account (saved without secrets) on first use.

        The panel's values override the saved settings it shows; those it does not show (timeouts, ...) are
        kept, and one it sends as None (a field the trader emptied) is dropped: its default applies again.
        Raise ValueError naming what is wrong with the settings.
        """
        saved = next((a for a in self._settings.accounts() if a.id == account_id), None)
        if saved is not None and saved.kind != kind.name:
            raise ValueError(f"{account_id} is already a {saved.kind} account: choose another name.")
        kept = saved.settings if saved is not None else self._default_settings(kind, account_id)
        merged = {**kept, **(values or {})}
        account = AccountSettings(str(account_id), kind.name, {k: v for k, v in merged.items() if v is not None})
        if account_id not in self._session.account_ids():
            adapter = registry.create_adapter(kind.name, account_id, self._adapter_settings(account),
                                              self._bus.publish, self._bus.publish_quotes)
            self._session.add_account(adapter)
            self._save(account)
            self._window.add_account_view(str(account_id))
            self._window.log_view.add("INFO", f"Added account {account_id} ({kind.display_name}).")
        elif values and saved is not None and not same_settings(kind, account.settings, saved.settings):  # edited
            adapter = registry.create_adapter(kind.name, account_id, self._adapter_settings(account),
                                              self._bus.publish, self._bus.publish_quotes)
            self._session.replace_account(adapter)  # AccountInUse (a ValueError) says what to do first
            self._save(account)
            changed = {k for k in {**account.settings, **saved.settings}
                       if account.settings.get(k) != saved.settings.get(k)}
            self._window.log_view.add("INFO", f"Changed {account_id}'s settings: " + ", ".join(sorted(changed)))
        return self._session.account(account_id).adapter

    def _default_settings(self, kind: BrokerKind, account_id: AccountId) -> dict[str, object]:
        """A new account of a kind that keeps its own books keeps them in the data folder (not in memory only)."""
        if "state_path" in config_field_names(kind):
            return {"state_path": str(self._settings.path.parent / kind.name / f"{account_id}.json")}
        return {}

    def connect(self, ui: BrokerUi, panel: ConnectionPanel, values: dict[str, Any],
                account_id: AccountId | str | None = None) -> None:
        """Add the account the panel's values make (if new), connect and reconcile it, and report on the panel.

        account_id: the name the panel gives it (paper, e-mail desk); else the kind's rule makes it from values.
        """
        account_id = AccountId(str(account_id)) if account_id is not None else ui.kind.account_id(values)
        try:
            self.account_adapter(ui.kind, account_id, values)
        except ValueError as exc:
            panel.show_error(str(exc))
            return
        panel.set_progress(f"Connecting {account_id}…")

        def done(_: object) -> None:
            ui.connected(panel, self._session.account(account_id).adapter, f"{account_id} connected and reconciled.")
            self.after_connect(account_id)

        self.run(f"Connect {account_id}", self._session.connect(account_id), on_success=done,
                 on_error=lambda exc: ui.failed(panel, exc))

    def after_connect(self, account_id: AccountId) -> None:
        """Refresh what the window offers once an account connected (its instruments)."""
        self._window.refresh_instruments()

    def run(self, label: str, coro: Coroutine[Any, Any, T], on_success: Callable[[T], None] | None = None,
            on_error: Callable[[BaseException], None] | None = None) -> None:
        """Run a panel's request on the loop, with the window's progress and error reporting."""
        run_op(self._window.reporter, label, coro, on_success=on_success, on_error=on_error)

    def connect_account(self, account_id: AccountId) -> Coroutine[Any, Any, object]:
        """Return the session's connect (and reconcile) of an account, to run with `run`."""
        return self._session.connect(account_id)

    def disconnect_kind(self, kind: BrokerKind, done: Callable[[], None]) -> None:
        """Disconnect every account of kind; call done after each."""
        for account_id in self._session.account_ids():
            if self._session.account(account_id).adapter.kind == kind.name:
                self.run(f"Disconnect {account_id}", self._session.disconnect(account_id), on_success=lambda _: done())

    def on_connection(self, panel: ConnectionPanel, handler: Callable[[ConnectionChanged], None]) -> None:
        """Call handler with every ConnectionChanged while panel lives."""
        unsubscribe = self._bus.subscribe(ConnectionChanged, handler)
        panel.destroyed.connect(lambda *_: unsubscribe())

    def _save(self, account: AccountSettings) -> None:
        """Save account (in its place, if it was saved before) with the others, in one atomic write."""
        accounts = self._settings.accounts()
        if any(a.id == account.id for a in accounts):
            self._settings.set_accounts([account if a.id == account.id else a for a in accounts])
        else:
            self._settings.set_accounts([*accounts, account])
