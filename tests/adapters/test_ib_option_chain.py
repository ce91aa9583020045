"""IB option chains with the real ib_async client against the TWS simulator: the search lists a narrowed chain
from reqSecDefOptParams (every expiry and strike, calls and puts), one request however long the chain; the
option picked is loaded by its contract details, streams its quotes and trades."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from core.domain import AssetClass, OrderRequest, OrderStatus, OrderType, Quote, Side
from core.services.symbol_search import SymbolSearchService
from tests.adapters import ib_desk
from tests.adapters.ib_desk import ACCOUNT, Desk
from tests.sims.tws.option_params import MSFT_CHAIN, option_parameters
from tests.sims.tws.server import TwsSimulator
from tests.sims.tws.symbols import ALL_LISTINGS

decoder_guard = ib_desk.decoder_guard


@pytest.fixture(name="sim")
async def fixture_sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(listings=ALL_LISTINGS + MSFT_CHAIN, tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture(name="desk")
async def fixture_desk(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
    made = Desk(sim, tmp_path, symbols=["AAPL"])
    await made.session.connect(ACCOUNT)
    yield made
    await made.close()


def asked(sim: TwsSimulator, msg_id: int) -> int:
    return sum(1 for _, fields in sim.requests if fields and fields[0] == str(msg_id))


async def test_a_strike_lists_every_expiry_call_and_put_from_the_option_parameters(
        desk: Desk, sim: TwsSimulator) -> None:
    found = await desk.adapter.search_symbols("MSFT 410", 20)
    assert [(m.kind, m.expiry, m.right, m.strike) for m in found] == [
        (AssetClass.OPTION, date(2026, 12, 18), "C", Decimal(410)), (AssetClass.OPTION, date(2026, 12, 18), "P",
                                                                     Decimal(410)),
        (AssetClass.OPTION, date(2027, 1, 15), "C", Decimal(410)), (AssetClass.OPTION, date(2027, 1, 15), "P",
                                                                    Decimal(410))]
    assert [m.symbol for m in found][:2] == ["MSFT  261218C00410000", "MSFT  261218P00410000"]
    assert {(m.venue, m.currency, m.multiplier, m.root) for m in found} == {("SMART", "USD", Decimal(100), "MSFT")}
    assert found[2].kind_text == "Option C 410 2027-01-15"
    assert asked(sim, 78) == 1, "the chain came from one reqSecDefOptParams"
    opt_details = [f for _, f in sim.requests if f[0] == "9" and "OPT" in f]
    assert opt_details == [], "no contract details of the whole chain"
    puts = await desk.adapter.search_symbols("MSFT PUT 2027", 20)
    assert [(m.expiry, m.strike) for m in puts] == [(date(2027, 1, 15), Decimal(s)) for s in (400, 410, 420)]


async def test_the_option_picked_from_the_chain_is_loaded_streams_and_trades(desk: Desk) -> None:
    service = SymbolSearchService(desk.session)
    (call,) = (await service.search("MSFT C 420 2026-12")).matches
    instrument = await service.add(call)
    assert (instrument.symbol, instrument.asset_class, instrument.multiplier, instrument.tick_size) == (
        "MSFT  261218C00420000", AssetClass.OPTION, Decimal(100), Decimal("0.05"))
    assert desk.session.instruments.find("MSFT  261218C00420000") == instrument
    await desk.events.wait_for(Quote, lambda q: q.symbol == instrument.symbol and q.ask is not None)
    order = await desk.session.submit(OrderRequest(ACCOUNT, instrument.symbol, Side.BUY, "2", OrderType.MARKET))
    await ib_desk.until(lambda: desk.session.oms.get(order.client_order_id).status is OrderStatus.FILLED)
    position = desk.session.portfolio.position(ACCOUNT, instrument.symbol)
    assert position is not None and position.quantity == 2


def test_the_simulator_answers_as_tws_one_row_per_exchange_then_the_end() -> None:
    messages = option_parameters(7, "MSFT", "STK", 272093, ALL_LISTINGS + MSFT_CHAIN)
    assert [m[:3] for m in messages] == [[75, 7, "SMART"], [75, 7, "CBOE"], [75, 7, "AMEX"], [76, 7]]
    assert messages[0][3:] == [272093, "MSFT", "100", 2, "20261218", "20270115", 3, "400.0", "410.0", "420.0"]
    assert option_parameters(8, "MSFT", "STK", 1, MSFT_CHAIN + ALL_LISTINGS) == [[76, 8]], "another conId: none"
    assert option_parameters(9, "SPY", "STK", 0, ALL_LISTINGS) == [[76, 9]], "no options listed"
