"""Alpaca's own brackets (order_class bracket / oto) for TradeTerm's native brackets. Pure: no I/O.

One POST /v2/orders carries the entry with `take_profit{limit_price}` and `stop_loss{stop_price}`: a bracket when
both are given, an OTO when one is. Alpaca holds the legs (`held`) until the entry has filled, then works them and
cancels the other when one fills, whether TradeTerm runs or not (core/ports/native_protection.py).

Alpaca gives each leg its own id and its own client_order_id; it takes no id of ours for a leg. A leg is known as
ours by its entry: the answer (and GET …?nested=true) lists the legs under the entry, and each leg is given the
client order id TradeTerm journaled for that child (`child_order_id` of the entry's, the take-profit for the limit
leg, the stop-loss for the stop leg), so every poll, fill and reconciliation sees it under our id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from core.adapters.alpaca.parsing import ApiFailure
from core.domain import ClientOrderId, Order, OrderType, TimeInForce
from core.domain.protection import ProtectionLeg, child_order_id
from core.ports.errors import BrokerError, OrderRejected

OURS = re.compile(r"T\d{12}[0-9A-Z]{7}")
"""TradeTerm's entry ids (ClientOrderId.generate): only their legs are renamed to ours."""
BRACKET_TIFS = frozenset({TimeInForce.DAY, TimeInForce.GTC})


def leg_of(child: Order) -> ProtectionLeg:
    """Which of Alpaca's legs a child is: the limit is the take-profit, the stop the stop-loss."""
    return ProtectionLeg.TAKE_PROFIT if child.order_type is OrderType.LIMIT else ProtectionLeg.STOP_LOSS


def bracket_refusal(entry: Order, children: Sequence[Order]) -> str | None:
    """Return why Alpaca cannot hold these children for entry (said before anything is sent), or None."""
    if entry.tif not in BRACKET_TIFS:
        return (f"Alpaca holds a bracket's stop-loss and take-profit only on a DAY or GTC entry, not "
                f"{entry.tif.value}: send the entry as DAY or GTC.")
    if entry.order_type is OrderType.TRAIL:
        return "Alpaca does not attach a stop-loss or take-profit to a trailing stop: send the entry as another type."
    legs = [leg_of(child) for child in children]
    if not legs or len(set(legs)) != len(legs):
        return "An Alpaca bracket has one take-profit and/or one stop-loss."
    for child in children:
        if child.quantity != entry.quantity or child.side is entry.side:
            return "An Alpaca bracket's legs close the whole entry on the other side."
    return None


def bracket_fields(children: Sequence[Order]) -> dict[str, Any]:
    """Return the order request's multi-leg fields: order_class, take_profit and stop_loss (plain dicts)."""
    fields: dict[str, Any] = {"order_class": "bracket" if len(children) == 2 else "oto"}
    for child in children:
        if leg_of(child) is ProtectionLeg.TAKE_PROFIT:
            assert child.limit_price is not None
            fields["take_profit"] = {"limit_price": float(child.limit_price.value)}
        else:
            assert child.stop_price is not None
            stop: dict[str, Any] = {"stop_price": float(child.stop_price.value)}
            if child.order_type is OrderType.STOP_LIMIT and child.limit_price is not None:
                stop["limit_price"] = float(child.limit_price.value)
            fields["stop_loss"] = stop
    return fields


def leg_client_id(entry_client_id: str, leg: Mapping[str, Any]) -> str:
    """Return the client order id a leg is known by: ours (the child journaled for it) when its entry is ours."""
    if not OURS.fullmatch(entry_client_id):
        return str(leg.get("client_order_id"))
    kind = str(leg.get("type") or leg.get("order_type") or "")
    which = ProtectionLeg.TAKE_PROFIT if kind == "limit" else ProtectionLeg.STOP_LOSS
    return str(child_order_id(ClientOrderId(entry_client_id), which))


def flattened(orders: Sequence[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Yield each order, then its legs (if nested under it) under the client order ids they are ours by."""
    for raw in orders:
        yield raw
        for leg in raw.get("legs") or ():
            yield {**leg, "client_order_id": leg_client_id(str(raw.get("client_order_id")), leg)}


def entry_id_of(child_client_id: str) -> str | None:
    """Return the entry's client order id a bracket child's id derives from, or None if it is not one."""
    entry = "T" + child_client_id[1:]
    if not OURS.fullmatch(entry):
        return None
    letters = {ProtectionLeg.TAKE_PROFIT.letter(), ProtectionLeg.STOP_LOSS.letter()}
    return entry if child_client_id[:1] in letters else None


def translate_bracket_error(failure: ApiFailure) -> BrokerError | None:
    """Return the typed error of a refusal about the bracket's legs, with what to do; None for other refusals."""
    words = failure.message
    if "base_price" in words:
        side = "take-profit" if "take_profit" in words else "stop-loss"
        return OrderRejected(f"Alpaca: {words}. Alpaca measures the {side} from the entry's price (its limit or "
                             "stop, else the market): put the target at least a cent beyond it on the profit side "
                             "and the stop a cent beyond it on the loss side.")
    if "take_profit" in words or "stop_loss" in words or "order_class" in words:
        return OrderRejected(f"Alpaca: {words}.")
    return None
