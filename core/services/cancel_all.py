"""Cancel all: every working order (of one account, or all) in slices the window can paint between.

The kill switch ends here. The orders go in slices of CANCEL_SLICE, one slice every TURNS_PER_SLICE turns of
the event loop, so the window keeps painting and taking input through a kill switch over thousands of orders.
A slice's cancel intents are journaled together, in one transaction and one disk flush, before any of its cancels
goes out; to an account whose adapter has CancelMany (the paper broker) the slice's cancels go in one
request, which it records with one disk sync. Accounts whose adapter has BulkCancel (IB reqGlobalCancel)
may instead get one request for all their orders (bulk_cancel.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionState,
    LogMessage,
    Order,
    OrderCancelRejected,
    OrderPendingCancel,
    OrderStatus,
)
from core.domain.transitions import can_transition
from core.ports.broker import BulkCancel, CancelMany
from core.ports.errors import BrokerError
from core.ports.journal import JournalError
from core.services.accounts import AccountSlot
from core.services.bulk_cancel import BulkCanceller
from core.services.bus import EventBus
from core.services.oms import OrderManager

log = logging.getLogger(__name__)

CANCEL_SLICE = 32
"""Orders cancel_all journals and sends together, a slice every TURNS_PER_SLICE turns of the event loop, so the
window repaints between slices instead of freezing for the whole. With a slice every turn, 50 a slice left the GUI
thread's longest stretch in a cancel-all of 5,000 paper orders at 23.3 ms (median of 3 interleaved runs,
bench/bulk_actions), 25 a slice 19.5 ms, and the whole no slower (1.6 s and 1.2 s, a loaded host). With a slice
every second turn, 32 a slice is as quick as 25 a slice every turn, and 25 slower (more slices, each with its
commit and disk syncs: the kill switch 0.94-0.95 s, 0.99-1.06 s with 25 every turn, 1.04-1.09 s with 25 every
second turn, a loaded host)."""

TURNS_PER_SLICE = 2
"""Turns of the event loop from one slice to the next: a slice's cancels take two (their intents journaled; the
broker's cancels, recorded, and their reports), so each turn does one of those for one slice. A slice every turn
had each turn do both, for two slices: in the kill switch over 5,000 orders with 1,000 positions open, that beside
a tick's slice and a frame's flush of the re-marked positions made the longest GUI stretches (14.6-16.6 ms;
12.9-14.3 ms with 32 every second turn, bench/bulk_actions on a loaded host)."""

CancelOne = Callable[[ClientOrderId], Awaitable[None]]
SendCancel = Callable[[Order], Awaitable[None]]


class CancelAll:
    """Journal and send the cancels of every working order, a slice at a time or in one bulk request.

    Events (through the OMS and bus): OrderPendingCancel for each order; LogMessage("ERROR") once when the
    journal failed (the cancels go out anyway: a cancel only lowers risk).
    """

    def __init__(self, bus: EventBus, oms: OrderManager, accounts: Mapping[AccountId, AccountSlot],
                 cancel_one: CancelOne, send_cancel: SendCancel) -> None:
        self._bus = bus
        self._oms = oms
        self._accounts = accounts
        self._cancel_one = cancel_one
        """Cancel one order from the start (TradingSession.cancel): for an order that cannot go with its slice."""
        self._send_cancel = send_cancel
        """Send the cancel of one order journaled as PENDING_CANCEL; a refusal puts it back."""

    async def run(self, account_id: AccountId | None, bulk: BulkCanceller | None) -> int:
        """Cancel every working order (of account_id, or all); return how many were asked.

        bulk: connected accounts whose adapter has BulkCancel go through it; the others in slices.
        """
        working = [o for o in self._oms.working(account_id) if o.status is not OrderStatus.PENDING_CANCEL]
        await self.cancel(working, bulk)
        return len(working)

    async def cancel(self, working: Sequence[Order], bulk: BulkCanceller | None = None) -> None:
        """Cancel these working orders (Flatten's: those of the symbols it closes) as `run` cancels them all."""
        sending: list[asyncio.Future[None]] = []
        if bulk is not None:
            in_bulk = {a for a, s in self._accounts.items()
                       if isinstance(s.adapter, BulkCancel) and s.connection is ConnectionState.CONNECTED}
            for account in in_bulk:
                adapter = self._accounts[account].adapter
                assert isinstance(adapter, BulkCancel)
                mine = [o for o in working if o.account_id == account]
                if mine:
                    sending.append(asyncio.ensure_future(bulk.cancel(adapter, mine, self._send_cancel)))
            working = [o for o in working if o.account_id not in in_bulk]
        journal_failed = False
        for first in range(0, len(working), CANCEL_SLICE):
            if first:
                for _ in range(TURNS_PER_SLICE):
                    await asyncio.sleep(0)  # the window paints and takes input between slices
                sending = _still_going(sending)
            now = [self._oms.get(o.client_order_id) or o for o in working[first:first + CANCEL_SLICE]]
            together = [o for o in now if o.is_working and can_transition(o.status, OrderStatus.PENDING_CANCEL)
                        and o.account_id in self._accounts]
            try:
                self._oms.apply_all([OrderPendingCancel(o.client_order_id) for o in together])
            except ValueError as exc:  # nothing changed: each order on its own, as cancel() does
                log.warning("cancel all: the cancels could not go together (%s); one at a time", exc)
                together = []
            except JournalError as exc:  # a cancel only lowers risk: it goes out even if the journal failed
                log.error("cancel all: %s", exc)
                if not journal_failed:
                    journal_failed = True
                    self._bus.publish(LogMessage("ERROR", f"{exc} The cancels are sent anyway; the broker's answers "
                                                          "show which went through. Free disk space, then restart "
                                                          "TradeTerm."))
            sent = {o.client_order_id for o in together}
            sending += self._send(together)
            sending += [asyncio.ensure_future(self._cancel_one(o.client_order_id))
                        for o in now if o.client_order_id not in sent]
        await asyncio.gather(*sending, return_exceptions=True)


    def _send(self, together: Sequence[Order]) -> list[asyncio.Future[None]]:
        """Send the cancels of one slice: one request per account whose adapter has CancelMany (the paper broker
        then syncs its disk once for the slice), one per order elsewhere."""
        many: dict[AccountId, list[Order]] = {}
        sending: list[asyncio.Future[None]] = []
        takes_many: dict[AccountId, bool] = {}  # a runtime Protocol check costs tens of microseconds: once an account
        for order in together:
            account = order.account_id
            if account not in takes_many:
                takes_many[account] = isinstance(self._accounts[account].adapter, CancelMany)
            if takes_many[account]:
                many.setdefault(account, []).append(order)
            else:
                sending.append(asyncio.ensure_future(self._send_cancel(order)))
        sending += [asyncio.ensure_future(self._send_many(account, orders)) for account, orders in many.items()]
        return sending

    async def _send_many(self, account: AccountId, orders: Sequence[Order]) -> None:
        """Send these cancels (journaled PENDING_CANCEL) in one request; a refusal of it puts each back."""
        adapter = self._accounts[account].adapter
        assert isinstance(adapter, CancelMany)
        try:
            await adapter.cancel_orders(orders)
        except BrokerError as exc:
            for order in orders:
                self._oms.apply(OrderCancelRejected(order.client_order_id, str(exc)))


def _still_going(sending: list[asyncio.Future[None]]) -> list[asyncio.Future[None]]:
    """Return the sends not done yet; those done are settled as the final gather settles them (an error is
    kept by the order's own state, not raised here).

    Gathering every send of 5,000 orders at the end took one step of 35 ms (a callback on each, the done
    ones called back at once): the longest stretch of the GUI thread in a cancel-all. Dropping the done
    ones slice by slice leaves the gather the last slices' sends only.
    """
    going = []
    for future in sending:
        if not future.done():
            going.append(future)
        elif not future.cancelled():
            future.exception()  # retrieved, as gather(return_exceptions=True) would: no "never retrieved" warning
    return going
