"""Reconciler: make our books agree with the broker's on every (re)connect, before any order is sent.

Orders work both ways. Our working orders are settled from the broker's list (closed if it no longer has
them, accepted, canceled, ...). And an order TradeTerm holds as ended (CANCELED, REJECTED, EXPIRED: a cancel
taken for done, an order closed as "never reached", a broker's late refusal; or FILLED) that the broker's list
still shows working can trade: left alone, its fills would land on an order the trader believes is gone, and
nothing would let him cancel it. What a serious terminal does with it:

- Never on one sighting taken before the order ended here. A broker's list read while our cancel's answer was
  on its way shows the order working although it is canceled now. When the first read shows such an order,
  the books are read again; that second read is asked for after the order ended here, so only an order it
  still shows working is proven alive (and only that read is used for the whole reconciliation).
- The broker is the truth about its orders: a proven-alive CANCELED, REJECTED or EXPIRED order is reopened
  (OrderReopened: ACCEPTED, or PARTIALLY_FILLED, with the broker's order id), journaled, so its fills are
  booked on it and the trader sees it in the working orders and can cancel it. It is never resent.
- It is a mismatch all the same, handled like a position difference: it is listed in the reconciliation view
  (ReconciliationRequired), logged, and the account is HALTED (the session's MISMATCH hold; closing orders may
  go out after a confirm) until the trader reviews it: the next reconciliation that finds the books agreeing
  (adopting the broker's state in the view runs one) releases the hold.
- A FILLED order is not reopened (its whole quantity has filled here): it is reported, so the trader cancels
  the rest at the broker; only when the broker's order is larger than what filled here (a change we missed),
  since a list showing it working at its own quantity is behind executions we already have.
- An order the broker shows pending cancel (or whose state it cannot tell) is not counted alive: the cancel is
  finishing there, and any fill it still gets is booked as a fact.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal

from core.domain import (
    AccountId,
    AccountUpdated,
    ClientOrderId,
    Fill,
    LogMessage,
    Order,
    OrderAccepted,
    OrderCanceled,
    OrderCancelRejected,
    OrderEvent,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderStatus,
    ReconciliationRequired,
)
from core.ports.broker import BrokerAdapter, BrokerOrderState, BrokerSnapshot, OrderLookup
from core.ports.journal import Journal
from core.services.bus import EventBus
from core.services.ended_orders import ALIVE, ORDERS_DIFFER, proves_alive, reopen
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.product_positions import comparable, key_text, ordered, ours_by_product, theirs_by_product
from core.services.replace_resolution import resolve_replace

WATERMARK_MARGIN = timedelta(seconds=5)

NEVER_SENT = (
    "The broker never received this order (TradeTerm stopped before it was sent). "
    "It was not resent: place it again if you still want it."
)
GONE = "The broker no longer has this order; it is closed here too."
_WORKS = (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)
_UNSENT = (OrderStatus.UNKNOWN, OrderStatus.SUBMITTED)
"""An order whose send has no answer: the broker may have it or not."""
POSITIONS_DIFFER = "Positions differ from the broker's: review them."
CANCEL_UNANSWERED = (
    "TradeTerm stopped before the broker answered this cancel, and the broker still works the order: "
    "cancel it again if you still want it out."
)


@dataclass(slots=True)
class ReconciliationReport:
    account_id: AccountId
    fills_applied: int = 0
    orders_resolved: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    orders_alive: list[str] = field(default_factory=list)
    """Orders ended here that the broker proved still working (also listed in differences)."""

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def hold_reason(self) -> str:
        """Return why the account is held: positions first, as they move money already."""
        if len(self.differences) > len(self.orders_alive):
            return POSITIONS_DIFFER
        return ORDERS_DIFFER


class Reconciler:
    """Apply missing fills (deduplicated), close orders the broker no longer has, compare positions.

    Events: AccountUpdated (the broker's cash), ReconciliationRequired when positions differ,
    LogMessage describing what was repaired; order events go through the OMS.
    """

    def __init__(self, bus: EventBus, oms: OrderManager, portfolio: Portfolio, journal: Journal) -> None:
        self._bus = bus
        self._oms = oms
        self._portfolio = portfolio
        self._journal = journal

    async def run(
        self, adapter: BrokerAdapter, lost_at: datetime | None = None,
        unanswered: Collection[ClientOrderId] = (),
        replaces: Collection[ClientOrderId] = (),
    ) -> ReconciliationReport:
        """Reconcile one account; `lost_at` is when its connection was lost, if it was.

        `unanswered` are orders an earlier process journaled as PENDING_CANCEL and never heard back
        about: its cancel may not have left. One the broker still works goes back to working, so the
        trader sees it can be canceled again; a cancel of this process is left to its own answer.

        `replaces` are orders left PENDING_REPLACE whose change has no answer coming (its process died,
        or its request ended without one): each is settled from the broker's order (replace_resolution.py).

        Executions are asked for since the earlier of the journal's newest fill and `lost_at`, less a
        margin for clock skew: a live fill journaled just after a reconnect must not move the start past
        an execution missed while disconnected. Fetching more is harmless; fills dedupe by trade id. When a
        working order shows more filled at the broker than that read held, the executions are read again from
        the order's creation (a report missed while connected, with later fills journaled after it). An order whose
        send went unanswered (UNKNOWN) that the broker's list lacks is asked about by our client order id
        (OrderLookup) before it is closed as never sent.
        """
        account = adapter.account_id
        since = self._journal.watermark(account)
        if lost_at is not None and (since is None or lost_at < since):
            since = lost_at
        if since is not None:
            since -= WATERMARK_MARGIN
        snapshot = await adapter.snapshot(since)
        suspects = self._ended_but_alive(snapshot)
        if suspects:  # the read may predate their end here: only a read asked for after it proves them alive
            snapshot = await adapter.snapshot(since)
        report = ReconciliationReport(account)
        self._bus.publish(AccountUpdated(account, snapshot.cash))
        self._apply_fills(snapshot, report)
        earlier = self._fills_before(snapshot, since)
        if earlier is not None:  # a working order filled at the broker before the read's start: read from its birth
            snapshot = await adapter.snapshot(earlier)
            self._apply_fills(snapshot, report)
        snapshot = await self._look_up_unsent(adapter, snapshot, report, since)
        self._reopen_alive(snapshot, suspects, report)
        self._resolve_orders(snapshot, report, unanswered, replaces)
        self._compare_positions(snapshot, report)
        if report.fills_applied or report.orders_resolved:
            self._bus.publish(LogMessage("INFO", f"{account}: reconciled {report.fills_applied} fill(s), "
                                                 f"{len(report.orders_resolved)} order(s) with the broker."))
        if report.orders_alive:
            self._bus.publish(LogMessage("ERROR", f"{account}: the broker still works {len(report.orders_alive)} "
                                                  "order(s) TradeTerm had ended: " + "; ".join(report.orders_alive)))
        if report.differences:
            self._bus.publish(ReconciliationRequired(account, tuple(report.differences)))
        return report

    async def _look_up_unsent(
        self, adapter: BrokerAdapter, snapshot: BrokerSnapshot, report: ReconciliationReport, since: datetime | None
    ) -> BrokerSnapshot:
        """Ask the broker (OrderLookup) about each order whose send went unanswered that its list lacks; return the
        snapshot with what it has of them, their fills booked.

        A broker's list is bounded (Alpaca's: the last day's newest 500), so an order missing from it is not proven
        never sent: a GTC order sent before a restart days ago works on. Only the broker's answer by our client
        order id that it has no such order closes it as never sent. A look that fails raises (BrokerError): the
        broker's books cannot be read, as when the snapshot fails. After any look the books are read again: the
        looks take time, live fills arrive meanwhile, and positions read before them would differ from ours
        (an IB chaos run halted on such a difference: 'TradeTerm has -91, the broker has -76').
        """
        if not isinstance(adapter, OrderLookup):
            return snapshot
        listed = {o.client_order_id for o in snapshot.orders}
        states: list[BrokerOrderState] = []
        fills: list[Fill] = []
        asked = False
        for order in self._oms.working(snapshot.account_id):
            if order.status not in _UNSENT or order.client_order_id in listed:
                continue
            asked = True
            found = await adapter.lookup_order(order)
            if found is not None:
                states.append(found.state)
                fills.extend(found.fills)
        if not asked:
            return snapshot
        if fills:
            self._apply_fills(BrokerSnapshot(snapshot.account_id, fills=tuple(fills)), report)
        fresh = await adapter.snapshot(since)
        self._apply_fills(fresh, report)
        relisted = {o.client_order_id for o in fresh.orders}
        return replace(fresh, orders=(*fresh.orders, *(s for s in states if s.client_order_id not in relisted)))

    def _ended_but_alive(self, snapshot: BrokerSnapshot) -> dict[ClientOrderId, Order]:
        """Return our ended orders that the broker's list shows as still able to trade."""
        found: dict[ClientOrderId, Order] = {}
        for remote in snapshot.orders:
            if remote.client_order_id is None or remote.status not in ALIVE:
                continue
            order = self._oms.get(remote.client_order_id)
            if order is not None and order.account_id == snapshot.account_id and proves_alive(order, remote):
                found[order.client_order_id] = order
        return found

    def _reopen_alive(
        self, snapshot: BrokerSnapshot, suspects: dict[ClientOrderId, Order], report: ReconciliationReport
    ) -> None:
        """Reopen (or, if FILLED, report) each suspect that this read, asked for after it ended, still shows alive."""
        for coid, order in self._ended_but_alive(snapshot).items():
            if coid not in suspects:
                continue  # it ended here after this read was asked for: the next reconciliation looks again
            remote = next(o for o in snapshot.orders if o.client_order_id == coid)
            reopened = order.status is not OrderStatus.FILLED
            text = reopen(self._oms, order, remote)
            if reopened:
                report.orders_resolved.append(str(coid))
            report.orders_alive.append(text)
            report.differences.append(text)

    def _fills_before(self, snapshot: BrokerSnapshot, since: datetime | None) -> datetime | None:
        """Return where to read the executions from again, or None when this read holds every fill it should.

        A working order the broker shows with more filled than here had fills the read (from the journal's newest
        fill on) could not hold: its reports were missed while fills of other orders were journaled after them.
        The read again starts at the oldest such order's creation, less the clock-skew margin."""
        if since is None:
            return None  # the read had every execution the broker keeps
        at_broker = {o.client_order_id: o for o in snapshot.orders if o.client_order_id is not None}
        behind = [order.created_at for order in self._oms.working(snapshot.account_id)
                  if (remote := at_broker.get(order.client_order_id)) is not None
                  and remote.filled_qty > order.filled_qty]
        if not behind:
            return None
        earlier = min(behind) - WATERMARK_MARGIN
        return earlier if earlier < since else None

    def _apply_fills(self, snapshot: BrokerSnapshot, report: ReconciliationReport) -> None:
        for fill in snapshot.fills:
            order = self._oms.get(fill.client_order_id) if fill.client_order_id is not None else None
            if order is None:
                report.fills_applied += int(self._oms.record_external_fill(fill))
                continue
            before = len(order.events)
            self._oms.apply(OrderFilled(order.client_order_id, fill))
            report.fills_applied += int(len(order.events) > before)

    def _resolve_orders(
        self, snapshot: BrokerSnapshot, report: ReconciliationReport, unanswered: Collection[ClientOrderId],
        replaces: Collection[ClientOrderId] = (),
    ) -> None:
        at_broker = {o.client_order_id: o for o in snapshot.orders if o.client_order_id is not None}
        for order in self._oms.working(snapshot.account_id):
            event = self._event_for(order, at_broker.get(order.client_order_id),
                                    order.client_order_id in unanswered, order.client_order_id in replaces)
            if event is not None:
                self._oms.apply(event)
                report.orders_resolved.append(str(order.client_order_id))

    @staticmethod
    def _event_for(
        order: Order, remote: BrokerOrderState | None, unanswered: bool, replace: bool = False
    ) -> OrderEvent | None:
        coid = order.client_order_id
        if remote is None:
            unsent = order.status in _UNSENT and order.filled_qty == 0
            return OrderCanceled(coid, NEVER_SENT if unsent else GONE)
        status = remote.status
        if status is OrderStatus.CANCELED:
            return OrderCanceled(coid, remote.reason or "Canceled at the broker.")
        if status is OrderStatus.REJECTED:
            return OrderRejected(coid, remote.reason or "Rejected by the broker.")
        if status is OrderStatus.EXPIRED:
            return OrderExpired(coid, remote.reason or "Expired at the broker.")
        if order.status in (OrderStatus.UNKNOWN, OrderStatus.SUBMITTED) and status.is_working:
            return OrderAccepted(coid, remote.broker_order_id)
        if replace and order.status is OrderStatus.PENDING_REPLACE and (status.is_working or
                                                                        status is OrderStatus.FILLED):
            return resolve_replace(order, remote)
        if unanswered and order.status is OrderStatus.PENDING_CANCEL and status in _WORKS:
            return OrderCancelRejected(coid, CANCEL_UNANSWERED)
        return None

    def _compare_positions(self, snapshot: BrokerSnapshot, report: ReconciliationReport) -> None:
        ours, broker = comparable(ours_by_product(self._portfolio, snapshot.account_id),
                                  theirs_by_product(snapshot.positions))
        for key in ordered(set(broker) | set(ours)):
            theirs, mine = broker.get(key, Decimal(0)), ours.get(key, Decimal(0))
            if theirs != mine:
                report.differences.append(
                    f"{key_text(key)}: TradeTerm has {mine.normalize():f}, the broker has {theirs.normalize():f}"
                )

