"""The OANDA adapter against the v20 simulator: what a trader notices beyond the shared contract."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.adapters.oanda.adapter import OandaBroker, create
from core.domain import (
    AccountId,
    ConnectionChanged,
    ConnectionState,
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderModified,
    OrderModifyRejected,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Price,
    Quantity,
    Quote,
    Side,
)
from core.domain.protection import Bracket
from core.ports.account_funds import AccountFundsSource
from core.ports.bar_history import ONE_DAY, ONE_HOUR, ONE_MINUTE, BarHistory, HistoryUnavailable, bar_start
from core.ports.broker import OrderLookup
from core.ports.errors import (
    AuthenticationFailed,
    BrokerApiError,
    InsufficientFunds,
    InvalidInstrument,
    OrderRejected,
)
from tests.adapters.contract import EventRecorder
from tests.factories import make_instrument, make_order
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_fixture, sim_settings

sim = sim_fixture()


@pytest.fixture
async def events() -> EventRecorder:
    return EventRecorder()


@pytest.fixture
async def broker(sim: OandaSimulator, events: EventRecorder) -> AsyncIterator[OandaBroker]:
    adapter = create(AccountId("OANDA-T"), sim_settings(sim, order_timeout_s=0.5), events)
    await adapter.connect()
    yield adapter
    await adapter.disconnect()


def market_buy(broker: OandaBroker, units: str, symbol: str = "EUR_USD", side: Side = Side.BUY) -> object:
    instrument = next(i for i in broker.instruments() if i.symbol == symbol)
    order = make_order(instrument=instrument, side=side, quantity=units, order_type=OrderType.MARKET,
                       account_id=broker.account_id)
    order.apply(OrderSubmitted(order.client_order_id))
    return order


async def test_a_wrong_token_is_refused_with_what_to_do(sim: OandaSimulator, events: EventRecorder) -> None:
    adapter = create(AccountId("OANDA-T"), sim_settings(sim, token="not-the-token"), events)
    with pytest.raises(AuthenticationFailed, match=r"401.*Insufficient authorization.*personal access token"):
        await adapter.connect()
    assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.FAILED
    await adapter.disconnect()


async def test_a_live_account_connects_only_when_confirmed(sim: OandaSimulator, events: EventRecorder) -> None:
    adapter = create(AccountId("OANDA-L"), sim_settings(sim, environment="live"), events)
    with pytest.raises(BrokerApiError, match=r"LIVE account.*confirm_live"):
        await adapter.connect()
    confirmed = create(AccountId("OANDA-L"), sim_settings(sim, environment="live", confirm_live="yes"), events)
    await confirmed.connect()
    assert events.of_type(ConnectionChanged)[-1].state is ConnectionState.CONNECTED
    await confirmed.disconnect()


async def test_instruments_take_their_tick_from_oandas_display_precision(broker: OandaBroker) -> None:
    ticks = {i.symbol: i.tick_size for i in broker.instruments()}
    assert ticks == {"EUR_USD": Decimal("0.00001"), "USD_JPY": Decimal("0.001"), "GBP_USD": Decimal("0.00001")}
    assert {i.currency for i in broker.instruments()} == {"USD", "JPY"}


async def test_yen_quotes_arrive_on_the_bus_on_tick(broker: OandaBroker, events: EventRecorder) -> None:
    yen = next(i for i in broker.instruments() if i.symbol == "USD_JPY")
    await broker.subscribe([yen])
    quote = await events.wait_for(Quote, lambda q: q.symbol == "USD_JPY")
    assert quote.bid is not None and quote.ask is not None and quote.bid <= quote.ask
    assert yen.is_on_tick(quote.bid) and quote.source == "OANDA-T"


async def test_a_late_answer_is_found_by_our_id_and_never_sent_twice(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    sim.late_order_answer_s = 3.0
    order = market_buy(broker, "1000")
    await broker.submit(order)  # returns once found by its client id, not after the late answer
    fill = await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
    assert sim.order_posts == 1
    assert fill.fill.quantity.value == 1000
    assert len(events.of_type(OrderAccepted)) == 1
    assert [p["long"]["units"] for p in sim.exchange.open_positions()] == ["1000"]


async def test_a_fifo_refusal_is_typed_and_explained(broker: OandaBroker, events: EventRecorder) -> None:
    protect = Bracket(stop_loss=Decimal("1.0"), take_profit=Decimal("1.5"))
    first = market_buy(broker, "500")
    await broker.submit_protected(first, protect)
    second = market_buy(broker, "500")
    with pytest.raises(OrderRejected, match=r"FIFO rule.*Change the size by one unit") as refused:
        await broker.submit_protected(second, protect)
    assert not isinstance(refused.value, InsufficientFunds)
    assert "FIFO_VIOLATION_SAFEGUARD_VIOLATION" in str(refused.value)
    assert events.for_order(second) == []
    await broker.submit_protected(market_buy(broker, "501"), protect)  # a different size is allowed


async def test_funds_come_from_the_account_summary(sim: OandaSimulator, broker: OandaBroker) -> None:
    assert isinstance(broker, AccountFundsSource)
    await broker.submit(market_buy(broker, "10000"))
    funds = await broker.account_funds()
    line = funds.line("USD")
    assert line is not None
    summary = sim.exchange.summary()
    assert line.cash == Decimal(summary["balance"]) and line.margin_used is not None and line.margin_used > 0
    assert line.equity is not None and line.margin_available is not None
    assert line.equity - line.margin_used == line.margin_available


async def test_lookup_and_close_position(sim: OandaSimulator, broker: OandaBroker, events: EventRecorder) -> None:
    assert isinstance(broker, OrderLookup)
    order = market_buy(broker, "2000")
    await broker.submit(order)
    found = await broker.lookup_order(order)
    assert found is not None and found.state.status is OrderStatus.FILLED
    assert [f.quantity.value for f in found.fills] == [2000]
    await broker.close_position("EUR_USD")
    snapshot = await broker.snapshot()
    assert [p for p in snapshot.positions if p.symbol == "EUR_USD"] == []



async def test_a_refused_order_stays_refused_when_the_stream_repeats_the_refusal(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    refused = make_order(instrument=make_instrument(symbol="EUR_XXX", currency="XXX"), quantity="1000",
                         order_type=OrderType.MARKET, account_id=broker.account_id)
    with pytest.raises(InvalidInstrument, match="EUR_XXX"):
        await broker.submit(refused)
    # An order placed elsewhere (another platform) after the refusal reaches TradeTerm only by the stream, which
    # is ordered: once its fill is here, the stream has carried the refusal's transaction too.
    sim.exchange.place({"type": "MARKET", "instrument": "EUR_USD", "units": "7", "clientExtensions": {"id": "probe"}})
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == "probe")
    assert events.for_order(refused) == []


async def test_what_happened_while_the_transaction_stream_was_down_is_read_back(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    instrument = next(i for i in broker.instruments() if i.symbol == "EUR_USD")
    order = make_order(instrument=instrument, quantity="100", order_type=OrderType.LIMIT, limit_price="1.00000",
                       account_id=broker.account_id)
    order.apply(OrderSubmitted(order.client_order_id))
    await broker.submit(order)
    await sim.drop_streams(refuse_s=0.5)  # the stream breaks; reconnects are refused for half a second
    sim.exchange.cancel(f"@{order.client_order_id}")  # canceled at OANDA (e.g. from its web platform) meanwhile
    canceled = await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
    assert canceled.reason == "canceled on request"


async def test_a_resting_limit_is_changed_in_place_under_our_id(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    instrument = next(i for i in broker.instruments() if i.symbol == "EUR_USD")
    order = make_order(instrument=instrument, quantity="100", order_type=OrderType.LIMIT, limit_price="1.00000",
                       account_id=broker.account_id)
    order.apply(OrderSubmitted(order.client_order_id))
    await broker.submit(order)
    await broker.modify(order, Quantity(Decimal(300)), Price(Decimal("1.00100")), None)
    changed = await events.wait_for(OrderModified, lambda e: e.client_order_id == order.client_order_id)
    assert (changed.quantity.value, changed.limit_price) == (Decimal(300), Price(Decimal("1.00100")))
    assert events.of_type(OrderCanceled) == [], "the replaced order is not reported canceled"
    pending = [o.wire for o in sim.exchange.orders.values() if o.state == "PENDING"]
    assert [(w["units"], w["price"], w["clientExtensions"]["id"]) for w in pending] == [
        ("300", "1.00100", str(order.client_order_id))]
    await broker.cancel(order)
    await events.wait_for(OrderCanceled, lambda e: e.client_order_id == order.client_order_id)
    assert [o for o in sim.exchange.orders.values() if o.state == "PENDING"] == []


async def test_changing_a_filled_order_is_refused_not_crashed(broker: OandaBroker, events: EventRecorder) -> None:
    order = market_buy(broker, "100")
    await broker.submit(order)
    await broker.modify(order, Quantity(Decimal(200)), None, None)
    refusal = await events.wait_for(OrderModifyRejected, lambda e: e.client_order_id == order.client_order_id)
    assert "does not exist" in refusal.reason


async def test_after_a_restart_the_snapshot_still_has_todays_fills_with_our_ids(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    order = market_buy(broker, "400")
    await broker.submit(order)
    fill = (await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)).fill
    await broker.disconnect()
    restarted = create(AccountId("OANDA-T"), sim_settings(sim), EventRecorder())
    await restarted.connect()
    snapshot = await restarted.snapshot(fills_since=fill.ts - timedelta(minutes=1))
    await restarted.disconnect()
    assert [(f.trade_id, f.client_order_id, f.quantity.value) for f in snapshot.fills] == [
        (fill.trade_id, order.client_order_id, Decimal(400))]


async def test_the_chart_gets_complete_minute_and_daily_candles(sim: OandaSimulator, broker: OandaBroker) -> None:
    assert isinstance(broker, BarHistory)
    end = bar_start(datetime.now(UTC), ONE_MINUTE)
    bars = await broker.history("USD_JPY", ONE_MINUTE, end - timedelta(minutes=30), end)
    assert [b.start for b in bars] == [end - timedelta(minutes=30 - i) for i in range(30)]
    yen = next(i for i in broker.instruments() if i.symbol == "USD_JPY")
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high and yen.is_on_tick(b.close)
               for b in bars)
    # A market's path, not scattered dots: each candle opens where the last closed, and the history meets the
    # live price (the simulator's prices start where its candles are at its start).
    assert all(later.open == earlier.close for earlier, later in itertools.pairwise(bars))
    assert len({b.close for b in bars}) > 5
    live = sim.exchange.market.quote("USD_JPY").last
    assert abs(bars[-1].close / live - 1) < Decimal("0.005"), (bars[-1].close, live)
    days = await broker.history("EUR_USD", ONE_DAY, end - timedelta(days=10), end)
    assert days and all(b.start.hour == 0 and b.start.minute == 0 for b in days)
    with pytest.raises(HistoryUnavailable, match="NOPE_USD"):
        await broker.history("NOPE_USD", ONE_HOUR, end - timedelta(hours=5), end)


async def test_a_broken_transaction_stream_says_reconnecting_until_it_is_open_again(
    sim: OandaSimulator, broker: OandaBroker, events: EventRecorder
) -> None:
    """In the window, with OANDA out of reach, the account said "connected · active" (the streams only logged their
    retries). Without the transaction stream no fill reaches TradeTerm: the account is RECONNECTING, with why, and
    CONNECTED again once the stream is open and what it missed was read back."""
    await sim.drop_streams(refuse_s=0.5)  # the stream breaks; reconnects are refused for half a second
    lost = await events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.RECONNECTING)
    assert "transaction stream" in lost.message and lost.account_id == broker.account_id
    back = await events.wait_for(ConnectionChanged, lambda e: e.state is ConnectionState.CONNECTED
                                 and e.message.startswith("Reconnected"))
    assert back.ts >= lost.ts
    assert [e.state for e in events.of_type(ConnectionChanged)][-2:] == [ConnectionState.RECONNECTING,
                                                                          ConnectionState.CONNECTED]
