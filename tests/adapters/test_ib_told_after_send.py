"""The order path writes an IB order to TWS's socket before it tells anyone about it (issue 27, click to wire):
the window, the strategies' streams and the notifications learn of a new order once ib_async has written its
placeOrder, and still before IB's answer; the window shows it as before."""

from __future__ import annotations

from core.domain import OrderStatus, OrderUpdated
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


async def test_a_new_order_is_told_once_its_bytes_are_written_to_tws_and_before_ibs_answer(
        desk: Desk, sim: TwsSimulator) -> None:
    request = await desk.order(-50)
    ib = desk.adapter._ib  # what ib_async has handed to the socket when the first OrderUpdated comes
    first: list[tuple[OrderStatus, bool]] = []

    def on_update(event: OrderUpdated) -> None:
        if not first:
            sent = any(t.order.orderRef == str(event.order.client_order_id) for t in ib.trades())
            first.append((event.order.status, sent))

    desk.bus.subscribe(OrderUpdated, on_update)
    order = await desk.session.submit(request)
    assert order.status is OrderStatus.ACCEPTED, order.reason
    assert first == [(OrderStatus.SUBMITTED, True)], "told as SUBMITTED, after its placeOrder was written"
    assert len(sim.book.orders) == 1
