"""PlacedOrder: the ib_async Order TradeTerm places, whose full repr is worked out only when ib_async logs it."""

from __future__ import annotations

import logging

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
