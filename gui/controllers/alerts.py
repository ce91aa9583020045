"""AlertsSetup: price, % move and P&L alerts, the approval count in the title and on the Approvals tab, the toast."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QTableView

from core.domain import (
    AccountId,
    ClientOrderId,
    FillRecorded,
    LogMessage,
    OrderRejected,
    OrderStatus,
    OrderUpdated,
    Quote,
)
from core.ports.notifier import Notification, NotificationKind, Notifier
from core.services.alerts import (
    AlertBook,
    AlertsError,
    Direction,
    FiredAlert,
    MoveAlert,
    PnlAlert,
    PriceAlert,
    Reference,
    alert_price,
)
from core.services.approvals import ApprovalQueue, PendingOrder
from core.services.notification_text import fill_subject, rejected_notification
from core.services.session import TradingSession
from gui.models.quotes import QuotesTableModel
from gui.periodic import start_apart
from gui.widgets.alerts_panel import AlertsPanel
from gui.widgets.approval_queue import ApprovalAlert
from gui.widgets.main_window import MainWindow
from gui.widgets.tab_flash import DockTabFlasher
from gui.widgets.toast import ToastWidget

if TYPE_CHECKING:
    from gui.dialogs.alert_dialogs import MoveAlertDialog, PnlAlertDialog, PriceAlertDialog

ALERTS_KEY = "alerts"
"""settings.json: {"alerts": [{"kind": "price" | "move" | "pnl", "id", "account", ...}], "alert_sound": true}."""
SOUND_KEY = "alert_sound"
CHECK_MS = 500
TITLE = "TradeTerm"


class AlertSettings(Protocol):
    def load(self) -> dict[str, Any]: ...

    def save(self, document: Mapping[str, Any]) -> None: ...


class AlertsSetup:
    """Watch the alerts twice a second; a fired one shows a toast, goes to the log, beeps and (if asked) mails.

    A strategy order waiting for approval: the count in the window title and on the Approvals tab, the tab
    raised and flashing once per new order (only flashing, until shown, while the trader types in a field
    the raise would hide; the keyboard focus never moves), a toast, and (through `approval_alert`) a tray
    message and a beep.
    """

    def __init__(self, window: MainWindow, session: TradingSession, settings: AlertSettings, notifier: Notifier,
                 approvals: ApprovalQueue | None = None, approval_alert: ApprovalAlert | None = None) -> None:
        self._window, self._session, self._settings, self._notifier = window, session, settings, notifier
        self._approvals = approvals
        self._brought_forward: set[ClientOrderId] = set()
        """The waiting orders that raised the Approvals tab already."""
        dock = window.findChild(QDockWidget, "dock.approvals")
        self.approvals_flasher = None if dock is None else DockTabFlasher(window, dock)
        document = settings.load()
        self.sound = document.get(SOUND_KEY, True) is not False
        self.book = self._load(document.get(ALERTS_KEY, []))
        self.toast = ToastWidget(window, ceiling=lambda: bottom_docks_top(window))
        self.panel = AlertsPanel(self.sound)
        window.add_dock("Alerts", "dock.alerts", self.panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.panel.show_alerts(self.book.alerts())
        self.panel.add_move_requested.connect(lambda: self.ask_move_alert(self._selected_symbol()))
        self.panel.add_pnl_requested.connect(lambda: self.ask_pnl_alert(None))
        self.panel.remove_requested.connect(self._on_remove)
        self.panel.sound_toggled.connect(self._on_sound_toggled)
        self.dialog: PriceAlertDialog | MoveAlertDialog | PnlAlertDialog | None = None
        """The alert dialog last opened (a test hook)."""
        self._add_watchlist_actions(window.watchlist_view)
        if approval_alert is not None:
            approval_alert.sound = lambda: self.sound
        if approvals is not None:
            approvals.on_change.append(self._show_approval_count)
            approvals.on_new.append(self._on_approval_waiting)
        self._started_at = session.clock.now()
        self._unsubscribe = [session.bus.subscribe(FillRecorded, self._on_fill),
                             session.bus.subscribe(OrderUpdated, self._on_order_updated)]
        window.shutdown_hooks.append(self._stop)
        self._timer = QTimer(window)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        start_apart(self._timer)
        self._show_approval_count()

    # --- alerts -----------------------------------------------------------------------------------

    def _load(self, raw: object) -> AlertBook:
        try:
            return AlertBook.from_json(raw, f"settings.json: {ALERTS_KEY}", self._save)
        except AlertsError as exc:
            self._log("ERROR", f"Alerts not restored: {exc}. Set them again; the next change replaces them.")
            return AlertBook(changed=self._save)

    def _save(self) -> None:
        try:
            self._settings.save({**self._settings.load(), ALERTS_KEY: self.book.to_json(), SOUND_KEY: self.sound})
        except Exception as exc:  # a settings file that cannot be written must not stop an alert
            self._log("ERROR", f"Alerts not saved: {exc}")
        self.panel.show_alerts(self.book.alerts())

    def check(self) -> list[FiredAlert]:
        """Fire every alert whose condition holds now (each once); return them."""
        fired = self.book.check(self._quote_of, self._day_pnl_of, self._session.clock.now())
        for done in fired:
            self._log("WARNING", done.text)
            self.toast.show_message(done.text, "WARNING")
            if self.sound:
                QApplication.beep()
            if done.alert.email:
                self._notifier.notify(Notification(NotificationKind.ALERT, f"alert:{done.alert.alert_id}",
                                                   f"TradeTerm alert: {done.alert.describe()}", done.text))
        return fired

    def _quote_of(self, symbol: str, account: str) -> Quote | None:
        return self._session.view.latest_quote(symbol, account)

    def _day_pnl_of(self, account: str) -> dict[str, Decimal]:
        return {currency: total.total for currency, total in
                self._session.view.daily_sums(AccountId(account)).items()}

    def add_price_alert(self, account: str, symbol: str, direction: Direction, price: Decimal,
                        email: bool = False) -> PriceAlert:
        alert = PriceAlert(self.book.next_id(), account, symbol, direction, price, email)
        self.book.add(alert)
        self._log("INFO", f"Alert set: {alert.describe()}")
        return alert

    def add_move_alert(self, account: str, symbol: str, percent: Decimal, reference: Reference,
                       base: Decimal | None = None, email: bool = False) -> MoveAlert:
        alert = MoveAlert(self.book.next_id(), account, symbol, percent, reference, base, email)
        self.book.add(alert)
        self._log("INFO", f"Alert set: {alert.describe()}")
        return alert

    def add_pnl_alert(self, account: str, below: Decimal, email: bool = False) -> PnlAlert:
        alert = PnlAlert(self.book.next_id(), account, below, email)
        self.book.add(alert)
        self._log("INFO", f"Alert set: {alert.describe()}")
        return alert

    def _on_remove(self, alert_id: str) -> None:
        if self.book.remove(alert_id):
            self._log("INFO", f"Alert {alert_id} removed")

    def _on_sound_toggled(self, on: bool) -> None:
        self.sound = on
        self._save()

    # --- the watchlist's menu ---------------------------------------------------------------------

    def _add_watchlist_actions(self, view: QTableView) -> None:
        """Put the alert actions in the watchlist's context menu (its actions work on the selected row)."""
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for direction in Direction:
            action = QAction(f"Alert when the price goes {direction.value}…", view)
            action.setObjectName(f"watchlistMenu.alert{direction.value.capitalize()}")
            action.triggered.connect(lambda _=False, d=direction: self._ask_for_selected(d))
            view.addAction(action)
        move = QAction("Alert on a % move…", view)
        move.setObjectName("watchlistMenu.alertMove")
        move.triggered.connect(lambda: self.ask_move_alert(self._selected_symbol()))
        view.addAction(move)
        pnl = QAction("Day P&&L alert…", view)
        pnl.setObjectName("watchlistMenu.pnlAlert")
        pnl.triggered.connect(lambda: self.ask_pnl_alert(self._selected_feed()))
        view.addAction(pnl)

    def _selected(self) -> QModelIndex | None:
        index = self._window.watchlist_view.currentIndex()
        return index if index.isValid() else None

    def _selected_symbol(self) -> str | None:
        index = self._selected()
        return None if index is None else str(index.siblingAtColumn(0).data())

    def _selected_feed(self) -> str | None:
        index = self._selected()
        return None if index is None else self._feed(str(index.siblingAtColumn(0).data()))

    def _ask_for_selected(self, direction: Direction) -> None:
        index = self._selected()
        if index is None:
            self._log("WARNING", "Select a watchlist row first, then set its price alert.")
            return
        self.ask_price_alert(index, direction)

    def _feed(self, symbol: str) -> str | None:
        quotes = self._window.bridge.quotes
        feed = quotes.feed_of(symbol) if isinstance(quotes, QuotesTableModel) else None
        return feed or self._window.ticket.current_account() or None

    def ask_price_alert(self, index: QModelIndex, direction: Direction) -> PriceAlertDialog | None:
        """Open the price alert dialog for the watchlist row at index."""
        symbol = str(index.siblingAtColumn(0).data())
        account = self._feed(symbol)
        if account is None:
            self._log("WARNING", f"No account shows {symbol} yet: connect one, then set the alert.")
            return None
        from gui.dialogs.alert_dialogs import PriceAlertDialog  # a dialog: loaded when first opened

        dialog = PriceAlertDialog(symbol, account, direction, alert_price(self._quote_of(symbol, account)),
                                  self._window)
        dialog.alertSet.connect(lambda d, level, email: self.add_price_alert(account, symbol, d, level, email))
        self.dialog = dialog
        dialog.open()
        return dialog

    def ask_move_alert(self, symbol: str | None) -> MoveAlertDialog:
        """Open the % move alert dialog (on the watchlist's symbol, if given)."""
        quotes = self._window.bridge.quotes
        symbols = quotes.symbols() if isinstance(quotes, QuotesTableModel) else []
        from gui.dialogs.alert_dialogs import MoveAlertDialog  # a dialog: loaded when first opened

        dialog = MoveAlertDialog(symbols, symbol, self._prices_of, self._window)
        dialog.alertSet.connect(self._on_move_alert_set)
        shown = dialog.symbol_combo.currentText()  # the price shown follows its feed, once per frame, while open
        watch = self._window.bridge.feed.watch_quotes([shown], lambda _quotes: dialog.show_prices(),
                                                      feed=self._feed(shown))
        dialog.symbol_combo.currentTextChanged.connect(lambda chosen: watch.change([chosen], feed=self._feed(chosen)))
        dialog.finished.connect(lambda _result: watch.cancel())
        self.dialog = dialog
        dialog.open()
        return dialog

    def _prices_of(self, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        account = self._feed(symbol)
        quote = None if account is None else self._quote_of(symbol, account)
        return alert_price(quote), None if quote is None else quote.close

    def _on_move_alert_set(self, symbol: str, percent: Decimal, reference: Reference, base: Decimal | None,
                           email: bool) -> None:
        account = self._feed(symbol)
        if account is None:
            self._log("WARNING", f"No account shows {symbol} yet: connect one, then set the alert.")
            return
        self.add_move_alert(account, symbol, percent, reference, base, email)

    def ask_pnl_alert(self, account: str | None) -> PnlAlertDialog:
        """Open the day-P&L alert dialog (on account, if given)."""
        from gui.dialogs.alert_dialogs import PnlAlertDialog  # a dialog: loaded when first opened

        dialog = PnlAlertDialog([str(a) for a in self._session.view.account_ids()], account, self._window)
        dialog.alertSet.connect(lambda chosen, level, email: self.add_pnl_alert(chosen, level, email))
        self.dialog = dialog
        dialog.open()
        return dialog

    # --- fills and rejections ---------------------------------------------------------------------

    def _on_fill(self, event: FillRecorded) -> None:
        if event.fill.ts >= self._started_at:  # not the day's fills read back at start
            self.toast.show_message(_short(fill_subject(event.fill)), "INFO")

    def _on_order_updated(self, event: OrderUpdated) -> None:
        order = event.order
        if order.status is not OrderStatus.REJECTED:  # every order comes this way: most are not rejections
            return
        last = order.events[-1] if order.events else None
        if isinstance(last, OrderRejected) and last.ts >= self._started_at:
            self.toast.show_message(_short(rejected_notification(order).subject), "ERROR")

    async def _stop(self) -> None:
        self._timer.stop()
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    # --- approvals --------------------------------------------------------------------------------

    def _on_approval_waiting(self, pending: PendingOrder) -> None:
        order = pending.order
        self.toast.show_message(f"{pending.signal.strategy_id}: {order.side.value} "
                                f"{order.quantity.value.normalize():f} {order.symbol} on {order.account_id} "
                                "awaits your approval", "INFO")
        self._show_approval_count()
        if self.approvals_flasher is not None and order.client_order_id not in self._brought_forward:
            self._brought_forward.add(order.client_order_id)  # one order raises the tab once, however often told
            self.approvals_flasher.bring_forward()

    def _show_approval_count(self) -> None:
        count = 0 if self._approvals is None else len(self._approvals.pending())
        waiting = f"{count} order{'s' if count != 1 else ''} awaiting approval"
        self._window.setWindowTitle(f"{TITLE} — {waiting}" if count else TITLE)
        dock = self._window.findChild(QDockWidget, "dock.approvals")
        if dock is not None:
            dock.setWindowTitle(f"Approvals ({count})" if count else "Approvals")
        if not count and self.approvals_flasher is not None and self.approvals_flasher.is_flashing():
            self.approvals_flasher.stop()

    def _log(self, level: str, text: str) -> None:
        self._session.bus.publish(LogMessage(level, text))


def _short(subject: str) -> str:
    """A mail subject as a toast line: without the '[TradeTerm] ' every mail starts with."""
    return subject.removeprefix("[TradeTerm] ")


def bottom_docks_top(window: QMainWindow) -> int | None:
    """Return the top (in window) of the docks shown in the bottom area, or None when none is shown."""
    tops = [dock.mapTo(window, QPoint(0, 0)).y() for dock in window.findChildren(QDockWidget)
            if not dock.visibleRegion().isEmpty() and not dock.isFloating()  # a tab behind another: not shown
            and window.dockWidgetArea(dock) is Qt.DockWidgetArea.BottomDockWidgetArea]
    return min(tops, default=None)
