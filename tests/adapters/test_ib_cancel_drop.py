"""A cancel caught by a dropped connection: TradeTerm asks IB again after the reconnect, and the order ends canceled."""

from __future__ import annotations

import pytest

from core.domain import LogMessage, OrderStatus, TradingState
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk, until
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture()
desk = ib_desk.desk_fixture()


@pytest.mark.parametrize("fault", ["drop_before_cancel", "drop_after_cancel"])
async def test_a_cancel_cut_off_by_a_drop_still_cancels_the_order_once(
    desk: Desk, sim: TwsSimulator, fault: str
) -> None:
    order = await desk.session.submit(await desk.order(-50))
    assert order.status is OrderStatus.ACCEPTED
    at_ib = sim.book.find_by_ref(str(order.client_order_id))
    assert at_ib is not None
    setattr(sim.faults, fault, True)
    await desk.session.cancel(order.client_order_id)
    await until(lambda: sim.faults.drops[fault] == 1)
    await until(lambda: order.status is OrderStatus.CANCELED and desk.trading() is TradingState.ACTIVE)
    assert at_ib.status == "Cancelled", "IB canceled it: the trader's cancel was not lost with the connection"
    assert not order.needs_reconciliation
    asked_again = [e for e in desk.events.of_type(LogMessage) if "asked IB again" in e.text]
    assert len(asked_again) == (1 if fault == "drop_before_cancel" else 0)
    assert len([o for o in sim.book.every_order() if o.order_ref == str(order.client_order_id)]) == 1
