"""A change to a child that waits for its parent's fill: TWS takes it (the child stays PreSubmitted, attached) and
works the changed child once the parent fills (IBKR "Modifying attached orders": a child may be modified before
it is triggered)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.sims.tws.attached import AttachedOrders
    from tests.sims.tws.orders import SimOrder


def change_waiting(attached: AttachedOrders, order: SimOrder, quantity: Decimal, limit: Decimal | None,
                   aux: Decimal | None) -> bool:
    """Change a parked child's quantity and prices where it waits; return False if it is not waiting."""
    for children in attached.waiting.values():
        for sim_order, paper in children:
            if sim_order is order:
                paper.quantity = quantity
                if order.order_type in ("LMT", "STP LMT"):
                    paper.limit_price = limit
                if order.order_type in ("STP", "STP LMT"):
                    paper.stop_price = aux
                return True
    return False
