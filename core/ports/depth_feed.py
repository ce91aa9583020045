"""DepthFeed: an account whose broker streams market depth (an optional capability).

A producer publishes whole DepthBook events (core/domain/depth.py) on the bus, never deltas; the GUI's
frame feed conflates them per frame. An account whose adapter lacks this capability has top of book
only, and the ladder says so.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain import Instrument

DEFAULT_DEPTH_ROWS = 10
"""Levels a side asked for when the caller does not say (IB caps a request at its own maximum)."""


@runtime_checkable
class DepthFeed(Protocol):
    """An account that streams a symbol's book. Checked with isinstance on the adapter.

    Implementers: `subscribe_depth` starts publishing DepthBook(symbol, source=account id) events for
    instrument, at once if a book is known and then whenever it changes; a second call for the same symbol
    does nothing. When the broker refuses or stops depth (IB 309: too many depth requests; 10092: no deep
    data for this exchange) the producer publishes one DepthBook with empty sides and `note` saying why, so
    a view shows top of book only and tells the trader. `unsubscribe_depth` stops publishing for symbol (a
    symbol not subscribed is ignored). Both raise a BrokerError only when the broker cannot be asked.
    """

    async def subscribe_depth(self, instrument: Instrument, rows: int = DEFAULT_DEPTH_ROWS) -> None:
        """Publish instrument's book from now on, up to rows levels a side."""
        ...

    async def unsubscribe_depth(self, symbol: str) -> None:
        """Stop publishing symbol's book."""
        ...
