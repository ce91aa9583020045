"""The risk gate inside the session, with the real paper broker and the real SQLite journal."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import AccountId, LogMessage, OrderRequest, OrderStatus, OrderType, Side, StrategyId, TradingState
from core.services.bus import EventBus
from core.services.risk import HoldCause, RiskConfig, RiskLimits
from core.services.session import ConfirmRequired, OrderRefused, TradingSession
from core.storage.journal import SqliteJournal

A1, A2 = AccountId("PAPER-1"), AccountId("PAPER-2")


@dataclass
class World:
    session: TradingSession
    brokers: dict[AccountId, PaperBroker]
    journal_path: Path


@pytest.fixture
async def world(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    limits = getattr(request, "param", RiskLimits(max_order_qty=Decimal(1000)))
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=limits if isinstance(limits, RiskConfig) else RiskConfig(limits))
    brokers = {}
    for account in (A1, A2):
        config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / f"{account}.json"))
        brokers[account] = PaperBroker(account, config, bus.publish)
        session.add_account(brokers[account])
    for account in (A1, A2):
        await session.connect(account)
    yield World(session, brokers, tmp_path / "journal.sqlite")
    await session.close()
    journal.close()


def buy(account: AccountId = A1, qty: str = "10", price: str | None = "150.00", symbol: str = "AAPL",
        order_type: OrderType = OrderType.LIMIT, side: Side = Side.BUY, strategy: str | None = None) -> OrderRequest:
    return OrderRequest(account, symbol, side, qty, order_type, limit_price=price,
                        strategy_id=StrategyId(strategy) if strategy else None)


async def test_a_denied_order_is_journaled_with_its_reason_and_never_reaches_the_broker(world: World) -> None:
    with pytest.raises(OrderRefused) as refused:
        await world.session.submit(buy(qty="1001"))
    (error,) = refused.value.errors
    assert error.field == "quantity" and "1,000 limit" in error.message
    (denied,) = [o for o in world.session.oms.orders() if o.status is OrderStatus.DENIED]
    assert denied.reason == error.message
    snapshot = await world.brokers[A1].snapshot()
    assert denied.client_order_id not in {o.client_order_id for o in snapshot.orders}
    world.session.journal.close()
    with SqliteJournal(world.journal_path) as reopened:
        (stored,) = [o for o in reopened.load().orders if o.client_order_id == denied.client_order_id]
    assert stored.status is OrderStatus.DENIED and stored.reason == error.message


async def test_an_order_inside_the_limits_reaches_the_broker(world: World) -> None:
    order = await world.session.submit(buy(qty="1000", price="1.00"))
    assert order.status is OrderStatus.ACCEPTED
    assert order.client_order_id in {o.client_order_id for o in (await world.brokers[A1].snapshot()).orders}


@pytest.mark.parametrize("world", [RiskLimits()], indirect=True)
async def test_the_kill_switch_cancels_200_working_orders_on_two_accounts_and_halts(world: World) -> None:
    session = world.session
    for n in range(100):
        for account in (A1, A2):
            await session.submit(buy(account, qty="1", price=f"{100 + n * Decimal('0.01')}"))
    assert len(session.oms.working()) == 200
    asked = await session.kill_switch("ana")
    assert asked == 200 and session.oms.working() == []
    for account, broker in world.brokers.items():
        assert [o for o in (await broker.snapshot()).orders if o.status.is_working] == []
        assert session.account(account).trading is TradingState.HALTED
    assert session.risk.state(None)[0] is TradingState.HALTED
    with pytest.raises(OrderRefused, match="Kill switch pulled by ana"):
        await session.submit(buy(A2))
    audit = sqlite3.connect(world.journal_path).execute("SELECT actor, action, detail FROM audit").fetchall()
    assert ("ana", "kill_switch") in {(actor, action) for actor, action, _ in audit}
    assert session.resume(None, "ana") is TradingState.ACTIVE
    assert (await session.submit(buy(A2))).status is OrderStatus.ACCEPTED


async def test_cancels_are_never_blocked(world: World) -> None:
    session = world.session
    order = await session.submit(buy(price="1.00"))
    session.risk.hold(None, HoldCause.KILL_SWITCH, TradingState.HALTED, "Kill switch.")
    await session.cancel(order.client_order_id)
    assert order.status is OrderStatus.CANCELED


async def test_reducing_lets_flatten_through(world: World) -> None:
    session = world.session
    bought = await session.submit(buy(qty="10", price=None, order_type=OrderType.MARKET))
    assert bought.status is OrderStatus.FILLED
    session.risk.hold(A1, HoldCause.DAILY_LOSS, TradingState.REDUCING, "Daily loss beyond the limit.")
    with pytest.raises(OrderRefused) as refused:
        await session.submit(buy(qty="1", price=None, order_type=OrderType.MARKET))
    assert refused.value.errors[0].field == "account_id"
    with pytest.raises(ConfirmRequired, match="PAPER-1 is REDUCING: Daily loss beyond the limit"):
        await session.flatten(A1)
    (closing,) = (await session.flatten(A1, confirmed_by="ana")).sent
    assert closing.status is OrderStatus.FILLED


async def test_a_disconnect_halts_until_reconnected_and_the_kill_switch_survives_a_reconnect(world: World) -> None:
    session = world.session
    await session.disconnect(A1)
    assert session.account(A1).trading is TradingState.HALTED
    with pytest.raises(OrderRefused, match="not connected"):
        await session.submit(buy())
    await session.connect(A1)
    assert session.account(A1).trading is TradingState.ACTIVE
    await session.kill_switch("bo")
    await session.disconnect(A1)
    await session.connect(A1)
    assert session.account(A1).trading is TradingState.HALTED
    session.resume(None, "bo")
    assert session.account(A1).trading is TradingState.ACTIVE


async def restarted(world: World) -> tuple[TradingSession, SqliteJournal]:
    """Close the session and its journal, then open a new session on the same journal and brokers' files."""
    await world.session.close()
    world.session.journal.close()
    journal = SqliteJournal(world.journal_path)
    session = TradingSession(EventBus(), journal, risk=RiskConfig(RiskLimits()))
    session.restore()
    return session, journal


