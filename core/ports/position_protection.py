"""PositionProtection: an account whose broker holds a stop-loss and/or target for a position it already has
(optional capability).

Kite does, for delivery (CNC) holdings, with GTT: a single trigger, or a two-leg one (an OCO: the stop-loss's
order when the price falls to the lower value, the target's when it rises to the upper), kept at Kite for a year
and fired there whether TradeTerm runs or not. The session checks the position and the prices before it asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class BrokerProtection:
    """A position's stop-loss and/or target as the broker holds it."""

    protection_id: str
    symbol: str
    quantity: Decimal
    stop_loss: Decimal | None
    take_profit: Decimal | None
    status: str
    """The broker's word: active, triggered, cancelled, … (Kite's GTT statuses)."""


@runtime_checkable
class PositionProtection(Protocol):
    """An adapter that places a stop-loss/target for a long position at the broker. Checked with isinstance.

    Implementers: raise OrderRejected (or kin) when the broker refuses, with its reason; never place twice.
    """

    async def protect_position(self, symbol: str, quantity: Decimal, stop_loss: Decimal | None,
                               take_profit: Decimal | None, last_price: Decimal) -> str:
        """Place the protection of a long position of quantity; return the broker's id for it."""
        ...

    async def change_protection(self, protection_id: str, symbol: str, quantity: Decimal, stop_loss: Decimal | None,
                                take_profit: Decimal | None, last_price: Decimal) -> None:
        """Replace an active protection's quantity and prices."""
        ...

    async def remove_protection(self, protection_id: str) -> None:
        """Delete an active protection at the broker."""
        ...

    async def protections(self) -> list[BrokerProtection]:
        """Return the protections the broker holds for this account (active and recent)."""
        ...
