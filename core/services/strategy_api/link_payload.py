"""Parse a strategy's linked orders: an OCO pair (POST /v1/orders/oco) and an OTO (POST /v1/orders/oto).

Each order in a link is an ordinary order body (payload.py) without the request's own fields (signal time,
idempotency key, strategy, remark), which the link carries once. Any problem is a 400 naming the field by its
path in the body (`legs[1].account`, `child.price`) and saying what to send instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from core.domain import Side
from core.domain.protection import Oto
from core.services.strategy_api.errors import ApiError, bad_field
from core.services.strategy_api.payload import _KEY, _NAME, OrderBody, _decimal, _text, _time, parse_order

LINK_FIELDS = frozenset({"strategy", "signal_time", "idempotency_key", "remark", "signal_price"})
OCO_FIELDS = LINK_FIELDS | {"legs"}
OTO_FIELDS = LINK_FIELDS | {"parent", "child"}
CHILD_FIELDS = frozenset({"order_type", "price", "account", "symbol", "side", "quantity"})
_NOT_IN_A_LEG = ("signal_time", "idempotency_key", "strategy", "remark", "signal_price", "stop_loss", "take_profit")
CHILD_TYPES = {"LMT": False, "STP": True}
"""An OTO child's order_type -> whether it is a stop."""


@dataclass(frozen=True, slots=True)
class LinkHead:
    """What a link says once for its orders: the strategy (if named), signal time, key, notes."""

    strategy: str | None
    signal_time: datetime
    idempotency_key: str
    remark: str
    signal_price: Decimal | None


@dataclass(frozen=True, slots=True)
class OcoBody:
    head: LinkHead
    legs: tuple[OrderBody, OrderBody]

    def fingerprint(self) -> str:
        return _hash("OCO", self.head, [leg.fingerprint() for leg in self.legs])


@dataclass(frozen=True, slots=True)
class OtoBody:
    head: LinkHead
    parent: OrderBody
    child: Oto

    def fingerprint(self) -> str:
        return _hash("OTO", self.head, [self.parent.fingerprint(), format(self.child.price.normalize(), "f"),
                                        "STP" if self.child.stop else "LMT"])


def _hash(kind: str, head: LinkHead, parts: list[str]) -> str:
    shown = {"kind": kind, "signal_time": head.signal_time.isoformat(), "remark": head.remark, "parts": parts,
             "strategy": head.strategy,
             "signal_price": None if head.signal_price is None else format(head.signal_price.normalize(), "f")}
    return hashlib.sha256(json.dumps(shown, sort_keys=True).encode()).hexdigest()


def _only(body: dict[str, Any], allowed: frozenset[str], where: str = "") -> None:
    for name in body:
        if name not in allowed:
            shown = name[:40] if isinstance(name, str) and name.isprintable() else repr(name[:40])
            raise bad_field(f"{where}{shown}",
                            f"Unknown field {where}{shown!r}; allowed: {', '.join(sorted(allowed))}.")


def _head(body: dict[str, Any]) -> LinkHead:
    strategy = _text(body, "strategy", _NAME, "a strategy name: letters, digits, _ . : - (at most 64)", required=False)
    signal_time = _time(body, "signal_time", required=True)
    key = _text(body, "idempotency_key", _KEY, "1 to 128 printable ASCII characters without spaces")
    remark = body.get("remark", "")
    if not isinstance(remark, str) or len(remark) > 256 or not remark.isprintable():
        raise bad_field("remark", "remark must be printable text of at most 256 characters.")
    assert signal_time is not None and key is not None
    return LinkHead(strategy, signal_time, key, remark, _decimal(body, "signal_price"))


def _order_at(raw: object, where: str, what: str) -> OrderBody:
    """Parse one order of a link; its problems name the field under `where` (e.g. legs[0].limit_price)."""
    if not isinstance(raw, dict):
        raise bad_field(where.rstrip("."), f"{where.rstrip('.')} must be a JSON object of order fields ({what}).")
    for name in _NOT_IN_A_LEG:
        if name in raw:
            raise bad_field(f"{where}{name}", f"{name} goes once at the top of the body, not in {where.rstrip('.')}"
                            if name not in ("stop_loss", "take_profit") else
                            f"An order of a link takes no {name}: send a bracket as one order to POST /v1/orders.")
    try:
        return parse_order(raw, for_queue=False)
    except ApiError as exc:
        raise within(where, exc) from None


