"""The approval queue over a real session, paper broker and journal: intake, approve, edit, reject, expire."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderStatus, StrategyId
from core.services.approvals import OrderEdit
from core.services.session import OrderRefused
from core.services.strategies import StrategyConfig
from tests.unit.approvals_world import ACCOUNT, STRATEGY, World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(tmp_path)
    yield w
    await w.close()


async def test_a_strategy_order_waits_durably_and_never_reaches_the_broker_on_its_own(world: World) -> None:
    order = await world.queue.intake(world.request(), world.signal())
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert [p.order for p in world.queue.pending()] == [order]
    snapshot = await world.broker.snapshot()
    assert list(snapshot.orders) == []
    (row,) = world.queue.rows()
    assert row.strategy_id == STRATEGY and row.verdict is None and row.seconds_left == Decimal("60.0")


async def test_approve_reruns_risk_and_sends_the_order_to_a_fill(world: World) -> None:
    order = await world.queue.intake(world.request(qty="10"), world.signal())
    outcome = await world.queue.approve(order.client_order_id)
    assert outcome.approved, outcome.reason
    assert order.status is OrderStatus.FILLED
    assert world.session.portfolio.position(ACCOUNT, "AAPL").quantity == Decimal(10)
    assert world.queue.pending() == []


async def test_a_price_move_past_the_collar_refuses_approval_and_the_order_stays_with_the_reason(world: World) -> None:
    order = await world.queue.intake(world.request(price="189.50"), world.signal())
    world.move("AAPL", "199.99", "200.00")  # 5 % away: the 1 % collar no longer holds
    outcome = await world.queue.approve(order.client_order_id)
    assert not outcome.approved and "collar" in outcome.reason
    assert order.status is OrderStatus.PENDING_APPROVAL
    (row,) = world.queue.rows()
    assert "collar" in row.last_attempt and row.verdict is not None and "collar" in row.verdict
    assert row.drift_pct is not None and row.drift_pct > 5
    assert list((await world.broker.snapshot()).orders) == []


async def test_unapproved_orders_expire_after_the_strategys_time(world: World) -> None:
    world.strategies.put(StrategyConfig(StrategyId("fast"), world.strategies.started_at, expiry_s=Decimal(5)))
    slow = await world.queue.intake(world.request(), world.signal())
    fast = await world.queue.intake(world.request(qty="5"), world.signal(strategy=StrategyId("fast")))
    world.clock.advance(5)
    assert world.queue.expire_due() == [fast.client_order_id]
    assert fast.status is OrderStatus.EXPIRED and "5 s" in fast.reason
    world.clock.advance(55)
    world.queue.expire_due()
    assert slow.status is OrderStatus.EXPIRED
    outcome = await world.queue.approve(slow.client_order_id)
    assert not outcome.approved


async def test_approving_after_expiry_is_refused_even_without_a_sweep(world: World) -> None:
    order = await world.queue.intake(world.request(), world.signal())
    world.clock.advance(61)
    outcome = await world.queue.approve(order.client_order_id)
    assert not outcome.approved and order.status is OrderStatus.EXPIRED


async def test_a_stale_signal_is_refused_and_nothing_is_queued(world: World) -> None:
    with pytest.raises(OrderRefused) as refused:
        await world.queue.intake(world.request(), world.signal(age_s=31))
    assert refused.value.errors[0].field == "signal_time" and "stale" in str(refused.value)
    assert world.session.oms.orders() == [] and world.queue.pending() == []


async def test_a_signal_from_before_the_strategys_activation_is_history_not_an_order(world: World) -> None:
    world.strategies.activate(STRATEGY, world.clock.now())
    with pytest.raises(OrderRefused) as refused:
        await world.queue.intake(world.request(), world.signal(age_s=0.5))
    assert "before strategy momo was activated" in str(refused.value)
    assert world.session.oms.orders() == []


async def test_a_disabled_strategy_cannot_queue(world: World) -> None:
    world.strategies.set_enabled(STRATEGY, False)
    with pytest.raises(OrderRefused, match="disabled"):
        await world.queue.intake(world.request(), world.signal())


async def test_reject_keeps_the_reason_and_withdraw_cancels(world: World) -> None:
    a = await world.queue.intake(world.request(qty="1"), world.signal())
    b = await world.queue.intake(world.request(qty="2"), world.signal())
    assert world.queue.reject(a.client_order_id, "too big for today", actor="ann")
    assert a.status is OrderStatus.DENIED and a.reason == "Rejected by ann: too big for today"
    assert await world.queue.withdraw(b.client_order_id, actor="strategy:momo")
    assert b.status is OrderStatus.CANCELED and "Withdrawn" in b.reason
    assert world.queue.pending() == []
    assert not world.queue.reject(a.client_order_id, "again")


async def test_edit_then_approve_sends_the_edited_order_and_links_the_original(world: World) -> None:
    order = await world.queue.intake(world.request(qty="10"), world.signal())
    outcome = await world.queue.edit_and_approve(order.client_order_id, OrderEdit(quantity="3"))
    assert outcome.approved, outcome.reason
    assert outcome.order is not None and outcome.order.quantity.value == 3
    assert outcome.order.status is OrderStatus.FILLED and outcome.order.strategy_id == STRATEGY
    assert order.status is OrderStatus.CANCELED and str(outcome.order.client_order_id) in order.reason
    assert world.store.replaced_by(order.client_order_id) == outcome.order.client_order_id
    assert world.session.portfolio.position(ACCOUNT, "AAPL").quantity == 3


async def test_an_edit_risk_refuses_leaves_the_original_queued(world: World) -> None:
    order = await world.queue.intake(world.request(qty="10"), world.signal())
    outcome = await world.queue.edit_and_approve(order.client_order_id, OrderEdit(quantity="5000"))
    assert not outcome.approved and "limit per order" in outcome.reason
    assert order.status is OrderStatus.PENDING_APPROVAL
    assert [p.order for p in world.queue.pending()] == [order]


async def test_approve_all_checks_each_order_on_its_own(world: World) -> None:
    good = await world.queue.intake(world.request(qty="1"), world.signal())
    far = await world.queue.intake(world.request(qty="1", symbol="MSFT"), world.signal())
    world.move("MSFT", "500.00", "500.01")
    outcomes = await world.queue.approve_all()
    assert [o.approved for o in outcomes] == [True, False]
    assert good.status is OrderStatus.FILLED and far.status is OrderStatus.PENDING_APPROVAL


async def test_an_exception_in_the_approval_path_leaves_the_order_queued_and_logged(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = await world.queue.intake(world.request(), world.signal())

    def broken(order: object) -> None:
        raise RuntimeError("risk engine exploded")

    monkeypatch.setattr(world.session.risk, "evaluate", broken)
    outcome = await world.queue.approve(order.client_order_id)
    assert not outcome.approved and "exploded" in outcome.reason
    assert order.status is OrderStatus.PENDING_APPROVAL and world.queue.get(order.client_order_id) is not None
    assert any(m.level == "ERROR" and "stays in the queue" in m.text for m in world.logs)
    assert list((await world.broker.snapshot()).orders) == []
    monkeypatch.undo()
    assert (await world.queue.approve(order.client_order_id)).approved


async def test_auto_approve_is_off_by_default_and_sends_within_limits_when_on(world: World) -> None:
    assert world.strategies.auto_approving() == []
    world.strategies.set_auto_approve(STRATEGY, True)
    order = await world.queue.intake(world.request(qty="1"), world.signal())
    assert order.status is OrderStatus.FILLED and world.queue.pending() == []


async def test_pending_orders_survive_a_restart_and_overdue_ones_expire(tmp_path: Path) -> None:
    first = await make_world(tmp_path)
    keep = await first.queue.intake(first.request(qty="1"), first.signal())
    first.strategies.put(StrategyConfig(StrategyId("fast"), first.strategies.started_at, expiry_s=Decimal(10)))
    late = await first.queue.intake(first.request(qty="2"), first.signal(strategy=StrategyId("fast")))
    await first.close()
    clock = replace(first.clock)
    clock.advance(20)
    fast = StrategyConfig(StrategyId("fast"), first.strategies.started_at, expiry_s=Decimal(10))
    second = await make_world(tmp_path, clock=clock, restore=True, configs=[fast])
    try:
        assert [p.order.client_order_id for p in second.queue.pending()] == [keep.client_order_id]
        assert second.session.oms.get(late.client_order_id).status is OrderStatus.EXPIRED
        pending = second.queue.get(keep.client_order_id)
        assert pending is not None and pending.signal.strategy_id == STRATEGY
        assert pending.expires_at == keep.created_at + timedelta(seconds=60)
        assert (await second.queue.approve(keep.client_order_id)).approved
    finally:
        await second.close()
