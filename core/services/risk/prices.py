"""What an order is valued at: the quote it would meet, or its own limit or stop price."""

from __future__ import annotations

from decimal import Decimal

from core.domain import Order, Quote, Side
from core.services.working_orders import fixed_price


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
    price = fixed_price(order)
    return price if price is not None else quote_price(quote, order.side)
