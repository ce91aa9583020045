"""OrderTerms: the times in force and order types an account takes beyond the ones every account takes.

Every account takes DAY, GTC and IOC, and market, limit, stop and stop-limit orders (and trailing stops where
core.ports.trailing_stops says so) (an account that takes fewer
says so with core.ports.capabilities.OrderTypes). FOK, OPG, CLS and GTD, and market-if-touched orders, go only to
an account that lists them here: the session refuses them for any other before they are journaled or sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, cast, runtime_checkable

from core.domain import OrderType, TimeInForce
from core.ports.capabilities import OrderTypes
from core.ports.capability_check import has_capability

EVERY_ACCOUNT_TIFS = frozenset({TimeInForce.DAY, TimeInForce.GTC, TimeInForce.IOC})
EVERY_ACCOUNT_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT,
                                 OrderType.TRAIL, OrderType.TRAIL_LIMIT})
"""TRAIL and TRAIL_LIMIT are gated by core.ports.trailing_stops and core.ports.trailing_stop_limits (the broker
must work them itself), not here."""


@runtime_checkable
class OrderTerms(Protocol):
    """An account whose times in force differ from every account's (Alpaca and OANDA take more, Kite and
    easytrader fewer), or that takes more order types."""

    times_in_force: frozenset[TimeInForce]
    extra_order_types: frozenset[OrderType]


@runtime_checkable
class FractionTerms(Protocol):
    """An account that takes a fractional quantity on some orders only (Alpaca: market DAY orders)."""

    def fraction_problem(self, order_type: OrderType, tif: TimeInForce) -> str | None:
        """Return what to do when a fractional quantity cannot go on this order type and time in force, else None."""
        ...


def takes_fraction(adapter: object, order_type: OrderType, tif: TimeInForce) -> bool:
    """Return whether the account behind adapter takes a fractional quantity on this order type and time in force
    (an account without FractionTerms takes what its instruments' lots allow)."""
    return not has_capability(adapter, FractionTerms) or \
        cast(FractionTerms, adapter).fraction_problem(order_type, tif) is None


def times_in_force(adapter: object) -> frozenset[TimeInForce]:
    """Return the times in force the account behind adapter takes."""
    return cast(OrderTerms, adapter).times_in_force if has_capability(adapter, OrderTerms) else EVERY_ACCOUNT_TIFS


def order_types(adapter: object) -> frozenset[OrderType]:
    """Return the order types the account behind adapter takes."""
    base = cast(OrderTypes, adapter).order_types if has_capability(adapter, OrderTypes) else EVERY_ACCOUNT_TYPES
    return base | cast(OrderTerms, adapter).extra_order_types if has_capability(adapter, OrderTerms) else base


def terms_problem(adapter: object, account: str, order_type: OrderType, tif: TimeInForce,
                  quantity: Decimal | None = None) -> tuple[str, str] | None:
    """Return (field, what to do) when the account does not take this order type or time in force (or, given the
    quantity, a fraction of a share on it), else None."""
    types = order_types(adapter)
    if order_type not in types:
        allowed = ", ".join(t.value for t in OrderType if t in types)
        return "order_type", f"{account} does not take {order_type.value} orders: choose one of {allowed}."
    tifs = times_in_force(adapter)
    if tif not in tifs:
        allowed = ", ".join(t.value for t in TimeInForce if t in tifs)
        return "tif", f"{account} does not take time in force {tif.value}: choose one of {allowed}."
    if quantity is not None and quantity != quantity.to_integral_value() and has_capability(adapter, FractionTerms):
        problem = cast(FractionTerms, adapter).fraction_problem(order_type, tif)
        if problem is not None:
            return "quantity", problem
    return None
