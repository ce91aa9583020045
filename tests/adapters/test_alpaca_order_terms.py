"""Alpaca's order terms through the real alpaca-py against the simulator: FOK, OPG, CLS, extended hours, fractional
and notional quantities, and closing a position with DELETE /v2/positions/{symbol}."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from core.adapters.alpaca.adapter import AlpacaBroker, create
from core.domain import (
    AccountId,
    Order,
    OrderAccepted,
    OrderExpired,
    OrderFilled,
    OrderOrigin,
    OrderStatus,
    OrderSubmitted,
    OrderType,
    Side,
    TimeInForce,
)
from core.ports.errors import OrderRejected, Timeout
from core.ports.order_terms import terms_problem
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.alpaca.exchange import AlpacaExchange, Listing
from tests.sims.alpaca.server import AlpacaSimulator
from tests.sims.alpaca.testing import sim_fixture, sim_settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "websockets.legacy is deprecated", DeprecationWarning)
    from alpaca.common.exceptions import APIError
    from alpaca.trading.client import TradingClient
    from alpaca.trading.enums import OrderSide
    from alpaca.trading.enums import TimeInForce as AlpacaTif
    from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest

sim = sim_fixture()
ACCOUNT = AccountId("ALPACA-T")


@pytest.fixture
async def broker(sim: AlpacaSimulator) -> AsyncIterator[tuple[AlpacaBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim), events)
    await adapter.connect()
    yield adapter, events
    await adapter.disconnect()


def order_of(sim: AlpacaSimulator, quantity: str, order_type: OrderType = OrderType.MARKET, limit: str | None = None,
             side: Side = Side.BUY, tif: TimeInForce = TimeInForce.DAY, symbol: str = "AAPL") -> Order:
    order = make_order(instrument=sim.exchange.by_symbol[symbol].instrument(), side=side, quantity=quantity,
                       order_type=order_type, limit_price=limit, tif=tif, account_id=ACCOUNT)
    order.apply(OrderSubmitted(order.client_order_id))
    return order


def client(sim: AlpacaSimulator) -> TradingClient:
    trading = TradingClient(sim.api_key, sim.api_secret, paper=True, raw_data=True, url_override=sim.root)
    trading._retry_codes = []
    return trading


def refusal(sim: AlpacaSimulator, request: object) -> tuple[int | None, dict[str, object]]:
    """Send request with alpaca-py's TradingClient; return the HTTP status and the JSON body Alpaca refused it with."""
    with pytest.raises(APIError) as refused:
        client(sim).submit_order(request)  # type: ignore[arg-type]
    return refused.value.status_code, {"code": refused.value.code, "message": refused.value.message}


async def test_the_simulator_refuses_extended_hours_and_fractions_as_alpaca_does(sim: AlpacaSimulator) -> None:
    market = MarketOrderRequest(symbol="AAPL", qty=1, side=OrderSide.BUY, time_in_force=AlpacaTif.DAY,
                                extended_hours=True)
    gtc_limit = LimitOrderRequest(symbol="AAPL", qty=1, side=OrderSide.BUY, time_in_force=AlpacaTif.GTC,
                                  limit_price=150, extended_hours=True)
    hours = {"code": 42210000, "message": "extended hours order must be DAY limit orders"}
    assert await asyncio.to_thread(refusal, sim, market) == (422, hours)
    assert await asyncio.to_thread(refusal, sim, gtc_limit) == (422, hours)

    fraction_limit = LimitOrderRequest(symbol="AAPL", qty=0.5, side=OrderSide.BUY, time_in_force=AlpacaTif.DAY,
                                       limit_price=150)
    fraction_gtc = MarketOrderRequest(symbol="AAPL", qty=0.5, side=OrderSide.BUY, time_in_force=AlpacaTif.GTC)
    notional_limit = LimitOrderRequest(symbol="AAPL", notional=50, side=OrderSide.BUY, time_in_force=AlpacaTif.DAY,
                                       limit_price=150)
    short_fraction = MarketOrderRequest(symbol="AAPL", qty=0.5, side=OrderSide.SELL, time_in_force=AlpacaTif.DAY)
    assert await asyncio.to_thread(refusal, sim, fraction_limit) == (
        422, {"code": 42210000, "message": "fractional orders must be market orders"})
    assert await asyncio.to_thread(refusal, sim, fraction_gtc) == (
        422, {"code": 42210000, "message": "fractional orders must be DAY orders"})
    assert (await asyncio.to_thread(refusal, sim, notional_limit))[1]["message"] == \
        "fractional orders must be market orders"
    assert await asyncio.to_thread(refusal, sim, short_fraction) == (
        403, {"code": 40310000, "message": "fractional orders cannot be sold short"})
    assert sim.exchange.orders == {}


