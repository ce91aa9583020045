"""Moving a bracket's child that OANDA still holds on its pending entry (the stop dragged before the entry fills).

Before the fill the child is no order at OANDA, only the entry's stopLossOnFill / takeProfitOnFill, so its move is a
replace of the entry (PUT /orders/@entry): OANDA cancels the entry (ORDER_CANCEL, CLIENT_REQUEST_REPLACED) and creates
it again with a new id (replacesOrderID), with the entry's own fields as OANDA lists them and the detail at its new
price. Our ids ride along: the entry's in its clientExtensions, each child's in its detail's, so the orders OANDA makes
at the fill are still booked as our children. The child's OrderModified comes from the replacement's create
transaction (OnFillChildren.note), from the answer or the stream, whichever comes first.

- OANDA refuses the replace (400, e.g. STOP_LOSS_ON_FILL_LOSS): the entry is untouched; the child keeps its price and
  the trader reads OANDA's words.
- The entry filled before the replace reached it (404, or no longer PENDING when read): the transactions are read back,
  and the child, now OANDA's order on the trade, is what is moved (one replace of that order: never a second stop).
- The answer is lost: Timeout, never a second PUT; the session then looks the child up (lookup_order: the entry by its
  client id, and the detail it holds, or the child's own order once the entry filled).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any

from core.adapters.oanda.brackets import DETAIL_KEYS, ENTRY_KEYS, OnFillChildren
from core.adapters.oanda.client import OandaClient
from core.domain import ClientOrderId, Order, OrderModifyRejected
from core.ports.broker import EventSink
from core.ports.errors import BrokerError, ConnectionLost, Timeout

GONE = frozenset({"ORDER_DOESNT_EXIST", "NO_SUCH_ORDER"})
"""OANDA's codes for an entry that is no longer pending (it filled, or ended) when the replace reaches it."""


def moved_entry_body(wire: Mapping[str, Any], child: ClientOrderId, price: Decimal) -> dict[str, Any] | None:
    """The replacement of a pending entry (as OANDA lists it) with child's detail at price; None if it holds no
    detail of child."""
    body = {k: wire[k] for k in ENTRY_KEYS if k in wire}
    for key in DETAIL_KEYS:
        detail = body.get(key)
        if isinstance(detail, Mapping) and str((detail.get("clientExtensions") or {}).get("id")) == str(child):
            body[key] = {k: v for k, v in detail.items() if k != "distance"} | {"price": _plain(price)}
            return body
    return None


async def move_waiting_child(client: OandaClient, on_fill: OnFillChildren, sink: EventSink, child: Order,
                             price: Decimal, *, handle: Callable[[Mapping[str, Any]], None],
                             catch_up: Callable[[], Awaitable[None]],
                             on_trade: Callable[[], Awaitable[None]], timeout: float) -> None:
    """Move child (held on its pending entry) to price by replacing the entry; see the module docstring.

    handle: the adapter's handling of one transaction; catch_up: its read-back of the transactions; on_trade: the
    move of the child as OANDA's own order on the trade (once the entry has filled). Raises Timeout when the
    answer is lost.
    """
    coid = child.client_order_id
    word = "take-profit" if child.limit_price is not None else "stop-loss"
    old = child.limit_price or child.stop_price
    entry = on_fill.waiting_entry(coid)
    wire: Mapping[str, Any] = {}
    if entry is not None:
        try:
            status, found = await client.request("GET", f"/orders/@{entry}")
        except BrokerError as exc:  # nothing sent yet: the child is as it was
            sink(OrderModifyRejected(coid, f"OANDA's entry could not be read to move the {word} ({exc}); it stays "
                                           f"at {old}. Try again."))
            return
        wire = (found.get("order") or {}) if status == 200 else {}
    body = moved_entry_body(wire, coid, price) if wire.get("state") == "PENDING" else None
    if body is not None:
        try:
            status, payload = await client.request("PUT", f"/orders/@{entry}", {"order": body}, timeout=timeout)
        except (Timeout, ConnectionLost) as exc:  # it may have been done: looked up, never sent again
            raise Timeout(f"OANDA did not answer the move of the {word} ({exc}); whether its entry was replaced is "
                          "checked with OANDA by the entry's id.") from None
        if status == 201:
            answers = [payload.get(k) for k in ("replacingOrderCancelTransaction", "orderCancelTransaction",
                                                 "orderCreateTransaction", "orderFillTransaction")]
            for tx in sorted((a for a in answers if a), key=lambda t: int(t["id"])):
                handle(tx)
            return
        reject = payload.get("orderRejectTransaction") or payload.get("orderCancelRejectTransaction") or {}
        if reject.get("id"):
            handle(reject)  # the stream carries it too: seen once, and it is this refusal (told below)
        if payload.get("errorCode") not in GONE:
            why = payload.get("errorMessage") or status
            code = reject.get("rejectReason") or payload.get("errorCode")
            sink(OrderModifyRejected(coid, f"OANDA did not move the {word} to {_plain(price)}: {why}"
                                           f"{f' ({code})' if code else ''}. It stays at {old} on the entry."))
            return
    await catch_up()  # the entry is no longer pending: what became of it, and of the child
    if coid in on_fill.on_trade:
        await on_trade()  # it filled: the child is OANDA's order on the trade now, and that order is moved
        return
    sink(OrderModifyRejected(coid, f"OANDA did not move the {word}: its entry is no longer pending at OANDA "
                                   f"(filled or ended); the {word} stays at {old}."))


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
