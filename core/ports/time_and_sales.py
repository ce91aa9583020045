"""TimeAndSales: an account whose broker reports each trade on the market's tape (an optional capability)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain import Instrument


@runtime_checkable
class TimeAndSales(Protocol):
    """An account that publishes TradePrint events (core/domain/tape.py) for symbols asked for.

    Implementers: after `subscribe_tape(instrument)` publish one TradePrint(symbol, source=account id) per
    trade the feed reports, in order, with the aggressor side where known; `unsubscribe_tape(symbol)` stops.
    """

    async def subscribe_tape(self, instrument: Instrument) -> None:
        """Publish instrument's trades from now on."""
        ...

    async def unsubscribe_tape(self, symbol: str) -> None:
        """Stop publishing symbol's trades."""
        ...