def within(where: str, exc: ApiError) -> ApiError:
    """Return exc as said of the order at where ("legs[1].", "parent."): its message and field name that order."""
    return ApiError(exc.status, exc.code, f"{where.rstrip('.')}: {exc.message}",
                    None if exc.field is None else f"{where}{exc.field}")


def parse_oco(body: dict[str, Any]) -> OcoBody:
    """Return an OCO pair: two orders on one account and one symbol, either of which cancels the other."""
    _only(body, OCO_FIELDS)
    legs = body.get("legs")
    if not isinstance(legs, list) or len(legs) != 2:
        count = f"you sent {len(legs)}" if isinstance(legs, list) else "legs is missing" if legs is None else \
            "legs is not a list"
        raise bad_field("legs", f"An OCO needs exactly two orders in legs ({count}): "
                                "\"legs\": [{...first order...}, {...second order...}].")
    head = _head(body)
    first, second = (_order_at(raw, f"legs[{i}].", "the OCO's orders") for i, raw in enumerate(legs))
    if first.account != second.account:
        raise bad_field("legs[1].account", f"Both orders of an OCO go to one account (legs[0] is on "
                                           f"{first.account}): the broker that fills one must be the one that "
                                           "cancels the other.")
    if first.symbol != second.symbol:
        raise bad_field("legs[1].symbol", f"Both orders of an OCO are for one symbol (legs[0] is {first.symbol}): "
                                          "for orders in two symbols, send two orders to POST /v1/orders.")
    return OcoBody(head, (first, second))


def parse_oto(body: dict[str, Any]) -> OtoBody:
    """Return an OTO: a parent order and the child (a limit or a stop) it sends once it has filled."""
    _only(body, OTO_FIELDS)
    if body.get("parent") is None:
        raise bad_field("parent", "An OTO needs its parent: the order that, once filled, sends the child "
                                  "(\"parent\": {...order fields...}). For one order alone, use POST /v1/orders.")
    if body.get("child") is None:
        raise bad_field("child", "An OTO needs its child: \"child\": {\"order_type\": \"LMT\" or \"STP\", "
                                 "\"price\": \"...\"}. For one order alone, use POST /v1/orders.")
    head = _head(body)
    parent = _order_at(body["parent"], "parent.", "the order that fills first")
    return OtoBody(head, parent, _child(body["child"], parent))


def _child(raw: object, parent: OrderBody) -> Oto:
    """Return the child: order_type LMT or STP at price; it closes what the parent filled, on its account and
    symbol (fields naming another are refused, not ignored)."""
    if not isinstance(raw, dict):
        raise bad_field("child", "child must be a JSON object: {\"order_type\": \"LMT\" or \"STP\", \"price\": ...}.")
    _only(raw, CHILD_FIELDS, "child.")
    kind = raw.get("order_type")
    if not isinstance(kind, str) or kind not in CHILD_TYPES:
        raise bad_field("child.order_type", "child.order_type must be LMT (a limit, e.g. a target) or STP (a stop).")
    try:
        price = _decimal(raw, "price", required=True)
    except ApiError as exc:
        raise bad_field("child.price", f"child.{exc.message}") from None
    assert price is not None
    for name, own in (("account", parent.account), ("symbol", parent.symbol)):
        value = raw.get(name)
        if value is not None and value != own:
            raise bad_field(f"child.{name}", f"An OTO's child goes on its parent's {name} ({own}), not {value!r}: "
                                             f"leave child.{name} out.")
    exit_side = Side.SELL if parent.side is Side.BUY else Side.BUY
    side = raw.get("side")
    if side is not None and side != exit_side.value:
        raise bad_field("child.side", f"An OTO's child closes what its {parent.side.value} parent filled: it is a "
                                      f"{exit_side.value}; leave child.side out.")
    quantity = raw.get("quantity")
    if quantity is not None:
        try:
            asked = _decimal(raw, "quantity")
        except ApiError:
            asked = None
        if asked != parent.quantity:
            raise bad_field("child.quantity", f"An OTO's child is sized to what its parent filled (up to "
                                              f"{parent.quantity.normalize():f}); leave child.quantity out.")
    return Oto(price, stop=CHILD_TYPES[kind])
