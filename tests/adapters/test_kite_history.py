"""Kite historical candles: the simulator serves /instruments/historical/{token}/{interval} in Kite's layout, and
the Kite adapter hands them to the chart as Bars (or says why Kite refused). Real kiteconnect over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId
from core.ports.bar_history import CHART_INTERVALS, FIVE_MINUTES, ONE_MINUTE, BarHistory, HistoryUnavailable
from tests.sims.kite import KiteSimulator
from tests.sims.kite.history import PER_SECOND
from tests.sims.kite.testing import sim_credentials, sim_fixture, sim_settings

sim = sim_fixture()


@pytest.fixture
async def adapter(sim: KiteSimulator) -> AsyncIterator[KiteBroker]:
    broker = KiteBroker(AccountId("KITE-1"), KiteConfig.from_mapping(sim_settings(sim, ticker=False)),
                        lambda event: None, sim_credentials(sim))
    await broker.connect()
    yield broker
    await broker.disconnect()


async def test_candles_come_from_the_historical_endpoint_in_ist_and_end_at_the_live_price(
        adapter: KiteBroker, sim: KiteSimulator) -> None:
    assert isinstance(adapter, BarHistory) and adapter.history_intervals() == frozenset(CHART_INTERVALS)
    symbol = next(iter(sim.exchange.listings))
    end = datetime.now(UTC)
    bars = await adapter.history(symbol, FIVE_MINUTES, end - timedelta(hours=6), end)
    assert 70 <= len(bars) <= 72
    (token, interval, _since, until), = sim.history.asked
    assert token == sim.exchange.listings[symbol].token and interval == "5minute"
    ist = timedelta(hours=5, minutes=30)
    assert until == (end + ist).strftime("%Y-%m-%d %H:%M:%S"), "Kite's from/to are IST"
    assert all(b.start.tzinfo is not None and b.start.minute % 5 == 0 and b.symbol == symbol for b in bars)
    assert all(b.low <= min(b.open, b.close) and max(b.open, b.close) <= b.high for b in bars)
    price = sim.exchange.market.quote(symbol).last
    assert price is not None and abs(bars[-1].close - price) / price < Decimal("0.005"), "the past ends near the price"


async def test_a_range_longer_than_kite_serves_is_cut_to_its_newest_days(adapter: KiteBroker,
                                                                         sim: KiteSimulator) -> None:
    symbol = next(iter(sim.exchange.listings))
    end = datetime.now(UTC)
    await adapter.history(symbol, ONE_MINUTE, end - timedelta(days=200), end)
    (_, _, since, _), = sim.history.asked
    asked_from = datetime.strptime(since, "%Y-%m-%d %H:%M:%S")
    assert (end.replace(tzinfo=None) + timedelta(hours=5, minutes=30) - asked_from).days == 60


async def test_kites_rate_limit_is_shown_as_the_reason_there_is_no_history(adapter: KiteBroker,
                                                                          sim: KiteSimulator) -> None:
    symbol = next(iter(sim.exchange.listings))
    end = datetime.now(UTC)
    with pytest.raises(HistoryUnavailable, match=r"Kite refused the \S+ history"):
        for _ in range(PER_SECOND + 1):
            await adapter.history(symbol, ONE_MINUTE, end - timedelta(hours=1), end)
    assert sim.history.rate_limited == 1
