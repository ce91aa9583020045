"""The paper market's book: synthesized levels around the touch plus the account's own resting limits. Pure.

The touch (best bid and ask, and their sizes) is the market's quote. Deeper levels get a size that depends
only on the symbol's price level (so a level keeps its size while the touch moves past it) in whole lots,
and every resting limit order of the account adds its remaining quantity at its own price: a trader sees
their order on its level, as on an exchange's book.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from core.domain import Instrument, Quote, Side
from core.domain.depth import BookLevel, DepthBook

_DEEP_LOTS = 40
"""Deeper levels hold 1 to _DEEP_LOTS lots."""


def level_lots(price_ticks: int) -> int:
    """Return the synthesized size, in lots, of the level price_ticks ticks above zero (deterministic)."""
    return 1 + (price_ticks * 7919 + 13) % _DEEP_LOTS


def synthesize_book(quote: Quote, instrument: Instrument, resting: Iterable[tuple[Side, Decimal, Decimal]],
                    rows: int, source: str, ts: datetime) -> DepthBook | None:
    """Return the book of quote's symbol, rows levels a side, with resting (side, price, remaining qty) added.

    None while the quote has no bid or no ask (nothing to build the book around).
    """
    if quote.bid is None or quote.ask is None:
        return None
    tick, lot = instrument.tick_size, instrument.lot_size
    bid_ticks, ask_ticks = int(quote.bid / tick), int(quote.ask / tick)
    bids: dict[int, Decimal] = {}
    asks: dict[int, Decimal] = {}
    for i in range(rows):
        bids[bid_ticks - i] = (quote.bid_size or lot) if i == 0 else level_lots(bid_ticks - i) * lot
        asks[ask_ticks + i] = (quote.ask_size or lot) if i == 0 else level_lots(ask_ticks + i) * lot
    for side, price, quantity in resting:
        ticks = int(price / tick)
        if side is Side.BUY and ticks < ask_ticks:
            bids[ticks] = bids.get(ticks, Decimal(0)) + quantity
        elif side is Side.SELL and ticks > bid_ticks:
            asks[ticks] = asks.get(ticks, Decimal(0)) + quantity
    return DepthBook(
        symbol=instrument.symbol, source=source,
        bids=tuple(BookLevel(t * tick, bids[t]) for t in sorted(bids, reverse=True) if t > 0),
        asks=tuple(BookLevel(t * tick, asks[t]) for t in sorted(asks)),
        ts=ts,
    )
