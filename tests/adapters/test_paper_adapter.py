"""PaperBroker specifics: its books survive a restart, it refuses what a broker refuses, settings are checked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.paper.adapter import PaperBroker
from core.adapters.paper.config import PaperConfig
from core.adapters.registry import available_kinds, create_adapter
from core.domain import (
    AccountId,
    AccountUpdated,
    Instrument,
    Order,
    OrderAccepted,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
    TimeInForce,
)
from core.ports.broker import BrokerAdapter
from core.ports.errors import InsufficientFunds, InvalidInstrument
from tests.adapters.contract import EventRecorder
from tests.factories import make_order

ACCOUNT = AccountId("PAPER-T")


@dataclass
class FakeClock:
    current: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 15, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self.current.timestamp()


def broker(path: Path | None, events: EventRecorder, clock: FakeClock | None = None, **settings: object) -> PaperBroker:
    config = PaperConfig(tick_interval_s=0.01, state_path=None if path is None else str(path), **settings)  # type: ignore[arg-type]
    return PaperBroker(ACCOUNT, config, events, clock=clock)


def instrument(b: PaperBroker, symbol: str) -> Instrument:
    return next(i for i in b.instruments() if i.symbol == symbol)


async def current_quote(b: PaperBroker, events: EventRecorder, symbol: str) -> Quote:
    await b.subscribe([instrument(b, symbol)])
    await events.wait_for(Quote, lambda q: q.symbol == symbol)
    return [q for q in events.of_type(Quote) if q.symbol == symbol][-1]


def limit_order(
    b: PaperBroker, symbol: str, qty: str, limit: Decimal, tif: TimeInForce = TimeInForce.DAY, side: Side = Side.BUY
) -> Order:
    inst = instrument(b, symbol)
    price = str(inst.make_price(limit).value)
    order = make_order(inst, side=side, quantity=qty, limit_price=price, tif=tif, account_id=ACCOUNT)
    order.apply(OrderSubmitted(order.client_order_id))
    return order


@pytest.fixture
async def paper(tmp_path: Path) -> AsyncIterator[tuple[PaperBroker, EventRecorder]]:
    events = EventRecorder()
    b = broker(tmp_path / "paper.json", events, leverage=2)  # a margin account: the futures below need it
    await b.connect()
    yield b, events
    await b.disconnect()


async def test_books_survive_a_restart_on_the_same_state_path(tmp_path: Path) -> None:
    path = tmp_path / "books" / "paper.json"
    events = EventRecorder()
    first = broker(path, events)
    await first.connect()
    quote = await current_quote(first, events, "AAPL")
    assert quote.ask is not None and quote.bid is not None
    bought = limit_order(first, "AAPL", "100", quote.ask + 1)
    resting = limit_order(first, "AAPL", "50", quote.bid * Decimal("0.9"), tif=TimeInForce.GTC)
    await first.submit(bought)
    await first.submit(resting)
    before = await first.snapshot()
    await first.disconnect()
    assert not list(path.parent.glob("*.tmp"))  # no temporary file of an atomic write left behind
    assert json.loads(path.read_text())["trade_seq"] == 1

    later = EventRecorder()
    second = broker(path, later)
    await second.connect()
    after = await second.snapshot()
    assert after.cash == before.cash
    assert after.positions == before.positions and after.positions[0].quantity == 100
    assert {(o.client_order_id, o.status) for o in after.orders} == {
        (bought.client_order_id, OrderStatus.FILLED),
        (resting.client_order_id, OrderStatus.ACCEPTED),
    }
    assert [f.trade_id for f in after.fills] == [f.trade_id for f in before.fills]

    quote = await current_quote(second, later, "AAPL")
    assert quote.ask is not None
    again = limit_order(second, "AAPL", "10", quote.ask + 1)
    await second.submit(again)
    new_fill = later.of_type(OrderFilled)[-1].fill
    assert new_fill.trade_id == "PAPER-T-T000002"
    assert new_fill.trade_id not in {f.trade_id for f in before.fills}
    await second.cancel(resting)
    assert (await second.snapshot()).orders[1].status is OrderStatus.CANCELED
    await second.disconnect()


async def test_a_fill_moves_cash_by_notional_plus_fee_and_reports_it(
    paper: tuple[PaperBroker, EventRecorder],
) -> None:
    b, events = paper
    quote = await current_quote(b, events, "ESZ6")
    assert quote.ask is not None
    order = limit_order(b, "ESZ6", "2", quote.ask + 1)
    await b.submit(order)
    fill = events.of_type(OrderFilled)[-1].fill
    cash = {m.currency: m.amount for m in events.of_type(AccountUpdated)[-1].cash}
    notional = 2 * fill.price.value * 50
    assert fill.commission.amount == (notional * Decimal("0.00005")).quantize(Decimal("0.01"))
    assert cash["USD"] == Decimal(1_000_000) - notional - fill.commission.amount


async def test_snapshot_reports_the_fills_from_the_watermark_on(tmp_path: Path) -> None:
    clock = FakeClock()
    events = EventRecorder()
    b = broker(None, events, clock)
    await b.connect()
    quote = await current_quote(b, events, "AAPL")
    assert quote.ask is not None
    await b.submit(limit_order(b, "AAPL", "1", quote.ask + 1))
    clock.current += timedelta(minutes=1)
    await b.submit(limit_order(b, "AAPL", "2", quote.ask + 1))
    first, second = (e.fill for e in events.of_type(OrderFilled))
    assert [f.trade_id for f in (await b.snapshot()).fills] == [first.trade_id, second.trade_id]
    assert [f.trade_id for f in (await b.snapshot(second.ts)).fills] == [second.trade_id]
    assert (await b.snapshot(second.ts + timedelta(seconds=1))).fills == ()
    await b.disconnect()


async def test_buying_more_than_buying_power_is_refused_with_the_numbers(
    paper: tuple[PaperBroker, EventRecorder],
) -> None:
    b, events = paper
    quote = await current_quote(b, events, "ESZ6")
    assert quote.ask is not None
    order = limit_order(b, "ESZ6", "10", quote.ask)
    with pytest.raises(InsufficientFunds, match=r"buying power.*USD.*Reduce the quantity") as refused:
        await b.submit(order)
    assert "2,000,000.00 USD" in str(refused.value)
    assert events.for_order(order) == []


async def test_selling_what_you_hold_needs_no_buying_power_but_going_short_does(
    paper: tuple[PaperBroker, EventRecorder],
) -> None:
    b, events = paper
    quote = await current_quote(b, events, "ESZ6")
    assert quote.ask is not None and quote.bid is not None
    await b.submit(limit_order(b, "ESZ6", "7", quote.ask + 5))
    with pytest.raises(InsufficientFunds, match="Selling short 7 ESZ6"):
        await b.submit(limit_order(b, "ESZ6", "14", quote.bid - 5, side=Side.SELL))
    await b.submit(limit_order(b, "ESZ6", "7", quote.bid - 5, side=Side.SELL))
    assert (await b.snapshot()).positions == ()


async def test_latency_delays_the_acceptance(tmp_path: Path) -> None:
    events = EventRecorder()
    b = broker(None, events, latency_s=0.15)
    await b.connect()
    quote = await current_quote(b, events, "AAPL")
    assert quote.bid is not None
    order = limit_order(b, "AAPL", "1", quote.bid * Decimal("0.9"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    sending = asyncio.create_task(b.submit(order))
    await asyncio.sleep(0.05)
    assert events.for_order(order) == []
    await sending
    assert loop.time() - started >= 0.15
    assert isinstance(events.for_order(order)[0], OrderAccepted)
    await b.disconnect()


async def test_modify_moves_a_resting_limit_and_fills_when_it_becomes_marketable(
    paper: tuple[PaperBroker, EventRecorder],
) -> None:
    b, events = paper
    quote = await current_quote(b, events, "INFY")
    assert quote.bid is not None and quote.ask is not None
    order = limit_order(b, "INFY", "10", quote.bid * Decimal("0.9"))
    await b.submit(order)
    await b.modify(order, Quantity(20), Price(instrument(b, "INFY").make_price(quote.ask * 2).value), None)
    kinds = [type(e) for e in events.for_order(order)]
    assert kinds[:2] == [OrderAccepted, OrderModified]
    assert sum(e.fill.quantity.value for e in events.for_order(order) if isinstance(e, OrderFilled)) == 20


async def test_subscribing_an_unknown_instrument_is_refused(paper: tuple[PaperBroker, EventRecorder]) -> None:
    b, _ = paper
    with pytest.raises(InvalidInstrument, match="NOSUCH"):
        await b.subscribe([Instrument("NOSUCH", "X", "USD", Decimal("0.01"))])


async def test_a_new_trading_day_expires_day_orders_and_keeps_gtc(tmp_path: Path) -> None:
    clock = FakeClock()
    events = EventRecorder()
    b = broker(tmp_path / "paper.json", events, clock)
    await b.connect()
    quote = await current_quote(b, events, "TCS")
    assert quote.bid is not None
    day = limit_order(b, "TCS", "1", quote.bid * Decimal("0.9"))
    gtc = limit_order(b, "TCS", "1", quote.bid * Decimal("0.9"), tif=TimeInForce.GTC)
    await b.submit(day)
    await b.submit(gtc)
    clock.current += timedelta(days=1)
    expired = await events.wait_for(OrderExpired)
    assert expired.client_order_id == day.client_order_id
    states = {o.client_order_id: o.status for o in (await b.snapshot()).orders}
    assert states == {day.client_order_id: OrderStatus.EXPIRED, gtc.client_order_id: OrderStatus.ACCEPTED}
    await b.disconnect()


def test_a_state_file_that_cannot_be_read_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"paper\.json.*Move it aside"):
        broker(path, EventRecorder())


def test_a_state_file_of_another_account_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "paper.json"
    broker(path, EventRecorder())
    with pytest.raises(ValueError, match="PAPER-T"):
        PaperBroker(AccountId("PAPER-OTHER"), PaperConfig(state_path=str(path)), EventRecorder())


@pytest.mark.parametrize(
    ("settings", "field_name"),
    [
        ({"fee_bps": "abc"}, "fee_bps"),
        ({"slippage_bps": -1}, "slippage_bps"),
        ({"tick_interval_s": 0}, "tick_interval_s"),
        ({"latency_s": "soon"}, "latency_s"),
        ({"leverage": 0}, "leverage"),
        ({"seed": 1.5}, "seed"),
        ({"partial_fills": "yes"}, "partial_fills"),
        ({"starting_cash": {"US": 100}}, "starting_cash"),
        ({"starting_cash": {"USD": -5}}, "starting_cash.USD"),
        ({"state_path": 3}, "state_path"),
        ({"fee_bsp": 1}, "fee_bsp"),
    ],
)
def test_invalid_settings_name_the_field(settings: dict[str, object], field_name: str) -> None:
    with pytest.raises(ValueError, match=field_name):
        PaperConfig.from_mapping(settings)


def test_settings_numbers_become_exact_decimals() -> None:
    config = PaperConfig.from_mapping({"fee_bps": 0.1, "starting_cash": {"usd": 2.5}, "tick_interval_s": "0.5"})
    assert config.fee_bps == Decimal("0.1")
    assert config.starting_cash == {"USD": Decimal("2.5")}
    assert config.tick_interval_s == 0.5


def test_registry_builds_a_paper_account_and_names_the_known_kinds() -> None:
    adapter = create_adapter("paper", ACCOUNT, {"seed": 3}, EventRecorder())
    assert isinstance(adapter, BrokerAdapter) and isinstance(adapter, PaperBroker)
    assert adapter.kind == "paper" and "paper" in available_kinds()
    with pytest.raises(ValueError, match="known kinds: "):
        create_adapter("nosuch", ACCOUNT, {}, EventRecorder())


async def test_each_market_tick_hands_the_subscribed_quotes_over_in_one_batch() -> None:
    events, batches = EventRecorder(), []
    adapter = create_adapter("paper", ACCOUNT, {"seed": 3, "tick_interval_s": 0.01}, events, batches.append)
    await adapter.connect()
    try:
        wanted = [i for i in adapter.instruments() if i.symbol in ("AAPL", "MSFT")]
        await adapter.subscribe(wanted)
        for _ in range(200):
            if len(batches) >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await adapter.disconnect()
    assert len(batches) >= 3
    assert all(sorted(q.symbol for q in batch) == ["AAPL", "MSFT"] for batch in batches)  # one call per tick
    assert all(q.source == ACCOUNT for batch in batches for q in batch)


async def test_a_market_order_fills_at_once_at_the_ask_plus_slippage(tmp_path: Path) -> None:
    events = EventRecorder()
    b = broker(None, events, slippage_bps=Decimal(100))
    await b.connect()
    quote = await current_quote(b, events, "MSFT")
    assert quote.ask is not None
    order = make_order(instrument(b, "MSFT"), quantity="3", order_type=OrderType.MARKET, account_id=ACCOUNT)
    await b.submit(order)
    fill = events.of_type(OrderFilled)[-1].fill
    assert fill.client_order_id == order.client_order_id
    assert fill.price.value >= quote.ask * Decimal("1.01")
    await b.disconnect()
