"""OCO pairs through the session, risk, the real journal and the paper broker: two working orders journaled
together, and when the market fills one the other is cancelled (never both filled)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import oco_partner_id
from core.services.session import OrderRefused
from tests.unit.held_world import A1, HeldWorld, until


async def test_an_oco_exit_fills_one_side_and_the_other_is_cancelled(world: HeldWorld) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))
    bid = world.paper_bid()
    target = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price=str(bid + Decimal("0.08")))
    stop = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.STOP, stop_price=str(bid - Decimal("0.08")))
    first, second = await world.session.submit_oco(target, stop)
    assert oco_partner_id(first.client_order_id) == second.client_order_id
    assert first.status is second.status is OrderStatus.ACCEPTED
    journaled = {o.client_order_id: o.status for o in world.journal.load().orders}
    assert {first.client_order_id, second.client_order_id} <= set(journaled)
    for _ in range(3000):  # the paper market's own walk, until it reaches one side
        world.broker._tick()
        await asyncio.sleep(0)  # the tick's reports go out at the end of its turn of the loop
        assert world.position() >= 0, "never both filled"
        if first.filled_qty or second.filled_qty:
            break
    else:
        raise AssertionError("the market reached neither side")
    filled, other = (first, second) if first.filled_qty else (second, first)
    await until(lambda: other.status is OrderStatus.CANCELED and filled.status is OrderStatus.FILLED)
    found = await world.broker.lookup_order(other)
    assert found is not None and found.state.status is OrderStatus.CANCELED, "cancelled at the broker too"
    for _ in range(50):
        world.broker._tick()
        await asyncio.sleep(0)
    assert world.position() == 0
    assert any("one cancels the other" in m.text for m in world.logs)


async def test_an_oco_leg_that_cannot_go_refuses_both_and_journals_neither(world: HeldWorld) -> None:
    good = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price="500")
    bad = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.STOP, stop_price="180.005")
    with pytest.raises(OrderRefused, match=r"ticks in 0\.01"):
        await world.session.submit_oco(good, bad)
    other = OrderRequest(AccountId("PAPER-2"), "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price="500")
    with pytest.raises(OrderRefused, match="one account"):
        await world.session.submit_oco(good, other)
    assert world.journal.load().orders == ()


async def test_a_second_leg_whose_partner_filled_at_once_is_not_sent(world: HeldWorld) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))
    now = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.MARKET)
    later = OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price=str(world.paper_bid() + 5))
    first, second = await world.session.submit_oco(now, later)
    assert first.status is OrderStatus.FILLED
    assert second.status is OrderStatus.CANCELED and "filled at once" in second.reason
    assert await world.broker.lookup_order(second) is None, "the broker never saw it"
    assert world.position() == 0


async def test_a_fill_whose_cancel_could_not_go_out_is_followed_by_the_cancel_after_the_reconnect(
    world: HeldWorld,
) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))
    bid = world.paper_bid()
    first, second = await world.session.submit_oco(
        OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, limit_price=str(bid + Decimal("0.08"))),
        OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.STOP, stop_price=str(bid - Decimal("0.08"))))
    await world.session.disconnect(A1)
    for _ in range(3000):  # the broker fills one side while the link is down: the cancel cannot go
        world.broker._tick()
        await asyncio.sleep(0)
        if first.filled_qty or second.filled_qty:
            break
    else:
        raise AssertionError("the market reached neither side")
    filled, other = (first, second) if first.filled_qty else (second, first)
    await until(lambda: other.status is OrderStatus.ACCEPTED and "not connected" in other.reason)
    await world.session.connect(A1)
    await until(lambda: other.status is OrderStatus.CANCELED)
    found = await world.broker.lookup_order(other)
    assert found is not None and found.state.status is OrderStatus.CANCELED
    assert filled.status is OrderStatus.FILLED
