"""Getting out always works: closes and Flatten on held accounts (confirmed and audited), after a mismatch, and on
accounts that take limit orders only; with the real paper broker and the real SQLite journal."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.domain import (
    AccountId,
    Order,
    OrderOrigin,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quote,
    Side,
    TradingState,
)
from core.ports.capabilities import OrderTypes, takes
from core.services.bus import EventBus
from core.services.flatten import FlattenTarget, closing_request
from core.services.risk import HoldCause, RiskConfig, RiskLimits
from core.services.session import REDUCE_WHILE_HELD_AUDIT, ConfirmRequired, OrderRefused, TradingSession
from core.storage.journal import SqliteJournal
from tests.factories import make_fill, make_instrument

A1, A2 = AccountId("PAPER-1"), AccountId("PAPER-2")


class LimitOnlyPaperBroker(PaperBroker):
    """The paper broker, declaring what easytrader declares: it takes limit orders only."""

    order_types = frozenset({OrderType.LIMIT})


@dataclass
class World:
    session: TradingSession
    brokers: dict[AccountId, PaperBroker]
    journal: SqliteJournal


@pytest.fixture
async def world(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    limits = getattr(request, "param", RiskLimits())
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(limits))
    brokers: dict[AccountId, PaperBroker] = {}
    for account, kind in ((A1, PaperBroker), (A2, LimitOnlyPaperBroker)):
        config = PaperConfig(tick_interval_s=60, state_path=str(tmp_path / f"{account}.json"))
        brokers[account] = kind(account, config, bus.publish)
        session.add_account(brokers[account])
        await session.connect(account)
    yield World(session, brokers, journal)
    await session.close()
    journal.close()


async def bought(world: World, account: AccountId = A1, qty: str = "10", symbol: str = "AAPL") -> None:
    quote = world.session.quotes.latest(symbol, account)
    assert quote is not None and quote.ask is not None
    order = await world.session.submit(OrderRequest(account, symbol, Side.BUY, qty, OrderType.LIMIT,
                                                    limit_price=quote.ask))
    assert order.status is OrderStatus.FILLED


def close(account: AccountId = A1, qty: str = "10", price: object = None, symbol: str = "AAPL") -> OrderRequest:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return OrderRequest(account, symbol, Side.SELL, qty, kind, limit_price=price, origin=OrderOrigin.CLOSE)


def held_qty(world: World, account: AccountId = A1, symbol: str = "AAPL") -> Decimal:
    position = world.session.portfolio.position(account, symbol)
    return Decimal(0) if position is None else position.quantity


def audits(world: World) -> list[tuple[str, str]]:
    return [(e.actor, e.detail) for e in world.journal.audit_entries((REDUCE_WHILE_HELD_AUDIT,))]


async def test_after_the_kill_switch_a_close_asks_for_a_confirm_then_goes_out_and_is_audited(world: World) -> None:
    session = world.session
    await bought(world)
    await session.kill_switch("ana")
    orders_before = len(session.oms.orders())
    with pytest.raises(ConfirmRequired) as asked:
        await session.submit(close())
    assert isinstance(asked.value, OrderRefused)
    assert str(asked.value) == ("PAPER-1 is HALTED: Kill switch pulled by ana. This sell of 10 only reduces your "
                                "long 10 AAPL on PAPER-1. Send it anyway?")
    assert len(session.oms.orders()) == orders_before  # nothing journaled, nothing sent
    order = await session.submit(close(), confirmed_by="ana")
    assert order.status is OrderStatus.FILLED and held_qty(world) == 0
    ((actor, detail),) = audits(world)
    assert actor == "ana" and "PAPER-1 HALTED (Kill switch pulled by ana.)" in detail and "SELL 10 AAPL" in detail
    with pytest.raises(OrderRefused, match="Kill switch pulled by ana"):  # a new position still is not
        await session.submit(OrderRequest(A1, "AAPL", Side.BUY, "1", OrderType.MARKET), confirmed_by="ana")


async def test_a_second_close_of_the_same_long_is_refused(world: World) -> None:
    session = world.session
    await bought(world)
    first = await session.submit(close(price="1000.00"))  # far above the market: it works
    assert first.status is OrderStatus.ACCEPTED
    with pytest.raises(OrderRefused) as refused:
        await session.submit(close(price="1000.01"))
    assert str(refused.value) == ("Your long 10 AAPL on PAPER-1 is already being closed by working orders; "
                                  "nothing left to close.")
    await session.cancel(first.client_order_id)
    assert (await session.submit(close(price="1000.01"))).status is OrderStatus.ACCEPTED


async def test_flatten_after_the_kill_switch_asks_once_then_closes_and_audits(world: World) -> None:
    session = world.session
    await bought(world)
    await session.kill_switch("ana")
    with pytest.raises(ConfirmRequired, match=r"PAPER-1 is HALTED: Kill switch pulled by ana\. Flatten only "
                                              r"reduces its positions \(long 10 AAPL\)"):
        await session.flatten(A1)
    result = await session.flatten(A1, confirmed_by="ana")
    (order,) = result.sent
    assert result.not_sent == () and order.status is OrderStatus.FILLED and order.origin is OrderOrigin.FLATTEN
    assert held_qty(world) == 0 and [actor for actor, _ in audits(world)] == ["ana"]


async def test_flatten_of_a_disconnected_account_says_why_it_cannot(world: World) -> None:
    session = world.session
    await bought(world)
    await session.disconnect(A1)
    result = await session.flatten(A1, confirmed_by="ana")
    assert result.sent == ()
    assert result.not_sent == ("Flatten PAPER-1 AAPL: PAPER-1 is not connected: connect it first.",)


async def test_after_a_mismatch_flatten_closes_the_brokers_position_not_ours(world: World) -> None:
    session = world.session
    await bought(world)  # the broker and we: long 10
    session.oms.record_external_fill(make_fill(quantity="10", price="100.00", side=Side.SELL, account_id=A1,
                                               ts=datetime.now(UTC)))  # our books alone: flat
    await session.disconnect(A1)
    report = await session.connect(A1)
    assert not report.ok and session.risk.state(A1)[0] is TradingState.HALTED and held_qty(world) == 0
    with pytest.raises(ConfirmRequired, match="Positions differ from the broker's"):
        await session.flatten(A1)
    result = await session.flatten(A1, confirmed_by="ana")
    (order,) = result.sent
    assert order.side is Side.SELL and order.quantity.value == 10 and order.status is OrderStatus.FILLED
    assert (await world.brokers[A1].snapshot()).positions == ()


@pytest.mark.parametrize("world", [RiskLimits(collar_ticks=5)], indirect=True)
async def test_flatten_sends_a_marketable_limit_at_the_collar_edge_where_market_orders_are_not_taken(
        world: World) -> None:
    session = world.session
    await bought(world, A2)
    quote = session.quotes.latest("AAPL", A2)
    assert quote is not None and quote.bid is not None
    result = await session.flatten(A2)
    (order,) = result.sent
    assert order.order_type is OrderType.LIMIT and order.limit_price is not None
    assert order.limit_price.value == quote.bid - 5 * Decimal("0.01")
    assert order.status is OrderStatus.FILLED and held_qty(world, A2) == 0


def test_easytrader_declares_it_takes_limit_orders_only() -> None:
    assert isinstance(EasytraderBroker.__new__(EasytraderBroker), OrderTypes)
    assert not isinstance(PaperBroker.__new__(PaperBroker), OrderTypes)
    assert not takes(EasytraderBroker.__new__(EasytraderBroker), OrderType.MARKET)
    assert takes(EasytraderBroker.__new__(EasytraderBroker), OrderType.LIMIT)


def test_without_a_quote_flatten_on_a_limit_only_account_says_why() -> None:
    target = FlattenTarget(A2, "AAPL", Decimal(10))
    why = closing_request(target, LimitOnlyPaperBroker.__new__(LimitOnlyPaperBroker), None, None, RiskLimits(),
                          datetime.now(UTC))
    assert why == ("AAPL is not a known instrument: PAPER-2 takes limit orders only, so Flatten prices a marketable "
                   "limit from a quote; close it at the broker.")
    why = closing_request(target, LimitOnlyPaperBroker.__new__(LimitOnlyPaperBroker), make_instrument("AAPL"), None,
                          RiskLimits(collar_pct=Decimal(1)), datetime.now(UTC))
    assert isinstance(why, str) and why.startswith("No quote for AAPL: PAPER-2 takes limit orders only")
    stale = Quote("AAPL", Decimal("99.99"), Decimal("100.00"), Decimal("100.00"), ts=datetime(2026, 1, 1, tzinfo=UTC))
    why = closing_request(target, LimitOnlyPaperBroker.__new__(LimitOnlyPaperBroker), make_instrument("AAPL"), stale,
                          RiskLimits(collar_pct=Decimal(1)), datetime(2026, 1, 1, 0, 0, 11, tzinfo=UTC))
    assert isinstance(why, str) and why.startswith("The last AAPL quote is 11.0 s old")


async def test_a_held_reducing_account_still_refuses_a_close_past_zero_even_confirmed(world: World) -> None:
    session = world.session
    await bought(world)
    session.risk.hold(A1, HoldCause.DAILY_LOSS, TradingState.REDUCING, "Daily loss beyond the limit.")
    with pytest.raises(OrderRefused, match="through zero"):
        await session.submit(close(qty="11"), confirmed_by="ana")
    assert audits(world) == []


class FillsBeforeCancelPaperBroker(PaperBroker):
    """The paper broker, but a resting order's cancel arrives after the market reached it: the order fills, then the
    cancel is refused (as a real broker answers a cancel that crossed a fill on the wire)."""

    async def _fill_first(self, orders: Sequence[Order]) -> None:
        for order in orders:
            if order.limit_price is not None and order.side is Side.SELL:
                price = order.limit_price.value
                outcomes = self._engine.match(Quote(order.symbol, bid=price, ask=price + Decimal("0.01"),
                                                    last=price, bid_size=Decimal(1_000), ask_size=Decimal(1_000)))
                self._commit(self._settle(outcomes))
        await asyncio.sleep(0)

    async def cancel(self, order: Order) -> None:
        await self._fill_first([order])
        await super().cancel(order)

    async def cancel_orders(self, orders: Sequence[Order]) -> None:
        await self._fill_first(orders)
        await super().cancel_orders(orders)


async def test_flatten_sizes_its_close_from_the_position_after_the_cancels_not_before(tmp_path: Path) -> None:
    """A resting sell that fills while Flatten's cancel is on its way has closed part of the long: the close sells
    only what is left. Sized before the cancels, the close was for the whole long: risk refused it as more than the
    position, and the rest of the long stayed open after a Flatten."""
    bus = EventBus()
    journal = SqliteJournal(tmp_path / "journal.sqlite")
    session = TradingSession(bus, journal, risk=RiskConfig(RiskLimits()))
    broker = FillsBeforeCancelPaperBroker(A1, PaperConfig(tick_interval_s=60, state_path=str(tmp_path / "p.json")),
                                          bus.publish)
    session.add_account(broker)
    await session.connect(A1)
    try:
        world = World(session, {A1: broker}, journal)
        await bought(world, qty="10")
        quote = session.quotes.latest("AAPL", A1)
        assert quote is not None and quote.ask is not None
        resting = await session.submit(OrderRequest(A1, "AAPL", Side.SELL, "4", OrderType.LIMIT,
                                                    limit_price=quote.ask + 1))
        assert resting.status is OrderStatus.ACCEPTED
        result = await session.flatten(A1)
        assert session.oms.get(resting.client_order_id).status is OrderStatus.FILLED  # type: ignore[union-attr]
        assert [(o.side, o.quantity.value) for o in result.sent] == [(Side.SELL, Decimal(6))]
        for _ in range(100):
            position = session.portfolio.position(A1, "AAPL")
            if position is None or position.quantity == 0:
                break
            await asyncio.sleep(0.01)
        assert position is None or position.quantity == 0, f"flat after Flatten, not {position.quantity}"
    finally:
        await session.close()
        journal.close()
