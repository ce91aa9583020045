"""Child process for the IB crash tests: a real session sends one order to the TWS simulator and dies by SIGKILL
at a labelled point of the order path.

Usage: python -m tests.adapters.ib_crash_child DATA_DIR PORT POINT ORDER
POINT is a CrashPoint value; ORDER is "market" (fills at once at IB), "resting" (a limit far from the
market) or "bracket" (a resting limit with a stop-loss and a take-profit, sent natively as one IB bracket).
The parent test runs the simulator, which keeps its books across the child's death.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.adapters.ib.adapter import IbBroker
from core.adapters.ib.config import IbConfig
from core.domain import (
    AccountId,
    Event,
    Order,
    OrderAccepted,
    OrderFilled,
    OrderRequest,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
)
from core.domain.protection import Bracket
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.tws.testing import sim_settings

ACCOUNT = AccountId("IB-CRASH")
CLIENT_ID = 3
NOT_KILLED = 17
"""Exit status when the child reached the end without being killed at its point (the test fails on it)."""


class CrashPoint(StrEnum):
    AFTER_COMMIT = "after_commit"  # the intent is journaled; the adapter has not sent anything
    AFTER_SEND = "after_send"  # placeOrder is written to the socket; no answer has been read
    AFTER_ACK = "after_ack"  # IB's acknowledgement reached the adapter; it is not journaled
    BETWEEN_PARTIALS = "between_partials"  # the first of two executions is journaled, the second not yet read
    AFTER_CANCEL_COMMIT = "after_cancel_commit"  # a working order's PENDING_CANCEL is journaled; no cancel sent
    MODIFY_BEFORE_SEND = "modify_before_send"  # a working order's change (20 -> 30) is journaled; nothing sent
    MODIFY_AFTER_SEND = "modify_after_send"  # the change is written to the socket; IB's answer is never read


MODIFY_POINTS = (CrashPoint.MODIFY_BEFORE_SEND, CrashPoint.MODIFY_AFTER_SEND)
MODIFIED_QTY = "30"
MODIFY_STEP = Decimal("0.10")
"""A change lowers the resting limit by this much (and raises the quantity to MODIFIED_QTY)."""


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class CrashingIbBroker(IbBroker):
    """The real IbBroker, in a process that dies at one point of submit()."""

    point = CrashPoint.AFTER_COMMIT

    async def submit(self, order: Order) -> None:
        if self.point is CrashPoint.AFTER_COMMIT:
            die()
        if self.point is CrashPoint.AFTER_SEND:
            self._ib.placeOrder = self._place_then_die  # type: ignore[method-assign]
        await super().submit(order)

    async def submit_bracket(self, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
        if self.point is CrashPoint.AFTER_COMMIT:
            die()
        if self.point is CrashPoint.AFTER_SEND:
            self._ib.placeOrder = self._place_last_then_die  # type: ignore[method-assign]
        return await super().submit_bracket(entry, children)

    def _place_last_then_die(self, contract: Any, order: Any) -> Any:
        """Die once the leg that transmits the bracket (the last) has left the process; place the others."""
        if not order.transmit:
            return type(self._ib).placeOrder(self._ib, contract, order)
        return self._place_then_die(contract, order)

    async def cancel(self, order: Order) -> None:
        if self.point is CrashPoint.AFTER_CANCEL_COMMIT:
            die()
        await super().cancel(order)

    async def modify(
        self, order: Order, quantity: Quantity, limit_price: Price | None, stop_price: Price | None
    ) -> None:
        if self.point is CrashPoint.MODIFY_BEFORE_SEND:
            die()
        if self.point is CrashPoint.MODIFY_AFTER_SEND:
            self._ib.placeOrder = self._place_then_die  # type: ignore[method-assign]
        await super().modify(order, quantity, limit_price, stop_price)

    def _place_then_die(self, contract: Any, order: Any) -> Any:
        trade = type(self._ib).placeOrder(self._ib, contract, order)
        transport = self._ib.client.conn.transport
        if transport is None or transport.get_write_buffer_size() != 0:
            sys.exit(NOT_KILLED)  # the order did not leave the process in one write: the point was not reached
        die()
        return trade


def crash_sink(bus: EventBus, point: CrashPoint) -> Any:
    """Return the adapter's event sink: the bus, with death at AFTER_ACK and BETWEEN_PARTIALS."""
    fills = 0

    def sink(event: Event) -> None:
        nonlocal fills
        if point is CrashPoint.AFTER_ACK and isinstance(event, OrderAccepted):
            die()  # before the OMS journals the acknowledgement
        bus.publish(event)
        if point is CrashPoint.BETWEEN_PARTIALS and isinstance(event, OrderFilled):
            fills += 1
            if fills == 1:
                die()  # the first fill is journaled (publish returned); the second is not

    return sink


def ib_config(port: int) -> IbConfig:
    return IbConfig.from_mapping(sim_settings(port, CLIENT_ID, commission_wait_s=2.0))


async def main(data_dir: Path, port: int, point: CrashPoint, kind: str) -> None:
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(data_dir / "journal.sqlite"))
    CrashingIbBroker.point = point
    adapter = CrashingIbBroker(ACCOUNT, ib_config(port), crash_sink(bus, point))
    session.add_account(adapter)
    session.restore()
    quotes: list[Quote] = []
    bus.subscribe(Quote, quotes.append)
    await session.connect(ACCOUNT)
    while not any(q.symbol == "AAPL" and q.bid is not None for q in quotes):
        await asyncio.sleep(0.01)
    bid = next(q.bid for q in reversed(quotes) if q.symbol == "AAPL" and q.bid is not None)
    if kind == "market":
        request = OrderRequest(ACCOUNT, "AAPL", Side.BUY, "20", OrderType.MARKET)
    else:
        request = OrderRequest(ACCOUNT, "AAPL", Side.BUY, "20", OrderType.LIMIT, str(bid - Decimal("0.50")))
    if kind == "bracket":  # the resting buy with a stop-loss 1.00 and a take-profit 1.00 away from its limit
        limit = bid - Decimal("0.50")
        await session.submit_bracket(request, Bracket(limit - Decimal(1), limit + Decimal(1)))
        await asyncio.sleep(3)
        sys.exit(NOT_KILLED)
    order = await session.submit(request)
    if point is CrashPoint.AFTER_CANCEL_COMMIT:
        await session.cancel(order.client_order_id)
    if point in MODIFY_POINTS:
        assert order.limit_price is not None
        await session.modify(order.client_order_id, MODIFIED_QTY, order.limit_price.value - MODIFY_STEP)
    await asyncio.sleep(3)  # fills and commissions have time to arrive: death must come before
    sys.exit(NOT_KILLED)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), CrashPoint(sys.argv[3]), sys.argv[4]))
