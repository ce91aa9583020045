"""A strategy's stop_loss and take_profit (hikyuu's stoploss and goal_price) become held children of its order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import LogMessage, OrderStatus, Side
from core.domain.protection import HeldState, ProtectionLeg
from tests.unit.approvals_world import ACCOUNT, World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(tmp_path)
    yield w
    await w.close()


async def test_an_approved_strategy_buy_fills_and_arms_its_stop_and_target(world: World) -> None:
    ask = world.ask()
    signal = replace(world.signal(), stop_loss=ask - 5, take_profit=ask + 5)
    order = await world.queue.intake(world.request(qty="10"), signal)
    held = world.session.protection.children(ACCOUNT)
    assert {(c.leg, c.state) for c in held} == {(ProtectionLeg.STOP_LOSS, HeldState.PENDING),
                                               (ProtectionLeg.TAKE_PROFIT, HeldState.PENDING)}
    assert len(world.session.journal.load_held()) == 2  # journaled with the queued order
    outcome = await world.queue.approve(order.client_order_id)
    assert outcome.approved and order.status is OrderStatus.FILLED
    assert {(c.state, c.quantity) for c in world.session.protection.children(ACCOUNT)} == {
        (HeldState.ARMED, Decimal(10))}


async def test_a_rejected_strategy_order_cancels_its_children(world: World) -> None:
    ask = world.ask()
    order = await world.queue.intake(world.request(), replace(world.signal(), stop_loss=ask - 5))
    world.queue.reject(order.client_order_id, "not today", "ana")
    assert {c.state for c in world.session.protection.children(ACCOUNT)} == {HeldState.CANCELED}


async def test_a_sell_that_carries_its_longs_stoploss_goes_without_children_and_says_so(world: World) -> None:
    logs: list[LogMessage] = []
    world.session.bus.subscribe(LogMessage, logs.append)
    ask = world.ask()
    order = await world.queue.intake(world.request(side=Side.SELL), replace(world.signal(), stop_loss=ask - 5))
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert world.session.protection.children(ACCOUNT) == []
    assert any("not attached" in m.text for m in logs)
