"""CoreBridge: core events -> Qt. Grid rows are staged in models and painted at most once per frame."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QObject, Signal

from core.domain import (
    BrokerPnl,
    ConnectionChanged,
    ConnectionState,
    FillRecorded,
    FillsRestored,
    LogMessage,
    OrderUpdated,
    Position,
    PositionUpdated,
    Quote,
    ReconciliationRequired,
    TradingStateChanged,
)
from core.services.bus import EventBus
from core.services.log_redaction import SECRETS
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from gui.models.fills import FillsTableModel
from gui.models.flusher import FrameFlusher
from gui.models.orders import OrdersTableModel
from gui.models.positions import PositionsTableModel
from gui.models.quotes import QuotesTableModel


class CoreBridge(QObject):
    """Feed the grid models from the bus and turn rare events into signals.

    Quotes do not come one by one: the watchlist takes, once per frame, the merged quote of each
    symbol that changed (the quote cache conflates them), and the positions grid the positions those
    quotes marked (the portfolio conflates them), so a tick storm costs the GUI nothing per tick.

    Signals (typed values, never their string spellings):
        connection_changed(AccountId, ConnectionState, str message);
        trading_state_changed(AccountId or None for every account, TradingState, str reason);
        log_message(str level, str text); reconciliation_required(AccountId, list[str] differences);
        broker_pnl(AccountId, BrokerPnl for the whole account).
    """

    connection_changed = Signal(object, object, str)
    trading_state_changed = Signal(object, object, str)
    log_message = Signal(str, str)
    reconciliation_required = Signal(object, list)
    broker_pnl = Signal(object, object)

    def __init__(
        self, bus: EventBus, quotes: QuoteCache, portfolio: Portfolio, parent: QObject | None = None, fps: int = 30
    ) -> None:
        super().__init__(parent)
        self._cache = quotes
        self.quotes = QuotesTableModel(parent=self)
        self.positions = PositionsTableModel(parent=self)
        self.working_orders = OrdersTableModel(working_only=True, parent=self)
        self.orders = OrdersTableModel(parent=self)
        self.fills = FillsTableModel(parent=self)
        self.flusher = FrameFlusher(hz=fps, parent=self)
        for model in (self.quotes, self.positions, self.working_orders, self.orders, self.fills):
            self.flusher.register(model)
        self._conflated = quotes.conflate(self.quotes.take_from(self._drain_quotes))
        marks_waiting = self.positions.pull_from(self._drain_marks, self.positions.update_positions)
        self._marked = portfolio.conflate_marks(marks_waiting)
        self._unsubscribe = [
            lambda: quotes.release(self._conflated),
            lambda: portfolio.release_marks(self._marked),
            bus.subscribe(PositionUpdated, self._on_position_updated),
            bus.subscribe(OrderUpdated, self._on_order_updated),
            bus.subscribe(FillRecorded, self._on_fill_recorded),
            bus.subscribe(FillsRestored, self._on_fills_restored),
            bus.subscribe(ConnectionChanged, self._on_connection_changed),
            bus.subscribe(TradingStateChanged, self._on_trading_state_changed),
            bus.subscribe(LogMessage, self._on_log_message),
            bus.subscribe(ReconciliationRequired, self._on_reconciliation_required),
            bus.subscribe(BrokerPnl, self._on_broker_pnl),
        ]

    def detach(self) -> None:
        """Stop listening to the bus (the window is closing)."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def bid_ask(self, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """Return the newest bid and ask of the market the watchlist shows for symbol."""
        quote = self._cache.latest(symbol, self.quotes.feed_of(symbol))
        return (quote.bid, quote.ask) if quote is not None else (None, None)

    def _drain_quotes(self) -> list[Quote]:
        return self._conflated.drain()

    def _drain_marks(self) -> list[Position]:
        return self._marked.drain()

    def _on_position_updated(self, event: PositionUpdated) -> None:
        self.positions.update_position(event.position)

    def _on_order_updated(self, event: OrderUpdated) -> None:
        self.working_orders.update_order(event.order)
        self.orders.update_order(event.order)

    def _on_fill_recorded(self, event: FillRecorded) -> None:
        self.fills.add_fill(event.fill)

    def _on_fills_restored(self, event: FillsRestored) -> None:
        for fill in event.fills:
            self.fills.add_fill(fill)

    def _on_connection_changed(self, event: ConnectionChanged) -> None:
        self.connection_changed.emit(event.account_id, event.state, event.message)
        text = f"{event.account_id}: {event.state.value.lower()}" + (f" ({event.message})" if event.message else "")
        self.log_message.emit("ERROR" if event.state is ConnectionState.FAILED else "INFO", SECRETS.redact(text))

    def _on_trading_state_changed(self, event: TradingStateChanged) -> None:
        self.trading_state_changed.emit(event.account_id, event.state, event.reason)

    def _on_log_message(self, event: LogMessage) -> None:
        self.log_message.emit(event.level, SECRETS.redact(event.text))

    def _on_broker_pnl(self, event: BrokerPnl) -> None:
        if event.symbol is None:
            self.broker_pnl.emit(event.account_id, event)

    def _on_reconciliation_required(self, event: ReconciliationRequired) -> None:
        self.reconciliation_required.emit(event.account_id, list(event.differences))
        for line in event.differences:
            self.log_message.emit("ERROR", f"{event.account_id}: {line}")
