"""Cancel every working order of an account in one request where the broker can (IB reqGlobalCancel), then verify.

One message instead of one per order: IB paces API messages (ib_async at 45 a second), so a kill
switch over 100 IB orders took two seconds to reach TWS one cancel at a time. The broker then
reports each order canceled; any order still working after VERIFY_S is canceled on its own, so a
bulk cancel that IB dropped (or that missed an order) never leaves an order working unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from core.domain import LogMessage, Order, OrderPendingCancel, OrderStatus, OrderUpdated
from core.domain.transitions import can_transition
from core.ports import errors
from core.ports.broker import BulkCancel
from core.ports.journal import JournalError
from core.services.bus import EventBus
from core.services.oms import OrderManager

log = logging.getLogger(__name__)

VERIFY_S = 5.0
"""How long the broker has to report every order of a bulk cancel canceled before each is canceled on its own."""

SendOne = Callable[[Order], Awaitable[None]]


class BulkCanceller:
    """Journal the cancel intents of an account's orders, send one bulk cancel, verify every order is gone.

    Events (through the OMS and bus): OrderPendingCancel for each order (journaled in one transaction
    before the request leaves); LogMessage when orders had to be canceled one by one after all.
    """

    def __init__(self, bus: EventBus, oms: OrderManager, verify_s: float = VERIFY_S) -> None:
        self._bus = bus
        self._oms = oms
        self._verify_s = verify_s

    async def cancel(self, adapter: BulkCancel, orders: Sequence[Order], send_one: SendOne) -> None:
        """Cancel orders (all of one account) with adapter's bulk cancel; send_one cancels one journaled order."""
        together = [o for o in orders if o.is_working and can_transition(o.status, OrderStatus.PENDING_CANCEL)]
        if not together:
            return
        try:
            self._oms.apply_all([OrderPendingCancel(o.client_order_id) for o in together])
        except ValueError as exc:  # nothing changed: one at a time, as cancel() does
            log.warning("bulk cancel: the intents could not be journaled together (%s); one at a time", exc)
            await asyncio.gather(*(send_one(o) for o in together), return_exceptions=True)
            return
        except JournalError as exc:  # a cancel only lowers risk: it goes out even if the journal failed
            log.error("bulk cancel: %s", exc)
        try:
            await adapter.cancel_all_orders(together)
        except errors.BrokerError as exc:
            self._bus.publish(LogMessage("WARNING", f"The bulk cancel failed ({exc}); canceling one by one."))
            await asyncio.gather(*(send_one(o) for o in together), return_exceptions=True)
            return
        left = await self._until_gone(together)
        if left:
            self._bus.publish(LogMessage(
                "WARNING", f"{len(left)} order(s) still working {self._verify_s:g} s after the bulk cancel; "
                           "canceling them one by one."))
            await asyncio.gather(*(send_one(o) for o in left), return_exceptions=True)

    async def _until_gone(self, orders: Sequence[Order]) -> list[Order]:
        """Wait until none of orders is working (or VERIFY_S); return those still working."""
        done = asyncio.Event()

        def check(_: OrderUpdated | None = None) -> None:
            if not any(o.is_working for o in orders):
                done.set()

        unsubscribe = self._bus.subscribe(OrderUpdated, check)
        try:
            check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self._verify_s)
        finally:
            unsubscribe()
        return [o for o in orders if o.is_working]
