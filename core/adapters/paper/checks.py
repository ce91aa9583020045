"""The paper broker's pre-trade checks: what a real broker refuses before an order reaches its book."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from core.adapters.paper.books import Books
from core.adapters.paper.matching import MatchingEngine
from core.domain import Instrument, Money, Order, OrderType, Quote, Side
from core.ports.errors import InsufficientFunds, InvalidInstrument, OrderRejected


def find_instrument(order: Order, instruments: Mapping[str, Instrument]) -> Instrument:
    """Return the paper account's instrument for order's symbol; raise InvalidInstrument if it has none."""
    instrument = instruments.get(order.symbol)
    if instrument is None:
        listed = ", ".join(sorted(instruments))
        raise InvalidInstrument(f"{order.symbol} is not traded in the paper account; pick one of {listed}.")
    return instrument


def check_order(order: Order, instrument: Instrument, engine: MatchingEngine) -> None:
    """Raise OrderRejected if the order is a resend or its quantity or prices do not fit the instrument."""
    if order.client_order_id in engine.orders:
        raise OrderRejected(f"Order {order.client_order_id} was already sent; the paper broker keeps the first one.")
    quantity = order.quantity.value
    if quantity <= 0 or not instrument.is_on_lot(quantity):
        raise OrderRejected(
            f"{instrument.symbol} trades in lots of {instrument.lot_size.normalize():f}; {quantity} is not a whole lot."
        )
    for name, price in (("limit", order.limit_price), ("stop", order.stop_price)):
        if price is not None and (price.value <= 0 or not instrument.is_on_tick(price.value)):
            raise OrderRejected(
                f"The {name} price {price} is not a positive price on {instrument.symbol}'s tick "
                f"of {instrument.tick_size.normalize():f}."
            )


def check_buying_power(
    order: Order,
    instrument: Instrument,
    quote: Quote,
    books: Books,
    engine: MatchingEngine,
    instruments: Mapping[str, Instrument],
    marks: Mapping[str, Decimal],
) -> None:
    """Raise InsufficientFunds if the part of the order that opens a position, plus fees, exceeds buying power."""
    opening = books.opening_quantity(order.symbol, order.side, order.quantity.value)
    if opening <= 0:
        return
    price = exposure_price(order, instrument, quote, engine)
    fee = engine.fee_for(instrument.notional(order.quantity.value, price))
    needed = instrument.notional(opening, price) + fee
    available = books.buying_power(instrument.currency, instruments, marks)
    if needed > available:
        verb = "Buying" if order.side is Side.BUY else "Selling short"
        raise InsufficientFunds(
            f"Not enough buying power: {verb} {opening.normalize():f} {order.symbol} at about {price} needs "
            f"{Money(needed, instrument.currency)} with fees, but the paper account has "
            f"{Money(available, instrument.currency)} of buying power. Reduce the quantity or close a position."
        )


def exposure_price(order: Order, instrument: Instrument, quote: Quote, engine: MatchingEngine) -> Decimal:
    """Return the price the order would most likely trade at, erring against the trader."""
    touch = quote.ask if order.side is Side.BUY else quote.bid
    if touch is None:
        touch = quote.last if quote.last is not None else quote.close
    if touch is None:
        raise OrderRejected(f"The paper market has no price for {order.symbol} yet; try again in a moment.")
    taker = engine.taker_price(order.side, touch, instrument)
    limit = None if order.limit_price is None else order.limit_price.value
    stop = None if order.stop_price is None else order.stop_price.value
    if order.side is Side.SELL:
        return taker if limit is None else max(limit, taker)
    if order.order_type is OrderType.LIMIT and limit is not None:
        return min(limit, taker)
    if limit is not None:
        return limit
    return taker if stop is None else max(taker, stop)
