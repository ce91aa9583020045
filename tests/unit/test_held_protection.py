"""Brackets held by TradeTerm, end to end through the session, the real paper broker and the real journal:
children armed by the entry's fills, triggered from the account's own feed, one cancelling the other."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderOrigin, OrderRequest, OrderStatus, OrderType, Quote, Side, StrategyId
from core.domain.protection import HELD_BADGE, HeldState, ProtectionLeg
from core.services.risk import RiskConfig, RiskLimits
from core.services.session import OrderRefused
from tests.unit.held_world import A1, HeldWorld, bracket, buy, close_world, open_world

STOP, TARGET = ProtectionLeg.STOP_LOSS, ProtectionLeg.TAKE_PROFIT


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_filled_entry_arms_both_children_sized_to_the_fill_and_journaled(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    assert entry.status is OrderStatus.FILLED
    for leg in (STOP, TARGET):
        child = world.child(entry, leg)
        assert (child.state, child.quantity) == (HeldState.ARMED, Decimal(10))
        assert world.journaled_states()[(str(entry.client_order_id), leg)] == (HeldState.ARMED, Decimal(10))
    assert any(HELD_BADGE in m.text for m in world.logs)


async def test_the_stop_fills_and_the_target_is_cancelled(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    world.tick(ask - 6)  # through the stop
    world.tick(ask - 7)  # a second touch sends nothing more
    await settle()
    (child,) = world.protective_orders()
    assert (child.side, child.quantity.value, child.order_type) == (Side.SELL, Decimal(10), OrderType.MARKET)
    assert child.status is OrderStatus.FILLED and world.position() == 0
    assert world.child(entry, STOP).state is HeldState.TRIGGERED
    assert world.child(entry, TARGET).state is HeldState.CANCELED
    states = world.journaled_states()
    assert states[(str(entry.client_order_id), STOP)][0] is HeldState.TRIGGERED
    assert states[(str(entry.client_order_id), TARGET)][0] is HeldState.CANCELED


async def test_the_target_sends_a_limit_at_its_price_and_cancels_the_stop(world: HeldWorld) -> None:
    ask = world.ask()
    target = ask + 5
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(target)))
    world.tick(target)
    await settle()
    (child,) = world.protective_orders()
    assert (child.side, child.order_type, child.limit_price and child.limit_price.value) == (
        Side.SELL, OrderType.LIMIT, target)
    assert world.child(entry, STOP).state is HeldState.CANCELED


async def test_another_accounts_feed_or_a_price_short_of_the_trigger_sends_nothing(world: HeldWorld) -> None:
    ask = world.ask()
    await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), None))
    world.tick(ask - 4)
    world.bus.publish_quotes([Quote("AAPL", bid=ask - 9, ask=ask - 8, source="OTHER")])
    await settle()
    assert world.protective_orders() == []


async def test_cancelling_the_unfilled_entry_cancels_its_children(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask - 20), bracket(str(ask - 30), str(ask)))
    assert entry.status is OrderStatus.ACCEPTED
    assert world.child(entry, STOP).state is HeldState.PENDING
    await world.session.cancel(entry.client_order_id)
    await settle()
    assert entry.status is OrderStatus.CANCELED
    assert {world.child(entry, leg).state for leg in (STOP, TARGET)} == {HeldState.CANCELED}
    world.tick(ask - 40)
    await settle()
    assert world.protective_orders() == []


async def test_a_child_on_the_wrong_side_is_refused_and_nothing_is_journaled(world: HeldWorld) -> None:
    ask = world.ask()
    with pytest.raises(OrderRefused, match=r"stop-loss .* must be below the entry price"):
        await world.session.submit_bracket(buy("10", ask), bracket(str(ask + 1), None))
    assert world.session.oms.orders() == [] and world.journal.load_held() == []


async def test_a_close_cancels_the_children_first(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), None))
    await world.session.flatten(A1)
    assert world.position() == 0 and world.child(entry, STOP).state is HeldState.CANCELED
    world.tick(ask - 6)
    await settle()
    assert world.protective_orders() == []


async def test_a_position_closed_by_another_order_ends_its_stop_and_target_and_a_new_position_gets_none(
        world: HeldWorld) -> None:
    """Bought with a stop and a target, then sold by an ordinary order (typed on the ticket, a ladder click, a
    strategy): both children stayed armed at size 0, and the next buy of the symbol, with no protection, brought
    them back at full size: an old trade's stop and target guarding a new position the trader never set them for."""
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, Decimal(10), OrderType.MARKET))
    assert world.position() == 0
    for leg in (STOP, TARGET):
        child = world.child(entry, leg)
        assert child.state is HeldState.CANCELED and child.reason == "Its position was closed by another order."
    await world.session.submit(OrderRequest(A1, "AAPL", Side.BUY, Decimal(10), OrderType.MARKET))
    assert world.position() == 10
    assert world.session.protection.protecting(A1, "AAPL") == []
    world.tick(ask - 6)  # through the old stop: nothing is sent
    await settle()
    assert world.protective_orders() == [] and world.position() == 10
    assert {leg: state for (_, leg), (state, _) in world.journaled_states().items()} == {
        STOP: HeldState.CANCELED, TARGET: HeldState.CANCELED}, "the journal says so too: a restart keeps them ended"


