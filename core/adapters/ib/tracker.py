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
    Price,
    Quantity,
)
from core.ports.broker import EventSink
from core.ports.errors import BrokerError, OrderRejected

log = logging.getLogger(__name__)

_WORKING = frozenset({"PreSubmitted", "Submitted", "ApiUpdate"})
_IGNORED = frozenset({"PendingSubmit", "ApiPending", "PendingCancel"})
_CANCELED = frozenset({"Cancelled", "ApiCancelled"})
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
        OrderModified / OrderModifyRejected(client_order_id, …): the answer to a re-sent order.
        LogMessage(level, text): IB warnings about one of our orders.
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

    def begin_modify(self, tracked: Tracked, target: tuple[Quantity, Price | None, Price | None]) -> None:
        tracked.modify = asyncio.get_running_loop().create_future()
        tracked.modify_target = target

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
            if tracked.awaiting_ack:
                self._refuse(tracked, OrderRejected(INACTIVE))
            else:
                self._close(tracked, INACTIVE)

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
        """Handle an error about one of our orders; return False if req_id is not an order of ours."""
        coid = self.by_order_id.get(req_id)
        tracked = self.tracked.get(coid) if coid is not None else None
        if tracked is None:
            return False
        error = translate_error(code, message, subject=tracked.symbol)
        kind = error.kind
        if kind in (IbErrorKind.WARNING, IbErrorKind.INFO):
            self._sink(LogMessage("WARNING", f"{tracked.symbol} order {tracked.client_order_id}: {error.text}"))
        elif kind is IbErrorKind.CANCEL_REJECTED:
            tracked.cancel_requested = False
            self._sink(OrderCancelRejected(tracked.client_order_id, error.text))
        elif kind is IbErrorKind.ORDER_CANCELED:
            self._close(tracked, CANCELED_BY_TRADER if tracked.cancel_requested else error.text)
        elif tracked.awaiting_modify or kind is IbErrorKind.MODIFY_REJECTED:
            self._refuse_modify(tracked, error.text)
        elif tracked.awaiting_ack:
            self._refuse(tracked, to_broker_error(error))
        else:
            self._close(tracked, error.text)
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

    def _close(self, tracked: Tracked, reason: str) -> None:
        if tracked.closed:
            return
        tracked.closed = True
        self._sink(OrderCanceled(tracked.client_order_id, reason))

    def _finish_modify(self, tracked: Tracked) -> None:
        if not tracked.awaiting_modify or tracked.modify_target is None:
            return
        quantity, limit, stop = tracked.modify_target
        self._sink(OrderModified(tracked.client_order_id, quantity, limit, stop))
        assert tracked.modify is not None
        tracked.modify.set_result(None)

    def _refuse_modify(self, tracked: Tracked, reason: str) -> None:
        self._sink(OrderModifyRejected(tracked.client_order_id, reason))
        if tracked.modify is not None and not tracked.modify.done():
            tracked.modify.set_result(None)

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
