"""OCO pairs and OTO entries through a real TradingSession and ib_async against the TWS simulator: an OCO's two
orders go to IB in one OCA group (ocaType 1) and IB cancels the other when one fills; an OTO's exit is the entry's
attached child at IB; our books follow IB's reports."""

from __future__ import annotations

from decimal import Decimal

from core.domain import OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import Oto, ProtectionLeg, child_order_id, oco_partner_id
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


async def test_an_oto_on_ib_is_the_entry_with_its_one_exit_attached_there(sim: TwsSimulator, desk: Desk) -> None:
    request = await desk.order(-5)  # a resting buy limit below the market
    assert request.limit_price is not None
    price = Decimal(str(request.limit_price))
    entry = await desk.session.submit_oto(request, Oto(price + 2))
    then = desk.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
    assert then is not None and then.status is OrderStatus.ACCEPTED
    parent, child = at_ib(sim, entry.client_order_id), at_ib(sim, then.client_order_id)
    assert (child.parent_id, child.order_type, child.action, child.limit_price) == (
        parent.order_id, "LMT", "SELL", price + 2)
    assert child.status == "PreSubmitted", "IB holds it until the entry fills"
    sim.fill_order(parent)
    await until(lambda: entry.status is OrderStatus.FILLED)
    assert child.status == "Submitted", "working at IB once the entry filled"
