"""TradePrint: one trade on the market's tape (time and sales), as one feed reported it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.enums import Side
from core.domain.events import StampedEvent


@dataclass(frozen=True, slots=True)
class TradePrint(StampedEvent):
    """A trade of size at price in symbol, seen on source's feed at ts.

    aggressor: the side that took liquidity (BUY: a buyer lifted the offer) where the feed tells or the print
    is at the touch; None when unknown.
    """

    symbol: str
    source: str
    price: Decimal
    size: Decimal
    aggressor: Side | None = None
