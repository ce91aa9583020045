"""IB symbol search with the real ib_async client against the TWS simulator: any currency, futures by expiry,
options when narrowed, forex; a contract whose details fail is refused with IB's reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AssetClass, OrderRequest, OrderStatus, OrderType, Quote, Side
from core.ports.errors import InvalidInstrument
from core.ports.symbol_search import SymbolSearch
from core.services.symbol_search import SymbolSearchService
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.symbols import ALL_LISTINGS

decoder_guard = ib_desk.decoder_guard


@pytest.fixture(name="sim")
async def fixture_sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(listings=ALL_LISTINGS, tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture(name="desk")
async def fixture_desk(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path, symbols=["AAPL", "SAP@IBIS/EUR", "7203@TSEJ"])
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


async def test_the_watchlist_takes_stocks_in_their_own_currency_and_exchange(desk: Desk) -> None:
    by_symbol = {i.symbol: i for i in desk.adapter.instruments()}
    assert (by_symbol["SAP"].currency, by_symbol["SAP"].venue) == ("EUR", "IBIS")
    assert (by_symbol["7203"].currency, by_symbol["7203"].venue, by_symbol["7203"].tick_size) == (
        "JPY", "TSEJ", Decimal("0.5"))


async def test_a_futures_root_lists_every_expiry_with_tick_and_multiplier(desk: Desk) -> None:
    assert isinstance(desk.adapter, SymbolSearch)
    found = await desk.adapter.search_symbols("ES", 20)
    futures = [m for m in found if m.kind is AssetClass.FUTURE]
    assert [(m.symbol, m.expiry) for m in futures] == [
        ("ESZ6", date(2026, 12, 18)), ("ESH7", date(2027, 3, 19)), ("ESM7", date(2027, 6, 18))]
    assert {(m.venue, m.currency, m.tick_size, m.multiplier, m.root) for m in futures} == {
        ("CME", "USD", Decimal("0.25"), Decimal(50), "ES")}
    assert futures[1].kind_text == "Future 2027-03-19"
    narrowed = await desk.adapter.search_symbols("ES 2027-06", 20)
    assert [m.symbol for m in narrowed] == ["ESM7"]


async def test_stocks_in_any_currency_are_found_with_their_names(desk: Desk) -> None:
    (sap,) = await desk.adapter.search_symbols("SAP", 5)
    assert (sap.name, sap.venue, sap.currency, sap.kind) == ("SAP SE", "IBIS", "EUR", AssetClass.STOCK)
    (toyota,) = await desk.adapter.search_symbols("TOYOTA", 5)
    assert (toyota.symbol, toyota.venue, toyota.currency) == ("7203", "TSEJ", "JPY")


async def test_options_show_when_the_query_narrows_the_chain(desk: Desk) -> None:
    plain = await desk.adapter.search_symbols("AAPL", 20)
    assert [m.kind for m in plain] == [AssetClass.STOCK]
    (call,) = await desk.adapter.search_symbols("AAPL C 200", 20)
    assert (call.kind, call.right, call.strike, call.expiry, call.multiplier) == (
        AssetClass.OPTION, "C", Decimal(200), date(2026, 12, 18), Decimal(100))
    assert call.kind_text == "Option C 200 2026-12-18"


async def test_forex_pairs_are_found_on_idealpro(desk: Desk) -> None:
    found = await desk.adapter.search_symbols("GBP", 5)
    assert [(m.symbol, m.venue, m.currency, m.kind) for m in found] == [
        ("GBP.USD", "IDEALPRO", "USD", AssetClass.FOREX)]


async def test_a_picked_future_is_added_and_trades(desk: Desk) -> None:
    service = SymbolSearchService(desk.session)
    result = await service.search("ESH7")
    assert result.matches[0].symbol == "ESH7"
    instrument = await service.add(result.matches[0])
    assert (instrument.asset_class, instrument.multiplier, instrument.tick_size) == (
        AssetClass.FUTURE, Decimal(50), Decimal("0.25"))
    assert desk.session.instruments.find("ESH7") == instrument
    await desk.events.wait_for(Quote, lambda q: q.symbol == "ESH7" and q.ask is not None)  # its quotes stream
    order = await desk.session.submit(OrderRequest(ACCOUNT, "ESH7", Side.BUY, "1", OrderType.MARKET))
    await ib_desk.until(lambda: desk.session.oms.get(order.client_order_id).status is OrderStatus.FILLED)


async def test_a_contract_without_details_is_refused_with_ibs_reason(desk: Desk) -> None:
    service = SymbolSearchService(desk.session)
    (twtr,) = (await service.search("TWTR")).matches
    with pytest.raises(InvalidInstrument, match=r"No security definition has been found.*IB error 200"):
        await service.add(twtr)
    assert desk.session.instruments.find("TWTR") is None


async def test_nothing_found_is_said_plainly(desk: Desk) -> None:
    result = await SymbolSearchService(desk.session).search("QQQZZ")
    assert result.matches == () and result.message.startswith("Nothing matches 'QQQZZ' on IB-")
