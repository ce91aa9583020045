"""OrderTracker: ib_async's order, execution, commission and error events -> domain order events, keyed by orderRef.

ib_async keeps one `Trade` per order and forgets them all on a disconnect; the tracker keys
everything by our ClientOrderId (carried in orderRef) so it survives reconnects, publishes each
fill once (deduplicated by execId, with its commission), and words every IB error for the trader.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ib_async import CommissionReport, Contract, Trade
from ib_async import Fill as IbFill

from core.adapters.ib.parsing import (
    IbErrorKind,
    client_order_id_of,
    parse_fill,
    to_broker_error,
    translate_error,
)
from core.domain import (
    AccountId,
    BrokerOrderId,
    ClientOrderId,
    LogMessage,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderNote,
    Price,
    Quantity,
)
from core.domain import OrderRejected as OrderRejectedEvent
from core.ports.broker import EventSink
from core.ports.errors import BrokerError, OrderRejected, RateLimited

log = logging.getLogger(__name__)

_WORKING = frozenset({"PreSubmitted", "Submitted", "ApiUpdate"})
_IGNORED = frozenset({"PendingSubmit", "ApiPending", "PendingCancel"})
_CANCELED = frozenset({"Cancelled", "ApiCancelled"})
_LOCAL_VERDICTS = frozenset({"Cancelled", "ValidationError"})
CANCELED_BY_TRADER = "Canceled at your request."
CANCELED_AT_IB = "Canceled at IB."
INACTIVE = "IB made the order inactive: it will not trade (check permissions, margin and the order's fields in TWS)."


@dataclass(eq=False)
class Tracked:
    """What the adapter knows about one of our orders at IB."""

    client_order_id: ClientOrderId
    symbol: str
    order_id: int = 0
    trade: Trade | None = None
    accepted: bool = False
    closed: bool = False
    cancel_requested: bool = False
    ack: asyncio.Future[None] | None = None
    modify: asyncio.Future[None] | None = None
    modify_target: tuple[Quantity, Price | None, Price | None] | None = None
    modify_previous: tuple[Any, Any, Any] | None = None
    """ib_async's (totalQuantity, lmtPrice, auxPrice) before the change, put back if IB refuses it."""
    late: bool = False
    """The submit gave up waiting for IB's answer: a refusal that comes later is published as an event."""
    last_note: str = ""
    """IB's latest message about the order (e.g. 201's reason), the reason shown if IB then ends it."""

    @property
    def awaiting_ack(self) -> bool:
        return self.ack is not None and not self.ack.done()

    @property
    def awaiting_modify(self) -> bool:
        return self.modify is not None and not self.modify.done()


