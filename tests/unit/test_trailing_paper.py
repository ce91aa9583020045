"""Trailing stops through the session, risk, the real journal and the paper broker's matching engine: the stop
follows the market up (a sell trail), never comes down, and goes out at market when the market touches it."""

from __future__ import annotations

import asyncio
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import Order, OrderRequest, OrderStatus, OrderType, Side
from core.domain.trailing import Trail, TrailUnit
from core.services.session import OrderRefused
from tests.unit.held_world import A1, HeldWorld, close_world, open_world, until

TICK = Decimal("0.01")


async def long_ten(world: HeldWorld) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))
    assert world.position() == 10


async def broker_stop(world: HeldWorld, order: Order) -> Decimal | None:
    found = await world.broker.lookup_order(order)
    assert found is not None
    return found.state.stop_price


async def test_a_sell_trail_follows_the_bid_up_never_down_and_sells_at_market_when_touched(
    world: HeldWorld,
) -> None:
    await long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                    trail_amount="0.25"))
    assert trail.status is OrderStatus.ACCEPTED and trail.trail == Trail(Decimal("0.25"))
    expected = world.paper_bid() - Decimal("0.25")
    assert await broker_stop(world, trail) == expected
    rises = holds = 0
    for _ in range(3000):  # the paper market's own seeded walk
        world.broker._tick()
        bid = world.paper_bid()
        if bid <= expected:  # touched: out at market
            await until(lambda: trail.status is OrderStatus.FILLED)
            assert trail.avg_fill_price == bid and world.position() == 0
            break
        moved = max(expected, bid - Decimal("0.25"))
        assert await broker_stop(world, trail) == moved, "the stop follows the bid up and never comes down"
        rises += moved > expected
        holds += bid - Decimal("0.25") < expected  # the bid fell back: a stop placed now would be lower
        expected = moved
        assert trail.status is OrderStatus.ACCEPTED
    else:
        raise AssertionError("the market never came back to the trailing stop")
    assert rises >= 3 and holds >= 3, "the market went up and down while the trail worked"
    (journaled,) = [o for o in world.journal.load().orders if o.client_order_id == trail.client_order_id]
    assert journaled.order_type is OrderType.TRAIL and journaled.trail == Trail(Decimal("0.25"))
    assert journaled.status is OrderStatus.FILLED


async def test_a_percent_trail_keeps_its_distance_floored_to_the_tick(world: HeldWorld) -> None:
    await long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", "Trail", trail_percent="0.05"))
    assert trail.trail == Trail(Decimal("0.05"), TrailUnit.PERCENT)
    bid = world.paper_bid()
    assert await broker_stop(world, trail) == ((bid * Decimal("0.9995")) / TICK).to_integral_value(ROUND_FLOOR) * TICK


@pytest.mark.parametrize(("fields", "says"), [
    ({}, "either as an amount of price or as a percent"),
    ({"trail_amount": "1", "trail_percent": "2"}, "either as an amount of price or as a percent"),
    ({"trail_amount": "0.015"}, "ticks in 0.01"),
    ({"trail_percent": "100"}, "below 100"),
    ({"trail_amount": "-1"}, "greater than zero"),
])
async def test_a_bad_trail_is_refused_and_nothing_is_journaled(
    world: HeldWorld, fields: dict[str, str], says: str
) -> None:
    with pytest.raises(OrderRefused, match=says):
        await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL, **fields))
    assert world.journal.load().orders == ()


async def test_a_trail_on_a_limit_order_is_refused(world: HeldWorld) -> None:
    with pytest.raises(OrderRefused, match="Only a trailing stop"):
        await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.LIMIT, "100",
                                                trail_amount="1"))


async def test_a_trailing_stop_is_not_changed_in_place(world: HeldWorld) -> None:
    await long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                    trail_amount="5"))
    with pytest.raises(OrderRefused, match="cancel it and send a new one"):
        await world.session.modify(trail.client_order_id, "5")
    await world.session.cancel(trail.client_order_id)
    await until(lambda: trail.status is OrderStatus.CANCELED)


async def test_the_stop_a_trail_reached_is_on_the_paper_brokers_disk_at_once(tmp_path: Path) -> None:
    world = await open_world(tmp_path)
    try:
        await long_ten(world)
        trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                        trail_amount="1"))
        first = await broker_stop(world, trail)
        assert first is not None
        for _ in range(3000):
            world.broker._tick()
            reached = await broker_stop(world, trail)
            assert reached is not None
            if reached > first:
                break
        else:
            raise AssertionError("the market never rose")
        await asyncio.sleep(0)  # the end of the tick's turn of the loop: the paper broker syncs its books
        # what a paper broker started now would read (TradeTerm killed here, without a goodbye)
        config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / f"{A1}.json"))
        reader = PaperBroker(A1, config, lambda _event: None)
        await reader.connect()
        try:
            found = await reader.lookup_order(trail)
            assert found is not None and found.state.stop_price == reached, "kept where the trail left it"
        finally:
            await reader.disconnect()
    finally:
        await close_world(world)


async def test_a_trailing_stop_limit_keeps_its_limit_under_its_stop_and_sells_no_lower(world: HeldWorld) -> None:
    await long_ten(world)
    order = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL_LIMIT,
                                                    trail_amount="0.25", trail_limit_offset="0.05"))
    assert order.status is OrderStatus.ACCEPTED
    assert order.trail == Trail(Decimal("0.25"), limit_offset=Decimal("0.05"))
    for _ in range(3000):  # the paper market's own seeded walk
        found = await world.broker.lookup_order(order)
        assert found is not None and found.state.stop_price is not None
        if found.state.status is OrderStatus.FILLED:
            break
        assert found.state.limit_price == found.state.stop_price - Decimal("0.05"), "the limit follows the stop"
        limit = found.state.limit_price
        world.broker._tick()
        await asyncio.sleep(0)
    else:
        raise AssertionError("the market never came back to the trailing stop")
    await until(lambda: order.status is OrderStatus.FILLED)
    assert order.avg_fill_price is not None and order.avg_fill_price >= limit, "never below its limit"
    assert world.position() == 0
    (journaled,) = [o for o in world.journal.load().orders if o.client_order_id == order.client_order_id]
    assert journaled.order_type is OrderType.TRAIL_LIMIT and journaled.trail == order.trail


@pytest.mark.parametrize(("fields", "says"), [
    ({"trail_amount": "0.25"}, "needs its limit offset"),
    ({"trail_amount": "0.25", "trail_limit_offset": "-0.05"}, "without a sign"),
    ({"trail_amount": "0.25", "trail_limit_offset": "0.005"}, "try a limit offset of"),
])
async def test_a_bad_limit_offset_is_refused_and_nothing_is_journaled(
    world: HeldWorld, fields: dict[str, str], says: str
) -> None:
    with pytest.raises(OrderRefused, match=says):
        await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL_LIMIT, **fields))
    with pytest.raises(OrderRefused, match="Only a trailing stop-limit"):
        await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL, trail_amount="1",
                                                trail_limit_offset="0.05"))
    assert world.journal.load().orders == ()
