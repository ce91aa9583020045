"""What an order is valued at (the quote it would meet, or its own prices) and the price collar around the market."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, getcontext

from core.domain import Order, Quote, Side
from core.services.risk.limits import RiskLimits
from core.services.working_orders import at_market, fixed_price


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
    """Return the price an order's value (notional, exposure) is reckoned at.

    A limit order at its limit; a market order at the quote it would meet; a stop or stop-limit order at
    the dearest of its own prices and the quote it would meet, since it can trigger at once and fill at the
    market: a BUY STP 1.00 with the ask at 190 is worth 190 a share, not 1. Dearest in absolute value for
    both sides: a sell's notional, and the short it may open, grow with the price as a buy's do.
    """
    fixed = fixed_price(order)
    if not at_market(order):
        return fixed
    candidates = [p for p in (fixed, quote_price(quote, order.side)) if p is not None]
    return max(candidates, key=abs) if candidates else None


@dataclass(frozen=True, slots=True)
class Collar:
    """The prices an order may carry now: [low, high], rounded inwards to the tick, around bid / ask."""

    bid: Decimal
    ask: Decimal
    low: Decimal
    high: Decimal

    def contains(self, price: Decimal) -> bool:
        return self.low <= price <= self.high

    def marketable_edge(self, side: Side) -> Decimal:
        """Return the most aggressive price inside the collar: the high edge to buy, the low edge to sell."""
        return self.high if side is Side.BUY else self.low


def collar_on(limits: RiskLimits) -> bool:
    return limits.collar_pct is not None or limits.collar_ticks is not None


def collar(limits: RiskLimits, quote: Quote | None, tick: Decimal) -> Collar | None:
    """Return the collar around quote (the tighter of the % and tick bands), or None without a quote.

    The edges are rounded inwards to the tick, so a price on the tick is inside exactly when it lies
    between the unrounded edges, and an edge itself is a price the collar accepts. With the collar off
    (no % and no ticks) the band is the touch itself.

    A burst of orders in one symbol meets the same quote: the last collar is kept for the same limits and
    quote objects (both immutable; a limit change makes new limits, a tick a new quote), tick and context.
    """
    global _last
    context = getcontext()
    last = _last
    if (last is not None and last[0] is limits and last[1] is quote and last[2] == tick
            and last[3] == context.prec and last[4] == context.rounding):
        return last[5]
    band = _collar(limits, quote, tick)
    _last = (limits, quote, tick, context.prec, context.rounding, band)
    return band


_last: tuple[RiskLimits, Quote | None, Decimal, int, str, Collar | None] | None = None


def _collar(limits: RiskLimits, quote: Quote | None, tick: Decimal) -> Collar | None:
    bid = quote.bid if quote is not None and quote.bid is not None else quote_price(quote)
    ask = quote.ask if quote is not None and quote.ask is not None else quote_price(quote)
    if bid is None or ask is None:
        return None
    lows: list[Decimal] = [bid] if not collar_on(limits) else []
    highs: list[Decimal] = [ask] if not collar_on(limits) else []
    if limits.collar_pct is not None:
        lows.append(bid * (1 - limits.collar_pct / 100))
        highs.append(ask * (1 + limits.collar_pct / 100))
    if limits.collar_ticks is not None:
        lows.append(bid - limits.collar_ticks * tick)
        highs.append(ask + limits.collar_ticks * tick)
    low = (max(lows) / tick).to_integral_value(rounding=ROUND_CEILING) * tick
    high = (min(highs) / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
    return Collar(bid, ask, low, high)
