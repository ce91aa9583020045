"""DepthBook: one symbol's order book from one feed, levels of price, size and order count."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from core.domain.events import StampedEvent


@dataclass(frozen=True, slots=True)
class BookLevel:
    """One price level: the size resting there and, when the feed tells, how many orders make it up."""

    price: Decimal
    size: Decimal
    orders: int | None = None


@dataclass(frozen=True, slots=True)
class DepthBook(StampedEvent):
    """The whole book of symbol as source (the account whose feed sent it) last saw it.

    Published on the bus by a depth producer (the whole book each time, never a delta), conflated
    per frame for views by the GUI's frame feed. Bids best (highest) first, asks best (lowest) first.
    `note`, when set, says why the feed has no depth for symbol now (the broker refused or stopped it):
    the sides are empty then and a view shows top of book only, with the note.
    """

    symbol: str
    source: str
    bids: tuple[BookLevel, ...] = ()
    asks: tuple[BookLevel, ...] = ()
    note: str = ""
