"""A risk engine over the real bus, quote cache and portfolio, with a settable clock and a plain order book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    FillRecorded,
    Instrument,
    LogMessage,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderOrigin,
    OrderSubmitted,
    OrderType,
    Quote,
    Side,
    StrategyId,
    TradingState,
    TradingStateChanged,
)
from core.services.bus import EventBus
from core.services.instruments import InstrumentCatalog
from core.services.portfolio import Portfolio
from core.services.quote_cache import QuoteCache
from core.services.risk import HoldCause, RiskConfig, RiskEngine, RiskLimits
from tests.factories import make_fill, make_instrument, make_order

ACCOUNT = AccountId("PAPER-1")
AAPL = make_instrument("AAPL")
ES = make_instrument("ESZ6", tick_size="0.25", multiplier="50")
INFY = make_instrument("INFY", currency="INR", tick_size="0.05")


@dataclass
class FakeClock:
    seconds: float = 0.0
    start: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 15, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def monotonic(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        self.seconds += seconds


class OrderBook:
    """Orders by id; `working` is what a broker holds (the OMS's role)."""

    def __init__(self) -> None:
        self.orders: dict[ClientOrderId, Order] = {}

    def get(self, client_order_id: ClientOrderId) -> Order | None:
        return self.orders.get(client_order_id)

    def working(self, account_id: AccountId | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.is_working and (account_id is None or o.account_id == account_id)]


class Harness:
    def __init__(self, limits: RiskLimits | RiskConfig | None = None, instruments: list[Instrument] | None = None):
        self.bus = EventBus()
        self.clock = FakeClock()
        self.catalog = InstrumentCatalog()
        self.catalog.add(instruments or [AAPL, ES, INFY])
        self.quotes = QuoteCache(self.bus)
        self.portfolio = Portfolio(self.bus, self.catalog, self.clock)
        self.book = OrderBook()
        config = limits if isinstance(limits, RiskConfig) else RiskConfig(limits or RiskLimits())
        self.engine = RiskEngine(self.bus, self.clock, self.quotes, self.portfolio, self.book, config)
        self.states: list[TradingStateChanged] = []
        self.logs: list[LogMessage] = []
        self.bus.subscribe(TradingStateChanged, self.states.append)
        self.bus.subscribe(LogMessage, self.logs.append)
        self.engine.register_account(ACCOUNT)
        self.engine.release(ACCOUNT, HoldCause.CONNECTION)

    def quote(self, symbol: str = "AAPL", bid: str | None = "99.99", ask: str | None = "100.00",
              last: str | None = "100.00", age: float = 0.0) -> None:
        def dec(x: str | None) -> Decimal | None:
            return None if x is None else Decimal(x)

        self.bus.publish(Quote(symbol, dec(bid), dec(ask), dec(last), ts=self.clock.now() - timedelta(seconds=age)))

    def order(self, side: Side = Side.BUY, qty: str = "100", price: str | None = "100.00",
              instrument: Instrument = AAPL, order_type: OrderType = OrderType.LIMIT,
              strategy: str | None = None, account: AccountId = ACCOUNT, stop: str | None = None,
              origin: OrderOrigin = OrderOrigin.MANUAL) -> Order:
        order = make_order(instrument, side=side, quantity=qty, order_type=order_type, limit_price=price,
                           stop_price=stop, account_id=account)
        if strategy is not None:
            order.strategy_id = StrategyId(strategy)
        order.origin = origin
        return order

    def check(self, order: Order) -> str | None:
        return self.engine.check(order)

    def work(self, order: Order) -> Order:
        """Pass the order through the engine and put it on the book as working."""
        assert self.engine.check(order) is None
        order.apply(OrderSubmitted(order.client_order_id))
        order.apply(OrderAccepted(order.client_order_id, BrokerOrderId(f"B{len(self.book.orders)}")))
        self.book.orders[order.client_order_id] = order
        return order

    def fill(self, side: Side, qty: str, price: str, symbol: str = "AAPL", order: Order | None = None) -> None:
        fill = make_fill(order, quantity=qty, price=price, side=side, symbol=symbol, account_id=ACCOUNT)
        if order is not None:
            order.apply(OrderFilled(order.client_order_id, fill))
        self.bus.publish(FillRecorded(fill))

    def state(self) -> TradingState:
        return self.engine.state(ACCOUNT)[0]
