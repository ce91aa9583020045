"""IB native brackets: an entry (parent) with its stop-loss/take-profit attached as child orders.

As TWS wants them (IBKR's bracketOrder): consecutive order ids; the parent and every child but the last go
with transmit=False, so TWS holds them until the last child (transmit=True) sends the whole group; each
child names the parent in parentId, and the children share an OCA group with ocaType 1 (cancel the rest,
with block: overfill protection), so when one fills TWS cancels the other. TWS keeps the children
PreSubmitted until the parent fills, and cancels them with the parent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from ib_async import Order as IbOrder
from ib_async import Trade

from core.adapters.ib.tracker import Tracked
from core.domain import Order
from core.ports.errors import Timeout

OCA_CANCEL_WITH_BLOCK = 1
"""ocaType 1: when one order of the group fills, TWS cancels the others (with overfill protection)."""


def oca_group_of(parent_ref: str) -> str:
    """Return the OCA group name of a bracket's children: derived from the entry's id, unique per bracket."""
    return f"TT-{parent_ref}"


def link_bracket(parent: IbOrder, children: Sequence[IbOrder]) -> list[IbOrder]:
    """Attach children to parent (whose orderId is set) as TWS expects; return every leg in sending order."""
    parent.transmit = not children
    for index, child in enumerate(children):
        child.parentId = parent.orderId
        child.transmit = index == len(children) - 1
        if len(children) > 1:
            child.ocaGroup = oca_group_of(parent.orderRef)
            child.ocaType = OCA_CANCEL_WITH_BLOCK
    return [parent, *children]


def link_oco(first: IbOrder, second: IbOrder) -> None:
    """Put two independent orders in one OCA group (ocaType 1), named after the first's orderRef: a fill of
    either makes TWS cancel the other."""
    for ib_order in (first, second):
        ib_order.ocaGroup = oca_group_of(first.orderRef)
        ib_order.ocaType = OCA_CANCEL_WITH_BLOCK
        ib_order.transmit = True


async def leg_outcomes(legs: Sequence[Order], tracked: Sequence[Tracked], timeout_s: float,
                       give_up: Callable[[Tracked], None]) -> list[BaseException | None]:
    """Wait up to timeout_s for IB's answer to every placed leg; return each leg's outcome (None: accepted).

    A leg still unanswered gets Timeout (the tracker then publishes its late answer as an event): it may be
    working, so the session asks IB about it and never resends it.
    """
    acks = [track.ack for track in tracked if track.ack is not None]
    await asyncio.wait(acks, timeout=timeout_s)  # leaves the acks as they are on a timeout
    outcomes: list[BaseException | None] = []
    for leg, track in zip(legs, tracked, strict=True):
        assert track.ack is not None
        if track.ack.done():
            outcomes.append(track.ack.exception())
            continue
        give_up(track)
        outcomes.append(Timeout(
            f"IB did not confirm the {leg.symbol} bracket order {leg.client_order_id} within {timeout_s:g} s; it "
            "may be working. TradeTerm asks IB about it and will not resend it."))
    return outcomes


def detach_from_filled_parent(child: IbOrder, trades: Sequence[Trade]) -> None:
    """Clear a child's parentId before it is re-sent (modified) once its parent has filled.

    TWS answers 135 "Can't find order with id = <parent>" to a change that still names a filled parent
    (ib_insync#647); the fix is parentId=0. While the parent still works the child keeps it: a child sent
    without its parent would start working at once.
    """
    if not child.parentId:
        return
    parent = next((t for t in trades if t.order.orderId == child.parentId), None)
    if parent is None or parent.orderStatus.status == "Filled":
        child.parentId = 0
