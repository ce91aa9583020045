"""CoreBridge: core events -> Qt. Grid rows are staged in models and painted at most once per frame."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from PySide6.QtCore import QObject, Signal

from core.domain import (
    BrokerPnl,
    ConnectionChanged,
    ConnectionState,
    LogMessage,
    ReconciliationRequired,
    TradingStateChanged,
)
from core.domain.held_events import HeldChildChanged
from core.domain.market_data_error import FeedChanged, MarketDataError
from core.services.bus import EventBus
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from gui.frame_feed import FrameFeed
from gui.models.fills import FillsTableModel
from gui.models.flusher import FrameFlusher
from gui.models.orders import OrdersTableModel
from gui.models.positions import PositionsTableModel
from gui.models.quotes import QuotesTableModel

if TYPE_CHECKING:
    from core.services.session import TradingSession

LogListener: TypeAlias = Callable[[str, str], None]
"""Takes one line for the Log dock: level ('INFO', 'WARNING', 'ERROR') and text, as said (unmasked)."""


_FEED_DOWN = frozenset({ConnectionState.DISCONNECTED, ConnectionState.RECONNECTING, ConnectionState.FAILED})
"""An account's connection states in which its feed's prices are not live."""


class CoreBridge(QObject):
    """Feed the grid models from the bus and turn rare events into signals.

    Views get data through the frame feed (`feed`, see gui/frame_feed.py): each grid watches what
    it shows and takes, once per frame, the newest values that changed (the watchlist the merged
    quote of each symbol, the positions grid the positions fills changed or quotes marked, the
    blotters the orders and fills), so a tick storm costs the GUI nothing per tick.

    Signals (typed values, never their string spellings):
        connection_changed(AccountId, ConnectionState, str message);
        trading_state_changed(AccountId or None for every account, TradingState, str reason);
        reconciliation_required(AccountId, list[str] differences);
        broker_pnl(AccountId, BrokerPnl for the whole account);
        market_data_error(MarketDataError): a feed cannot quote a symbol (shown on its watchlist row).
        feed_live(str account, bool live): the account's prices stopped (its connection is down, or its price stream
        while it still trades: FeedChanged) or are live again; the watchlist and the ticket say so.

    Log lines go to the listeners of `on_log_line` by a plain call, not a signal: every order says one, and a
    signal's emission cost the GUI thread some 25 us of an order's 300-1,000 (a call, 10).
    """

    connection_changed = Signal(object, object, str)
    trading_state_changed = Signal(object, object, str)
    reconciliation_required = Signal(object, list)
    broker_pnl = Signal(object, object)
    market_data_error = Signal(object)
    feed_live = Signal(str, bool)

    @classmethod
    def of(cls, session: TradingSession, parent: QObject | None = None) -> CoreBridge:
        """The bridge of session's bus, quotes and positions (with gui/app.py, the one place in gui/ that reads
        a session's services rather than its view; tests/unit/test_gui_uses_session_facade.py holds that)."""
        bridge = cls(session.bus, session.quotes, session.portfolio, parent)
        bridge.working_orders.show_held(session.protection.children())  # restored before the window: no event
        return bridge

    def __init__(
        self, bus: EventBus, quotes: QuoteCache, portfolio: Portfolio, parent: QObject | None = None, fps: int = 30
    ) -> None:
        super().__init__(parent)
        self._log_listeners: list[LogListener] = []
        self.quote_cache = quotes
        """The session's quote cache the frame feed conflates from (a view that routes quotes by feed reads it)."""
        self.quotes = QuotesTableModel(parent=self)
        self.positions = PositionsTableModel(split=portfolio.has_products, parent=self)
        self.working_orders = OrdersTableModel(working_only=True, parent=self)
        self.fills = FillsTableModel(parent=self)
        self.flusher = FrameFlusher(hz=fps, parent=self)
        for model in (self.quotes, self.positions, self.working_orders, self.fills):
            self.flusher.register(model)
        self.feed = FrameFeed(bus, quotes, portfolio, self.flusher)
        self.quote_watch = self.feed.watch_quotes(None, self.quotes.show_quotes, paint_with=self.quotes)
        """The watchlist's rows that show each symbol's first feed (gui/controllers/watchlists.py narrows it)."""
        self.feed.watch_positions(self.positions.show_positions, paint_with=self.positions)
        self.feed.watch_orders(self.working_orders.show_orders, paint_with=self.working_orders)
        self.feed.watch_fills(self.fills.show_fills, paint_with=self.fills)
        self._unsubscribe = [
            self.feed.close,
            bus.subscribe(ConnectionChanged, self._on_connection_changed),
            bus.subscribe(TradingStateChanged, self._on_trading_state_changed),
            bus.subscribe(LogMessage, self._on_log_message),
            bus.subscribe(ReconciliationRequired, self._on_reconciliation_required),
            bus.subscribe(BrokerPnl, self._on_broker_pnl),
            bus.subscribe(MarketDataError, self._on_market_data_error),
            bus.subscribe(FeedChanged, lambda event: self.feed_live.emit(str(event.account_id), event.live)),
            bus.subscribe(HeldChildChanged, lambda event: self.working_orders.show_held((event.child,))),
        ]

    def on_log_line(self, listener: LogListener) -> Callable[[], None]:
        """Give listener every line for the Log dock from now on (the Log dock masks every secret in what it shows
        and writes); return the call that stops it."""
        self._log_listeners.append(listener)
        return lambda: self._log_listeners.remove(listener)

    def _say(self, level: str, text: str) -> None:
        for listener in self._log_listeners:
            listener(level, text)

    def detach(self) -> None:
        """Stop listening to the bus (the window is closing)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def bid_ask(self, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """Return the newest bid and ask of the market the watchlist shows for symbol."""
        feed = self.quotes.chosen_feed(symbol) or self.quote_cache.first_feed(symbol)
        quote = None if feed is None else self.quote_cache.quote_of(symbol, feed)
        return (quote.bid, quote.ask) if quote is not None else (None, None)

    def _on_market_data_error(self, event: MarketDataError) -> None:
        self.market_data_error.emit(event)

    def _on_connection_changed(self, event: ConnectionChanged) -> None:
        self.connection_changed.emit(event.account_id, event.state, event.message)
        if event.state in _FEED_DOWN or event.state is ConnectionState.CONNECTED:
            self.feed_live.emit(str(event.account_id), event.state is ConnectionState.CONNECTED)
        text = f"{event.account_id}: {event.state.value.lower()}" + (f" ({event.message})" if event.message else "")
        self._say("ERROR" if event.state is ConnectionState.FAILED else "INFO", text)

    def _on_trading_state_changed(self, event: TradingStateChanged) -> None:
        self.trading_state_changed.emit(event.account_id, event.state, event.reason)

    def _on_log_message(self, event: LogMessage) -> None:
        self._say(event.level, event.text)

    def _on_broker_pnl(self, event: BrokerPnl) -> None:
        if event.symbol is None:
            self.broker_pnl.emit(event.account_id, event)

    def _on_reconciliation_required(self, event: ReconciliationRequired) -> None:
        self.reconciliation_required.emit(event.account_id, list(event.differences))
        for line in event.differences:
            self._say("ERROR", f"{event.account_id}: {line}")