async def test_a_notional_market_order_buys_a_fraction_of_a_share() -> None:
    simulator = AlpacaSimulator(tick_interval_s=0.02, exchange=AlpacaExchange(
        listings=(Listing("AAPL", Decimal("190.00")), Listing("BRK", Decimal("600.00"), fractionable=False))))
    await simulator.start()
    try:
        whole_only = MarketOrderRequest(symbol="BRK", qty=0.5, side=OrderSide.BUY, time_in_force=AlpacaTif.DAY)
        assert await asyncio.to_thread(refusal, simulator, whole_only) == (
            422, {"code": 40010001, "message": "requested asset is not fractionable"})
        dollars = MarketOrderRequest(symbol="AAPL", notional=95, side=OrderSide.BUY, time_in_force=AlpacaTif.DAY)
        placed = await asyncio.to_thread(client(simulator).submit_order, dollars)
        for _ in range(500):
            if simulator.exchange.orders[placed["id"]]["status"] == "filled":  # type: ignore[index]
                break
            await asyncio.sleep(0.01)
        held = Decimal(simulator.exchange.position("AAPL")["qty"])
        assert 0 < held < 1
    finally:
        await simulator.stop()


async def test_fok_opg_and_cls_go_out_as_alpacas_and_opg_trades_at_the_open(
        broker: tuple[AlpacaBroker, EventRecorder], sim: AlpacaSimulator) -> None:
    adapter, events = broker
    fok = order_of(sim, "2", tif=TimeInForce.FOK)
    opg = order_of(sim, "3", tif=TimeInForce.OPG)
    cls = order_of(sim, "4", OrderType.LIMIT, "1.00", tif=TimeInForce.CLS)
    for order in (fok, opg, cls):
        await adapter.submit(order)
    at_alpaca = {o: sim.exchange.by_client_order_id(str(o.client_order_id))["time_in_force"] for o in (fok, opg, cls)}
    assert at_alpaca == {fok: "fok", opg: "opg", cls: "cls"}
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == fok.client_order_id)
    await asyncio.sleep(0.2)
    assert not [e for e in events.of_type(OrderFilled) if e.client_order_id == opg.client_order_id]
    sim.exchange.auction("opg")
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == opg.client_order_id)
    sim.exchange.auction("cls")  # a buy limit at $1 does not trade in the closing auction: it expires
    await events.wait_for(OrderExpired, lambda e: e.client_order_id == cls.client_order_id)


async def test_the_paper_account_refuses_alpacas_extra_times_in_force(broker: tuple[AlpacaBroker, EventRecorder]
                                                                      ) -> None:
    adapter, _ = broker
    assert terms_problem(adapter, "ALPACA-T", OrderType.LIMIT, TimeInForce.OPG) is None
    problem = terms_problem(object(), "PAPER-1", OrderType.LIMIT, TimeInForce.OPG)
    assert problem == ("tif", "PAPER-1 does not take time in force OPG: choose one of DAY, GTC, IOC.")
    assert terms_problem(adapter, "ALPACA-T", OrderType.LIMIT, TimeInForce.GTD) is not None


async def test_a_fractional_market_order_fills_and_a_fractional_limit_is_refused_in_alpacas_words(
        broker: tuple[AlpacaBroker, EventRecorder], sim: AlpacaSimulator) -> None:
    adapter, events = broker
    assert adapter.instruments()[0].lot_size == Decimal("0.000000001")
    order = order_of(sim, "0.25")
    await adapter.submit(order)
    fill = await events.wait_for(OrderFilled, lambda e: e.client_order_id == order.client_order_id)
    assert fill.fill.quantity.value == Decimal("0.25")
    assert [(p.symbol, p.quantity) for p in (await adapter.snapshot()).positions] == [("AAPL", Decimal("0.25"))]
    with pytest.raises(OrderRejected, match=r"fractional orders must be market orders.*whole number of shares"):
        await adapter.submit(order_of(sim, "0.5", OrderType.LIMIT, "150.00"))


