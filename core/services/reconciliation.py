"""Reconciler: make our books agree with the broker's on every (re)connect, before any order is sent."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from core.domain import (
    AccountId,
    AccountUpdated,
    ClientOrderId,
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
from core.ports.broker import BrokerAdapter, BrokerOrderState, BrokerSnapshot
from core.ports.journal import Journal
from core.services.bus import EventBus
from core.services.oms import OrderManager
from core.services.portfolio import Portfolio
from core.services.replace_resolution import resolve_replace

WATERMARK_MARGIN = timedelta(seconds=5)

NEVER_SENT = (
    "The broker never received this order (TradeTerm stopped before it was sent). "
    "It was not resent: place it again if you still want it."
)
GONE = "The broker no longer has this order; it is closed here too."
_WORKS = (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)
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

    @property
    def ok(self) -> bool:
        return not self.differences


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
        an execution missed while disconnected. Fetching more is harmless; fills dedupe by trade id.
        """
        account = adapter.account_id
        since = self._journal.watermark(account)
        if lost_at is not None and (since is None or lost_at < since):
            since = lost_at
        if since is not None:
            since -= WATERMARK_MARGIN
        snapshot = await adapter.snapshot(since)
        report = ReconciliationReport(account)
        self._bus.publish(AccountUpdated(account, snapshot.cash))
        self._apply_fills(snapshot, report)
        self._resolve_orders(snapshot, report, unanswered, replaces)
        self._compare_positions(snapshot, report)
        if report.fills_applied or report.orders_resolved:
            self._bus.publish(LogMessage("INFO", f"{account}: reconciled {report.fills_applied} fill(s), "
                                                 f"{len(report.orders_resolved)} order(s) with the broker."))
        if report.differences:
            self._bus.publish(ReconciliationRequired(account, tuple(report.differences)))
        return report

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
            unsent = order.status in (OrderStatus.UNKNOWN, OrderStatus.SUBMITTED) and order.filled_qty == 0
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
        broker = {p.symbol: p.quantity for p in snapshot.positions}
        ours = {p.symbol: p.quantity for p in self._portfolio.positions(snapshot.account_id)}
        for symbol in sorted(set(broker) | set(ours)):
            theirs, mine = broker.get(symbol, Decimal(0)), ours.get(symbol, Decimal(0))
            if theirs != mine:
                report.differences.append(
                    f"{symbol}: TradeTerm has {mine.normalize():f}, the broker has {theirs.normalize():f}"
                )
