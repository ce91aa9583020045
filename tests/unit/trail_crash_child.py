"""Child process for the trailing-stop crash test: the order manager over the real journal sees a trailing stop's
level move three times (the last two within a second, so they wait), then a fill; it dies by SIGKILL the moment
the fill is journaled, in the same turn of the event loop.

Usage: python -m tests.unit.trail_crash_child JOURNAL_PATH
Exit status NOT_KILLED means it never reached the kill.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import replace
from decimal import Decimal

from core.domain import (
    BrokerOrderId,
    OrderAccepted,
    OrderFilled,
    OrderSubmitted,
    OrderTrailMoved,
    OrderType,
    Price,
    Side,
)
from core.domain.trailing import Trail
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_order

NOT_KILLED = 17
COID = "TTRAILCRASH"
LEVELS = (Decimal("188.00"), Decimal("188.10"), Decimal("188.20"))


async def run(path: str) -> None:
    bus = EventBus()
    journal = SqliteJournal(path)
    oms = OrderManager(bus, journal)
    clock = [0.0]
    oms.trail_moves.now = lambda: clock[0]
    order = replace(make_order(side=Side.SELL, quantity="10", order_type=OrderType.MARKET, limit_price=None,
                               client_order_id=COID), order_type=OrderType.TRAIL, trail=Trail(Decimal("0.5")))
    order.apply(OrderSubmitted(order.client_order_id))
    oms.create(order)
    bus.publish(OrderAccepted(order.client_order_id, BrokerOrderId("B1")))
    bus.publish(OrderTrailMoved(order.client_order_id, Price(LEVELS[0])))
    await asyncio.sleep(0.05)  # the first level is written at the end of its turn
    clock[0] = 0.5
    for level in LEVELS[1:]:  # within the second: they wait, the newest kept
        bus.publish(OrderTrailMoved(order.client_order_id, Price(level)))
    bus.publish(OrderFilled(order.client_order_id, make_fill(order, quantity="10", price="188.15")))
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1]))
    sys.exit(NOT_KILLED)
