"""OCO pairs through a real TradingSession and ib_async against the TWS simulator: the two orders go to IB in one
OCA group (ocaType 1), IB cancels the other when one fills, and our books follow IB's reports."""

from __future__ import annotations

from decimal import Decimal

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import oco_partner_id
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk, at_ib, until
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


async def test_an_oco_goes_to_ib_as_one_oca_group_and_a_fill_cancels_the_other_there(
    sim: TwsSimulator, desk: Desk
) -> None:
    request = await desk.order(-5, Side.SELL)  # a resting sell limit above the market
    assert request.limit_price is not None
    price = Decimal(str(request.limit_price))
    stop = OrderRequest(ACCOUNT, "AAPL", Side.SELL, "10", OrderType.STOP, stop_price=str(price - 1))
    first, second = await desk.session.submit_oco(request, stop)
    assert oco_partner_id(first.client_order_id) == second.client_order_id
    assert {str(o.client_order_id) for o in desk.journal.load().orders} == {str(first.client_order_id),
                                                                            str(second.client_order_id)}
    ib_first, ib_second = at_ib(sim, first.client_order_id), at_ib(sim, second.client_order_id)
    assert ib_first.oca_group and ib_first.oca_group == ib_second.oca_group and ib_first.oca_type == 1
    assert (ib_first.order_type, ib_second.order_type, ib_second.aux_price) == ("LMT", "STP", price - 1)
    assert first.status is OrderStatus.ACCEPTED and second.status is OrderStatus.ACCEPTED
    assert len(sim.book.every_order()) == 2, "each sent once"

    sim.fill_order(ib_first)
    await until(lambda: first.status is OrderStatus.FILLED and second.status is OrderStatus.CANCELED)
    assert ib_second.status == "Cancelled", "IB cancelled the other order of the group"
    assert not second.needs_reconciliation, "our books agree with IB"
    position = desk.session.portfolio.position(ACCOUNT, "AAPL")
    assert position is not None and position.quantity == -10, "only one of the two filled"