async def test_a_part_close_by_another_order_keeps_the_children_sized_to_what_is_left(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, Decimal(4), OrderType.MARKET))
    for leg in (STOP, TARGET):
        child = world.child(entry, leg)
        assert (child.state, child.quantity) == (HeldState.ARMED, Decimal(6))


async def test_a_held_stop_is_not_blocked_by_exposure_limits(world: HeldWorld) -> None:
    ask = world.ask()
    await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), None))
    world.session.set_risk_config(RiskConfig(RiskLimits(
        max_order_notional=Decimal(1), max_gross_exposure=Decimal(1), max_position=Decimal(1))))
    with pytest.raises(OrderRefused):  # a trader's own sell of the same is refused by the notional limit
        await world.session.submit(OrderRequest(A1, "AAPL", Side.SELL, "10", OrderType.MARKET))
    world.tick(ask - 6)
    await settle()
    (child,) = world.protective_orders()
    assert child.status is OrderStatus.FILLED and child.origin is OrderOrigin.PROTECTIVE


async def test_a_held_stop_without_prices_on_its_feed_warns_at_once(tmp_path: Path) -> None:
    world = await open_world(tmp_path)
    try:
        ask = world.ask()
        protection = world.session.protection
        protection._stale_after = protection._stale_after * 0  # every feed is stale at once
        await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), None))
        assert any("cannot trigger without prices" in m.text for m in world.logs)
    finally:
        await close_world(world)


async def test_a_partial_entry_fill_sizes_the_stop_and_its_trigger_cancels_the_rest(tmp_path: Path) -> None:
    world = await open_world(tmp_path, partial_fills=True)  # the paper book shows 1 share a side
    try:
        ask = world.ask()
        entry = await world.session.submit_bracket(buy("3", ask), bracket(str(ask - 5), None))
        assert entry.status is OrderStatus.PARTIALLY_FILLED and entry.filled_qty == 1
        assert (world.child(entry, STOP).state, world.child(entry, STOP).quantity) == (HeldState.ARMED, 1)
        world.tick(ask - 6)
        await settle()
        (child,) = world.protective_orders()
        assert child.quantity.value == 1 and child.status is OrderStatus.FILLED
        assert entry.status is OrderStatus.CANCELED and world.position() == 0
    finally:
        await close_world(world)


async def test_the_kill_switch_cancels_held_children_so_no_stop_fires_afterwards(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    await world.session.kill_switch("ana")
    assert {world.child(entry, leg).state for leg in (STOP, TARGET)} == {HeldState.CANCELED}
    world.tick(ask - 6)
    await settle()
    assert world.protective_orders() == [] and world.position() == 10


async def test_a_touched_stop_that_cannot_go_out_stays_armed_says_so_once_and_goes_on_a_later_touch(
        world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), None))
    await world.session.disconnect(A1)
    world.tick(ask - 6)
    await settle()
    world.tick(ask - 7)
    await settle()
    assert world.protective_orders() == [] and world.child(entry, STOP).state is HeldState.ARMED
    assert len([m for m in world.logs if "could not be sent" in m.text]) == 1
    await world.session.connect(A1)
    world.tick(ask - 6)
    await settle()
    (child,) = world.protective_orders()
    assert child.status is OrderStatus.FILLED and world.position() == 0


async def test_a_held_stop_closes_its_strategys_own_position_not_a_manual_one(world: HeldWorld) -> None:
    ask = world.ask()
    request = OrderRequest(A1, "AAPL", Side.BUY, "10", OrderType.LIMIT, limit_price=ask,
                           strategy_id=StrategyId("knight"))
    await world.session.submit_bracket(request, bracket(str(ask - 5), str(ask + 5)))
    positions = world.session.risk.strategy_positions
    assert positions.positions(A1, StrategyId("knight")) == {"AAPL": Decimal(10)}
    world.tick(ask - 6)
    await settle()
    (child,) = world.protective_orders()
    assert child.status is OrderStatus.FILLED and child.strategy_id == StrategyId("knight")
    assert positions.positions(A1, StrategyId("knight")) == {}
    assert positions.positions(A1, StrategyId("manual")) == {}
