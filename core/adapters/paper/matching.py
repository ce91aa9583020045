"""MatchingEngine: the paper broker's order book, matched against top-of-book quotes. Pure: no asyncio, no I/O.

Prices: a MARKET order (and a triggered STOP) takes the ask (buy) or bid (sell), moved by the
slippage and rounded to tick against the trader. A marketable LIMIT takes the better of that and
its limit; once it has rested on the book it fills at its limit when the quote reaches it. A STOP
triggers when the market trades through it (buy: ask >= stop; sell: bid <= stop); a STOP_LIMIT
then acts as a LIMIT. A TRAIL keeps its stop a Trail behind the market it follows (the bid for a sell, the
ask for a buy), moved before each match toward the market and never back, and goes out at market when touched;
a TRAIL_LIMIT's limit follows its stop by the Trail's limit_offset, and once touched it acts as that LIMIT.
IOC keeps nothing: what does not fill at once is canceled.
With `partial_fills`, the displayed size (bid_size/ask_size, whole lots) caps what fills per quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from core.domain import (
    BrokerOrderId,
    ClientOrderId,
    Instrument,
    OrderStatus,
    OrderTrailMoved,
    OrderType,
    Price,
    Quote,
    Side,
    TimeInForce,
    utc_now,
)
from core.domain.trailing import Trail, trail_reference, trail_touched

_BPS = Decimal(10_000)
_CENT = Decimal("0.01")
_LIVE = (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)


@dataclass(slots=True, eq=False)
class PaperOrder:
    """An order as the paper broker's book holds it."""

    client_order_id: ClientOrderId
    broker_order_id: BrokerOrderId
    instrument: Instrument
    side: Side
    quantity: Decimal
    order_type: OrderType
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None
    tif: TimeInForce = TimeInForce.DAY
    trail: Trail | None = None
    """A TRAIL order's distance from the market; its stop_price is where the trail has brought the stop."""
    status: OrderStatus = OrderStatus.ACCEPTED
    filled_qty: Decimal = Decimal(0)
    triggered: bool = False
    resting: bool = False
    reason: str = ""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def leaves_qty(self) -> Decimal:
        return self.quantity - self.filled_qty

    @property
    def is_working(self) -> bool:
        return self.status in _LIVE

    @property
    def is_active(self) -> bool:
        """True once the order can trade: always, except a stop (or trailing stop) that has not triggered yet."""
        return self.triggered or not (self.order_type.needs_stop or self.order_type.is_trailing)

    @property
    def acts_as_limit(self) -> bool:
        """True for a limit order, and for a trailing stop-limit (its limit follows its stop)."""
        return self.order_type.needs_limit or self.order_type is OrderType.TRAIL_LIMIT


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill the engine made; the books give it a trade id."""

    client_order_id: ClientOrderId
    broker_order_id: BrokerOrderId
    instrument: Instrument
    side: Side
    quantity: Decimal
    price: Decimal
    fee: Decimal

    @property
    def notional(self) -> Decimal:
        return self.instrument.notional(self.quantity, self.price)


@dataclass(frozen=True, slots=True)
class Closure:
    """An order the engine ended without a fill: CANCELED (IOC remainder) or EXPIRED (DAY)."""

    client_order_id: ClientOrderId
    status: OrderStatus
    reason: str


Outcome = Execution | Closure


class ChangeRefused(Exception):
    """A cancel or modify the book cannot do; `str(error)` says why, for the trader."""


class MatchingEngine:
    """Hold the paper account's orders and fill the working ones against quotes."""

    def __init__(self, slippage_bps: Decimal = Decimal(0), fee_bps: Decimal = Decimal(0), partial_fills: bool = False):
        self._slippage = slippage_bps / _BPS
        self._fee = fee_bps / _BPS
        self._partial = partial_fills
        self.orders: dict[ClientOrderId, PaperOrder] = {}
        self._by_symbol: dict[str, dict[ClientOrderId, PaperOrder]] = {}
        """Per symbol, oldest first, the orders that were working when last seen (the others are dropped then)."""
        self._stops: dict[ClientOrderId, PaperOrder] = {}
        """Stop orders that had not triggered when last seen."""

    def working(self) -> list[PaperOrder]:
        return [order for order in self.orders.values() if order.is_working]

    def untriggered(self) -> list[PaperOrder]:
        """Return the working stop orders that have not triggered yet."""
        stops = self._stops
        for coid in [coid for coid, order in stops.items() if order.is_active or not order.is_working]:
            del stops[coid]
        return list(stops.values())

    def clear(self) -> None:
        """Forget every order, with the per-symbol books and the stops index (a simulator's new day)."""
        self.orders.clear()
        self._by_symbol.clear()
        self._stops.clear()

    def restore(self, order: PaperOrder) -> None:
        """Put back an order loaded from the broker's books, without matching it."""
        self.orders[order.client_order_id] = order
        self._index(order)

    def add(self, order: PaperOrder, quote: Quote) -> list[Outcome]:
        """Accept order into the book and match it at once against quote."""
        if order.client_order_id in self.orders:
            raise ValueError(f"order {order.client_order_id} is already on the book")
        self.orders[order.client_order_id] = order
        self._index(order)
        return list(self._attempt(order, quote, _Liquidity(quote, self._partial)))

    def _index(self, order: PaperOrder) -> None:
        if order.is_working:
            self._by_symbol.setdefault(order.symbol, {})[order.client_order_id] = order
            if not order.is_active:
                self._stops[order.client_order_id] = order

    def match(self, quote: Quote) -> list[Outcome]:
        """Match the working orders of quote's symbol, oldest first; they share the displayed size.

        A resting limit the quote does not reach is passed over at the cost of one comparison, so a
        tick costs little however many orders rest far from the market.
        """
        book = self._by_symbol.get(quote.symbol)
        if not book:
            return []
        liquidity = _Liquidity(quote, self._partial)
        outcomes: list[Outcome] = []
        ended = []
        bid, ask = quote.bid, quote.ask
        for coid, order in book.items():
            if not order.is_working:
                ended.append(coid)
                continue
            if order.resting:  # an active limit on the book: it fills only once the touch reaches its limit
                limit = order.limit_price
                if order.side is Side.BUY:
                    if ask is None or (limit is not None and ask > limit):
                        continue
                elif bid is None or (limit is not None and bid < limit):
                    continue
            outcomes.extend(self._attempt(order, quote, liquidity))  # one it ends is dropped on the next quote
        for coid in ended:
            del book[coid]
        return outcomes

    def cancel(self, client_order_id: ClientOrderId) -> Closure:
        """Cancel a working order; raise ChangeRefused if it is unknown or no longer working."""
        order = self._working(client_order_id, "canceled")
        order.status = OrderStatus.CANCELED
        order.reason = "canceled by the trader"
        return Closure(client_order_id, OrderStatus.CANCELED, order.reason)

    def modify(
        self,
        client_order_id: ClientOrderId,
        quantity: Decimal,
        limit_price: Decimal | None,
        stop_price: Decimal | None,
        quote: Quote,
    ) -> list[Outcome]:
        """Change a working order and match it again against quote, as a new order would be (it loses its place).

        Raise ChangeRefused, changing nothing, if the order is not working or the change is invalid.
        """
        order = self._working(client_order_id, "modified")
        _check_modification(order, quantity, limit_price, stop_price)
        order.quantity = quantity
        order.limit_price = limit_price
        order.stop_price = stop_price
        order.resting = False
        return list(self._attempt(order, quote, _Liquidity(quote, self._partial)))

    def drop_done_before(self, cutoff: datetime) -> None:
        """Forget orders that ended before cutoff (a broker lists only today's orders)."""
        self.orders = {
            coid: order for coid, order in self.orders.items() if order.is_working or order.updated_at >= cutoff
        }

    def expire_day_orders(self) -> list[Closure]:
        """End every working DAY order, as the close of a trading day does."""
        closures = []
        for order in self.working():
            if order.tif is TimeInForce.DAY:
                order.status = OrderStatus.EXPIRED
                order.reason = "DAY order expired at the end of the trading day"
                closures.append(Closure(order.client_order_id, OrderStatus.EXPIRED, order.reason))
        return closures

    def fee_for(self, notional: Decimal) -> Decimal:
        """Return the fee on a notional, to the cent, in the instrument's currency."""
        return (notional * self._fee).quantize(_CENT, rounding=ROUND_HALF_UP)

    def taker_price(self, side: Side, touch: Decimal, instrument: Instrument) -> Decimal:
        """Return touch moved by the slippage and rounded to tick against the trader."""
        if side is Side.BUY:
            return _to_tick(touch * (1 + self._slippage), instrument.tick_size, ROUND_CEILING)
        return _to_tick(touch * (1 - self._slippage), instrument.tick_size, ROUND_FLOOR)

    def _working(self, client_order_id: ClientOrderId, action: str) -> PaperOrder:
        order = self.orders.get(client_order_id)
        if order is None:
            raise ChangeRefused(f"order {client_order_id} is not known to the paper broker")
        if not order.is_working:
            state = order.status.value.lower().replace("_", " ")
            raise ChangeRefused(f"order {client_order_id} is already {state}; it cannot be {action}")
        return order

    def _attempt(self, order: PaperOrder, quote: Quote, liquidity: _Liquidity) -> Iterator[Outcome]:
        execution = self._try_fill(order, quote, liquidity)
        if execution is not None:
            yield execution
        if not (order.is_working and order.is_active):
            return
        if order.tif is TimeInForce.IOC:
            order.status = OrderStatus.CANCELED
            order.reason = "IOC: the unfilled remainder was canceled"
            yield Closure(order.client_order_id, OrderStatus.CANCELED, order.reason)
        elif order.acts_as_limit:
            order.resting = True

    def _try_fill(self, order: PaperOrder, quote: Quote, liquidity: _Liquidity) -> Execution | None:
        touch = quote.ask if order.side is Side.BUY else quote.bid
        if touch is None:
            return None
        if not order.is_active:
            if not (_trail_hit(order, quote) if order.trail is not None else _stop_hit(order, quote)):
                return None
            order.triggered = True
        price = self._fill_price(order, touch)
        if price is None:
            return None
        quantity = liquidity.take(order.side, order.leaves_qty, order.instrument)
        if quantity <= 0:
            return None
        order.filled_qty += quantity
        order.status = OrderStatus.FILLED if order.leaves_qty <= 0 else OrderStatus.PARTIALLY_FILLED
        fee = self.fee_for(order.instrument.notional(quantity, price))
        return Execution(
            order.client_order_id, order.broker_order_id, order.instrument, order.side, quantity, price, fee
        )

    def _fill_price(self, order: PaperOrder, touch: Decimal) -> Decimal | None:
        taker = self.taker_price(order.side, touch, order.instrument)
        limit = order.limit_price
        if not order.acts_as_limit or limit is None:
            return taker
        if order.side is Side.BUY:
            if touch > limit:
                return None
            return limit if order.resting else min(limit, taker)
        if touch < limit:
            return None
        return limit if order.resting else max(limit, taker)


