"""MarketData: the latest quote per symbol, with its time, for services that price orders."""

from __future__ import annotations

from typing import Protocol

from core.domain import Quote


class QuoteSource(Protocol):
    def latest(self, symbol: str, account: str | None = None) -> Quote | None:
        """Return the newest quote for symbol (its `ts` says when it was received), or None."""
        ...

    def advice(self, account: str) -> str:
        """What to do when account has no quote: "wait for quotes", or what will bring one."""
        ...
