"""IB good-till-date orders through the real session and ib_async against the TWS simulator: the order goes out
as tif GTD with its goodTillDate (UTC), ends when that time passes, and one without an end never leaves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.domain import OrderStatus, TimeInForce
from core.services.session import OrderRefused
from tests.adapters import ib_desk
from tests.adapters.ib_desk import Desk, at_ib, until
from tests.sims.tws.server import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True)
desk = ib_desk.desk_fixture()


async def test_a_gtd_order_reaches_tws_with_its_good_till_date(desk: Desk, sim: TwsSimulator) -> None:
    ends = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    request = await desk.order(-5)
    order = await desk.session.submit(replace(request, tif=TimeInForce.GTD, expire_at=ends))
    await until(lambda: order.status is OrderStatus.ACCEPTED)
    placed = at_ib(sim, order.client_order_id)
    assert placed.tif == "GTD" and sim.good_till[placed.coid] == ends


async def test_a_gtd_order_ends_at_its_time(desk: Desk, sim: TwsSimulator) -> None:
    request = await desk.order(-5)
    ends = datetime.now(UTC) + timedelta(seconds=2)
    order = await desk.session.submit(replace(request, tif=TimeInForce.GTD, expire_at=ends))
    await until(lambda: order.status is OrderStatus.ACCEPTED)
    await until(lambda: not order.is_working, timeout=15)
    assert order.status is OrderStatus.CANCELED and order.filled_qty == 0
    assert not at_ib(sim, order.client_order_id).is_working


async def test_the_session_refuses_a_gtd_order_without_an_end(desk: Desk, sim: TwsSimulator) -> None:
    request = await desk.order(-5)
    with pytest.raises(OrderRefused) as refused:
        await desk.session.submit(replace(request, tif=TimeInForce.GTD))
    assert [e.field for e in refused.value.errors] == ["expire_at"]
    assert sim.book.orders == {}

