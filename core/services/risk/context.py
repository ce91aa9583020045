"""What the risk checks read: small protocols over the portfolio and OMS, and a per-order snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from core.domain import AccountId, ClientOrderId, Order, OrderType, Position, Quote, Side, TradingState


class DailyPnl(Protocol):
    @property
    def currency(self) -> str: ...

    @property
    def daily(self) -> Decimal | None: ...


class PositionSource(Protocol):
    """Positions and P&L per account (the session's Portfolio)."""

    def positions(self, account_id: AccountId | None = None) -> list[Position]: ...

    def totals(self, account_id: AccountId | None = None) -> Mapping[str, DailyPnl]: ...


class OrderSource(Protocol):
    """Orders by id and the working ones per account (the session's OrderManager)."""

    def get(self, client_order_id: ClientOrderId) -> Order | None: ...

    def working(self, account_id: AccountId | None = None) -> list[Order]: ...


@dataclass(frozen=True, slots=True)
class RecentOrder:
    """An order that passed the checks, remembered for the duplicate window and the rate throttle."""

    at: float
    client_order_id: ClientOrderId
    key: tuple[object, ...]


def duplicate_key(order: Order) -> tuple[object, ...]:
    """Return what makes two orders the same: account, instrument, side, quantity and prices."""
    limit = None if order.limit_price is None else order.limit_price.value
    stop = None if order.stop_price is None else order.stop_price.value
    return (order.account_id, order.symbol, order.side, order.quantity.value, order.order_type, limit, stop)


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The world as one order's checks see it; `working` and `recent` exclude the order itself."""

    now: datetime
    monotonic: float
    state: TradingState
    state_reason: str
    quote_of: Callable[[str], Quote | None]
    positions: Sequence[Position]
    working: Sequence[Order]
    recent: Sequence[RecentOrder]
    strategy_disabled: str | None = None

    def position_qty(self, symbol: str) -> Decimal:
        """Return the account's signed position in symbol."""
        return sum((p.quantity for p in self.positions if p.symbol == symbol), Decimal(0))

    def working_leaves(self, symbol: str, side: Side) -> Decimal:
        """Return the unfilled quantity of the account's working orders on symbol and side."""
        return sum((o.leaves_qty for o in self.working if o.symbol == symbol and o.side is side), Decimal(0))


def quote_price(quote: Quote | None, side: Side | None = None) -> Decimal | None:
    """Return the price a market order would meet (ask to buy, bid to sell), else last, else the mid."""
    if quote is None:
        return None
    touch = quote.ask if side is Side.BUY else quote.bid if side is Side.SELL else None
    if touch is not None:
        return touch
    if quote.last is not None:
        return quote.last
    if quote.bid is not None and quote.ask is not None:
        return (quote.bid + quote.ask) / 2
    return quote.bid if quote.bid is not None else quote.ask


def order_price(order: Order, quote: Quote | None) -> Decimal | None:
    """Return the price an order's value is reckoned at: its limit, its stop, or the quote for a market order."""
    if order.limit_price is not None:
        return order.limit_price.value
    if order.order_type is OrderType.STOP and order.stop_price is not None:
        return order.stop_price.value
    return quote_price(quote, order.side)


@dataclass(frozen=True, slots=True)
class Exposure:
    """Gross exposure in the limits' currency, or the currency that could not be converted."""

    amount: Decimal
    missing_rate: str | None = None


def gross_exposure(
    positions: Iterable[Position],
    working: Iterable[Order],
    quote_of: Callable[[str], Quote | None],
    fx_rate: Callable[[str], Decimal | None],
    extra: Order | None = None,
) -> Exposure:
    """Sum, over instruments, the worst-case absolute position if every working order filled, at the dearest price.

    Per instrument: max(|position + buys|, |position - sells|) × max(mark, working prices) × multiplier.
    """
    books: dict[str, _Book] = {}
    for position in positions:
        if position.quantity != 0:
            instrument = position.instrument
            book = books.setdefault(position.symbol, _Book(instrument.currency, instrument.multiplier))
            book.position += position.quantity
            book.add_price(position.last_price if position.last_price is not None else position.avg_cost)
    for order in [*working, *([extra] if extra is not None else [])]:
        book = books.setdefault(order.symbol, _Book(order.instrument.currency, order.instrument.multiplier))
        if order.side is Side.BUY:
            book.buys += order.leaves_qty
        else:
            book.sells += order.leaves_qty
        book.add_price(order_price(order, quote_of(order.symbol)))
    total = Decimal(0)
    for symbol, book in books.items():
        book.add_price(quote_price(quote_of(symbol)))
        worst = max(abs(book.position + book.buys), abs(book.position - book.sells))
        if worst == 0:
            continue
        rate = fx_rate(book.currency)
        if rate is None:
            return Exposure(total, book.currency)
        total += worst * book.price * book.multiplier * rate
    return Exposure(total)


@dataclass(slots=True)
class _Book:
    currency: str
    multiplier: Decimal
    position: Decimal = Decimal(0)
    buys: Decimal = Decimal(0)
    sells: Decimal = Decimal(0)
    price: Decimal = Decimal(0)

    def add_price(self, price: Decimal | None) -> None:
        if price is not None and abs(price) > self.price:
            self.price = abs(price)