async def test_extended_hours_send_limit_day_orders_into_the_after_hours_session(sim: AlpacaSimulator) -> None:
    sim.exchange.market_open = False
    events = EventRecorder()
    adapter = create(ACCOUNT, sim_settings(sim, extended_hours=True), events)
    await adapter.connect()
    try:
        limit = order_of(sim, "1", OrderType.LIMIT, "250.00")
        market = order_of(sim, "1")
        await adapter.submit(limit)
        await adapter.submit(market)
        await events.wait_for(OrderFilled, lambda e: e.client_order_id == limit.client_order_id)
        assert sim.exchange.by_client_order_id(str(limit.client_order_id))["extended_hours"] is True
        waiting = sim.exchange.by_client_order_id(str(market.client_order_id))
        for _ in range(10):  # market steps: it is taken in, and stays waiting
            sim.exchange.step()
        assert (waiting["extended_hours"], waiting["status"]) == (False, "accepted")  # it waits for the open
    finally:
        await adapter.disconnect()


async def test_close_sells_what_alpaca_holds_through_delete_positions(broker: tuple[AlpacaBroker, EventRecorder],
                                                                      sim: AlpacaSimulator) -> None:
    adapter, events = broker
    entry = order_of(sim, "3")
    await adapter.submit(entry)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == entry.client_order_id)
    close = order_of(sim, "3", side=Side.SELL)
    close.origin = OrderOrigin.CLOSE
    await adapter.submit(close)
    assert ("DELETE", "/v2/positions/AAPL") in sim.requests
    accepted = await events.wait_for(OrderAccepted, lambda e: e.client_order_id == close.client_order_id)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == close.client_order_id)
    assert sim.exchange.order(str(accepted.broker_order_id))["side"] == "sell"
    assert (await adapter.snapshot()).positions == ()
    again = order_of(sim, "3", side=Side.SELL)
    again.origin = OrderOrigin.FLATTEN
    with pytest.raises(OrderRejected, match="Alpaca shows no position in AAPL"):
        await adapter.submit(again)
    assert sim.requests.count(("DELETE", "/v2/positions/AAPL")) == 1


async def test_a_close_whose_answer_is_lost_is_found_not_sent_again(broker: tuple[AlpacaBroker, EventRecorder],
                                                                    sim: AlpacaSimulator) -> None:
    adapter, events = broker
    entry = order_of(sim, "2")
    await adapter.submit(entry)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == entry.client_order_id)
    sim.exchange.faults.cut_after = 1
    close = order_of(sim, "2", side=Side.SELL)
    close.origin = OrderOrigin.FLATTEN
    try:
        await adapter.submit(close)
    except Timeout:
        pytest.fail("the booked close was not found by its side and quantity")
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == close.client_order_id)
    assert sim.requests.count(("DELETE", "/v2/positions/AAPL")) == 1
    assert "AAPL" not in sim.exchange.holdings


async def test_after_a_restart_a_close_is_looked_up_by_its_alpaca_id(sim: AlpacaSimulator) -> None:
    events = EventRecorder()
    first = create(ACCOUNT, sim_settings(sim), events)
    await first.connect()
    entry = order_of(sim, "3")
    await first.submit(entry)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == entry.client_order_id)
    close = order_of(sim, "3", side=Side.SELL)
    close.origin = OrderOrigin.CLOSE
    await first.submit(close)
    await events.wait_for(OrderFilled, lambda e: e.client_order_id == close.client_order_id)
    events.apply_to(close)
    await first.disconnect()

    second = create(ACCOUNT, sim_settings(sim), EventRecorder())
    await second.connect()
    try:
        found = await second.lookup_order(close)
        assert found is not None and found.state.status is OrderStatus.FILLED
        assert [(f.client_order_id, f.quantity.value) for f in found.fills] == [(close.client_order_id, 3)]
    finally:
        await second.disconnect()


async def test_a_fraction_on_anything_but_a_market_day_order_is_refused_before_it_is_journaled(
        broker: tuple[AlpacaBroker, EventRecorder]) -> None:
    """The ticket offered 'lot 0.000000001' on a LMT order; Alpaca refused the fraction only after the journal."""
    adapter, _ = broker
    said = ("quantity", "Alpaca takes a fractional quantity only on a market DAY order: send a whole number of "
                        "shares, or make it a market DAY order.")
    assert terms_problem(adapter, "ALPACA-T", OrderType.LIMIT, TimeInForce.DAY, Decimal("0.5")) == said
    assert terms_problem(adapter, "ALPACA-T", OrderType.MARKET, TimeInForce.GTC, Decimal("0.5")) == said
    assert terms_problem(adapter, "ALPACA-T", OrderType.MARKET, TimeInForce.DAY, Decimal("0.5")) is None
    assert terms_problem(adapter, "ALPACA-T", OrderType.LIMIT, TimeInForce.DAY, Decimal("2")) is None
    assert terms_problem(object(), "PAPER-1", OrderType.LIMIT, TimeInForce.DAY, Decimal("0.5")) is None
