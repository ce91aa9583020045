"""Optional broker capabilities: small Protocols beside BrokerAdapter, checked with isinstance (never getattr)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.domain import OrderType


@runtime_checkable
class OrderTypes(Protocol):
    """An account that takes only some order types (easytrader: limit orders only).

    An adapter without this capability takes every OrderType. Flatten reads it to send a marketable limit
    where an account cannot take a market order.
    """

    order_types: frozenset[OrderType]


def takes(adapter: object, order_type: OrderType) -> bool:
    """Return True if the account behind adapter takes orders of order_type."""
    return not isinstance(adapter, OrderTypes) or order_type in adapter.order_types
