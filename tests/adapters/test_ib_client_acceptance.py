"""ib_async's own live-TWS tests as acceptance tests of the TWS simulator, with the installed ib_async.

ib_async's tests/ (2.0.1; the same three tests in later versions) talk to a running TWS: test_requests.py
(whatIfOrderAsync on EURUSD has a commission; a whatIf on Stock("XXX") fails with 321; accountSummaryAsync is
AccountValues) and test_contract.py (an hour of history per bar for a day of AMZN and TSLA, through util.df, its
dates converted to New York time). Their calls run here against tests/sims/tws, with AMZN and TSLA listed.

What cannot apply: test_request_error_raised expects the 321 as a RequestError, but ib_async (2.0.1 and the
installed 2.1.0) counts 321 among its warnings and never ends that request, so the test hangs against a real TWS
too; the 321 itself is checked here as it reaches the client (errorEvent).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ib_async import IB, AccountValue, Forex, MarketOrder, Stock, util

from tests.adapters import ib_desk
from tests.sims.tws import TwsSimulator
from tests.sims.tws.market import DEFAULT_LISTINGS, Listing

decoder_guard = ib_desk.decoder_guard
BIG_TECH = (
    Listing(3691937, "AMZN", "STK", "SMART", "NASDAQ", "USD", "AMZN", "NMS", Decimal("0.01"), Decimal("185.00"),
            "AMAZON.COM INC", valid_exchanges="SMART,NASDAQ,ARCA,ISLAND"),
    Listing(76792991, "TSLA", "STK", "SMART", "NASDAQ", "USD", "TSLA", "NMS", Decimal("0.01"), Decimal("175.00"),
            "TESLA INC", valid_exchanges="SMART,NASDAQ,ARCA,ISLAND"),
)
"""The stocks of ib_async's test_contract.py (IB's contract ids)."""


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(listings=DEFAULT_LISTINGS + BIG_TECH, tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def ib(sim: TwsSimulator) -> AsyncIterator[IB]:
    client = IB()
    await client.connectAsync("127.0.0.1", sim.port, clientId=90, timeout=5)
    yield client
    client.disconnect()


async def test_a_whatif_on_eurusd_has_a_commission_and_one_on_an_unknown_stock_gets_tws_321(ib: IB) -> None:
    state = await asyncio.wait_for(ib.whatIfOrderAsync(Forex("EURUSD"), MarketOrder("BUY", 100)), 5)
    assert state.commission > 0
    codes: asyncio.Queue[int] = asyncio.Queue()
    ib.errorEvent += lambda req_id, code, message, contract: None if 2100 <= code < 2200 else codes.put_nowait(code)
    pending = ib.whatIfOrderAsync(Stock("XXX"), MarketOrder("BUY", 100))
    try:
        assert await asyncio.wait_for(codes.get(), 10) == 321, "TWS refuses a stock without an exchange with 321"
    finally:
        pending.cancel()


async def test_the_account_summary_is_account_values(ib: IB) -> None:
    summary = await asyncio.wait_for(ib.accountSummaryAsync(), 5)
    assert summary
    assert all(isinstance(value, AccountValue) for value in summary)
    assert {"NetLiquidation", "BuyingPower", "AvailableFunds"} <= {value.tag for value in summary}


@pytest.mark.parametrize("symbol", ["AMZN", "TSLA"])
async def test_a_days_hourly_bars_reach_a_dataframe_in_new_york_time(ib: IB, symbol: str) -> None:
    bars = await asyncio.wait_for(
        ib.reqHistoricalDataAsync(Stock(symbol, "SMART", "USD"), "", "1 D", "1 hour", "TRADES", False, 1), 5)
    frame = util.df(bars)
    assert frame is not None, f"no bars for {symbol}"
    frame["date"] = frame["date"].dt.tz_convert("America/New_York")
    frame = frame.drop(columns=["average", "barCount"])
    assert list(frame.columns) == ["date", "open", "high", "low", "close", "volume"]
    assert len(frame) >= 24, "a day of hourly bars, then the one under way"


async def test_bars_up_to_now_end_with_the_bar_under_way(ib: IB) -> None:
    """TWS's answer up to now ends with the bar still forming: a client must not take it for a complete one."""
    asked = datetime.now(UTC)
    bars = await asyncio.wait_for(
        ib.reqHistoricalDataAsync(Stock("AMZN", "SMART", "USD"), "", "1 D", "1 hour", "TRADES", False, 2), 5)
    answered = datetime.now(UTC)
    assert bars[-1].date <= answered and asked < bars[-1].date + timedelta(hours=1), "the last bar has not ended"