class _Liquidity:
    """What one quote displays on each side, used up by the fills made against it."""

    def __init__(self, quote: Quote, capped: bool) -> None:
        self._capped = capped
        self._left = {Side.BUY: quote.ask_size or Decimal(0), Side.SELL: quote.bid_size or Decimal(0)}

    def take(self, side: Side, wanted: Decimal, instrument: Instrument) -> Decimal:
        if not self._capped:
            return wanted
        got = instrument.make_qty(min(wanted, self._left[side])).value
        self._left[side] -= got
        return got


def _trail_hit(order: PaperOrder, quote: Quote) -> bool:
    """Move a trailing stop after the market (never back), then return True if the market touched it."""
    trail = order.trail
    reference = trail_reference(order.side, quote.bid, quote.ask, quote.last)
    if trail is None or reference is None:
        return False
    order.stop_price = trail.ratchet(order.stop_price, reference, order.side, order.instrument.tick_size)
    order.limit_price = trail.limit_from(order.stop_price, order.side)  # a stop-limit's limit moves with its stop
    return trail_touched(order.stop_price, order.side, reference)


def trail_moved(order: PaperOrder) -> OrderTrailMoved:
    """Return the report of where a trailing order's stop (and a trailing stop-limit's limit) stands now."""
    assert order.stop_price is not None, "a trailing order has a stop once it has seen a price"
    limit = order.limit_price if order.order_type is OrderType.TRAIL_LIMIT else None
    return OrderTrailMoved(order.client_order_id, Price(order.stop_price), None if limit is None else Price(limit))


