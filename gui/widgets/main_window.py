"""MainWindow: docks for watchlist, ticket, positions, orders, fills, accounts and log; saved layout."""

from __future__ import annotations

import getpass
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from core.domain import (
    AccountId,
    BrokerPnl,
    ClientOrderId,
    FieldError,
    Order,
    OrderRequest,
    OrderType,
    Position,
    Quote,
    Side,
    StrategyId,
    ValidatedRequest,
)
from core.ports.manual_fills import ManualFills
from core.services.flatten import FlattenResult
from core.services.order_preview import OrderPreview, preview_order
from core.services.risk import HoldCause, RiskConfig
from core.services.risk.usage import usage_texts
from core.services.session import ConfirmRequired, OrderRefused, TradingSession
from gui.async_op import OpReporter, run_op
from gui.bridge import CoreBridge
from gui.dialogs.manual_fill import ManualFillDialog
from gui.dialogs.modify_order import ModifyOrderDialog
from gui.dialogs.reconciliation import ReconciliationDialog
from gui.dialogs.risk_limits import RiskLimitsDialog
from gui.models.format import fmt_signed
from gui.models.table_model import RawRole
from gui.theme import Theme, apply_theme, theme_named
from gui.widgets.accounts_panel import AccountsPanel
from gui.widgets.grid_view import make_grid_view
from gui.widgets.held_confirm import ask_held_confirm
from gui.widgets.log_view import LogView
from gui.widgets.order_ticket import OrderTicketWidget
from gui.widgets.trading_state import TradingStateWidget


class WindowSettings(Protocol):
    """What the window reads and writes of the settings store (gui never imports storage)."""

    def watchlist(self) -> Sequence[str]: ...

    def confirm_orders(self) -> bool: ...

    def set_confirm_orders(self, confirm: bool) -> None: ...

    def window_geometry(self) -> bytes | None: ...

    def window_state(self) -> bytes | None: ...

    def set_window_layout(self, geometry: bytes, state: bytes) -> None: ...

    def set_risk(self, document: Mapping[str, Any]) -> None: ...

    def theme(self) -> str: ...

    def set_theme(self, name: str) -> None: ...


def describe(order: Order) -> str:
    """Say in one line what became of a sent order."""
    price = f" {order.limit_price}" if order.limit_price is not None else ""
    head = f"{order.side.value} {order.quantity.value.normalize():f} {order.symbol} {order.order_type.value}{price}"
    tail = f": {order.reason}" if order.reason else ""
    return f"{head} — {order.status.value.replace('_', ' ').lower()}{tail}"


