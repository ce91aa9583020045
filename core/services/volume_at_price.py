"""VolumeAtPrice: the volume traded at each price of one symbol in the current session, from its trade prints.

A session is one local calendar day of the prints' own timestamps: the first print of a later day starts the
profile again. Adding prints says which prices changed, so a view repaints only those levels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from core.domain.tape import TradePrint


class VolumeAtPrice:
    """Session volume by price of one symbol on one feed (the ladder's Volume column)."""

    def __init__(self) -> None:
        self.session: date | None = None
        self._levels: dict[Decimal, Decimal] = {}

    @property
    def levels(self) -> Mapping[Decimal, Decimal]:
        """Traded volume by price this session."""
        return self._levels

    def add(self, prints: Iterable[TradePrint]) -> set[Decimal] | None:
        """Count prints in; return the prices whose volume changed, or None when a new session began (all did)."""
        changed: set[Decimal] | None = set()
        levels = self._levels
        for trade in prints:
            day = trade.ts.astimezone().date()
            if self.session is None or day > self.session:
                if self.session is not None:
                    levels.clear()
                    changed = None
                self.session = day
            elif day < self.session:
                continue  # a late print of an earlier session
            levels[trade.price] = levels.get(trade.price, Decimal(0)) + trade.size
            if changed is not None:
                changed.add(trade.price)
        return changed
