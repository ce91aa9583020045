"""NativeOco: an account whose broker holds an OCO pair itself (optional capability).

IB does (two orders in one OCA group, ocaType 1): when one fills, IB cancels the other, even while TradeTerm
is closed. The session journals both orders together before `submit_oco` is called, and then leaves the
cancel to the broker (HeldProtection cancels the other order itself only for accounts without this).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain import Order


@runtime_checkable
class NativeOco(Protocol):
    """An adapter that places two orders as one OCO group natively. Checked with isinstance on the adapter.

    Implementers: place each order exactly once (never resend one); return one outcome per order, first then
    second: None when the broker took it, else the exception `submit` would have raised for it alone.
    Raise ConnectionLost (or another BrokerError) when nothing could be placed at all.
    """

    async def submit_oco(self, first: Order, second: Order) -> list[BaseException | None]:
        """Place first and second in one group in which a fill of either cancels the other."""
        ...
