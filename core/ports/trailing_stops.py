"""TrailingStops: an account whose broker works trailing stops itself (optional capability).

IB does (TRAIL with auxPrice or trailingPercent), and so does the paper broker's matching engine. A trailing
stop is sent only to such an account: the session refuses a TRAIL order elsewhere before anything is journaled,
saying what the trader can use instead, for TradeTerm does not hold a trailing stop for a broker that lacks one.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain.trailing import TrailUnit


@runtime_checkable
class TrailingStops(Protocol):
    """An adapter that takes OrderType.TRAIL orders. Checked with isinstance on the adapter.

    Implementers: send the order's `trail` as the broker's own trailing stop (never emulate it in the adapter);
    the stop ratchets with the market at the broker and never loosens.
    """

    trail_units: frozenset[TrailUnit]
    """The ways this broker measures a trail (an amount, a percent, or both)."""


def trail_refusal(adapter: object, account: str, unit: TrailUnit) -> str | None:
    """Return why account cannot take a trailing stop measured in unit, or None when it can."""
    if not isinstance(adapter, TrailingStops):
        return (f"{account} cannot take a trailing stop: its broker has none, and TradeTerm does not hold one for "
                "it. Use a stop order, or a bracket's stop-loss, and move it by hand.")
    if unit not in adapter.trail_units:
        other = " or ".join(sorted(u.value.lower() for u in adapter.trail_units))
        return f"{account} takes a trail as {other} only, not as {unit.value.lower()}: give the trail that way."
    return None
