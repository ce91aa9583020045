"""Closing a position at Alpaca and finding an order whose answer was lost (the lookups beside adapter.py).

AlpacaBroker.submit, its close of a position and its lookup of a close delegate here, to keep adapter.py to its one
concept. Every lost answer is settled by reading Alpaca's orders, never by sending again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.requests import ClosePositionRequest, GetOrdersRequest

from core.adapters.alpaca.bracket_send import find_leg
from core.adapters.alpaca.brackets import entry_id_of, flattened
from core.adapters.alpaca.closing import closes_at_market, held_problem, since, the_close
from core.adapters.alpaca.parsing import translate_error
from core.adapters.alpaca.rest import Lost, Refused
from core.adapters.alpaca.tracker import Tracked
from core.domain import Order, OrderCanceled
from core.ports.broker import NEVER_REACHED
from core.ports.errors import BrokerError, ConnectionLost, OrderNotFound, OrderRejected, Timeout

if TYPE_CHECKING:
    from core.adapters.alpaca.adapter import AlpacaBroker

ORDER_PAGE = 500
"""Alpaca's largest page of orders."""


async def close_position(broker: AlpacaBroker, client: Any, order: Order, tracked: Tracked) -> None:
    """Close (part of) the position with Alpaca's own close (closing.py); a lost answer is settled by finding
    the close among the symbol's new orders, never by closing again."""
    book = broker._book
    try:
        held = await broker._call(client.get_open_position, order.symbol)
    except Refused as refused:
        if refused.failure.status != 404:
            book.forget(tracked)
            raise translate_error(refused.failure, order.symbol) from None
        held = {}
    except Lost as lost:
        book.forget(tracked)
        raise ConnectionLost(f"Could not reach Alpaca ({lost.detail}); the close was not sent.") from None
    problem = held_problem(held, order)
    if problem is not None:
        book.forget(tracked)
        raise OrderRejected(problem)
    started = datetime.now(UTC)
    quantity = format(order.quantity.value.normalize(), "f")
    try:
        raw = await broker._call(client.close_position, order.symbol, ClosePositionRequest(qty=quantity),
                                 timeout_s=broker.config.order_timeout_s)
    except Refused as refused:
        book.forget(tracked)
        raise translate_error(refused.failure, order.symbol) from None
    except Lost as lost:
        raw = await find_close(broker, order, started, lost.detail)
    book.accept(tracked, raw)


async def find_close(broker: AlpacaBroker, order: Order, started: datetime, detail: str) -> Mapping[str, Any]:
    """Return the one close of order's symbol made since `started` that is not already ours; else Timeout."""
    request = GetOrdersRequest(status=QueryOrderStatus.ALL, after=since(started), symbols=[order.symbol],
                               limit=ORDER_PAGE)
    try:
        listed = await broker._rest(broker._trading.get_orders, request)
    except BrokerError:
        listed = []
    found, count = the_close(listed, order, broker._book.by_broker_id, broker._book.tracked)
    if found is None:
        raise Timeout(f"Alpaca did not confirm closing {order.symbol} ({detail}) and lists "
                      f"{'no' if not count else 'more than one'} such order yet: TradeTerm checks it with Alpaca "
                      "and will not close again.")
    return found


async def find_foreign(broker: AlpacaBroker, order: Order) -> Mapping[str, Any] | None:
    """Find one of our closes, which Alpaca knows by its own client_order_id: by the Alpaca id we were given,
    else by find_close since the order was made."""
    if not closes_at_market(order):
        return None
    if order.broker_order_id is not None:
        try:
            return await broker._rest(broker._trading.get_order_by_id, str(order.broker_order_id))
        except OrderNotFound:
            return None
    try:
        return await find_close(broker, order, order.created_at, "looked up")
    except Timeout:
        return None


async def find_after_lost_answer(broker: AlpacaBroker, order: Order, detail: str) -> Mapping[str, Any]:
    """Return the order Alpaca lists under our client order id; Timeout (never a resend) if it lists none yet."""
    try:
        found = await broker._get_by_client_id(str(order.client_order_id))
    except BrokerError:
        found = None
    if found is None:
        raise Timeout(f"Alpaca did not confirm the {order.symbol} order ({detail}) and does not list it yet: it "
                      "may still arrive. TradeTerm checks it with Alpaca and will not send it again.")
    return found


async def find_to_cancel(broker: AlpacaBroker, order: Order) -> Tracked | None:
    """Find an order whose send went unanswered (no Alpaca id yet) by our client_order_id, so it can be canceled by
    its Alpaca id; return it tracked (its state applied: an order that has ended is published so, not canceled).

    Alpaca answering 404 (GET /v2/orders:by_client_order_id) proves it never arrived: the order is closed as never
    reached (OrderCanceled, the order resolver's words, which the session looks up again later) and None is
    returned; it is never sent again. A look that gets no answer raises ConnectionLost: its state stays unknown.
    """
    coid = str(order.client_order_id)
    found = await broker._get_by_client_id(coid)
    entry = entry_id_of(coid)
    if found is None and entry is not None and await broker._get_by_client_id(entry) is not None:
        found = await find_leg(broker, coid)  # a bracket's leg is Alpaca's under its own id: found through its entry
        if found is None:
            raise ConnectionLost(f"Alpaca lists the {order.symbol} bracket but not this leg of it yet; cancel again.")
    if found is None:
        broker._book.tracked.pop(order.client_order_id, None)
        broker._sink(OrderCanceled(order.client_order_id, NEVER_REACHED))
        return None
    tracked = broker._book.adopt(found)
    await broker._catch_up(tracked)
    return tracked


async def beyond_the_day(broker: AlpacaBroker, listed: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Return Alpaca's states of our working orders that the poll's list (the last day's newest 500) lacks: an old
    GTC order, or an older one on a busy day. They are read from Alpaca's open orders of any age, and those no
    longer open (ended since) one by one by their Alpaca id; nothing is asked while every one is listed."""
    ids = {str(o["id"]) for o in listed}
    missing = {t.broker_order_id for t in broker._book.tracked.values()
               if t.accepted and not t.ended and t.broker_order_id is not None and t.broker_order_id not in ids}
    if not missing:
        return []
    request = GetOrdersRequest(status=QueryOrderStatus.OPEN, limit=ORDER_PAGE, nested=True)
    found = [o for o in flattened(await broker._rest(broker._trading.get_orders, request)) if str(o["id"]) in missing]
    for order_id in sorted(missing - {str(o["id"]) for o in found}):
        try:
            found.append(await broker._rest(broker._trading.get_order_by_id, order_id))
        except OrderNotFound:
            continue  # not Alpaca's to tell any more: the next reconciliation settles it
    return found
