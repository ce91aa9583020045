"""Modify: change a working order's quantity and prices, and settle a change whose answer came late or not at all.

A change is validated and risk-checked like a new order, journaled (OrderPendingReplace) before it is sent,
then answered by the broker (OrderModified / OrderModifyRejected through the adapter's events). When the
answer is lost the order stays PENDING_REPLACE, flagged (OrderModifyUnresolved): on a live connection the
broker's order list is asked at once (OrderResolver.resolve_replace); otherwise the next reconciliation
settles it (replace_resolution.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import replace
from typing import Any

from core.domain import (
    AccountId,
    ClientOrderId,
    ConnectionState,
    FieldError,
    Order,
    OrderModifyRejected,
    OrderModifyUnresolved,
    OrderPendingReplace,
    OrderRequest,
    OrderStatus,
    Price,
    Quantity,
    TimeInForce,
    validate_request,
)
from core.ports import errors
from core.services.accounts import AccountSlot
from core.services.adapter_defects import note_defect
from core.services.oms import OrderManager
from core.services.order_resolver import OrderResolver
from core.services.refusals import OrderRefused
from core.services.risk import RiskEngine
from core.services.waiting_child import entry_id_of, is_native_child, moved_child_problem, native_leg, waits_for_entry

log = logging.getLogger(__name__)

CHANGE_UNANSWERED = (
    "Whether the change reached the broker shows when the broker answers, or is checked when the connection is "
    "back; you may change or cancel the order again meanwhile."
)

Spawn = Callable[[Coroutine[Any, Any, object]], None]


class OrderModifier:
    """Send changes to working orders; remember which are awaiting the adapter's answer.

    Events (through the OMS): OrderPendingReplace before the send; OrderModifyRejected on a broker refusal;
    OrderModifyUnresolved when the answer is lost.
    """

    def __init__(self, oms: OrderManager, risk: RiskEngine, resolver: OrderResolver,
                 accounts: Mapping[AccountId, AccountSlot], spawn: Spawn) -> None:
        self._oms = oms
        self._risk = risk
        self._resolver = resolver
        self._accounts = accounts
        self._spawn = spawn
        self._modifying: set[ClientOrderId] = set()
        """Orders whose change this process has asked and is awaiting the adapter's answer to."""

    def awaiting(self, client_order_id: ClientOrderId) -> bool:
        """Whether this process has asked a change of the order and awaits the adapter's answer."""
        return client_order_id in self._modifying

    async def modify(self, client_order_id: ClientOrderId, quantity: object, limit_price: object,
                     stop_price: object) -> Order:
        """Change a working order (see TradingSession.modify); return it."""
        order = self._oms.get(client_order_id)
        if order is None:
            raise KeyError(f"no order {client_order_id}")
        unresolved = order.status is OrderStatus.PENDING_REPLACE and order.needs_reconciliation \
            and client_order_id not in self._modifying
        if order.status not in (OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED) and not unresolved:
            raise OrderRefused([FieldError("quantity", f"The order is {order.status.value.lower()}; "
                                                       "only a working order can be changed.")])
        if order.order_type.is_trailing:
            raise OrderRefused([FieldError("order_type", "A trailing stop cannot be changed in place: cancel it "
                                                         "and send a new one with the quantity and trail you want.")])
        tif, ends = order.tif, order.expire_at
        if tif is TimeInForce.GTD and ends is None:  # a journal before format 7 kept no end; the broker does
            tif = TimeInForce.GTC  # the fields are checked as a GTC order's; the order stays GTD
        request = OrderRequest(order.account_id, order.symbol, order.side, quantity, order.order_type,
                               limit_price, stop_price, tif, order.origin, order.strategy_id, expire_at=ends)
        valid, problems = validate_request(request, order.instrument)
        if valid is None:
            raise OrderRefused(problems)
        if valid.quantity <= order.filled_qty:
            raise OrderRefused([FieldError("quantity", f"{order.filled_qty.normalize():f} already filled: "
                                                       "the new quantity must be larger (or cancel the rest).")])
        new_qty = Quantity(valid.quantity)
        new_limit = Price(valid.limit_price) if valid.limit_price is not None else None
        new_stop = Price(valid.stop_price) if valid.stop_price is not None else None
        candidate = replace(order, quantity=new_qty, limit_price=new_limit, stop_price=new_stop, events=[])
        entry = self._oms.get(entry_id_of(client_order_id))
        waiting = is_native_child(order, entry) and waits_for_entry(entry)
        if waiting:  # a native bracket's child before its entry fills: checked against the entry, not a position
            assert entry is not None
            self._check_waiting_child(candidate, entry)
        refusal = self._risk.evaluate(candidate, entry_waiting=waiting)
        if refusal is not None:
            raise OrderRefused([FieldError(refusal.field, refusal.reason)])
        self._oms.apply(OrderPendingReplace(client_order_id, new_qty, new_limit, new_stop))
        self._modifying.add(client_order_id)
        try:
            await self._accounts[order.account_id].adapter.modify(order, new_qty, new_limit, new_stop)
        except (errors.ConnectionLost, errors.Timeout) as exc:  # the change may or may not have arrived
            self._oms.apply(OrderModifyUnresolved(client_order_id, f"{str(exc).rstrip('.')}. {CHANGE_UNANSWERED}"))
            slot = self._accounts[order.account_id]
            if not isinstance(exc, errors.ConnectionLost) and slot.connection is ConnectionState.CONNECTED:
                self._spawn(self._resolve_replace(slot, order))  # the broker's order list tells, now
        except Exception as exc:  # the broker's refusal, or a defect in the adapter: the order stays as it was
            note_defect(exc, order.account_id, client_order_id, "changing")
            self._oms.apply(OrderModifyRejected(client_order_id, str(exc)))
        finally:
            self._modifying.discard(client_order_id)
        return order

    def _check_waiting_child(self, moved: Order, entry: Order) -> None:
        """Refuse a waiting native child's new price on the wrong side of its entry's price or its sibling's."""
        leg = native_leg(moved)
        price = moved.stop_price if leg.is_stop else moved.limit_price
        if price is None:
            return
        siblings = [o for o in self._oms.working(moved.account_id)
                    if is_native_child(o, entry) and o.client_order_id != moved.client_order_id]
        sibling = None
        for other in siblings:
            other_leg = native_leg(other)
            other_price = other.stop_price if other_leg.is_stop else other.limit_price
            if other_price is not None:
                sibling = (other_leg, other_price.value)
        problem = moved_child_problem(leg, price.value, entry, sibling)
        if problem is not None:
            raise OrderRefused([FieldError("stop_price" if leg.is_stop else "limit_price", problem)])

    async def _resolve_replace(self, slot: AccountSlot, order: Order) -> None:
        """Settle a change that went unanswered on a live connection by asking the broker about the order."""
        try:
            await self._resolver.resolve_replace(slot.adapter, order)
        except (errors.BrokerError, OSError, TimeoutError) as exc:
            log.warning("%s: could not ask the broker about the change to %s: %s", slot.adapter.account_id,
                        order.client_order_id, exc)  # it stays flagged; the next reconcile settles it
