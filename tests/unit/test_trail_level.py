"""Where a working trailing stop stands: the paper broker reports each move of its ratchet, the order manager
applies it to the Order (what the window shows) and journals it at most once a second per order, always the
last level before the order fills or is canceled; a restart, and a kill -9, find the level in the journal."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from core.domain import (
    ClientOrderId,
    OrderCanceled,
    OrderFilled,
    OrderRequest,
    OrderStatus,
    OrderTrailMoved,
    OrderType,
    Price,
    Side,
)
from core.storage.journal import SqliteJournal
from tests.unit import trail_crash_child as child
from tests.unit.held_world import A1, HeldWorld, close_world, open_world, until

TRAIL = Decimal("0.25")


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def _long_ten(world: HeldWorld) -> None:
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.MARKET))


async def _broker_stop(world: HeldWorld, coid: object) -> Decimal | None:
    order = world.session.oms.get(coid)  # type: ignore[arg-type]
    assert order is not None
    found = await world.broker.lookup_order(order)
    assert found is not None
    return found.state.stop_price


def _trail_events(journal: SqliteJournal, coid: object) -> list[Decimal]:
    (order,) = [o for o in journal.load().orders if o.client_order_id == coid]
    return [e.stop_price.value for e in order.events if isinstance(e, OrderTrailMoved)]


async def test_the_order_learns_where_its_trailing_stop_stands_and_it_only_moves_up(world: HeldWorld) -> None:
    clock = FakeClock()
    world.session.oms.trail_moves.now = clock
    await _long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                    trail_amount=str(TRAIL)))
    await until(lambda: trail.trail_stop is not None)
    assert trail.trail_stop == Price(world.paper_bid() - TRAIL), "placed: the stop a trail below the bid"
    seen = [trail.trail_stop.value]
    for _ in range(400):
        clock.t += 1.0  # each move comes a second after the last: each is applied
        world.broker._tick()
        if not trail.is_working:
            break
        stop = await _broker_stop(world, trail.client_order_id)
        await until(lambda stop=stop: trail.trail_stop is not None and trail.trail_stop.value == stop)
        assert trail.trail_stop.value >= seen[-1], "a sell trail's stop never comes down"
        if trail.trail_stop.value != seen[-1]:
            seen.append(trail.trail_stop.value)
    assert len(seen) >= 3, "the market moved the stop up several times"
    assert _trail_events(world.journal, trail.client_order_id)[:len(seen)] == seen


async def test_moves_within_a_second_are_journaled_once_and_the_last_before_the_cancel(world: HeldWorld) -> None:
    clock = FakeClock()
    world.session.oms.trail_moves.now = clock
    await _long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                    trail_amount=str(TRAIL)))
    await until(lambda: trail.trail_stop is not None)
    first = trail.trail_stop.value
    coid = trail.client_order_id
    for step in (1, 2, 3):  # three moves within the same second of the first: they wait, only the newest kept
        world.bus.publish(OrderTrailMoved(coid, Price(first + step * Decimal("0.01"))))
    assert trail.trail_stop.value == first and world.session.oms.trail_moves.waiting == 1
    assert _trail_events(world.journal, coid) == [first]
    await world.session.cancel(coid)
    await until(lambda: trail.status is OrderStatus.CANCELED)
    assert trail.trail_stop.value == first + Decimal("0.03"), "the last level is applied before the cancel"
    assert _trail_events(world.journal, coid) == [first, first + Decimal("0.03")]
    (journaled,) = [o for o in world.journal.load().orders if o.client_order_id == coid]
    kinds = [type(e).__name__ for e in journaled.events]
    assert kinds.index("OrderTrailMoved", 1) < kinds.index("OrderPendingCancel") < kinds.index("OrderCanceled")
    world.bus.publish(OrderTrailMoved(coid, Price(first + 1)))
    assert trail.trail_stop.value == first + Decimal("0.03"), "a canceled order's stop no longer moves"
    assert isinstance(journaled.events[-1], OrderCanceled)


async def test_a_restart_finds_the_trailing_stop_where_it_stood(tmp_path: Path) -> None:
    world = await open_world(tmp_path)
    clock = FakeClock()
    world.session.oms.trail_moves.now = clock
    await _long_ten(world)
    trail = await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.TRAIL,
                                                    trail_amount=str(TRAIL)))
    await until(lambda: trail.trail_stop is not None)
    level = trail.trail_stop
    await close_world(world)
    again = await open_world(tmp_path)
    try:
        restored = again.session.oms.get(trail.client_order_id)
        assert restored is not None and restored.trail_stop == level
    finally:
        await close_world(again)


def test_the_last_level_before_a_fill_survives_a_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    done = subprocess.run([sys.executable, "-m", "tests.unit.trail_crash_child", str(path)], check=False,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, (done.returncode, done.stderr)
    journal = SqliteJournal(path)
    try:
        (order,) = [o for o in journal.load().orders if o.client_order_id == ClientOrderId(child.COID)]
    finally:
        journal.close()
    assert order.status is OrderStatus.FILLED
    assert order.trail_stop == Price(child.LEVELS[-1]), "the waiting level was written before the fill"
    kinds = [type(e).__name__ for e in order.events]
    assert kinds.count("OrderTrailMoved") == 2 and isinstance(order.events[-1], OrderFilled)
