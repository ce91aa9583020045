"""OTO (one-triggers-other) through the session, the held-protection machinery, the real journal and the paper
broker: the exit goes to the broker as a working order once the entry has filled, sized to what filled."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import Order, OrderOrigin, OrderRequest, OrderStatus, OrderType, Side
from core.domain.protection import HeldState, Oto, ProtectionLeg, child_order_id
from core.services.session import OrderRefused
from tests.unit.held_world import A1, HeldWorld, close_world, open_world


async def exit_order(world: HeldWorld, entry: Order, leg: ProtectionLeg) -> Order:
    coid = child_order_id(entry.client_order_id, leg)
    for _ in range(200):
        order = world.session.oms.get(coid)
        if order is not None and order.status is not OrderStatus.SUBMITTED:
            return order
        await asyncio.sleep(0.01)
    raise AssertionError("the OTO's order was not sent")


async def test_a_filled_entry_sends_its_exit_limit_to_the_broker_at_once(world: HeldWorld) -> None:
    _, ask = world.paper_quote()
    entry = await world.session.submit_oto(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, str(ask)),
                                           Oto(ask + 1))
    assert entry.status is OrderStatus.FILLED
    then = await exit_order(world, entry, ProtectionLeg.THEN_LIMIT)
    assert (then.origin, then.side, then.order_type, then.quantity.value) == (
        OrderOrigin.PROTECTIVE, Side.SELL, OrderType.LIMIT, Decimal(10))
    assert then.limit_price is not None and then.limit_price.value == ask + 1
    assert then.status is OrderStatus.ACCEPTED, "working at the broker, not held by TradeTerm"
    found = await world.broker.lookup_order(then)
    assert found is not None and found.state.status is OrderStatus.ACCEPTED and found.state.limit_price == ask + 1
    (row,) = world.journal.load_held()
    assert (row.leg, row.state) == (ProtectionLeg.THEN_LIMIT, HeldState.TRIGGERED)
    assert any("sent as its entry filled" in m.text for m in world.logs)


async def test_a_resting_entry_sends_its_exit_stop_only_once_it_fills(world: HeldWorld) -> None:
    bid, _ = world.paper_quote()
    entry = await world.session.submit_oto(
        OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, str(bid - Decimal("0.03"))),
        Oto(bid - 2, stop=True))
    assert entry.status is OrderStatus.ACCEPTED
    coid = child_order_id(entry.client_order_id, ProtectionLeg.THEN_STOP)
    for _ in range(3000):
        assert world.session.oms.get(coid) is None or entry.filled_qty > 0, "nothing sent before the entry fills"
        world.broker._tick()
        await asyncio.sleep(0)
        if entry.status is OrderStatus.FILLED:
            break
    else:
        raise AssertionError("the entry never filled")
    then = await exit_order(world, entry, ProtectionLeg.THEN_STOP)
    assert (then.side, then.order_type, then.status) == (Side.SELL, OrderType.STOP, OrderStatus.ACCEPTED)
    assert then.stop_price is not None and then.stop_price.value == bid - 2


async def test_an_exit_on_the_wrong_side_of_the_entry_is_refused_and_nothing_journaled(world: HeldWorld) -> None:
    _, ask = world.paper_quote()
    with pytest.raises(OrderRefused, match=r"OTO limit .* must be above the entry price"):
        await world.session.submit_oto(OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, str(ask)),
                                       Oto(ask - 1))
    assert world.journal.load().orders == ()


async def test_an_oto_journaled_before_a_restart_sends_its_exit_once_the_entry_fills_after_it(tmp_path: Path) -> None:
    first = await open_world(tmp_path)
    bid, _ = first.paper_quote()
    entry = await first.session.submit_oto(
        OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, str(bid - Decimal("0.03"))), Oto(bid + 3))
    await close_world(first)

    world = await open_world(tmp_path)
    try:
        restored = world.session.oms.get(entry.client_order_id)
        assert restored is not None and restored.is_working
        (row,) = world.session.protection.children(A1)
        assert (row.leg, row.state) == (ProtectionLeg.THEN_LIMIT, HeldState.PENDING)
        for _ in range(3000):
            world.broker._tick()
            await asyncio.sleep(0)
            if restored.status is OrderStatus.FILLED:
                break
        else:
            raise AssertionError("the entry never filled")
        then = await exit_order(world, restored, ProtectionLeg.THEN_LIMIT)
        assert then.status is OrderStatus.ACCEPTED and then.limit_price is not None
        assert then.limit_price.value == bid + 3
        assert [o for o in world.session.oms.orders(A1) if o.origin is OrderOrigin.PROTECTIVE] == [then], "once"
    finally:
        await close_world(world)


async def test_an_entry_that_fills_while_the_link_is_down_sends_its_exit_after_the_reconnect(
    world: HeldWorld,
) -> None:
    bid, _ = world.paper_quote()
    entry = await world.session.submit_oto(
        OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, str(bid - Decimal("0.03"))), Oto(bid + 3))
    await world.session.disconnect(A1)
    for _ in range(3000):  # the broker fills the entry while the link is down: the exit cannot go
        world.broker._tick()
        await asyncio.sleep(0)
        if entry.status is OrderStatus.FILLED:
            break
    else:
        raise AssertionError("the entry never filled")
    coid = child_order_id(entry.client_order_id, ProtectionLeg.THEN_LIMIT)
    await asyncio.sleep(0.05)
    assert world.session.oms.get(coid) is None
    assert world.child(entry, ProtectionLeg.THEN_LIMIT).state is HeldState.ARMED
    assert any("once the account is reconnected" in m.text for m in world.logs)
    await world.session.connect(A1)
    then = await exit_order(world, entry, ProtectionLeg.THEN_LIMIT)
    assert then.status is OrderStatus.ACCEPTED and then.quantity.value == 10