async def test_the_kill_switch_survives_a_restart_until_someone_resumes(world: World) -> None:
    await world.session.kill_switch("ana")
    session, journal = await restarted(world)
    try:
        state, reason = session.risk.state(None)
        assert state is TradingState.HALTED
        assert "Kill switch pulled by ana" in reason and "before TradeTerm restarted" in reason
        session.resume(AccountId("PAPER-1"), "bob")  # one account's resume does not lift the kill switch
        assert session.risk.state(None)[0] is TradingState.HALTED
        assert session.resume(None, "bob") is TradingState.ACTIVE
    finally:
        await session.close()
        journal.close()
    journal = SqliteJournal(world.journal_path)  # and after that resume, the next start trades
    session = TradingSession(EventBus(), journal, risk=RiskConfig(RiskLimits()))
    session.restore()
    assert session.risk.state(None)[0] is TradingState.ACTIVE
    await session.close()
    journal.close()


async def test_a_restart_without_a_kill_switch_starts_trading_normally(world: World) -> None:
    session, journal = await restarted(world)
    assert session.risk.state(None)[0] is TradingState.ACTIVE
    await session.close()
    journal.close()


@pytest.mark.parametrize("world", [RiskLimits(strategy_max_fills=2, strategy_fill_window_s=Decimal(60))],
                         indirect=True)
async def test_a_strategy_disabled_by_the_fill_throttle_stays_disabled_after_a_restart(world: World) -> None:
    session = world.session
    for _ in range(3):
        order = await session.submit(buy(qty="1", price=None, order_type=OrderType.MARKET, strategy="knight"))
        if order.status is OrderStatus.PENDING_APPROVAL:
            await session.approve(order.client_order_id)
    assert "knight" in session.risk.disabled_strategies()
    session, journal = await restarted(world)
    try:
        reason = session.risk.disabled_strategies()[StrategyId("knight")]
        assert "knight is disabled: 3 fills" in reason and "before TradeTerm restarted" in reason
        session.enable_strategy(StrategyId("knight"), "ana")
    finally:
        await session.close()
        journal.close()
    journal = SqliteJournal(world.journal_path)  # re-enabled before this restart: it may trade
    session = TradingSession(EventBus(), journal, risk=RiskConfig(RiskLimits()))
    session.restore()
    assert session.risk.disabled_strategies() == {}
    await session.close()
    journal.close()


