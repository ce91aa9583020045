"""What each notification mails, batching of bursts, deduplication, and which kinds are mailed."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import (
    AccountId,
    BrokerTokenExpiring,
    ConnectionChanged,
    ConnectionState,
    FillRecorded,
    Order,
    OrderDenied,
    OrderPendingApproval,
    OrderRejected,
    OrderSubmitted,
    OrderUpdated,
    Quote,
    ReconciliationRequired,
    TradingState,
    TradingStateChanged,
)
from core.domain.funds import AccountFunds, FundsLine, FundsSource
from core.ports.notifier import NotificationKind
from core.services.bus import EventBus
from core.services.clock import SystemClock
from core.services.notifications import NotificationSettings, next_summary_time
from core.services.portfolio import Portfolio
from tests.factories import make_fill, make_instrument, make_order
from tests.sims.smtp import Received, SmtpSim
from tests.sims.smtp_fixtures import fixture_plain_sim  # noqa: F401  (pytest fixtures)
from tests.unit.notifications_harness import FAST, Harness, build

ACC = AccountId("PAPER-1")


@pytest.fixture
async def harness(tmp_path: Path, plain_sim: SmtpSim) -> AsyncIterator[Harness]:
    h = build(tmp_path / "outbox.sqlite", plain_sim.port)
    h.service.start()
    yield h
    await h.service.close()
    h.outbox.close()


async def one_mail(sim: SmtpSim) -> Received:
    [mail] = await sim.wait_for(1)
    await asyncio.sleep(0.15)  # a second mail would have arrived by now
    assert len(sim.received) == 1, [r.subject for r in sim.received]
    return mail


def connected(h: Harness, account: AccountId = ACC) -> None:
    h.publish(ConnectionChanged(account, ConnectionState.CONNECTED))


def rejected_order(reason: str = "Insufficient margin") -> Order:
    order = make_order(instrument=make_instrument("AAPL"), quantity="100", limit_price="189.50")
    order.apply(OrderSubmitted(order.client_order_id))
    order.apply(OrderRejected(order.client_order_id, reason))
    return order


async def test_a_fill_is_mailed_with_every_detail(harness: Harness, plain_sim: SmtpSim) -> None:
    fill = make_fill(quantity="100", price="189.50", trade_id="EXEC-1")
    harness.publish(FillRecorded(fill))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Fill: BUY 100 AAPL @ 189.50 (PAPER-1)"
    for text in ("EXEC-1", "PAPER-1", "189.50", "Quantity:", "Commission:"):
        assert text in mail.body
    assert mail.rcpt_tos == ["trader@example.com"]


async def test_a_broker_rejection_is_mailed_with_the_reason(harness: Harness, plain_sim: SmtpSim) -> None:
    order = rejected_order("Insufficient margin")
    harness.publish(OrderUpdated(order))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Order rejected: BUY 100 AAPL LMT 189.50 (PAPER-1)"
    assert "Insufficient margin" in mail.body
    assert str(order.client_order_id) in mail.body


async def test_a_risk_refusal_is_mailed(harness: Harness, plain_sim: SmtpSim) -> None:
    order = make_order(quantity="5000")
    order.apply(OrderDenied(order.client_order_id, "Max order quantity 1000 exceeded"))
    harness.publish(OrderUpdated(order))
    mail = await one_mail(plain_sim)
    assert mail.subject.startswith("[TradeTerm] Order refused by risk checks: BUY 5000 AAPL")
    assert "Max order quantity 1000 exceeded" in mail.body


async def test_reducing_after_a_loss_limit_is_mailed_as_a_risk_breach(
    harness: Harness, plain_sim: SmtpSim
) -> None:
    connected(harness)
    harness.publish(TradingStateChanged(ACC, TradingState.REDUCING, "Daily loss limit 5,000 USD reached"))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Trading REDUCING on PAPER-1"
    assert "only orders that reduce a position" in mail.body
    assert "Daily loss limit 5,000 USD reached" in mail.body


async def test_the_kill_switch_is_mailed(harness: Harness, plain_sim: SmtpSim) -> None:
    harness.publish(TradingStateChanged(None, TradingState.HALTED, "Kill switch pressed"))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Kill switch: all trading HALTED"
    assert "Kill switch pressed" in mail.body


async def test_disconnect_and_reconnect_are_mailed_but_not_the_halt_they_cause(
    harness: Harness, plain_sim: SmtpSim
) -> None:
    connected(harness)
    harness.publish(ConnectionChanged(ACC, ConnectionState.DISCONNECTED, "TWS closed the socket"),
                    TradingStateChanged(ACC, TradingState.HALTED, "TWS closed the socket"))
    first = await one_mail(plain_sim)
    assert first.subject == "[TradeTerm] Broker disconnected: PAPER-1"
    assert "TWS closed the socket" in first.body
    connected(harness)
    [_, second] = await plain_sim.wait_for(2)
    assert second.subject == "[TradeTerm] Broker reconnected: PAPER-1"


async def test_the_first_connect_is_not_mailed(harness: Harness, plain_sim: SmtpSim) -> None:
    harness.publish(ConnectionChanged(ACC, ConnectionState.CONNECTING), ConnectionChanged(ACC, ConnectionState.FAILED))
    connected(harness)
    harness.publish(FillRecorded(make_fill()))  # a marker: the only mail expected
    mail = await one_mail(plain_sim)
    assert mail.subject.startswith("[TradeTerm] Fill:")


async def test_a_reconciliation_mismatch_lists_the_differences_once(
    harness: Harness, plain_sim: SmtpSim
) -> None:
    connected(harness)
    harness.publish(ReconciliationRequired(ACC, ("AAPL: TradeTerm has 100, the broker has 50",)),
                    TradingStateChanged(ACC, TradingState.HALTED, "Positions differ from the broker's: review them."))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Reconciliation mismatch on PAPER-1"
    assert "- AAPL: TradeTerm has 100, the broker has 50" in mail.body


async def test_a_strategy_order_waiting_for_approval_is_mailed(harness: Harness, plain_sim: SmtpSim) -> None:
    order = make_order(quantity="10", limit_price="101.25")
    order.apply(OrderPendingApproval(order.client_order_id))
    harness.publish(OrderUpdated(order))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Approval needed: BUY 10 AAPL LMT 101.25 (PAPER-1)"
    assert "approval queue" in mail.body


async def test_a_token_about_to_expire_is_mailed(harness: Harness, plain_sim: SmtpSim) -> None:
    expires = datetime(2030, 1, 2, 6, 0, tzinfo=UTC)
    harness.publish(BrokerTokenExpiring(AccountId("KITE-1"), expires))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] Broker login expires soon: KITE-1"
    assert "Log in again" in mail.body


async def test_the_daily_summary_has_positions_and_pnl_per_account(tmp_path: Path, plain_sim: SmtpSim) -> None:
    bus = EventBus()
    aapl, infy = make_instrument("AAPL"), make_instrument("INFY", currency="INR", tick_size="0.05")
    portfolio = Portfolio(bus, {"AAPL": aapl, "INFY": infy}, SystemClock())
    h = build(tmp_path / "outbox.sqlite", plain_sim.port, bus=bus, portfolio=portfolio)
    h.service.start()
    h.publish(
        FillRecorded(make_fill(quantity="100", price="100.00", account_id=AccountId("IB-1"))),
        FillRecorded(make_fill(quantity="10", price="1500.00", symbol="INFY", account_id=AccountId("KITE-1"))),
        Quote("AAPL", last=Decimal("102.00")),
        Quote("INFY", last=Decimal("1490.00")),
    )
    await plain_sim.wait_for(1)  # the two fill mails (batched)
    h.service.queue_daily_summary()
    [_, summary] = await plain_sim.wait_for(2)
    assert summary.subject.startswith("[TradeTerm] End-of-day summary ")
    body = summary.body
    assert "Account IB-1" in body and "Account KITE-1" in body
    assert "P&L USD: today 200.00, unrealized 200.00" in body
    assert "P&L INR: today -100.00, unrealized -100.00" in body
    await h.service.close()
    h.outbox.close()


async def test_a_burst_is_batched_into_one_mail(harness: Harness, plain_sim: SmtpSim) -> None:
    order = rejected_order()
    harness.publish(*(FillRecorded(make_fill(trade_id=f"B-{i}")) for i in range(5)), OrderUpdated(order))
    mail = await one_mail(plain_sim)
    assert mail.subject == "[TradeTerm] 6 notifications: 5 Fill, 1 Order rejected"
    for i in range(5):
        assert f"B-{i}" in mail.body
    assert "Insufficient margin" in mail.body


async def test_identical_notifications_are_mailed_once(harness: Harness, plain_sim: SmtpSim) -> None:
    fill = make_fill(trade_id="SAME-1")
    harness.publish(FillRecorded(fill), FillRecorded(fill))
    await asyncio.sleep(0.1)
    harness.publish(FillRecorded(fill))  # after the first batch: still the same fill
    mail = await one_mail(plain_sim)
    assert mail.subject.startswith("[TradeTerm] Fill:")
    connected(harness)
    for _ in range(3):  # a flapping connection: identical disconnects within the window
        harness.publish(ConnectionChanged(ACC, ConnectionState.DISCONNECTED, "socket closed"))
        connected(harness)
    [_, second] = await plain_sim.wait_for(2)
    assert second.subject == "[TradeTerm] 2 notifications: 2 Broker disconnected / reconnected"
    await asyncio.sleep(0.15)
    assert len(plain_sim.received) == 2


async def test_only_enabled_kinds_are_mailed(tmp_path: Path, plain_sim: SmtpSim) -> None:
    settings = dataclasses.replace(FAST, enabled=frozenset({NotificationKind.ORDER_REJECTED}))
    h = build(tmp_path / "outbox.sqlite", plain_sim.port, settings)
    h.service.start()
    h.publish(FillRecorded(make_fill()), OrderUpdated(rejected_order()))
    mail = await one_mail(plain_sim)
    assert mail.subject.startswith("[TradeTerm] Order rejected:")
    await h.service.close()
    h.outbox.close()


async def test_orders_restored_from_the_journal_are_not_mailed_again(
    harness: Harness, plain_sim: SmtpSim
) -> None:
    old = make_order()
    old.apply(OrderSubmitted(old.client_order_id, ts=datetime.now(UTC) - timedelta(days=2)))
    old.apply(OrderRejected(old.client_order_id, "old news", ts=datetime.now(UTC) - timedelta(days=2)))
    harness.publish(OrderUpdated(old), FillRecorded(make_fill()))
    mail = await one_mail(plain_sim)
    assert "old news" not in mail.body


def test_next_summary_time_is_today_or_tomorrow() -> None:
    now = datetime(2030, 3, 4, 12, 0).astimezone()
    assert next_summary_time(now, time(17, 30)) == now.replace(hour=17, minute=30)
    assert next_summary_time(now, time(9, 0)) == (now + timedelta(days=1)).replace(hour=9, minute=0)


def test_settings_name_the_bad_kind_and_time() -> None:
    settings = NotificationSettings.from_mapping({"notify": ["fill", "kill_switch"], "daily_summary_at": "16:05"})
    assert settings.enabled == {NotificationKind.FILL, NotificationKind.KILL_SWITCH}
    assert settings.daily_summary_at == time(16, 5)
    with pytest.raises(ValueError, match="known kinds"):
        NotificationSettings.from_mapping({"notify": ["fills"]})
    with pytest.raises(ValueError, match="daily_summary_at"):
        NotificationSettings.from_mapping({"daily_summary_at": "5pm"})



async def test_a_notification_before_the_loop_runs_is_mailed_once_started(tmp_path: Path, plain_sim: SmtpSim) -> None:
    h = build(tmp_path / "outbox.sqlite", plain_sim.port)
    await asyncio.to_thread(h.publish, FillRecorded(make_fill(trade_id="EARLY-1")))  # no running loop there
    h.service.start()
    mail = await one_mail(plain_sim)
    assert "EARLY-1" in mail.body
    await h.service.close()
    h.outbox.close()


async def test_the_daily_summary_has_each_accounts_funds_totals(tmp_path: Path, plain_sim: SmtpSim) -> None:
    bus = EventBus()
    portfolio = Portfolio(bus, {"AAPL": make_instrument("AAPL")}, SystemClock())
    h = build(tmp_path / "outbox.sqlite", plain_sim.port, bus=bus, portfolio=portfolio)
    ib = AccountFunds(AccountId("IB-1"), (
        FundsLine("USD", cash=Decimal("900.5"), equity=Decimal("1200"), buying_power=Decimal("4000"),
                  margin_used=Decimal("250"), margin_available=Decimal("950"), segment="BASE"),
    ), FundsSource.BROKER, datetime(2030, 1, 2, tzinfo=UTC))
    h.service.funds_of = lambda: {ib.account_id: ib}
    h.service.start()
    h.service.queue_daily_summary()
    [summary] = await plain_sim.wait_for(1)
    assert "Account IB-1" in summary.body, "an account with funds and no position still has its section"
    assert ("Funds USD BASE: cash 900.50, equity 1,200.00, buying power 4,000.00, margin used 250.00, "
            "margin available 950.00") in summary.body
    await h.service.close()
    h.outbox.close()