class OrderTracker:
    """Translate ib_async trade events into order events on the sink.

    Events:
        OrderAccepted(client_order_id, broker_order_id=permId): first PreSubmitted/Submitted (or a fill).
        OrderFilled(client_order_id, fill): once per execId, with the commission report's commission.
        OrderCanceled(client_order_id, reason): Cancelled status, error 202, or IB ending a live order.
        OrderCancelRejected(client_order_id, reason): errors 10147, 10148, 161.
        OrderModified / OrderModifyRejected(client_order_id, …): the answer to a re-sent order (refused at
            once on 110, 135, 105, 10326; ib_async's copy of the order is put back as IB keeps it).
        OrderNote(client_order_id, text): any other IB message about the order (404, 10349, 399, 2109, ...);
            the order's status does not change.
        LogMessage(level, text): the same notes, for the log.
    """

    def __init__(
        self,
        account_id: AccountId,
        sink: EventSink,
        symbol_for: Callable[[Contract], str],
        commission_wait_s: float,
    ) -> None:
        self._account_id = account_id
        self._sink = sink
        self._symbol_for = symbol_for
        self._commission_wait_s = commission_wait_s
        self.tracked: dict[ClientOrderId, Tracked] = {}
        self.by_order_id: dict[int, ClientOrderId] = {}
        self._published: set[str] = set()
        self._waiting: dict[str, IbFill] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}

    # --- commands --------------------------------------------------------------------------------

    def expect(self, client_order_id: ClientOrderId, symbol: str, order_id: int) -> Tracked:
        """Register an order about to be placed; its `ack` resolves on acceptance or fails on rejection."""
        tracked = Tracked(client_order_id, symbol, order_id, ack=asyncio.get_running_loop().create_future())
        self.tracked[client_order_id] = tracked
        self.by_order_id[order_id] = client_order_id
        return tracked

    def begin_modify(self, tracked: Tracked, target: tuple[Quantity, Price | None, Price | None],
                     previous: tuple[Any, Any, Any]) -> None:
        """Note a change about to be sent; `previous` is ib_async's quantity and prices before it."""
        tracked.modify = asyncio.get_running_loop().create_future()
        tracked.modify_target = target
        tracked.modify_previous = previous

    def give_up_waiting(self, tracked: Tracked) -> None:
        """The submit stopped waiting for IB's answer (the order is UNKNOWN): a late answer is published instead."""
        tracked.late = True
        if tracked.ack is not None:
            tracked.ack.add_done_callback(_retrieve)

    def give_up_modify(self, tracked: Tracked) -> None:
        """The modify stopped waiting for IB: ib_async's copy goes back to what IB last confirmed.

        If TWS applies the change after all, its openOrder shows the new fields and OrderModified follows
        then; a status of the order as it was publishes nothing.
        """
        if tracked.trade is not None and tracked.modify_previous is not None:
            order = tracked.trade.order
            order.totalQuantity, order.lmtPrice, order.auxPrice = tracked.modify_previous
        if tracked.modify is not None:
            tracked.modify.add_done_callback(_retrieve)

    def find(self, client_order_id: ClientOrderId) -> Tracked | None:
        return self.tracked.get(client_order_id)

    def bind(self, trades: Iterable[Trade]) -> None:
        """Adopt the trades ib_async holds after a (re)connect: our working orders get their new Trade objects."""
        for trade in trades:
            coid = client_order_id_of(trade.order.orderRef)
            if coid is None:
                continue
            tracked = self._get(coid, trade)
            if trade.order.orderId:
                tracked.order_id = trade.order.orderId
                self.by_order_id[trade.order.orderId] = coid
            if trade.orderStatus.status in _WORKING:
                tracked.accepted = True

    def cancels_to_resend(self, trades: Iterable[Trade]) -> list[Trade]:
        """Return the trades (fresh after a reconnect) of working orders whose cancel IB never confirmed.

        A cancel sent as the connection dropped may never have reached IB; asking again is safe (IB answers
        10148 if the order is already done) and completes what the trader asked for.
        """
        resend = []
        for trade in trades:
            coid = client_order_id_of(trade.order.orderRef)
            tracked = self.tracked.get(coid) if coid is not None else None
            if tracked is not None and tracked.cancel_requested and not tracked.closed \
                    and trade.orderStatus.status in _WORKING:
                resend.append(trade)
        return resend

    def fail_pending(self, error: BrokerError) -> None:
        """Fail every submit still waiting for IB's answer (the connection is gone: fate unknown)."""
        for tracked in self.tracked.values():
            if tracked.ack is not None and not tracked.ack.done():
                tracked.ack.set_exception(error)
            if tracked.modify is not None and not tracked.modify.done():
                tracked.modify.set_exception(error)
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    def flush_waiting(self, lookup: Callable[[str], IbFill | None]) -> None:
        """Publish fills still waiting for a commission when the connection dropped, with what IB now reports."""
        for exec_id in list(self._waiting):
            found = lookup(exec_id)
            if found is not None and found.commissionReport.execId:
                self._waiting[exec_id] = found
            self._publish_fill(exec_id)

    # --- ib_async events -------------------------------------------------------------------------

    def on_status(self, trade: Trade) -> None:
        coid = client_order_id_of(trade.order.orderRef)
        if coid is None:
            return
        tracked = self._get(coid, trade)
        status = trade.orderStatus.status
        last = trade.log[-1] if trade.log else None
        if status in _IGNORED or (last is not None and last.errorCode and last.status == status):
            return  # an error drives this change: on_error words it
        if status in _WORKING or status == "Filled":
            self._accept(tracked, trade)
            self._finish_modify(tracked)
        elif status in _CANCELED:
            if tracked.awaiting_ack:
                self._refuse(tracked, OrderRejected(f"IB canceled the {tracked.symbol} order before accepting it."))
            else:
                self._close(tracked, CANCELED_BY_TRADER if tracked.cancel_requested else CANCELED_AT_IB)
        elif status == "Inactive":
            reason = tracked.last_note or INACTIVE
            if tracked.awaiting_ack:
                self._refuse(tracked, OrderRejected(reason))
            else:
                self._close(tracked, reason)

    def on_exec(self, trade: Trade, fill: IbFill) -> None:
        exec_id = fill.execution.execId
        coid = client_order_id_of(fill.execution.orderRef)
        if coid is None or exec_id in self._published or exec_id in self._waiting:
            return
        tracked = self._get(coid, trade)
        self._accept(tracked, trade)
        self._waiting[exec_id] = fill
        loop = asyncio.get_running_loop()
        self._timers[exec_id] = loop.call_later(self._commission_wait_s, self._publish_fill, exec_id)

    def on_commission(self, trade: Trade, fill: IbFill, report: CommissionReport) -> None:
        if report.execId in self._waiting:
            self._waiting[report.execId] = fill
            self._publish_fill(report.execId)

    def on_error(self, req_id: int, code: int, message: str) -> bool:
        """Handle an error about one of our orders; return False if req_id is not an order of ours.

        Only an orderStatus ends an order. An IB code ends nothing on its own, except a refusal of
        what is being asked right now: a new order IB did not take (201, 110, 103, 200, 135), a
        modify IB did not apply (110, 135, 105, 10326: the order keeps working as it was), a cancel
        IB did not do (161, 10147, 10148). Every other code becomes a note on the order.
        """
        coid = self.by_order_id.get(req_id)
        tracked = self.tracked.get(coid) if coid is not None else None
        if tracked is None:
            return False
        error = translate_error(code, message, subject=tracked.symbol)
        kind = error.kind
        if kind is IbErrorKind.CANCEL_REJECTED:
            self._undo_local_status(tracked, code, before_cancel=True)
            tracked.cancel_requested = False
            self._sink(OrderCancelRejected(tracked.client_order_id, error.text))
        elif kind is IbErrorKind.ORDER_CANCELED:
            self._close(tracked, CANCELED_BY_TRADER if tracked.cancel_requested else error.text)
        elif tracked.awaiting_modify and kind.refuses_modify:
            self._undo_local_status(tracked, code)
            self._refuse_modify(tracked, error.text)
        elif tracked.awaiting_ack and kind.refuses_new_order:
            self._refuse(tracked, to_broker_error(error))
        else:
            self._undo_local_status(tracked, code)
            self._note(tracked, error.text)
        return True

    # --- helpers ---------------------------------------------------------------------------------

    def _get(self, coid: ClientOrderId, trade: Trade) -> Tracked:
        tracked = self.tracked.get(coid)
        if tracked is None:
            tracked = Tracked(coid, self._symbol_for(trade.contract), trade.order.orderId)
            self.tracked[coid] = tracked
            if trade.order.orderId:
                self.by_order_id[trade.order.orderId] = coid
        tracked.trade = trade
        return tracked

    def _accept(self, tracked: Tracked, trade: Trade) -> None:
        if tracked.accepted:
            return
        tracked.accepted = True
        perm_id = trade.order.permId or trade.orderStatus.permId
        broker_id = str(perm_id) if perm_id else f"{trade.order.clientId}:{trade.order.orderId}"
        self._sink(OrderAccepted(tracked.client_order_id, BrokerOrderId(broker_id)))
        if tracked.ack is not None and not tracked.ack.done():
            tracked.ack.set_result(None)

    def _refuse(self, tracked: Tracked, error: BrokerError) -> None:
        tracked.closed = True
        if tracked.ack is not None and not tracked.ack.done():
            tracked.ack.set_exception(error)
        if tracked.late and isinstance(error, OrderRejected | RateLimited):  # the order is UNKNOWN: say it now
            self._sink(OrderRejectedEvent(tracked.client_order_id, str(error)))

    def _close(self, tracked: Tracked, reason: str) -> None:
        if tracked.closed:
            return
        tracked.closed = True
        self._sink(OrderCanceled(tracked.client_order_id, reason))

    def _finish_modify(self, tracked: Tracked) -> None:
        """Publish the change once TWS's own copy of the order (its latest openOrder) shows it."""
        if not tracked.awaiting_modify or tracked.modify_target is None or tracked.trade is None:
            return
        quantity, limit, stop = tracked.modify_target
        if not _shows(tracked.trade, quantity, limit, stop):
            return  # a status of the order as it was (a fill, say): the change is still on its way
        tracked.modify_target = tracked.modify_previous = None
        self._sink(OrderModified(tracked.client_order_id, quantity, limit, stop))
        assert tracked.modify is not None
        tracked.modify.set_result(None)

    def _refuse_modify(self, tracked: Tracked, reason: str) -> None:
        """IB kept the order as it was: put ib_async's copy back too, so the next change starts from IB's."""
        if tracked.trade is not None and tracked.modify_previous is not None:
            order = tracked.trade.order
            order.totalQuantity, order.lmtPrice, order.auxPrice = tracked.modify_previous
        tracked.modify_target = tracked.modify_previous = None
        self._sink(OrderModifyRejected(tracked.client_order_id, reason))
        if tracked.modify is not None and not tracked.modify.done():
            tracked.modify.set_result(None)

    def _note(self, tracked: Tracked, text: str) -> None:
        """Show IB's message on the order (reason column and log) without changing its status."""
        tracked.last_note = text
        self._sink(OrderNote(tracked.client_order_id, text))
        self._sink(LogMessage("WARNING", f"{tracked.symbol} order {tracked.client_order_id}: {text}"))

    @staticmethod
    def _undo_local_status(tracked: Tracked, code: int, before_cancel: bool = False) -> None:
        """Put back the status ib_async had before it marked the trade Cancelled/ValidationError for `code`.

        ib_async marks a trade Cancelled on any error code outside its warning list (10349, 10311, 161,
        135, ...) and ValidationError on a warning, while TWS keeps working the order. Left so, ib_async
        would refuse to modify it and TradeTerm's reconcile would read it as canceled. `before_cancel`:
        IB refused a cancel, so the status before ib_async's own PendingCancel is the one to restore.
        """
        trade = tracked.trade
        if trade is None or not trade.log:
            return
        last = trade.log[-1]
        if last.errorCode != code or trade.orderStatus.status not in _LOCAL_VERDICTS:
            return
        skip = ("PendingCancel",) if before_cancel else ()
        previous = next((e.status for e in reversed(trade.log[:-1]) if not e.errorCode and e.status not in skip),
                        "PendingSubmit")
        trade.orderStatus.status = previous

    def _publish_fill(self, exec_id: str) -> None:
        fill = self._waiting.pop(exec_id, None)
        timer = self._timers.pop(exec_id, None)
        if timer is not None:
            timer.cancel()
        if fill is None or exec_id in self._published:
            return
        coid = client_order_id_of(fill.execution.orderRef)
        if coid is None:
            return
        self._published.add(exec_id)
        if not fill.commissionReport.execId:
            self._sink(LogMessage("WARNING", f"IB sent no commission for execution {exec_id}; it is booked as zero."))
        self._sink(OrderFilled(coid, parse_fill(fill, self._account_id, self._symbol_for(fill.contract))))


def _shows(trade: Trade, quantity: Quantity, limit: Price | None, stop: Price | None) -> bool:
    """Whether ib_async's copy of the order (updated by each openOrder from TWS) has these fields."""
    order = trade.order
    return float(order.totalQuantity) == float(quantity.value) \
        and (limit is None or order.lmtPrice == float(limit.value)) \
        and (stop is None or order.auxPrice == float(stop.value))


def _retrieve(future: asyncio.Future[None]) -> None:
    """Mark a late answer's exception as seen: nobody awaits the ack of an order whose submit gave up."""
    if not future.cancelled():
        future.exception()
