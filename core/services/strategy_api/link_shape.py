"""The `link` of an order as GET /v1/orders shows it: its OCO partner, or the children TradeTerm holds for it."""

from __future__ import annotations

from typing import Any

from core.domain import Order
from core.domain.protection import HeldChild, oco_partner_id
from core.services.session import TradingSession
from core.services.strategy_api.shapes import dec


def link_json(session: TradingSession, order: Order) -> dict[str, Any] | None:
    """Return what order is linked to, or None when nothing.

    OCO: {"kind": "OCO", "orders": [first, second], "partner": the other's id}. An entry with held children:
    {"kind": "OTO" (its child sent once it fills) or "BRACKET" (a stop-loss and/or take-profit), "role":
    "parent", "children": [{"client_order_id" (the id the child goes out under), "leg", "order_type", "side",
    "price", "quantity", "state", "reason"}]}. A child sent by its parent: {"kind", "role": "child", "parent"}.
    """
    pair = session.oco_pair(order.client_order_id)
    if pair is not None and pair[0].strategy_id == pair[1].strategy_id:
        partner = oco_partner_id(order.client_order_id)
        return {"kind": "OCO", "orders": [str(o.client_order_id) for o in pair], "partner": str(partner)}
    held = session.protection.children(order.account_id)
    mine = [c for c in held if c.entry == order.client_order_id]
    if mine:
        kind = "OTO" if any(c.leg.fires_on_fill for c in mine) else "BRACKET"
        return {"kind": kind, "role": "parent", "children": [_child_json(c) for c in mine]}
    sent_by = next((c for c in held if c.child_id == order.client_order_id), None)
    if sent_by is not None:
        return {"kind": "OTO" if sent_by.leg.fires_on_fill else "BRACKET", "role": "child",
                "parent": str(sent_by.entry)}
    return None


def _child_json(child: HeldChild) -> dict[str, Any]:
    limit = child.leg.fires_on_fill and not child.leg.is_stop
    return {
        "client_order_id": str(child.child_id), "leg": child.leg.value,
        "order_type": "LMT" if limit else "STP" if child.leg.fires_on_fill else
        ("STP" if child.leg.is_stop else "LMT"),
        "side": child.exit_side.value, "price": dec(child.trigger), "quantity": dec(child.quantity),
        "state": child.state.value, "reason": child.reason,
    }
