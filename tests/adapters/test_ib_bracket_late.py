"""A native IB bracket whose entry IB answers late: that leg alone is UNKNOWN, resolved by orderRef, not resent."""

from __future__ import annotations

from decimal import Decimal

from core.domain import OrderStatus, TradingState
from core.domain.protection import BRACKET_LEGS, Bracket, child_order_id
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk, until
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture(order_timeout_s=0.3, request_timeout_s=0.5)


async def test_a_late_entry_leg_is_resolved_while_its_children_are_taken(desk: Desk, sim: TwsSimulator) -> None:
    request = await desk.order(-50)
    price = Decimal(str(request.limit_price))
    sim.faults.silent_next = True  # TWS books the parent but says nothing about it
    entry = await desk.session.submit_bracket(request, Bracket(price - 1, price + 1))
    children = [desk.session.oms.get(child_order_id(entry.client_order_id, leg)) for leg in BRACKET_LEGS]
    assert entry.status is OrderStatus.UNKNOWN, "IB did not answer for the entry in time"
    assert [c.status for c in children if c is not None] == [OrderStatus.ACCEPTED] * 2
    assert desk.trading() is TradingState.ACTIVE, "one late leg does not halt the account"
    await until(lambda: entry.status is OrderStatus.ACCEPTED)
    assert len(sim.book.every_order()) == 3, "the late leg was asked about, never resent"
