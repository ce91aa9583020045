"""IB historical bars: the TWS simulator answers reqHistoricalData as TWS does (layout, keepUpToDate, 162 pacing,
head timestamp), and the IB adapter serves them to the chart as Bars or says why it cannot.

The real ib_async client over a socket, against tests/sims/tws.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from ib_async import IB, Stock

from core.adapters.ib.adapter import IbBroker
from core.domain.bars import Bar
from core.ports.bar_history import CHART_INTERVALS, ONE_MINUTE, BarHistory, HistoryUnavailable
from core.ports.kept_bars import KeptBars
from tests.adapters import ib_desk
from tests.sims.tws import TwsSimulator

decoder_guard = ib_desk.decoder_guard
sim = ib_desk.sim_fixture(rest_orders=True, tick_interval_s=0.05)


@pytest.fixture
async def ib(sim: TwsSimulator) -> AsyncIterator[IB]:
    client = IB()
    client.RaiseRequestErrors = False
    await client.connectAsync("127.0.0.1", sim.port, clientId=3, timeout=5)
    yield client
    client.disconnect()


@pytest.fixture
async def adapter(sim: TwsSimulator) -> AsyncIterator[IbBroker]:
    broker = ib_desk.broker(sim, lambda event: None, client_id=5)
    await broker.connect()
    yield broker
    await broker.disconnect()


async def _aapl(ib: IB) -> Any:
    (contract,) = await asyncio.wait_for(ib.qualifyContractsAsync(Stock("AAPL", "SMART", "USD")), 5)
    return contract


async def test_the_simulator_answers_bars_in_tws_layout_that_end_at_the_live_price(ib: IB, sim: TwsSimulator) -> None:
    contract = await _aapl(ib)
    bars = await asyncio.wait_for(ib.reqHistoricalDataAsync(contract, "", "1 D", "5 mins", "TRADES", False, 2), 5)
    assert len(bars) == 288, "a day of five-minute bars: 287 complete, then the one under way"
    first, last = bars[0], bars[-1]
    assert isinstance(first.date, datetime) and first.date.tzinfo is not None
    assert last.date + timedelta(minutes=5) > datetime.now(UTC) - timedelta(minutes=5)
    assert all(b.low <= min(b.open, b.close) and max(b.open, b.close) <= b.high for b in bars)
    mark = float(sim.market.mark("AAPL"))
    assert abs(last.close - mark) / mark < 0.005, "the past ends where the live quotes are"
    head = await asyncio.wait_for(ib.reqHeadTimeStampAsync(contract, "TRADES", False, 1), 5)
    assert head == datetime(2010, 6, 29, 13, 30)


async def test_keep_up_to_date_streams_the_bar_under_way(ib: IB, sim: TwsSimulator) -> None:
    contract = await _aapl(ib)
    bars = await asyncio.wait_for(ib.reqHistoricalDataAsync(contract, "", "1800 S", "1 min", "TRADES", False, 2,
                                                            keepUpToDate=True), 5)
    count, under_way = len(bars), bars[-1].date
    assert under_way + timedelta(minutes=1) > datetime.now(UTC) - timedelta(seconds=2), (
        "as TWS does, the answer ends with the bar under way")
    updates: list[bool] = []
    bars.updateEvent += lambda _bars, new: updates.append(new)
    await asyncio.wait_for(_until(lambda: len(updates) >= 3), 5)
    rolled = bars[-1].date > under_way
    assert updates.count(True) == (1 if rolled else 0), "a bar is appended only when the next one begins"
    assert len(bars) == count + updates.count(True), "else the bar under way is updated in place"
    assert bars[-1].low <= bars[-1].close <= bars[-1].high and bars[-1].volume >= 1
    ib.cancelHistoricalData(bars)
    await asyncio.sleep(0.2)
    seen = len(updates)
    await asyncio.sleep(0.3)
    assert len(updates) == seen, "no update after the cancel"


async def test_the_adapter_keeps_the_charted_bar_up_to_date_from_tws(sim: TwsSimulator) -> None:
    events: list[object] = []
    adapter = ib_desk.broker(sim, events.append, client_id=6)
    await adapter.connect()
    try:
        assert isinstance(adapter, KeptBars)
        end = datetime.now(UTC)
        bars = await adapter.history("AAPL", ONE_MINUTE, end - timedelta(hours=1), end)
        asked = [f for _, f in sim.requests if f[0] == "20"]
        assert [f[21] for f in asked] == ["1"], "history up to now asks TWS to keep it up to date"
        assert adapter.keeps_bars("AAPL", ONE_MINUTE)

        def live() -> list[Bar]:
            return [e for e in events if isinstance(e, Bar) and e.symbol == "AAPL"]

        await ib_desk.until(lambda: len(live()) >= 3)
        newest = live()[-1]
        assert newest.source == adapter.account_id and newest.interval == ONE_MINUTE
        assert newest.start > bars[-1].start, "the bar under way, after the complete ones history returned"
        assert newest.low <= newest.close <= newest.high
        (subscription,) = sim.history_state.live.values()
        assert newest.close == subscription.close, "the close TWS sent last"

        again = await adapter.history("AAPL", ONE_MINUTE, end - timedelta(minutes=30), datetime.now(UTC))
        assert len([f for _, f in sim.requests if f[0] == "20"]) == 1, "a second chart reads the kept bars"
        assert again and again[-1].start >= bars[-1].start
        adapter.release_bars("AAPL", ONE_MINUTE)
        assert adapter.keeps_bars("AAPL", ONE_MINUTE), "one chart still holds them"
        adapter.release_bars("AAPL", ONE_MINUTE)
        assert not adapter.keeps_bars("AAPL", ONE_MINUTE)
        await ib_desk.until(lambda: not sim.history_state.live)
        await asyncio.sleep(0.1)
        seen = len(live())
        await asyncio.sleep(0.3)
        assert len(live()) == seen, "no bar after the last chart let go"
    finally:
        await adapter.disconnect()


async def test_history_that_ends_in_the_past_is_not_kept(adapter: IbBroker, sim: TwsSimulator) -> None:
    end = datetime.now(UTC) - timedelta(hours=1)
    bars = await adapter.history("AAPL", ONE_MINUTE, end - timedelta(hours=1), end)
    assert bars and [f[21] for _, f in sim.requests if f[0] == "20"] == ["0"]
    assert not adapter.keeps_bars("AAPL", ONE_MINUTE)


async def test_the_same_request_again_within_15_s_is_a_pacing_violation(ib: IB) -> None:
    contract = await _aapl(ib)
    errors: list[tuple[int, str]] = []
    ib.errorEvent += lambda req_id, code, message, contract_: errors.append((code, message))
    first = await asyncio.wait_for(ib.reqHistoricalDataAsync(contract, "", "1 D", "1 hour", "TRADES", False, 2), 5)
    again = await asyncio.wait_for(ib.reqHistoricalDataAsync(contract, "", "1 D", "1 hour", "TRADES", False, 2), 5)
    assert len(first) > 0 and list(again) == []
    assert (162, "Historical Market Data Service error message:Historical data request pacing violation") in errors


async def test_the_adapter_serves_bars_for_the_chart(adapter: IbBroker, sim: TwsSimulator) -> None:
    assert isinstance(adapter, BarHistory)
    assert adapter.history_intervals() == frozenset(CHART_INTERVALS)
    end = datetime.now(UTC)
    bars = await adapter.history("AAPL", ONE_MINUTE, end - timedelta(hours=2), end)
    assert 110 <= len(bars) <= 120
    assert all(b.interval == ONE_MINUTE and b.source == adapter.account_id and b.symbol == "AAPL" for b in bars)
    assert all(b.start.second == 0 and b.start >= end - timedelta(hours=2) for b in bars)
    mark = sim.market.mark("AAPL")
    assert abs(bars[-1].close - mark) / mark < Decimal("0.005"), "the past ends near the live price"


async def test_a_paced_request_says_so_and_what_to_do(adapter: IbBroker, sim: TwsSimulator) -> None:
    sim.history_pacing_next = True
    end = datetime.now(UTC)
    with pytest.raises(HistoryUnavailable, match=r"error 162, pacing\)\. Wait 15 s"):
        await adapter.history("AAPL", ONE_MINUTE, end - timedelta(hours=2), end)


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.01)
