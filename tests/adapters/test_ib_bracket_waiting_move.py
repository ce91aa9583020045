"""Moving a native IB bracket's stop before its entry fills (the chart's drag on a resting bracket): the change goes
to IB (the child keeps waiting, attached), is checked against the entry's price, and is the stop IB works once the
entry fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.domain import OrderStatus, Quote
from core.services.refusals import OrderRefused
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk, at_ib, until
from tests.adapters.test_ib_brackets import bracket_buy
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


async def test_a_waiting_stop_moves_at_ib_and_is_the_stop_ib_works_after_the_fill(
        sim: TwsSimulator, desk: Desk) -> None:
    entry, stop, target = await bracket_buy(desk)
    assert stop.stop_price is not None and entry.limit_price is not None
    moved = stop.stop_price.value + Decimal("0.50")
    await desk.session.modify(stop.client_order_id, "10", None, moved)
    await until(lambda: stop.stop_price is not None and stop.stop_price.value == moved
                and stop.status is OrderStatus.ACCEPTED)
    ib_stop = at_ib(sim, stop.client_order_id)
    assert ib_stop.aux_price == moved and ib_stop.status == "PreSubmitted", "moved at IB, still waiting"
    assert ib_stop.parent_id == at_ib(sim, entry.client_order_id).order_id, "still attached to its entry"

    sim.fill_order(at_ib(sim, entry.client_order_id))
    await until(lambda: entry.status is OrderStatus.FILLED)
    assert at_ib(sim, stop.client_order_id).aux_price == moved, "IB works the moved stop once the entry filled"
    assert not any(stop.client_order_id == o.coid for children in sim.book.attached.waiting.values()
                   for o, _ in children), "no longer waiting for its parent"
    below = moved - Decimal("0.10")  # through the moved stop, above where it was
    sim.match_quote(Quote("AAPL", bid=below, ask=below + Decimal("0.01"), last=below))
    await until(lambda: stop.status is OrderStatus.FILLED and target.status is OrderStatus.CANCELED)


async def test_a_waiting_stop_moved_above_the_entry_is_refused_saying_where_it_may_go(
        sim: TwsSimulator, desk: Desk) -> None:
    entry, stop, _target = await bracket_buy(desk)
    assert entry.limit_price is not None and stop.stop_price is not None
    before = stop.stop_price.value
    wrong = entry.limit_price.value + Decimal("0.10")
    with pytest.raises(OrderRefused, match=rf"stop-loss {wrong} must be below the entry price "
                                           rf"{entry.limit_price.value}\. Move it there, or cancel the entry\."):
        await desk.session.modify(stop.client_order_id, "10", None, wrong)
    assert stop.stop_price.value == before and at_ib(sim, stop.client_order_id).aux_price == before, "nothing sent"
