"""KeptBars: a broker whose history request keeps the bar under way up to date (IB's keepUpToDate).

An optional capability, checked with isinstance next to BarHistory. After `history(symbol, interval,
start, now)` such a broker publishes every change of the newest bar as a `Bar` event (source: the
account) until the chart lets go with `release_bars`; the chart then takes its live bar from the
broker instead of building it from quotes. `keeps_bars` says whether it does so for that pair now (a
refused or past-ending request keeps nothing, and the chart builds the bar itself).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class KeptBars(Protocol):
    """Keep the bar under way of a charted (symbol, interval) up to date; see the module docstring."""

    def keeps_bars(self, symbol: str, interval: timedelta) -> bool:
        """Return True while the broker publishes symbol's bars of interval as they change."""
        ...

    def release_bars(self, symbol: str, interval: timedelta) -> None:
        """Let go of one hold on symbol's kept bars (the last hold ends the broker's subscription)."""
        ...
