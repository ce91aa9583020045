"""Moving a held stop or target (the chart's bracket-line drag): journaled, watched at the new trigger, and
refused with the reason when it would fire at once or is no longer held."""

from __future__ import annotations

import asyncio

import pytest

from core.domain import OrderStatus, Side
from core.domain.held_events import HeldChildChanged
from core.domain.protection import HeldState, ProtectionLeg
from tests.unit.held_world import A1, HeldWorld, bracket, buy

STOP, TARGET = ProtectionLeg.STOP_LOSS, ProtectionLeg.TAKE_PROFIT


async def test_a_moved_stop_is_journaled_and_fires_at_its_new_trigger_only(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    changes: list[HeldChildChanged] = []
    world.bus.subscribe(HeldChildChanged, changes.append)
    quote = world.session.quotes.latest("AAPL", A1)
    moved = world.session.protection.move(entry.client_order_id, STOP, ask - 2, quote)
    assert moved.trigger == ask - 2 and moved.state is HeldState.ARMED
    assert [(c.child.leg, c.child.trigger) for c in changes] == [(STOP, ask - 2)], "the chart is told"
    assert {c.trigger for c in world.journal.load_held() if c.leg is STOP} == {ask - 2}, "journaled"
    world.tick(ask - 3)  # through the new stop, above the old one
    for _ in range(5):
        await asyncio.sleep(0)
    (child,) = world.protective_orders()
    assert child.side is Side.SELL and child.status is OrderStatus.FILLED
    assert world.child(entry, STOP).state is HeldState.TRIGGERED
    assert any("moved from" in m.text for m in world.logs)


async def test_a_stop_moved_through_the_market_is_refused_with_where_it_may_go(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    world.tick(ask - 1, ask)
    quote = world.session.quotes.latest("AAPL", A1)
    with pytest.raises(ValueError, match=rf"through the market \({ask - 1}\) and would fire at once: put it below"):
        world.session.protection.move(entry.client_order_id, STOP, ask, quote)
    assert world.child(entry, STOP).trigger == ask - 5, "unchanged"
    with pytest.raises(ValueError, match="put it above"):
        world.session.protection.move(entry.client_order_id, TARGET, ask - 2, quote)


async def test_a_child_no_longer_held_cannot_be_moved(world: HeldWorld) -> None:
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    world.session.protection.cancel_entry(entry.client_order_id, "removed by the trader")
    with pytest.raises(ValueError, match="is canceled: there is nothing to move"):
        world.session.protection.move(entry.client_order_id, STOP, ask - 2, None)


async def test_a_cancelled_stop_is_journaled_never_fires_and_its_target_still_does(world: HeldWorld) -> None:
    """The chart's right-click on a held stop: that child only is cancelled; the target keeps protecting."""
    ask = world.ask()
    entry = await world.session.submit_bracket(buy("10", ask), bracket(str(ask - 5), str(ask + 5)))
    cancelled = world.session.protection.cancel_leg(entry.client_order_id, STOP, "Cancelled from the chart.")
    assert cancelled.state is HeldState.CANCELED and cancelled.reason == "Cancelled from the chart."
    assert {c.leg: c.state for c in world.journal.load_held()} == {STOP: HeldState.CANCELED,
                                                                    TARGET: HeldState.ARMED}, "journaled"
    world.tick(ask - 6)  # through the cancelled stop: nothing goes out
    for _ in range(5):
        await asyncio.sleep(0)
    assert world.protective_orders() == []
    with pytest.raises(ValueError, match="is canceled: there is nothing to cancel"):
        world.session.protection.cancel_leg(entry.client_order_id, STOP, "again")
    world.tick(ask + 6, ask + 7)  # through the target: it still fires
    for _ in range(5):
        await asyncio.sleep(0)
    assert world.child(entry, TARGET).state is HeldState.TRIGGERED
