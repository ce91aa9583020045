"""Native brackets: an entry and its stop-loss/take-profit children journaled together, then sent as one
bracket to a broker that holds the children itself (core/ports/native_protection.py).

The children are ordinary orders of origin PROTECTIVE under ids derived from the entry's
(`child_order_id`), journaled SUBMITTED in the entry's own transaction before anything goes out, so a
crash between the commit and the send leaves three in-flight orders that the reconnect checks with the
broker, never three orders sent again. Their statuses and fills come through the adapter's normal events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from core.domain import (
    AccountId,
    Order,
    OrderOrigin,
    OrderRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Side,
    TimeInForce,
)
from core.domain.protection import Bracket, ProtectionLeg, child_order_id
from core.ports.clock import Clock
from core.ports.journal import IntakeKey
from core.ports.native_protection import NativeProtection
from core.services.adapter_defects import note_defect
from core.services.oms import OrderManager

Settle = Callable[[Order, BaseException], None]
"""What the session does with a leg the broker did not take: reject it, or mark it UNKNOWN and resolve it."""


def native_children(entry: Order, bracket: Bracket, clock: Clock) -> list[Order]:
    """Return the bracket's children as orders: the stop-loss a stop, the take-profit a limit, each for the
    entry's whole quantity on the exit side (the broker activates them as the entry fills)."""
    exit_side = Side.SELL if entry.side is Side.BUY else Side.BUY
    tif = TimeInForce.DAY if entry.tif is TimeInForce.IOC else entry.tif
    legs: list[Order] = []
    for leg, price in ((ProtectionLeg.TAKE_PROFIT, bracket.take_profit), (ProtectionLeg.STOP_LOSS, bracket.stop_loss)):
        if price is None:
            continue
        stop = leg is ProtectionLeg.STOP_LOSS
        legs.append(Order(
            client_order_id=child_order_id(entry.client_order_id, leg), account_id=entry.account_id,
            instrument=entry.instrument, side=exit_side, quantity=entry.quantity,
            order_type=OrderType.STOP if stop else OrderType.LIMIT,
            limit_price=None if stop else Price(price), stop_price=Price(price) if stop else None,
            tif=tif, origin=OrderOrigin.PROTECTIVE, strategy_id=entry.strategy_id, created_at=clock.now(),
            product=entry.product,
        ))
    return legs


async def send_native_bracket(oms: OrderManager, clock: Clock, adapter: NativeProtection, entry: Order,
                              bracket: Bracket, intake_key: IntakeKey | None, stopped: Callable[[], str | None],
                              settle: Settle) -> None:
    """Journal entry and children SUBMITTED in one transaction (durable), then place them natively once."""
    children = native_children(entry, bracket, clock)
    legs: Sequence[Order] = (entry, *children)
    for order in legs:
        order.apply(OrderSubmitted(order.client_order_id, ts=clock.now()))
    oms.create_together(legs, intake_key)  # durable before the send; all legs or none
    stop = stopped()
    if stop is not None:
        for order in legs:
            oms.apply(OrderRejected(order.client_order_id, f"Not sent: {stop}"))
        return
    try:
        outcomes = await adapter.submit_bracket(entry, children)
    except Exception as exc:  # nothing placed, or the link dropped (or a defect: the fate is unknown): every leg
        note_defect(exc, entry.account_id, entry.client_order_id, "sending")
        outcomes = [exc] * len(legs)
    for order, outcome in zip(legs, outcomes, strict=True):
        if outcome is not None:
            settle(order, outcome)


def working_native_children(oms: OrderManager, account_id: AccountId, symbol: str) -> list[Order]:
    """Return the working protective orders of a symbol at the broker (a close or Flatten cancels them first).

    A native bracket's children, and any held child already sent: once the position is closed, a stop or target
    left working would open a new one.
    """
    return [o for o in oms.working_protective(account_id) if o.symbol == symbol
            and o.status is not OrderStatus.PENDING_CANCEL]


NATIVE_BADGE = "at the broker: works while TradeTerm is closed"
"""The badge of protective orders the broker holds (a native bracket's children), beside the held badge."""


def describe_native(orders: Sequence[Order]) -> str:
    """Return one line naming working protective orders at the broker, with their badge (empty when none)."""
    parts = []
    for order in orders:
        price = order.stop_price if order.order_type.needs_stop else order.limit_price
        label = "SL" if order.order_type.needs_stop else "TP"
        parts.append(f"{label} {'' if price is None else price.value} ×{order.leaves_qty.normalize():f}")
    return f"{' · '.join(parts)} — {NATIVE_BADGE}" if parts else ""
