"""TrailingStopLimits: an account whose broker works trailing stop-limits itself (optional capability).

IB does (TRAIL LIMIT: the trail in auxPrice or trailingPercent, the limit's distance from the stop in
lmtPriceOffset), and so does the paper broker's matching engine. The session refuses a TRAIL_LIMIT order for any
other account before anything is journaled, saying what to use instead: TradeTerm does not hold one for a broker
that lacks it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class TrailingStopLimits(Protocol):
    """An adapter that takes OrderType.TRAIL_LIMIT orders (it has TrailingStops too). Checked with isinstance.

    Implementers: send the order's trail and its `limit_offset` as the broker's own trailing stop-limit; when the
    stop is touched the broker works a limit `limit_offset` beyond it (below for a SELL, above for a BUY).
    """

    trails_with_limit: bool
    """True: the broker works trailing stop-limits."""


def trail_limit_refusal(adapter: object, account: str) -> str | None:
    """Return why account cannot take a trailing stop-limit, or None when it can."""
    if isinstance(adapter, TrailingStopLimits) and adapter.trails_with_limit:
        return None
    return (f"{account} cannot take a trailing stop-limit: its broker has none, and TradeTerm does not hold one for "
            "it. Use a trailing stop (Trail: at market when touched) where the account has one, or a stop-limit "
            "moved by hand.")
