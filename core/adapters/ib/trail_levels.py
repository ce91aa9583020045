"""Where IB's trailing stops stand: TWS sends openOrder again as a TRAIL or TRAIL LIMIT order's stop moves, with
the new stop in trailStopPrice; this reports each new level as OrderTrailMoved.

ib_async copies only a few fields of a repeated openOrder onto the Trade it already holds (quantity, lmtPrice,
auxPrice, orderType, orderRef: `Wrapper.openOrder`), never trailStopPrice, so the level is read where the message
arrives: a hook on the wrapper's openOrder, as the adapter already has on nextValidId.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ib_async import IB
from ib_async import Order as IbOrder

from core.adapters.ib.parsing import client_order_id_of
from core.domain import ClientOrderId, OrderTrailMoved, Price
from core.ports.broker import EventSink

_TRAILING = ("TRAIL", "TRAIL LIMIT")
_UNSET = 1e300
"""ib_async's UNSET_DOUBLE is 1.7976931348623157e308: anything this large is 'not set'."""


def _price(value: object) -> Decimal | None:
    if not isinstance(value, float | int) or not math.isfinite(value) or not 0 < value < _UNSET:
        return None
    return Decimal(str(value))


def _offset(value: object) -> Decimal | None:
    return Decimal(0) if value == 0 else _price(value)


def parse_trail_move(order: IbOrder) -> OrderTrailMoved | None:
    """Return where a TRAIL / TRAIL LIMIT order of ours stands (openOrder's trailStopPrice; the limit its
    lmtPriceOffset beyond it), or None for any other order or one without a stop yet."""
    coid = client_order_id_of(order.orderRef)
    stop = _price(order.trailStopPrice)
    if coid is None or order.orderType not in _TRAILING or stop is None or order.whatIf:
        return None
    limit = None
    offset = _offset(order.lmtPriceOffset) if order.orderType == "TRAIL LIMIT" else None
    if offset is not None:
        limit = stop - offset if order.action == "SELL" else stop + offset
    return OrderTrailMoved(coid, Price(stop), None if limit is None else Price(limit))


class IbTrailLevels:
    """Report each new level of our trailing orders as TWS sends it.

    Events:
        OrderTrailMoved(client_order_id, stop_price, limit_price): a TRAIL order's stop is somewhere new.
    """

    def __init__(self, ib: IB, sink: EventSink) -> None:
        self._sink = sink
        self._last: dict[ClientOrderId, OrderTrailMoved] = {}
        original: Callable[..., Any] = ib.wrapper.openOrder

        def open_order(order_id: int, contract: Any, order: IbOrder, state: Any) -> None:
            original(order_id, contract, order, state)
            self.on_open_order(order)

        ib.wrapper.openOrder = open_order  # type: ignore[method-assign,assignment]

    def on_open_order(self, order: IbOrder) -> None:
        """Report the order's stop if it is a trailing order of ours and the stop is not where last reported."""
        move = parse_trail_move(order)
        if move is None:
            return
        last = self._last.get(move.client_order_id)
        if last is not None and (last.stop_price, last.limit_price) == (move.stop_price, move.limit_price):
            return
        self._last[move.client_order_id] = move
        self._sink(move)
