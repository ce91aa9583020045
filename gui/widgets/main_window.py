"""MainWindow: composes the docks (watchlist, ticket, positions, orders, fills, accounts, log) and wires them up.

The window builds widgets and connects their signals; the commands they send live in gui/controllers/.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QShowEvent
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QVBoxLayout, QWidget

from core.domain import AccountId, TradingState
from core.services.session import TradingSession
from gui.async_op import OpReporter
from gui.bridge import CoreBridge
from gui.controllers.accounts import AccountController
from gui.controllers.funds import FundsController
from gui.controllers.halt_banner import HaltBannerController
from gui.controllers.halts import HaltController
from gui.controllers.ladder import LadderController
from gui.controllers.orders import OrderController
from gui.controllers.position_menu import PositionMenu
from gui.controllers.protection import ProtectionController
from gui.controllers.risk_limits import open_risk_limits
from gui.controllers.strategy_positions import StrategyPositionsController
from gui.controllers.ticket_quotes import TicketQuoteFeed
from gui.controllers.ticket_rows import TicketRows
from gui.controllers.watchlists import MemoryWatchlists, WatchlistFile, WatchlistsController
from gui.periodic import start_apart
from gui.theme import theme_named
from gui.theme.switcher import ThemeSwitcher
from gui.widgets.accounts_panel import AccountsPanel
from gui.widgets.dock_tabs import WholeTabLabels
from gui.widgets.docks import MainDocks, OrdersPanel
from gui.widgets.focus_keeper import FocusKeeper
from gui.widgets.grid_view import make_grid_view
from gui.widgets.log_view import LogView
from gui.widgets.order_ticket import OrderTicketWidget
from gui.widgets.status_bar import StatusBarView
from gui.widgets.toolbar import add_to_toolbar, make_action
from gui.widgets.watchlist_panel import WatchlistPanel
from gui.widgets.window_layout import LayoutSettings, WindowLayout


class WindowSettings(LayoutSettings, Protocol):
    """What the window reads and writes of the settings store (gui never imports storage)."""

    def watchlist(self) -> Sequence[str]: ...

    def confirm_orders(self) -> bool: ...

    def set_confirm_orders(self, confirm: bool) -> None: ...

    def set_risk(self, document: Mapping[str, Any]) -> None: ...

    def theme(self) -> str: ...

    def set_theme(self, name: str) -> None: ...


class MainWindow(QMainWindow):
    """The trader's window. objectName 'mainWindow'; see docs/ui-objects.md for every child's name.

    Signals: closed() once the window has closed.
    """

    closed = Signal()

    def __init__(self, session: TradingSession, settings: WindowSettings, parent: QWidget | None = None,
                 watchlists: WatchlistFile | None = None) -> None:
        super().__init__(parent)
        self._watchlist_store = watchlists or MemoryWatchlists()
        self.setObjectName("mainWindow")
        self.setWindowTitle("TradeTerm")
        self.setDockNestingEnabled(True)
        self.session = session
        self.settings = settings
        self.reporter = OpReporter(self)
        self.bridge = CoreBridge.of(session, self)
        self._first_show = True
        self.shutdown_hooks: list[Callable[[], Awaitable[None]]] = []
        self.keep_alive: list[object] = []  # composition helpers whose methods are connected as slots
        theme = theme_named(settings.theme())
        ThemeSwitcher.prepare(theme)  # before any widget: see there
        self._build_views()
        self._build_toolbar()
        self.status = StatusBarView(self.statusBar(), session.view)
        self.themes = ThemeSwitcher(self, [self._toolbar, self.statusBar()], self.dark_theme_action,
                                    theme, settings.set_theme,
                                    lambda text: self.log_view.add("ERROR", text))
        self.themes.show(self.themes.theme)
        self._wire()
        self.funds = FundsController.install(self)
        self.ladder = LadderController.install(self)
        self.protection = ProtectionController.install(self)
        self.strategy_positions = StrategyPositionsController.install(self)
        self.ticket_quotes = TicketQuoteFeed.install(self)  # its Bid·Ask moves with the watchlist's, each frame
        self.window_layout = WindowLayout(self, self.docks, settings, lambda text: self.log_view.add("ERROR", text))
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(250)
        self._status_timer.timeout.connect(self._on_status_tick)
        start_apart(self._status_timer)
        self._shut = False
        self._banners: QVBoxLayout | None = None
        self.halt_banner = HaltBannerController(self)
        self.focus_keeper = FocusKeeper(self)
        WholeTabLabels(self)  # the dock tabs' titles are never elided

    # --- construction ---------------------------------------------------------------------------

    def _build_views(self) -> None:
        view = self.session.view
        instruments = view.instruments()
        self.watchlist_view = make_grid_view(self.bridge.quotes, "watchlistView")
        self.watchlist_panel = WatchlistPanel(self.watchlist_view)
        self.positions_view = make_grid_view(self.bridge.positions, "positionsView")
        self.orders_view = make_grid_view(self.bridge.working_orders, "ordersView")
        self.fills_view = make_grid_view(self.bridge.fills, "fillsView")
        self.ticket = OrderTicketWidget()
        self.ticket.set_instruments(instruments)
        self.rows = TicketRows(view, self.bridge.quotes, self.ticket)
        self.ticket.set_accounts([str(a) for a in view.account_ids()])
        self.ticket.set_confirm_required(self.settings.confirm_orders())
        self.ticket.set_quote_source(self.rows.quote_of)
        self.ticket.set_product_source(view.products_for)
        self.ticket.set_tif_source(view.times_in_force)
        self.ticket.set_risk_preview(view.preview)
        self.ticket.set_bracket_holder(view.holds_brackets)
        self.ticket.set_sizer(view.size_by_risk)
        self.accounts_panel = AccountsPanel([(a, view.status(a).kind) for a in view.account_ids()])
        self.log_view = LogView()
        self.orders_panel = OrdersPanel(self.orders_view)
        self.docks = MainDocks.build(self, self.positions_view, self.watchlist_panel, self.ticket, self.accounts_panel,
                                     self.log_view, self.orders_panel, self.fills_view)
        self.docks.log.visibilityChanged.connect(self.log_view.set_on_screen)  # its tab behind another: lines wait
        log = self.log_view.add
        self.watchlists = WatchlistsController(self.session, self.bridge, self.watchlist_panel, self._watchlist_store,
                                               self.settings.watchlist(), self.reporter, log)
        self.orders = OrderController(self.session, self.reporter, self, self.ticket, self.orders_view, log)
        self.halts = HaltController(self.session, self.reporter, self, log)
        self.accounts = AccountController(self.session, self.reporter, self, self.refresh_instruments)

    def add_dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        """Add a dock the composition root builds (approvals, strategy API); tabbed with the blotters."""
        return self.docks.add(self, title, name, widget, area)

    def add_banner(self, banner: QWidget) -> None:
        """Show banner across the whole top of the window, above the toolbar (notices the trader must not miss)."""
        if self._banners is None:
            strip = QWidget(objectName="banners")
            self._banners = QVBoxLayout(strip)
            self._banners.setContentsMargins(0, 0, 0, 0)
            self._banners.setSpacing(0)
            self.setMenuWidget(strip)
            strip.show()  # a banner may come after the window is shown (the keyring is settled after the first paint)
        self._banners.addWidget(banner)
        banner.show()

    def add_tool_action(self, text: str, name: str, shortcut: str, slot: Any) -> QAction:
        """Add an action (with its hotkey) to the toolbar; the composition root adds the ones widgets cannot build."""
        action = make_action(self, text, name, shortcut, slot)
        add_to_toolbar(self._toolbar, action)
        return action

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Trading", self)
        self._toolbar = toolbar
        toolbar.setObjectName("toolbar.trading")
        toolbar.setMovable(False)
        self.cancel_all_action = make_action(self, "Cancel all", "action.cancelAll", "Ctrl+Shift+C",
                                             self.orders.cancel_all)
        self.flatten_all_action = make_action(self, "Flatten all", "action.flattenAll", "Ctrl+Shift+F",
                                              self.halts.flatten_all)
        self.reset_layout_action = make_action(self, "Reset layout", "action.resetLayout", "Ctrl+Shift+R",
                                               self.reset_layout)
        self.kill_switch_action = make_action(self, "Kill switch", "action.killSwitch", "Ctrl+Shift+K",
                                              self.halts.kill_switch)
        self.resume_action = make_action(self, "Resume trading", "action.resumeTrading", "Ctrl+Shift+U",
                                         self.halts.resume)
        self.risk_limits_action = make_action(self, "Risk limits…", "action.riskLimits", "Ctrl+Shift+L",
                                              lambda: open_risk_limits(self.session, self.settings.set_risk, self))
        self.dark_theme_action = make_action(self, "Dark theme", "action.darkTheme", "Ctrl+Shift+D")
        feeds = make_action(self, "Reference feeds…", "action.referenceFeeds", "", self.watchlists.open_reference_feeds)
        feeds.setToolTip("Choose the feed an account without market data is priced from")
        for action in (self.kill_switch_action, self.resume_action, self.cancel_all_action, self.flatten_all_action,
                       self.risk_limits_action, feeds, self.reset_layout_action, self.dark_theme_action):
            add_to_toolbar(toolbar, action)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def add_account_view(self, account_id: str) -> None:
        """Show an account added while running: accounts panel row, status bar, ticket's account list."""
        added = AccountId(account_id)
        self.accounts_panel.add_account(added, self.session.view.status(added).kind)
        self.status.add_account(added)
        self.ticket.set_accounts([str(a) for a in self.session.view.account_ids()])
        self.refresh_instruments()

    def remove_account_view(self, account_id: AccountId) -> None:
        """Drop a removed account from the accounts panel, the status bar and the ticket's account list."""
        self.accounts_panel.remove_account(account_id)
        self.status.remove_account(account_id)
        self.ticket.set_accounts([str(a) for a in self.session.view.account_ids()])

    def refresh_instruments(self) -> None:
        """Offer every instrument the accounts now list (some brokers list theirs only once connected)."""
        self.watchlists.refresh()
        self.ticket.set_instruments(self.session.view.instruments())

    def _wire(self) -> None:
        bridge, status, panel, buttons = self.bridge, self.status, self.accounts_panel, self.orders_panel
        bridge.on_log_line(self.log_view.add)
        bridge.flusher.register(self.log_view)  # the Log dock's lines in the frame's pass, with the grids
        bridge.connection_changed.connect(panel.set_connection)
        bridge.connection_changed.connect(status.on_connection_changed)
        bridge.trading_state_changed.connect(self._on_trading_state_changed)
        bridge.trading_state_changed.connect(status.trading_state_widget.on_trading_state_changed)
        bridge.reconciliation_required.connect(self.accounts.ask_reconciliation)
        bridge.trading_state_changed.connect(self.accounts.on_trading_state)
        bridge.broker_pnl.connect(status.on_broker_pnl)
        self.reporter.busy.connect(status.on_busy)
        self.reporter.failed.connect(lambda text: self.log_view.add("ERROR", text))
        self.ticket.submit_requested.connect(self.orders.submit)
        self.watchlist_view.clicked.connect(self.rows.on_watchlist_clicked)
        self.watchlist_panel.trade_requested.connect(self.rows.trade_row)
        self.positions_view.doubleClicked.connect(self.rows.on_position_double_clicked)
        self.position_menu = PositionMenu(self.positions_view, self.rows.on_position_double_clicked,
                                          self.halts.flatten_position)
        buttons.cancel_button.clicked.connect(self.orders.cancel_selected)
        buttons.cancel_all_button.clicked.connect(self.orders.cancel_all)
        buttons.record_fill_button.clicked.connect(self.orders.record_fill_of_selected)
        buttons.modify_button.clicked.connect(self.orders.modify_selected)
        self.orders_view.doubleClicked.connect(self.orders.modify_selected)
        self.orders_view.selectionModel().selectionChanged.connect(
            lambda *_: buttons.record_fill_button.setEnabled(self.orders.records_fill_of_selected()))
        panel.connect_requested.connect(self.accounts.connect)
        panel.disconnect_requested.connect(self.accounts.disconnect)

    def connect_all(self) -> None:
        self.accounts.connect_all()

    def _on_trading_state_changed(self, account_id: AccountId | None, state: TradingState, reason: str) -> None:
        if account_id is not None and account_id in self.status.account_labels:
            self.accounts_panel.set_trading(account_id, state, reason)
            self.status.show_account(account_id)
        if state is TradingState.ACTIVE:
            self.ticket.clear_hold_refusal()  # "PAPER-1 is halted: …" no longer applies
        self.log_view.add("INFO" if state is TradingState.ACTIVE else "WARNING",
                          f"{account_id or 'All accounts'}: {state.value.lower()} — {reason}")

    def _on_status_tick(self) -> None:
        self.status.show_pnl()

    # --- layout ---------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_show:
            self._first_show = False
            self.window_layout.first_shown()
            QTimer.singleShot(0, self, self._take_focus)

    def _take_focus(self) -> None:
        """Ask for the keyboard once shown: with no window manager (a bare X server) no one else gives it, and
        the toolbar's hotkeys would do nothing."""
        self.raise_()
        self.activateWindow()

    def reset_layout(self) -> None:
        """Put every dock back where it started."""
        self.window_layout.reset()

    # --- shutdown -------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.window_layout.save()
        super().closeEvent(event)
        self.closed.emit()

    async def shutdown(self) -> None:
        """Stop timers, disconnect every account and close the journal."""
        if self._shut:
            return
        self._shut = True
        self._status_timer.stop()
        self.ticket.stop()
        self.focus_keeper.stop()
        await self.reporter.cancel_all()
        for hook in self.shutdown_hooks:
            await hook()
        self.bridge.detach()
        await self.session.close()
        self.session.close_journal()
