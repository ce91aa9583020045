"""Ended here, alive at the broker: which broker states prove an order alive, and reopening such an order.

Shared by reconciliation.py (the broker's list on every connect) and order_resolver.py (a late look at an order
closed as never reached). Why an order is reopened rather than only reported is in reconciliation.py.
"""

from __future__ import annotations

from decimal import Decimal

from core.domain import Order, OrderReopened, OrderStatus
from core.ports.broker import BrokerOrderState
from core.services.oms import OrderManager

ALIVE = frozenset({OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED,
                   OrderStatus.PENDING_REPLACE})
"""The broker's states that prove an order can still trade (pending cancel and unknown do not)."""
ENDED = frozenset({OrderStatus.CANCELED, OrderStatus.REJECTED, OrderStatus.EXPIRED, OrderStatus.FILLED})
"""Our ends that the broker can prove wrong; FILLED is reported, never reopened."""
REOPENED = (
    "TradeTerm had this order {ours}, but the broker still works it ({filled} of {quantity} filled): it is working "
    "again here, so its fills are booked. Cancel it if you do not want it."
)
ALIVE_REOPENED = (
    "{symbol} {side} order {coid}: TradeTerm had it {ours}, the broker still works it ({filled} of {quantity} "
    "filled). It is working again here: cancel it if you do not want it."
)
ALIVE_FILLED = (
    "{symbol} {side} order {coid}: FILLED here ({ours_filled} of {quantity}), the broker still works it "
    "({filled} filled): cancel it at the broker if you do not want more to fill."
)
ORDERS_DIFFER = "The broker still works an order TradeTerm had ended: review it in the reconciliation view."


def proves_alive(order: Order, remote: BrokerOrderState) -> bool:
    """Return whether the broker's state of an order we ended shows it can still trade.

    A FILLED order counts only if the broker's order is larger than what filled here (a change we missed): a
    list that shows it working at its own quantity is behind the executions we already have.
    """
    if order.status not in ENDED or remote.status not in ALIVE:
        return False
    return order.status is not OrderStatus.FILLED or remote.quantity > order.filled_qty


def reopen(oms: OrderManager, order: Order, remote: BrokerOrderState) -> str:
    """Reopen an ended order the broker proved alive (a FILLED one is left as it is); return the difference to list."""
    words = {"symbol": order.symbol, "side": order.side.value, "coid": order.client_order_id,
             "ours": order.status.value, "filled": _plain(remote.filled_qty), "quantity": _plain(remote.quantity),
             "ours_filled": _plain(order.filled_qty)}
    if order.status is OrderStatus.FILLED:
        return ALIVE_FILLED.format(**words)
    oms.apply(OrderReopened(order.client_order_id, remote.broker_order_id, REOPENED.format(**words)))
    return ALIVE_REOPENED.format(**words)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"
