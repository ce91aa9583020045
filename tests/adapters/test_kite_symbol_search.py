"""Kite symbol search with the real kiteconnect client against the simulator: several exchanges' dumps, cached
once a day, F&O with lot and tick sizes; a found NFO future is added and traded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, AssetClass, OrderRequest, OrderStatus, OrderType, Side
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import InstrumentMatch, SymbolSearch
from core.services.bus import EventBus
from core.services.risk import RiskConfig
from core.services.session import TradingSession
from core.services.symbol_search import SymbolSearchService
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.sims.kite import KiteSimulator
from tests.sims.kite.catalog import ALL_LISTINGS, CATALOG_ONLY
from tests.sims.kite.testing import sim_credentials, sim_settings

KITE = AccountId("KITE-1")


@pytest.fixture(name="sim")
async def fixture_sim() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(listings=ALL_LISTINGS, tick_interval_s=0.05)
    simulator.catalog_only = CATALOG_ONLY
    await simulator.start()
    yield simulator
    await simulator.stop()


def broker(sim: KiteSimulator, sink: object, cache: Path) -> KiteBroker:
    settings = sim_settings(sim, ticker=False, instruments_cache_dir=str(cache))
    return KiteBroker(KITE, KiteConfig.from_mapping(settings), sink, sim_credentials(sim))  # type: ignore[arg-type]


async def test_every_exchange_is_searched_and_its_list_fetched_once_a_day(sim: KiteSimulator, tmp_path: Path) -> None:
    adapter = broker(sim, EventRecorder(), tmp_path)
    await adapter.connect()
    assert isinstance(adapter, SymbolSearch)
    nifty = await adapter.search_symbols("NIFTY", 10)
    assert [m.symbol for m in nifty] == ["NIFTY26DECFUT", "NIFTY27JANFUT", "NIFTY26DEC24000PE", "NIFTY26DEC24500CE"]
    fut, _, put, _ = nifty
    assert (fut.venue, fut.kind, fut.expiry, fut.lot_size, fut.tick_size, fut.root) == (
        "NFO", AssetClass.FUTURE, date(2026, 12, 31), Decimal(75), Decimal("0.05"), "NIFTY")
    assert (put.kind, put.right, put.strike, put.kind_text) == (
        AssetClass.OPTION, "P", Decimal(24000), "Option P 24000 2026-12-31")
    assert [(m.symbol, m.venue) for m in await adapter.search_symbols("HDFC", 5)] == [("HDFCBANK", "BSE")]
    assert [(m.symbol, m.venue) for m in await adapter.search_symbols("CRUDE", 5)] == [("CRUDEOIL26DECFUT", "MCX")]
    (usdinr,) = await adapter.search_symbols("USDINR", 5)
    assert (usdinr.venue, usdinr.tick_size) == ("CDS", Decimal("0.0025"))
    # INFY is on NSE (the account's exchange, bare symbol) and on BSE (named BSE:INFY so the two never mix).
    assert [(m.symbol, m.venue, m.root) for m in await adapter.search_symbols("INFOSYS", 5)] == [
        ("INFY", "NSE", "INFY"), ("BSE:INFY", "BSE", "INFY")]
    await adapter.disconnect()
    again = broker(sim, EventRecorder(), tmp_path)
    await again.connect()
    added = await again.instrument_for(put)  # after a restart, before any search: today's lists are read again
    assert (added.symbol, added.venue, added.lot_size) == ("NIFTY26DEC24000PE", "NFO", Decimal(75))
    assert again.find_instrument("NIFTY26DEC24000PE") == added
    assert [m.symbol for m in await again.search_symbols("NIFTY 24500", 10)] == ["NIFTY26DEC24500CE"]
    await again.disconnect()
    for exchange in ("NSE", "BSE", "NFO", "MCX", "CDS"):
        assert sim.requests[f"GET /instruments/{exchange}"] == 1, exchange


async def test_a_found_nfo_future_is_added_and_traded_in_lots(sim: KiteSimulator, tmp_path: Path) -> None:
    sim.exchange.cash = sim.exchange.opening_cash = Decimal(5_000_000)  # one NIFTY lot is 1.8M notional here
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"),
                             risk=RiskConfig(accounts={str(KITE): {"collar_pct": None}}))  # no ticker: no quotes
    session.add_account(broker(sim, bus.publish, tmp_path))
    session.restore()
    await session.connect(KITE)
    try:
        service = SymbolSearchService(session)
        (match,) = [m for m in (await service.search("NIFTY26DECFUT")).matches]
        instrument = await service.add(match)
        assert (instrument.venue, instrument.lot_size) == ("NFO", Decimal(75))
        order = await session.submit(OrderRequest(KITE, "NIFTY26DECFUT", Side.BUY, "75", OrderType.LIMIT, "24600"))
        for _ in range(200):
            current = session.oms.get(order.client_order_id)
            if current is not None and current.status is OrderStatus.FILLED:
                break
            await asyncio.sleep(0.02)
        assert session.oms.get(order.client_order_id).status is OrderStatus.FILLED
        assert sim.exchange.trades[-1]["exchange"] == "NFO"
        gone = InstrumentMatch(KITE, "NIFTY25JANFUT", "NIFTY", "NFO", "INR", AssetClass.FUTURE)
        with pytest.raises(InvalidInstrument, match="has no NIFTY25JANFUT on NFO"):
            await service.add(gone)
    finally:
        await session.close()
        session.journal.close()