class MainWindow(QMainWindow):
    """The trader's window. objectName 'mainWindow'; see docs/ui-objects.md for every child's name.

    Signals: closed() once the window has closed.
    """

    closed = Signal()

    def __init__(self, session: TradingSession, settings: WindowSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("TradeTerm")
        self.setDockNestingEnabled(True)
        self.session = session
        self.settings = settings
        self.reporter = OpReporter(self)
        self.bridge = CoreBridge(session.bus, session.quotes, session.portfolio, self)
        self._first_show = True
        self.shutdown_hooks: list[Callable[[], Awaitable[None]]] = []
        self.keep_alive: list[object] = []
        self._broker_pnl: dict[str, BrokerPnl] = {}  # composition helpers whose methods are connected as slots
        self.theme = theme_named(settings.theme())
        self._build_views()
        self._build_docks()
        self._build_toolbar()
        self._build_status_bar()
        self._show_theme(self.theme)
        self._wire()
        self._default_state = self.saveState()
        self._restore_layout()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(self._on_status_tick)
        self._status_timer.start()
        self._shut = False

    # --- construction ---------------------------------------------------------------------------

    def _build_views(self) -> None:
        bridge = self.bridge
        instruments = self.session.instruments
        bridge.quotes.set_instruments(instruments.values())
        bridge.quotes.watch(self.settings.watchlist() or list(instruments))
        self.watchlist_view = make_grid_view(bridge.quotes, "watchlistView")
        self.positions_view = make_grid_view(bridge.positions, "positionsView")
        self.orders_view = make_grid_view(bridge.working_orders, "ordersView")
        self.fills_view = make_grid_view(bridge.fills, "fillsView")
        self.ticket = OrderTicketWidget()
        self.ticket.set_instruments(dict(instruments))
        self.ticket.set_accounts([str(a) for a in self.session.account_ids()])
        self.ticket.set_confirm_required(self.settings.confirm_orders())
        self.ticket.set_quote_source(self._quote_of)
        self.ticket.set_risk_preview(self._preview)
        self.accounts_panel = AccountsPanel(
            [(str(a), self.session.account(a).adapter.kind) for a in self.session.account_ids()]
        )
        self.log_view = LogView()
        orders_box = QWidget()
        orders_box.setObjectName("ordersPanel")
        layout = QVBoxLayout(orders_box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.orders_view)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel selected")
        self.cancel_button.setObjectName("orders.cancelButton")
        self.cancel_all_button = QPushButton("Cancel all")
        self.cancel_all_button.setObjectName("orders.cancelAllButton")
        self.modify_button = QPushButton("Modify…")
        self.modify_button.setObjectName("orders.modifyButton")
        self.modify_button.setToolTip("Change the selected order's quantity or price (or double-click it)")
        self.record_fill_button = QPushButton("Record fill…")
        self.record_fill_button.setObjectName("orders.recordFillButton")
        self.record_fill_button.setToolTip("Record an execution the e-mail desk reported (desk orders only)")
        self.record_fill_button.setEnabled(False)
        buttons.addWidget(self.modify_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.cancel_all_button)
        buttons.addWidget(self.record_fill_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.orders_panel = orders_box

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Add a dock the composition root builds (approvals, strategy API); tabbed with the blotters."""
        dock = self._dock(title, name, widget, area)
        if area is Qt.DockWidgetArea.BottomDockWidgetArea:
            self.tabifyDockWidget(self.fills_dock, dock)
            self.fills_dock.raise_()
        elif area is Qt.DockWidgetArea.LeftDockWidgetArea:
            self.tabifyDockWidget(self.log_dock, dock)
            self.accounts_dock.raise_()
        return dock

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCentralWidget(self.positions_view)
        self.watchlist_dock = self._dock("Watchlist", "dock.watchlist", self.watchlist_view, left)
        self.ticket_dock = self._dock("Order ticket", "dock.ticket", self.ticket, left)
        self.accounts_dock = self._dock("Accounts", "dock.accounts", self.accounts_panel, left)
        self.log_dock = self._dock("Log", "dock.log", self.log_view, left)
        self.tabifyDockWidget(self.accounts_dock, self.log_dock)
        self.accounts_dock.raise_()
        self.orders_dock = self._dock("Working orders", "dock.orders", self.orders_panel, bottom)
        self.fills_dock = self._dock("Fills", "dock.fills", self.fills_view, bottom)
        self.splitDockWidget(self.orders_dock, self.fills_dock, Qt.Orientation.Horizontal)

    def _apply_default_sizes(self) -> None:
        vertical, horizontal = Qt.Orientation.Vertical, Qt.Orientation.Horizontal
        height = max(600, self.height())
        self.resizeDocks([self.watchlist_dock], [560], horizontal)
        self.resizeDocks([self.watchlist_dock, self.ticket_dock, self.accounts_dock],
                         [int(height * 0.36), 380, int(height * 0.22)], vertical)
        self.resizeDocks([self.orders_dock], [int(height * 0.34)], vertical)
        width = max(800, self.width() - 560)
        self.resizeDocks([self.orders_dock, self.fills_dock], [width // 2, width // 2], horizontal)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_show:
            self._first_show = False
            state = self.settings.window_state()
            if state is None:
                self._apply_default_sizes()
            else:
                # Again, now that the window has its size: restored before it, the docks were laid
                # out in a smaller window and came back narrower (the watchlist clipped its last column).
                self.restoreState(QByteArray(state))
            QTimer.singleShot(0, self, self._capture_default_state)

    def _capture_default_state(self) -> None:
        if self.settings.window_state() is None:
            self._default_state = self.saveState()

    def _action(self, text: str, name: str, shortcut: str, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.setToolTip(f"{text} ({shortcut})")
        action.triggered.connect(slot)
        return action

    def add_tool_action(self, text: str, name: str, shortcut: str, slot: Any) -> QAction:
        """Add an action (with its hotkey) to the toolbar; the composition root adds the ones widgets cannot build."""
        action = self._action(text, name, shortcut, slot)
        self._toolbar.addAction(action)
        self._toolbar.widgetForAction(action).setObjectName(f"toolbar.{name.removeprefix('action.')}")
        return action

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Trading", self)
        self._toolbar = toolbar
        toolbar.setObjectName("toolbar.trading")
        toolbar.setMovable(False)
        self.cancel_all_action = self._action("Cancel all", "action.cancelAll", "Ctrl+Shift+C",
                                              self._on_cancel_all_triggered)
        self.flatten_all_action = self._action("Flatten all", "action.flattenAll", "Ctrl+Shift+F",
                                               self._on_flatten_all_triggered)
        self.reset_layout_action = self._action("Reset layout", "action.resetLayout", "Ctrl+Shift+R",
                                                self.reset_layout)
        self.kill_switch_action = self._action("Kill switch", "action.killSwitch", "Ctrl+Shift+K",
                                               self._on_kill_switch_triggered)
        self.resume_action = self._action("Resume trading", "action.resumeTrading", "Ctrl+Shift+U",
                                          self._on_resume_triggered)
        self.risk_limits_action = self._action("Risk limits…", "action.riskLimits", "Ctrl+Shift+L",
                                               self._on_risk_limits_triggered)
        self.dark_theme_action = self._action("Dark theme", "action.darkTheme", "Ctrl+Shift+D",
                                              self._on_dark_theme_triggered)
        self.dark_theme_action.setCheckable(True)
        for action in (self.kill_switch_action, self.resume_action, self.cancel_all_action, self.flatten_all_action,
                       self.risk_limits_action, self.reset_layout_action, self.dark_theme_action):
            toolbar.addAction(action)
            toolbar.widgetForAction(action).setObjectName(f"toolbar.{action.objectName().removeprefix('action.')}")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("statusBar")
        self.busy_label = QLabel()
        self.busy_label.setObjectName("status.busy")
        bar.addWidget(self.busy_label, 1)
        self.trading_state_widget = TradingStateWidget()
        bar.addPermanentWidget(self.trading_state_widget)
        self.pnl_label = QLabel()
        self.pnl_label.setObjectName("status.pnl")
        bar.addPermanentWidget(self.pnl_label)
        self.account_labels: dict[str, QLabel] = {}
        for account_id in self.session.account_ids():
            self._add_account_label(str(account_id))

    def _add_account_label(self, account_id: str) -> None:
        label = QLabel(objectName=f"status.account.{account_id}")
        self.statusBar().addPermanentWidget(label)
        self.account_labels[account_id] = label
        self._show_account(account_id)

    def add_account_view(self, account_id: str) -> None:
        """Show an account added while running: accounts panel row, status bar, ticket's account list."""
        if account_id not in self.account_labels:
            self.accounts_panel.add_account(account_id, self.session.account(AccountId(account_id)).adapter.kind)
            self._add_account_label(account_id)
        self.ticket.set_accounts([str(a) for a in self.session.account_ids()])
        self.refresh_instruments()

    def refresh_instruments(self) -> None:
        """Offer every instrument the accounts now list (some brokers list theirs only once connected)."""
        instruments = self.session.instruments
        self.bridge.quotes.set_instruments(instruments.values())
        self.bridge.quotes.watch(self.settings.watchlist() or list(instruments))
        self.ticket.set_instruments(dict(instruments))

    def _wire(self) -> None:
        bridge = self.bridge
        bridge.log_message.connect(self.log_view.add)
        bridge.connection_changed.connect(self._on_connection_changed)
        bridge.trading_state_changed.connect(self._on_trading_state_changed)
        bridge.trading_state_changed.connect(self.trading_state_widget.on_trading_state_changed)
        bridge.reconciliation_required.connect(self._on_reconciliation_required)
        bridge.broker_pnl.connect(self._on_broker_pnl)
        self.reporter.busy.connect(self._on_busy)
        self.reporter.failed.connect(lambda text: self.log_view.add("ERROR", text))
        self.ticket.submit_requested.connect(self._on_submit_requested)
        self.watchlist_view.clicked.connect(self._on_watchlist_clicked)
        self.positions_view.doubleClicked.connect(self._on_position_double_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_selected_clicked)
        self.cancel_all_button.clicked.connect(self._on_cancel_all_triggered)
        self.record_fill_button.clicked.connect(self._on_record_fill_clicked)
        self.modify_button.clicked.connect(self._on_modify_clicked)
        self.orders_view.doubleClicked.connect(self._on_modify_clicked)
        self.orders_view.selectionModel().selectionChanged.connect(self._on_order_selection_changed)
        self.accounts_panel.connect_requested.connect(self._on_connect_requested)
        self.accounts_panel.disconnect_requested.connect(self._on_disconnect_requested)

    # --- layout ---------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_geometry(), self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(QByteArray(geometry))
        if state is not None:
            self.restoreState(QByteArray(state))

    def reset_layout(self) -> None:
        """Put every dock back where it started."""
        self.restoreState(self._default_state)
        for dock in self.findChildren(QDockWidget):
            dock.show()
        self._apply_default_sizes()

    # --- commands -------------------------------------------------------------------------------

    def connect_all(self) -> None:
        for account_id in self.session.account_ids():
            self._on_connect_requested(str(account_id))

    def _on_connect_requested(self, account_id: str) -> None:
        run_op(self.reporter, f"Connect {account_id}", self.session.connect(AccountId(account_id)),
               on_success=lambda _: self.refresh_instruments())

    def _on_disconnect_requested(self, account_id: str) -> None:
        run_op(self.reporter, f"Disconnect {account_id}", self.session.disconnect(AccountId(account_id)))

    def _on_submit_requested(self, request: OrderRequest) -> None:
        self._send_order(request)

    def _send_order(self, request: OrderRequest, confirmed_by: str | None = None) -> None:
        """Send one order; a close on a held account asks the trader first, then goes again as confirmed by them."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmRequired) and confirmed_by is None:
                ask_held_confirm(self, "Send order on a held account", str(exc),
                                   lambda: self._send_order(request, getpass.getuser()),
                                   lambda: self._not_confirmed())
            elif isinstance(exc, OrderRefused):
                self.ticket.show_field_errors(exc.errors)
            else:
                self.ticket.show_result(f"Not sent: {exc}", False)
                self.log_view.add("ERROR", f"Order not sent: {exc}")

        def done(order: Order) -> None:
            text = describe(order)
            self.ticket.order_sent()
            self.ticket.show_result(text, order.reason == "")
            self.log_view.add("INFO" if order.reason == "" else "WARNING", text)

        run_op(self.reporter, "Send order", self.session.submit(request, confirmed_by=confirmed_by),
               on_success=done, on_error=failed, eager=True)

    def _not_confirmed(self) -> None:
        self.ticket.show_result("Not sent: the account is halted.", False)
        self.ticket.rearm()

    def _quote_of(self, symbol: str, account: str) -> Quote | None:
        """Return the newest quote of symbol on account's own feed (another feed only when it has none: labelled)."""
        return self.session.quotes.latest(symbol, account)

    def _preview(self, valid: ValidatedRequest) -> OrderPreview:
        return preview_order(self.session.risk, self._quote_of, valid, self.session.clock.now())

    def _on_watchlist_clicked(self, index: QModelIndex) -> None:
        """Fill the ticket on the account whose market the row shows: a bid sells at it, an ask buys at it."""
        symbol = str(index.siblingAtColumn(0).data())
        key = self.bridge.quotes.columns[index.column()].key
        account = self.bridge.quotes.feed_of(symbol) or self.ticket.current_account()
        quote = self._quote_of(symbol, account) if account else None
        bid, ask = (None, None) if quote is None else (quote.bid, quote.ask)
        if key == "ask":
            self.ticket.prefill(symbol, Side.BUY, price=ask, order_type=OrderType.LIMIT, account=account)
        elif key == "bid":
            self.ticket.prefill(symbol, Side.SELL, price=bid, order_type=OrderType.LIMIT, account=account)
        else:
            self.ticket.prefill(symbol, Side.BUY, account=account)

    def _on_position_double_clicked(self, index: QModelIndex) -> None:
        """Put the close of the row's position on the ticket: its account, the opposite side, its size, the touch."""
        position = index.data(RawRole)
        if not isinstance(position, Position) or position.is_flat:
            return
        account = str(position.account_id)
        quote = self._quote_of(position.symbol, account)
        touch = None if quote is None else quote.bid if position.quantity > 0 else quote.ask
        self.ticket.prefill_close(account, position.symbol, position.quantity, touch)

    def _on_cancel_selected_clicked(self) -> None:
        rows = self.orders_view.selectionModel().selectedRows()
        for index in rows:
            order = index.data(RawRole)
            if isinstance(order, Order):
                coid = ClientOrderId(order.client_order_id)
                run_op(self.reporter, f"Cancel {order.symbol}", self.session.cancel(coid), eager=True)

    def _selected_order(self) -> Order | None:
        rows = self.orders_view.selectionModel().selectedRows()
        order = rows[0].data(RawRole) if rows else None
        return order if isinstance(order, Order) else None

    def _on_order_selection_changed(self) -> None:
        order = self._selected_order()
        manual = order is not None and isinstance(self.session.account(order.account_id).adapter, ManualFills)
        self.record_fill_button.setEnabled(manual)

    def _on_modify_clicked(self) -> None:
        order = self._selected_order()
        if order is None:
            return
        dialog = ModifyOrderDialog(order, self)
        coid = order.client_order_id

        def refused(exc: BaseException) -> None:
            dialog.show_errors(exc.errors if isinstance(exc, OrderRefused) else [FieldError("", str(exc))])

        def done(changed: Order) -> None:
            dialog.accept()
            self.log_view.add("INFO" if not changed.reason else "WARNING", describe(changed))

        dialog.modify_requested.connect(
            lambda qty, limit, stop: run_op(
                self.reporter, f"Modify {order.symbol}",
                self.session.modify(coid, qty, limit or None, stop or None), on_success=done, on_error=refused)
        )
        dialog.open()

    def _on_record_fill_clicked(self) -> None:
        order = self._selected_order()
        if order is None:
            return
        dialog = ManualFillDialog(order, parent=self)
        coid = order.client_order_id
        dialog.fillEntered.connect(
            lambda qty, price, ts: run_op(self.reporter, f"Record fill {order.symbol}",
                                          self.session.record_manual_fill(coid, qty, price, ts))
        )
        dialog.open()

    def _on_cancel_all_triggered(self) -> None:
        run_op(self.reporter, "Cancel all", self.session.cancel_all(), eager=True,
               on_success=lambda n: self.log_view.add("INFO", f"Cancel requested for {n} working order(s)."))

    def _on_flatten_all_triggered(self) -> None:
        open_positions = [p for p in self.session.portfolio.positions() if not p.is_flat]
        mismatched = [a for a in self.session.account_ids() if self.session.risk.holds(a, HoldCause.MISMATCH)]
        if not open_positions and not mismatched:  # after a mismatch Flatten closes the broker's positions
            self.log_view.add("INFO", "Nothing to flatten: no open positions.")
            return
        text = f"Cancel working orders and close {len(open_positions)} position(s) at market?"
        if mismatched:
            text += (f" On {', '.join(mismatched)} (positions differ from the broker's) the broker's positions "
                     "are closed.")
        box = QMessageBox(QMessageBox.Icon.Warning, "Flatten all", text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("flattenConfirmDialog")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: self._flatten() if result == QMessageBox.StandardButton.Yes else None)
        box.open()

    def _flatten(self, confirmed_by: str | None = None) -> None:
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConfirmRequired) and confirmed_by is None:
                ask_held_confirm(self, "Flatten on a held account", str(exc), lambda: self._flatten(getpass.getuser()))
            else:
                self.reporter.failed.emit(f"Flatten all failed: {exc}")

        def done(result: FlattenResult) -> None:
            self.log_view.add("INFO", f"Flatten sent {len(result.sent)} order(s).")
            if result.not_sent:  # each is in the log already (LogMessage); the trader must not miss them
                box = QMessageBox(QMessageBox.Icon.Critical, "Flatten: not everything was closed",
                                  "\n".join(result.not_sent), QMessageBox.StandardButton.Ok, self)
                box.setObjectName("flattenNotSentDialog")
                box.open()

        run_op(self.reporter, "Flatten all", self.session.flatten(confirmed_by=confirmed_by), eager=True,
               on_success=done, on_error=failed)

    def _on_kill_switch_triggered(self) -> None:
        working = len(self.session.oms.working())
        box = QMessageBox(QMessageBox.Icon.Critical, "Kill switch",
                          f"Cancel all {working} working order(s) on every account and halt all trading?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("killSwitchConfirmDialog")
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.finished.connect(lambda result: self._kill() if result == QMessageBox.StandardButton.Yes else None)
        box.open()

    def _kill(self) -> None:
        run_op(self.reporter, "Kill switch", self.session.kill_switch(getpass.getuser()), eager=True,
               on_success=lambda n: self.log_view.add("WARNING", f"Kill switch: all trading halted; cancel asked "
                                                                 f"for {n} working order(s)."))

    def _on_resume_triggered(self) -> None:
        state = self.session.resume(None, getpass.getuser())
        self.log_view.add("INFO", f"Resume: trading is {state.value.lower()}.")

    def _on_risk_limits_triggered(self) -> None:
        risk = self.session.risk

        def save(config: RiskConfig) -> None:
            self.settings.set_risk(config.to_dict())
            risk.set_config(config)

        dialog = RiskLimitsDialog(
            risk.config, [str(a) for a in self.session.account_ids()], save,
            usage=lambda kind, key: usage_texts(risk, kind, key),
            strategies=[str(s) for s in risk.disabled_strategies()],
            enable_strategy=lambda s: self.session.enable_strategy(StrategyId(s), getpass.getuser()),
            parent=self,
        )
        dialog.open()

    # --- status ---------------------------------------------------------------------------------

    def _on_busy(self, label: str, on: bool) -> None:
        self.busy_label.setText(f"{label}…" if on else "")

    def _show_account(self, account_id: str) -> None:
        slot = self.session.account(AccountId(account_id))
        color = {"ACTIVE": "#2e7d32", "REDUCING": "#b26a00"}.get(slot.trading.value, "#c62828")
        label = self.account_labels[account_id]
        pnl = self._broker_pnl.get(account_id)
        broker = ""
        if pnl is not None and pnl.daily is not None:
            broker = f" · broker day {fmt_signed(pnl.daily)}"
        label.setText(f"{account_id}: {slot.connection.value.lower()} · "
                      f"<span style='color:{color}'>{slot.trading.value.lower()}</span>{broker}")
        label.setToolTip(slot.reason)

    def _on_broker_pnl(self, account_id: str, pnl: BrokerPnl) -> None:
        self._broker_pnl[account_id] = pnl
        if account_id in self.account_labels:
            self._show_account(account_id)

    def _on_connection_changed(self, account_id: str, state: str, message: str) -> None:
        self.accounts_panel.set_connection(account_id, state, message)
        if account_id in self.account_labels:
            self._show_account(account_id)

    def _on_trading_state_changed(self, account_id: str, state: str, reason: str) -> None:
        if account_id in self.account_labels:
            self.accounts_panel.set_trading(account_id, state, reason)
            self._show_account(account_id)
        self.log_view.add("INFO" if state == "ACTIVE" else "WARNING", f"{account_id or 'All accounts'}: "
                                                                      f"{state.lower()} — {reason}")

    def _on_reconciliation_required(self, account_id: str, differences: list[str]) -> None:
        dialog = ReconciliationDialog(account_id, differences, self)
        dialog.accept_requested.connect(self._on_accept_broker_state)
        dialog.open()

    def _on_accept_broker_state(self, account_id: str) -> None:
        run_op(self.reporter, f"Adopt {account_id}'s positions",
               self.session.accept_broker_state(AccountId(account_id), getpass.getuser()))

    def _on_status_tick(self) -> None:
        self.ticket.refresh_quote()
        parts = []
        for currency, totals in self.session.portfolio.totals().items():
            daily = fmt_signed(totals.daily) if totals.daily is not None else "—"
            unreal = fmt_signed(totals.unrealized) if totals.unrealized is not None else "—"
            parts.append(f"{currency}  day {daily}  unreal {unreal}  real {fmt_signed(totals.realized)}")
        self.pnl_label.setText("   |   ".join(parts))

    def _show_theme(self, theme: Theme) -> None:
        """Colour the whole application with theme: the palette everywhere, the style sheet on the chrome only."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme, [self._toolbar, self.statusBar()])
        for widget in self.findChildren(QWidget):  # a widget with its own sheet keeps the palette it had: re-take
            sheet = widget.styleSheet()
            if sheet and widget not in (self._toolbar, self.statusBar()):
                widget.setStyleSheet(sheet)
        self.theme = theme
        self.dark_theme_action.setChecked(theme is Theme.DARK)

    def _on_dark_theme_triggered(self, dark: bool) -> None:
        self._show_theme(Theme.DARK if dark else Theme.LIGHT)
        try:
            self.settings.set_theme(self.theme.value)
        except Exception as exc:  # a settings file that cannot be written must not undo what the trader sees
            self.log_view.add("ERROR", f"Theme not saved: {exc}")

    # --- shutdown -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self._save_layout()
        super().closeEvent(event)
        self.closed.emit()

    def _save_layout(self) -> None:
        try:
            self.settings.set_window_layout(bytes(self.saveGeometry().data()), bytes(self.saveState().data()))
        except Exception as exc:  # a broken settings file must not stop the window from closing
            self.log_view.add("ERROR", f"Layout not saved: {exc}")

    async def shutdown(self) -> None:
        """Stop timers, disconnect every account and close the journal."""
        if self._shut:
            return
        self._shut = True
        self._status_timer.stop()
        await self.reporter.cancel_all()
        for hook in self.shutdown_hooks:
            await hook()
        self.bridge.detach()
        await self.session.close()
        self.session.journal.close()
