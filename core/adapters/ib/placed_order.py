"""PlacedOrder: the ib_async Order TradeTerm places, whose full repr is worked out only when ib_async logs it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from ib_async import Order as IbOrder
from ib_async.util import UNSET_DOUBLE, dataclassNonDefaults

ORDER_LOGGERS = (logging.getLogger("ib_async.ib"), logging.getLogger("ib_async.wrapper"))
"""The loggers whose info lines spell out a placed order's Trade (placeOrder, openOrder, orderStatus)."""


def order_log_on() -> bool:
    """True when ib_async's order lines reach a log: one of ORDER_LOGGERS takes INFO."""
    return any(logger.isEnabledFor(logging.INFO) for logger in ORDER_LOGGERS)


class PlacedOrder(IbOrder):
    """An ib_async Order that lists every field it sets in its repr only when ib_async's order log is on.

    ib_async formats f"placeOrder: New order {trade}" and f"orderStatus: {trade}" for every order, before its
    logger decides whether anyone takes the line; each repr of an Order compares its 150-odd fields with their
    defaults (a third of a millisecond of an IB click's CPU in bench/click_to_wire). While neither logger takes
    INFO, the repr names the order by the fields that tell it apart (its ids, side, size, type and prices); when
    one does, it is ib_async's own repr, as for any Order.
    """

    def __repr__(self) -> str:
        if order_log_on():
            fields = dataclassNonDefaults(self)
            if not self.softDollarTier:
                fields.pop("softDollarTier", None)
        else:
            fields = {"orderId": self.orderId, "permId": self.permId, "action": self.action,
                      "totalQuantity": self.totalQuantity, "orderType": self.orderType, "lmtPrice": self.lmtPrice,
                      "auxPrice": self.auxPrice, "orderRef": self.orderRef}
            fields = {name: value for name, value in fields.items() if value != UNSET_DOUBLE}
        return f"Order({', '.join(f'{name}={value!r}' for name, value in fields.items())})"

    __str__ = __repr__


_DEFAULTS: dict[str, Any] = {f.name: None if f.default is dataclasses.MISSING else f.default
                             for f in dataclasses.fields(IbOrder)}
"""Every field in the dataclass's order (the factories' ones filled per order): an order's attributes in its order."""
_FACTORIES: tuple[tuple[str, Callable[[], Any]], ...] = tuple(
    (f.name, f.default_factory) for f in dataclasses.fields(IbOrder) if f.default_factory is not dataclasses.MISSING)
_FIELDS = frozenset(f.name for f in dataclasses.fields(IbOrder))


def placed_order(**fields: Any) -> PlacedOrder:
    """Return PlacedOrder(**fields), its defaults copied in at once rather than through the dataclass's __init__.

    That __init__ takes 139 arguments, one by one; an order made after idleness (a click's) paid some 50 µs of
    CPU for it in bench/ladder.py's hops, before its bytes go out. The result is the same: every default as the
    dataclass gives it (a new list or SoftDollarTier from each default_factory), then the fields given.
    """
    unknown = fields.keys() - _FIELDS
    if unknown:
        raise TypeError(f"placed_order() got unexpected fields {sorted(unknown)}")
    order = object.__new__(PlacedOrder)
    state = order.__dict__
    state.update(_DEFAULTS)
    for name, factory in _FACTORIES:
        state[name] = factory()
    state.update(fields)
    return order
