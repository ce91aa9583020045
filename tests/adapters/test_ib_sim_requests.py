"""The TWS simulator answers every request ib_async may send, as TWS does (issue 29): never silence.

The real ib_async client over the socket. Several of its calls wait without a timeout (open orders,
executions, account summary, head timestamp), so a request the simulator ignored hung the caller;
a whatIf preview was booked and worked like a real order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from ib_async import IB, ExecutionFilter, Forex, Future, LimitOrder, Stock

from tests.adapters import ib_desk
from tests.sims.tws import TwsSimulator

ANSWER_S = 5.0
"""Far above the simulator's answer time; only a request left unanswered reaches it."""


decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True, tick_interval_s=0.05)


@pytest.fixture
async def ib(sim: TwsSimulator) -> AsyncIterator[IB]:
    client = IB()
    client.RaiseRequestErrors = False
    await client.connectAsync("127.0.0.1", sim.port, clientId=3, timeout=5)
    yield client
    client.disconnect()


async def answered(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, ANSWER_S)


async def aapl(ib: IB) -> Any:
    (contract,) = await answered(ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD")))
    return contract


async def test_what_if_answers_margins_and_commission_and_never_works_the_order(ib: IB, sim: TwsSimulator) -> None:
    state = await answered(ib.whatIfOrderAsync(await aapl(ib), LimitOrder("BUY", 100, 150.0)))
    assert float(state.initMarginChange) == pytest.approx(100 * 150 * 0.25)
    assert float(state.equityWithLoanBefore) > 0 and state.commission == pytest.approx(1.0)
    assert sim.book.orders == {}, "a preview is never booked"
    assert ib.trades() == [] and ib.openTrades() == []


async def test_unserved_market_data_is_refused_with_tws_errors_not_silence(ib: IB) -> None:
    contract = await aapl(ib)
    errors: list[int] = []
    ib.errorEvent += lambda req_id, code, message, contract_: errors.append(code)
    depth = ib.reqMktDepth(contract)  # served since the ladder (tests/sims/tws/depth.py)
    ib.reqTickByTickData(contract, "BidAsk")  # trades (Last, AllLast) are served: tests/sims/tws/tape.py
    await answered(_until(lambda: {10189} <= set(errors) and len(depth.domBids) > 0))  # history: test_ib_history.py
    assert await answered(ib.reqMktDepthExchangesAsync()) == []


async def test_symbol_search_finds_the_simulated_listings(ib: IB) -> None:
    found = await answered(ib.reqMatchingSymbolsAsync("AA"))
    assert found is not None and [d.contract.symbol for d in found] == ["AAPL"]
    assert await answered(ib.reqMatchingSymbolsAsync("ZZZZ")) == []


async def test_all_open_orders_include_other_clients_orders(ib: IB, sim: TwsSimulator) -> None:
    other = IB()
    await other.connectAsync("127.0.0.1", sim.port, clientId=4, timeout=5)
    try:
        other.placeOrder(await aapl(other), LimitOrder("BUY", 1, 100.0))
        await answered(_until(lambda: len(sim.book.orders) == 1))
        trades = await answered(ib.reqAllOpenOrdersAsync())
        assert [t.order.clientId for t in trades] == [4]
    finally:
        other.disconnect()


async def test_the_execution_filter_is_honoured(ib: IB, sim: TwsSimulator) -> None:
    contract = await aapl(ib)
    ib.placeOrder(contract, LimitOrder("BUY", 2, 100.0))
    ib.placeOrder(contract, LimitOrder("SELL", 1, 100.0))
    await answered(_until(lambda: len(sim.book.orders) == 2))
    for order in list(sim.book.orders.values()):
        sim.fill_order(order)
    bought = await answered(ib.reqExecutionsAsync(ExecutionFilter(side="BUY")))
    assert [f.execution.side for f in bought] == ["BOT"]
    assert await answered(ib.reqExecutionsAsync(ExecutionFilter(symbol="MSFT"))) == []
    assert len(await answered(ib.reqExecutionsAsync(ExecutionFilter(secType="STK")))) == 2


async def test_the_account_summary_sends_only_the_tags_asked_for(ib: IB) -> None:
    ended = ib.wrapper.startReq(9001)
    ib.client.reqAccountSummary(9001, "All", "NetLiquidation,BuyingPower")  # type: ignore[no-untyped-call]
    await answered(ended)
    assert {key[1] for key in ib.wrapper.acctSummary} == {"NetLiquidation", "BuyingPower"}


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.01)


async def test_an_order_without_exchange_is_refused_with_321_and_not_booked(ib: IB, sim: TwsSimulator) -> None:
    errors: list[int] = []
    ib.errorEvent += lambda req_id, code, message, contract_: errors.append(code)
    ib.placeOrder(Stock("XXX"), LimitOrder("BUY", 1, 10.0))
    await answered(_until(lambda: 321 in errors))
    assert sim.book.orders == {}


# --- cash as IB books it ------------------------------------------------------------------------------


def cash_of(ib: IB, currency: str) -> Decimal:
    values = [v for v in ib.accountValues() if v.tag == "CashBalance" and v.currency == currency]
    return Decimal(values[-1].value) if values else Decimal(0)


async def fill(ib: IB, sim: TwsSimulator, contract: Any, order: Any, price: Decimal) -> None:
    ib.placeOrder(contract, order)
    await answered(_until(lambda: any(o.order_ref == order.orderRef for o in sim.book.orders.values())))
    placed = next(o for o in sim.book.orders.values() if o.order_ref == order.orderRef)
    sim.fill_order(placed, price)
    await answered(_until(lambda: any(f.execution.orderRef == order.orderRef for f in ib.fills())))


async def test_a_future_debits_commission_not_its_notional(ib: IB, sim: TwsSimulator) -> None:
    (es,) = await answered(ib.qualifyContractsAsync(Future(localSymbol="ESZ6", exchange="CME")))
    before = cash_of(ib, "USD")
    await fill(ib, sim, es, LimitOrder("BUY", 1, 5200.0, orderRef="FUT1"), Decimal("5200"))
    await answered(_until(lambda: cash_of(ib, "USD") != before))
    assert cash_of(ib, "USD") == before - Decimal("2.25"), "a future's notional never leaves the cash"
    margin = [v for v in ib.accountValues() if v.tag == "InitMarginReq"]
    assert margin and Decimal(margin[-1].value) > 0


async def test_a_forex_buy_creates_the_bought_currencys_balance(ib: IB, sim: TwsSimulator) -> None:
    (eur,) = await answered(ib.qualifyContractsAsync(Forex("EURUSD")))
    before = cash_of(ib, "USD")
    await fill(ib, sim, eur, LimitOrder("BUY", 10000, 1.085, orderRef="FX1"), Decimal("1.085"))
    await answered(_until(lambda: cash_of(ib, "EUR") == 10000))
    assert cash_of(ib, "USD") == before - Decimal("10850") - Decimal("2.00")


async def test_a_stock_positions_average_cost_includes_commission(ib: IB, sim: TwsSimulator) -> None:
    await fill(ib, sim, await aapl(ib), LimitOrder("BUY", 100, 150.0, orderRef="STK1"), Decimal("150"))
    await answered(_until(lambda: any(p.contract.symbol == "AAPL" for p in ib.positions())))
    (position,) = [p for p in ib.positions() if p.contract.symbol == "AAPL"]
    assert Decimal(str(position.avgCost)) == Decimal("150.01"), "150 a share plus $1 commission over 100 shares"