def _stop_hit(order: PaperOrder, quote: Quote) -> bool:
    stop = order.stop_price
    if stop is None:
        return True
    if order.side is Side.BUY:
        return quote.ask is not None and quote.ask >= stop
    return quote.bid is not None and quote.bid <= stop


def _to_tick(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).quantize(Decimal(1), rounding=rounding) * tick


def _check_modification(
    order: PaperOrder, quantity: Decimal, limit_price: Decimal | None, stop_price: Decimal | None
) -> None:
    instrument = order.instrument
    kind = order.order_type.value
    if quantity <= order.filled_qty:
        raise ChangeRefused(f"the new quantity {quantity} must be more than the {order.filled_qty} already filled")
    if not instrument.is_on_lot(quantity):
        raise ChangeRefused(f"{instrument.symbol} trades in lots of {instrument.lot_size.normalize():f}")
    for name, price, needed in (
        ("limit", limit_price, order.order_type.needs_limit),
        ("stop", stop_price, order.order_type.needs_stop),
    ):
        if needed and price is None:
            raise ChangeRefused(f"a {kind} order needs a {name} price")
        if not needed and price is not None:
            raise ChangeRefused(f"a {kind} order has no {name} price")
        if price is not None and (price <= 0 or not instrument.is_on_tick(price)):
            raise ChangeRefused(f"{name} price {price} is not a positive price on {instrument.symbol}'s tick "
                                f"of {instrument.tick_size.normalize():f}")
