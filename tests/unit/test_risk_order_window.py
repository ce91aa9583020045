"""max_orders_per_window: at most N orders in any rolling window of hours, counted across a restart from the
journal's orders; with the real paper broker, the real SQLite journal and a settable clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AccountId, OrderStatus, Side
from core.services.risk import LimitError, RiskConfig, RiskLimits
from core.services.risk.usage import usage_texts
from core.services.session import OrderRefused
from tests.unit.approvals_world import SettableClock, World, make_world
from tests.unit.risk_harness import ACCOUNT, Harness

OTHER = AccountId("PAPER-2")

LIMITS = RiskLimits(max_orders_per_window=3, order_window_h=Decimal(24), collar_pct=Decimal(5))


async def send(world: World) -> OrderStatus:
    bid = world.ask() - Decimal("0.50")  # resting below the market: it works, it does not fill
    return (await world.session.submit(world.request(price=str(bid)))).status


async def test_the_next_order_past_the_window_limit_is_refused_and_a_restart_does_not_reset_it(tmp_path: Path
                                                                                               ) -> None:
    clock = SettableClock()
    world = await make_world(tmp_path, LIMITS, clock)
    for _ in range(3):
        assert await send(world) is OrderStatus.ACCEPTED
        clock.advance(3600)
    with pytest.raises(OrderRefused) as refused:
        await send(world)
    assert "Order limit over a rolling 24 h: 3 orders on PAPER-1 (limit 3)" in str(refused.value)
    await world.close()

    world = await make_world(tmp_path, LIMITS, clock, restore=True)  # TradeTerm restarted two hours later
    clock.advance(2 * 3600)
    with pytest.raises(OrderRefused, match="3 orders on PAPER-1"):
        await send(world)
    assert world.session.view.risk_usage("account", "PAPER-1")["max_orders_per_window"].startswith("3")
    clock.advance(24 * 3600 - 5 * 3600 + 1)  # the first order is now more than 24 h old
    assert await send(world) is OrderStatus.ACCEPTED
    with pytest.raises(OrderRefused, match="3 orders on PAPER-1"):
        await send(world)
    await world.close()


async def test_denied_orders_do_not_count_and_the_window_is_per_account(tmp_path: Path) -> None:
    world = await make_world(tmp_path, RiskLimits(max_orders_per_window=2, collar_pct=Decimal(5),
                                                  max_order_qty=Decimal(100)))
    with pytest.raises(OrderRefused, match="above the 100 limit"):
        await world.session.submit(world.request(qty="101"))
    assert await send(world) is OrderStatus.ACCEPTED
    assert await send(world) is OrderStatus.ACCEPTED
    assert world.session.risk.window.count_within(AccountId("PAPER-2"), world.clock.now(), Decimal(24)) == 0
    with pytest.raises(OrderRefused, match="rolling 24 h: 2 orders"):
        await send(world)
    await world.close()


def test_the_window_is_at_most_a_week_and_says_so() -> None:
    with pytest.raises(LimitError, match="at most 168"):
        RiskLimits(order_window_h=Decimal(169))
    assert RiskLimits(order_window_h="0.5").order_window_h == Decimal("0.5")
    assert timedelta(hours=float(RiskLimits().order_window_h)) == timedelta(days=1)


def test_a_strategy_spraying_orders_over_two_accounts_hits_its_own_window_limit_across_a_restart() -> None:
    config = RiskConfig(RiskLimits(collar_pct=Decimal(5), max_orders_per_window=100),
                        strategies={"alpha": {"max_orders_per_window": "3"}})
    h = Harness(config)
    h.quote()
    sent = []
    for account in (ACCOUNT, OTHER, ACCOUNT):
        order = h.order(Side.BUY, qty="1", strategy="alpha", account=account)
        order.created_at = h.clock.now()  # as the journal keeps it
        assert h.check(order) is None
        sent.append(order)
        h.clock.advance(60)
    refused = h.check(h.order(Side.BUY, qty="1", strategy="alpha", account=OTHER))
    assert refused == ("Strategy alpha's order limit over a rolling 24 h: 3 orders on all its accounts (limit 3). "
                       "Wait for older ones to leave the window, or raise its max_orders_per_window.")
    assert h.check(h.order(Side.BUY, qty="1", account=OTHER)) is None  # a person's order: the account's limit only
    assert h.check(h.order(Side.BUY, qty="1", strategy="beta", account=OTHER)) is None

    again = Harness(config)  # restarted: the journal's orders count again
    again.clock.seconds = h.clock.seconds
    again.engine.window.restore(sent, again.clock.now())
    again.quote()
    assert "3 orders on all its accounts" in (again.check(again.order(Side.BUY, qty="1", strategy="alpha",
                                                                      account=OTHER)) or "")
    again.clock.advance(24 * 3600 - 3 * 60 + 1)  # the first order has left the window
    again.quote()
    assert again.check(again.order(Side.BUY, qty="1", strategy="alpha", account=OTHER)) is None
    assert usage_texts(again.engine, "strategy", "alpha")["max_orders_per_window"] == "3 / 3"  # two old, one new
