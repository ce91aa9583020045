"""NativeProtection: an account whose broker holds a bracket's stop-loss and take-profit itself (optional capability).

IB does (parent/child orders in an OCA group): the children wait at the broker until the entry fills and one
cancels the other there, so they work while TradeTerm is closed. So do Alpaca (order_class bracket / oto: the
legs are Alpaca's orders, held until the entry fills) and OANDA (takeProfitOnFill / stopLossOnFill: the children
live on the entry until its fill makes them orders on the trade; until then a child's broker id is its entry's).
The session journals the entry and its children as ordinary orders, all in one transaction, before
`submit_bracket` is called; each leg's statuses and fills then come through the adapter's normal order events
(cancelling the entry cancels the children at the broker, and the books follow its reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from core.domain import Order


@runtime_checkable
class NativeProtection(Protocol):
    """An adapter that places an entry with attached children natively. Checked with isinstance on the adapter.

    Implementers: place every leg exactly once (never resend one), then wait for the broker's answer to each.
    Return one outcome per leg, entry first then the children in the order given: None when the broker took
    the leg, else the exception `submit` would have raised for it alone (OrderRejected when refused,
    Timeout when the answer did not come: the order resolver then asks the broker about that leg).
    Raise ConnectionLost (or another BrokerError) when nothing could be placed at all.
    """

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        """Place entry with children attached (one cancelling the other); return each leg's outcome."""
        ...


@runtime_checkable
class ChildrenFollowTrade(Protocol):
    """A broker whose native children belong to the trade, not to a quantity (OANDA: a STOP_LOSS or TAKE_PROFIT on a
    trade closes what is left of it, and closing the trade cancels them): when another order reduces or closes the
    position, the broker itself keeps them right, so TradeTerm leaves them alone (protection_follows_position.py)."""

    children_follow_trade: bool