@pytest.mark.parametrize("world", [RiskConfig(RiskLimits(), strategies={"knight": {"max_position": "10"}})],
                         indirect=True)
async def test_a_strategys_own_position_is_rebuilt_from_the_journal_on_restart(world: World) -> None:
    session = world.session
    order = await session.submit(buy(qty="8", price=None, order_type=OrderType.MARKET, strategy="knight"))
    if order.status is OrderStatus.PENDING_APPROVAL:
        await session.approve(order.client_order_id)
    await session.submit(buy(qty="20", price=None, order_type=OrderType.MARKET, side=Side.SELL))  # a person's
    session, journal = await restarted(world)
    try:
        assert session.risk.strategy_positions.positions(A1, StrategyId("knight")) == {"AAPL": Decimal(8)}
        assert session.risk.strategy_positions.positions(A1, StrategyId("manual")) == {"AAPL": Decimal(-20)}
    finally:
        await session.close()
        journal.close()


@pytest.mark.parametrize("world", [RiskConfig(RiskLimits(), strategies={"knight": {"drawdown_limit": "50"}})],
                         indirect=True)
async def test_a_strategys_drawdown_reset_is_audited_with_who_and_where_and_journals_its_own_peak(
        world: World) -> None:
    session = world.session
    order = await session.submit(buy(qty="8", price=None, order_type=OrderType.MARKET, strategy="knight"))
    if order.status is OrderStatus.PENDING_APPROVAL:
        await session.approve(order.client_order_id)
    assert session.reset_strategy_drawdown(StrategyId("knight"), "ana") == [A1, A2]
    audit = session.journal.latest_audit("resume", "strategy knight:")
    assert audit is not None and audit.actor == "ana"
    assert audit.detail == "strategy knight: drawdown reset on PAPER-1, PAPER-2"
    reset = session.journal.latest_audit("drawdown_reset")
    assert reset is not None and '"strategy": "knight"' in reset.detail, "the reset point is journaled for a restart"
    assert session.journal.latest_audit("drawdown_reset", '{"account": "PAPER-1", "day"') is not None


async def test_an_order_the_kill_switch_could_not_cancel_is_named_and_cancelled_when_its_account_connects(
        world: World) -> None:
    """With ALPACA-PAPER not connected, the kill switch said 'cancel asked for 2 working order(s)' and left its
    order working at Alpaca without a word; reconnected under the kill switch, the order worked on."""
    session = world.session
    order = await session.submit(buy(A2, price="100.00"))
    assert order.status is OrderStatus.ACCEPTED
    await session.disconnect(A2)
    said: list[LogMessage] = []
    session.bus.subscribe(LogMessage, said.append)
    await session.kill_switch("ana")
    assert order.status is OrderStatus.ACCEPTED, "its cancel could not go out"
    (error,) = [m for m in said if m.level == "ERROR" and m.text.startswith("Kill switch:")]
    assert ("1 order(s) could not be cancelled and may still work at the broker: BUY 10 AAPL LMT 100.00 on PAPER-2"
            in error.text), error.text
    await session.connect(A2)
    assert order.status is OrderStatus.CANCELED
    assert [m.text for m in said if m.text.startswith("Kill switch on:")] == [
        "Kill switch on: cancelling what PAPER-2 still works, now that it is connected: BUY 10 AAPL LMT 100.00 on "
        "PAPER-2."]


async def test_after_a_resume_a_reconnect_cancels_nothing(world: World) -> None:
    session = world.session
    await session.kill_switch("ana")
    session.resume(None, "ana")
    order = await session.submit(buy(A2, price="100.00"))
    await session.disconnect(A2)
    await session.connect(A2)
    assert order.status is OrderStatus.ACCEPTED
