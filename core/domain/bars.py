"""Bar: open, high, low, close and volume of one symbol over one interval, from one feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from core.domain.events import StampedEvent


@dataclass(frozen=True, slots=True)
class Bar(StampedEvent):
    """The bar of symbol from source's feed that starts at `start` and lasts `interval`.

    Published on the bus by a bar producer (history, or the live bar built from quotes) each time
    the bar changes; the newest bar of a (source, symbol, interval, start) replaces the one before.
    """

    symbol: str
    source: str
    interval: timedelta
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
