"""Sending a native bracket to Alpaca and finding its legs again (the I/O beside brackets.py).

AlpacaBroker.submit_bracket and its lookup of a leg delegate here, to keep adapter.py to its one concept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from alpaca.trading.requests import GetOrderByIdRequest, StopLossRequest, TakeProfitRequest

from core.adapters.alpaca.brackets import (
    bracket_fields,
    bracket_refusal,
    entry_id_of,
    flattened,
    translate_bracket_error,
)
from core.adapters.alpaca.parsing import order_fields, translate_error
from core.adapters.alpaca.rest import Lost, Refused
from core.adapters.alpaca.tracker import Tracked
from core.domain import Order
from core.ports.errors import BrokerError, OrderNotFound, OrderRejected, Timeout

if TYPE_CHECKING:
    from core.adapters.alpaca.adapter import AlpacaBroker


async def send_bracket(broker: AlpacaBroker, entry: Order, children: Sequence[Order]) -> list[BaseException | None]:
    """Place entry with its children as one Alpaca bracket (or OTO), once; return each leg's outcome.

    A refusal refuses every leg (Alpaca books all or none). A lost answer is settled by the entry's client order
    id and the legs listed under it, never by sending again; not found, every leg is Timeout (checked later).
    """
    client = broker._require_connected("send the bracket")
    legs = (entry, *children)
    refusal = bracket_refusal(entry, children)
    if refusal is not None:
        return [OrderRejected(refusal)] * len(legs)
    from core.adapters.alpaca.adapter import REQUESTS

    fields = order_fields(entry.symbol, entry.side, entry.quantity.value, entry.order_type, entry.tif,
                          entry.limit_price.value if entry.limit_price else None,
                          entry.stop_price.value if entry.stop_price else None, str(entry.client_order_id))
    extra = bracket_fields(children)
    if "take_profit" in extra:
        extra["take_profit"] = TakeProfitRequest(**extra["take_profit"])
    if "stop_loss" in extra:
        extra["stop_loss"] = StopLossRequest(**extra["stop_loss"])
    request = REQUESTS[entry.order_type](**fields, **extra)
    book = broker._book
    tracked = book.tracked.setdefault(entry.client_order_id, Tracked(entry.client_order_id))
    try:
        raw = await broker._call(client.submit_order, request, timeout_s=broker.config.order_timeout_s)
    except Lost as lost:
        found = await _find_entry(broker, str(entry.client_order_id))
        if found is None:
            return [Timeout(f"Alpaca did not confirm the {entry.symbol} bracket ({lost.detail}) and does not list it "
                            "yet: TradeTerm checks it with Alpaca and will not send it again.")] * len(legs)
        raw = found
    except Refused as refused:
        if refused.failure.duplicate_id:
            found = await _find_entry(broker, str(entry.client_order_id))
            if found is None:
                return [Timeout(f"Alpaca: {refused.failure.message}; TradeTerm checks the bracket with Alpaca.")] \
                    * len(legs)
            raw = found
        else:
            book.forget(tracked)
            error = translate_bracket_error(refused.failure) or translate_error(refused.failure, entry.symbol)
            return [error] * len(legs)
    if raw.get("status") == "rejected":
        book.forget(tracked)
        return [OrderRejected(f"Alpaca rejected the {entry.symbol} bracket.")] * len(legs)
    if not raw.get("legs"):
        raw = await _nested(broker, str(raw["id"])) or raw
    for one in flattened([raw]):
        book.accept(book.adopt(one), one)
    answered = {book.coid_of(str(one["id"])) for one in flattened([raw])}
    return [None if leg.client_order_id in answered else
            Timeout(f"Alpaca did not list the {entry.symbol} bracket's leg yet: TradeTerm checks it with Alpaca.")
            for leg in legs]


async def find_leg(broker: AlpacaBroker, child_client_id: str) -> Mapping[str, Any] | None:
    """Return the leg of one of our brackets that Alpaca knows under its own id (found by its entry), or None."""
    entry_id = entry_id_of(child_client_id)
    if entry_id is None:
        return None
    entry = await _find_entry(broker, entry_id)
    if entry is None:
        return None
    for one in flattened([entry]):
        if one["client_order_id"] == child_client_id:
            return one
    return None


async def _find_entry(broker: AlpacaBroker, client_id: str) -> Mapping[str, Any] | None:
    """Return the entry by our id with its legs nested, or None if Alpaca has none (or cannot be read)."""
    try:
        found = await broker._get_by_client_id(client_id)
    except BrokerError:
        return None
    if found is None:
        return None
    return await _nested(broker, str(found["id"])) or found


async def _nested(broker: AlpacaBroker, order_id: str) -> Mapping[str, Any] | None:
    try:
        return await broker._rest(broker._trading.get_order_by_id, order_id, GetOrderByIdRequest(nested=True))
    except (OrderNotFound, BrokerError):
        return None
