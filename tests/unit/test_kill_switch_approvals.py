"""The kill switch stops strategy orders waiting for approval too: rejected, journaled, never approvable while on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import OrderStatus, StrategyId, TradingState
from core.services.approvals import OrderEdit
from core.services.risk import HoldCause
from core.services.strategies import StrategyConfig
from tests.unit.approvals_world import ACCOUNT, World, make_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(tmp_path)
    yield w
    await w.close()


async def test_the_kill_switch_rejects_every_order_waiting_for_approval_and_the_strategy_sees_why(
        world: World) -> None:
    a = await world.queue.intake(world.request(qty="1"), world.signal())
    b = await world.queue.intake(world.request(qty="2", symbol="MSFT"), world.signal())
    below = (world.ask() * Decimal("0.995")).quantize(Decimal("0.01"))
    working = await world.session.submit(world.request(qty="3", price=str(below)))  # a person's order, resting
    assert working.is_working

    await world.session.kill_switch("ana")

    assert world.queue.pending() == []
    for order in (a, b):
        assert order.status is OrderStatus.DENIED
        assert order.reason == "Rejected by ana: kill switch pulled; all trading halted"
    assert working.status is OrderStatus.CANCELED
    audit = [(e.actor, e.action) for e in world.journal.audit_entries(("reject", "kill_switch"))]
    assert audit.count(("ana", "reject")) == 2 and ("ana", "kill_switch") in audit
    kill = world.journal.latest_audit("kill_switch")
    assert kill is not None and "rejecting 2 waiting for approval" in kill.detail
    assert any("rejected 2 strategy order(s) waiting for approval" in m.text for m in world.logs)

    world.session.resume(None, "ana")  # lifting the switch does not bring them back
    outcome = await world.queue.approve(a.client_order_id)
    assert not outcome.approved and a.status is OrderStatus.DENIED
    sent = [o.client_order_id for o in (await world.broker.snapshot()).orders]
    assert sent == [working.client_order_id]  # no strategy order ever reached the broker


async def test_an_approval_while_the_kill_switch_is_on_is_refused_and_the_order_is_not_kept(world: World) -> None:
    order = await world.queue.intake(world.request(qty="1"), world.signal())
    # the switch held without its event reaching the queue (as after a restart, before the queue restores)
    world.session.risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch pulled by bo.")

    outcome = await world.queue.approve(order.client_order_id, actor="ann")

    assert not outcome.approved
    assert outcome.reason.startswith("Not approved: the kill switch is on. Kill switch pulled by bo.")
    assert "resume trading first" in outcome.reason
    assert order.status is OrderStatus.DENIED and world.queue.pending() == []
    assert any("kill switch is on" in m.text for m in world.logs)
    world.session.resume(None, "bo")
    assert not (await world.queue.approve(order.client_order_id)).approved
    assert list((await world.broker.snapshot()).orders) == []


async def test_edit_then_approve_is_refused_while_the_kill_switch_is_on(world: World) -> None:
    order = await world.queue.intake(world.request(qty="5"), world.signal())
    world.session.risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch pulled by bo.")
    outcome = await world.queue.edit_and_approve(order.client_order_id, OrderEdit(quantity="1"))
    assert not outcome.approved and "kill switch is on" in outcome.reason
    assert [o for o in world.session.oms.orders() if o.status is OrderStatus.PENDING_APPROVAL] == []
    assert list((await world.broker.snapshot()).orders) == []


async def test_an_order_left_waiting_across_a_restart_under_the_kill_switch_is_rejected_on_restore(
        tmp_path: Path) -> None:
    first = await make_world(tmp_path)
    order = await first.queue.intake(first.request(qty="1"), first.signal())
    first.journal.record_audit("ana", "kill_switch", "halted all accounts")  # then TradeTerm stopped
    await first.close()
    second = await make_world(tmp_path, clock=first.clock, restore=True,
                              configs=[StrategyConfig(StrategyId("momo"), first.strategies.started_at,
                                                      expiry_s=Decimal(600))])
    try:
        assert second.queue.pending() == []
        restored = second.session.oms.get(order.client_order_id)
        assert restored is not None and restored.status is OrderStatus.DENIED
        assert "kill switch" in restored.reason
        assert second.session.view.status(ACCOUNT).trading is TradingState.HALTED
    finally:
        await second.close()
