"""FundsController: builds the account panel dock and keeps it current from FundsUpdated, without blocking the GUI.

The FundsService (core) reads each account's funds on fills and connects; this controller only stages
rows in the panel's model, which the bridge's frame flusher paints at most once per frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import QObject, Qt, QTimer

from core.domain import AccountId, ConnectionState, TradingState
from core.domain.funds import AccountFunds, FundsLine, FundsUpdated
from core.services.funds_totals import currency_totals, grand_total, quote_rate
from gui.models.funds import TOTAL, FundsRow, FundsTableModel
from gui.periodic import start_apart
from gui.widgets.funds_panel import FundsPanel

if TYPE_CHECKING:
    from gui.widgets.main_window import MainWindow

TOTALS_ORDER = 1_000_000
GRAND_TOTAL_REFRESH_MS = 1000
"""FX moves the grand total between funds reads: it is recomputed once a second, never per tick."""


@runtime_checkable
class BaseCurrencyStore(Protocol):
    """Settings that keep the grand total's base currency between runs (the app's SettingsStore)."""

    def funds_base(self) -> str | None: ...

    def set_funds_base(self, code: str) -> None: ...


class FundsController(QObject):
    """Own the funds model and panel; `window.funds` (MainWindow) after `FundsController.install(window)`."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._view = window.session.view
        self._funds = window.session.funds
        self._latest: dict[AccountId, AccountFunds] = dict(self._funds.all_latest())
        self._shown: dict[AccountId, set[tuple[str, str]]] = {}
        self._totals: set[tuple[str, str]] = set()
        self.model = FundsTableModel(parent=self)
        window.bridge.flusher.register(self.model)
        self.panel = FundsPanel(self.model)
        store = window.settings if isinstance(window.settings, BaseCurrencyStore) else None
        if store is not None and (saved := store.funds_base()) is not None:
            self.panel.choose_base(saved)
        self.panel.base_changed.connect(lambda _: self._show_grand_total())
        if store is not None:
            self.panel.base_changed.connect(store.set_funds_base)
        window.add_dock("Funds", "dock.funds", self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self._unsubscribe = window.session.bus.subscribe(FundsUpdated, self._on_funds_updated)
        window.bridge.connection_changed.connect(self._on_state_changed)
        window.bridge.trading_state_changed.connect(self._on_state_changed)
        self._timer = QTimer(self)
        self._timer.setInterval(GRAND_TOTAL_REFRESH_MS)
        self._timer.timeout.connect(self._show_grand_total)
        start_apart(self._timer)
        for account_id in self._view.account_ids():
            self._show_account(account_id)
        self._show_totals()

    @classmethod
    def install(cls, window: MainWindow) -> FundsController:
        """Add the account panel to window (the one line MainWindow calls)."""
        controller = cls(window)
        window.shutdown_hooks.append(controller.stop)
        return controller

    async def stop(self) -> None:
        self._timer.stop()
        self._unsubscribe()

    def funds_of(self, account_id: AccountId) -> AccountFunds | None:
        """Return the newest funds of account_id the panel shows (None before the first read)."""
        return self._latest.get(account_id)

    def _on_funds_updated(self, event: FundsUpdated) -> None:
        self._latest[event.funds.account_id] = event.funds
        self._show_account(event.funds.account_id)
        self._show_totals()

    def _on_state_changed(self, account_id: AccountId | None, *_: object) -> None:
        for account in [account_id] if account_id is not None else self._view.account_ids():
            if account in self._view.account_ids():
                self._show_account(account)

    def _state(self, account_id: AccountId) -> tuple[str, str]:
        status = self._view.status(account_id)
        if status.connection is not ConnectionState.CONNECTED:
            under_way = status.connection in (ConnectionState.CONNECTING, ConnectionState.RECONNECTING)
            return status.connection.value.lower() if under_way else "disconnected", status.reason
        return status.trading.value, status.reason if status.trading is not TradingState.ACTIVE else ""

    def _show_account(self, account_id: AccountId) -> None:
        ids = self._view.account_ids()
        order = ids.index(account_id) if account_id in ids else len(ids)
        state, reason = self._state(account_id)
        funds = self._latest.get(account_id)
        lines = funds.lines if funds is not None and funds.lines else (FundsLine("—"),)
        keys = set()
        for line in lines:
            row = FundsRow(order, str(account_id), line, state, reason, funds.as_of if funds else None,
                           "" if funds is None else funds.source.value.lower())
            self.model.upsert(row.key, row)
            keys.add(row.key)
        for gone in self._shown.get(account_id, set()) - keys:
            self.model.remove(gone)
        self._shown[account_id] = keys

    def _show_totals(self) -> None:
        totals = currency_totals(self._latest.values())
        keys = set()
        for line in totals.values():
            row = FundsRow(TOTALS_ORDER, TOTAL, line)
            self.model.upsert(row.key, row)
            keys.add(row.key)
        for gone in self._totals - keys:
            self.model.remove(gone)
        self._totals = keys
        self.panel.offer_currencies(totals)
        self._show_grand_total()

    def _show_grand_total(self) -> None:
        totals = currency_totals(self._latest.values())
        if not totals:
            self.panel.show_grand_total("No account has reported its funds yet.")
            return
        latest = self._window.session.view.latest_quote
        self.panel.show_grand_total(grand_total(totals, self.panel.base, quote_rate(latest)).text)
