"""IB's own P&L (reqPnL per account, reqPnLSingle per position) reaches the bus as BrokerPnl, in Decimals."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

import pytest
from ib_async import PnL, PnLSingle

from core.adapters.ib.adapter import IbBroker
from core.adapters.ib.config import IbConfig
from core.adapters.ib.parsing import UNSET_DOUBLE, parse_pnl, parse_pnl_single
from core.domain import AccountId, BrokerPnl, ConnectionChanged, ConnectionState, Quote, Side
from tests.adapters.contract import EventRecorder
from tests.factories import make_order
from tests.sims.tws import TwsSimulator
from tests.sims.tws.testing import no_decoder_errors, sim_settings

ACCOUNT = AccountId("IB-PNL")
IB_ACCOUNT = "DU1234567"


# --- parsing (no socket) -------------------------------------------------------------------------


def figures(pnl: BrokerPnl) -> tuple[object, ...]:
    return pnl.account_id, pnl.symbol, pnl.daily, pnl.unrealized, pnl.realized


def test_account_pnl_is_decimal_and_has_no_symbol() -> None:
    pnl = parse_pnl(PnL(account=IB_ACCOUNT, dailyPnL=-1234.5, unrealizedPnL=10.25, realizedPnL=0.1), ACCOUNT)
    assert figures(pnl) == (ACCOUNT, None, Decimal("-1234.5"), Decimal("10.25"), Decimal("0.1"))


def test_figures_ib_has_not_computed_are_none_not_zero() -> None:
    pnl = parse_pnl(PnL(account=IB_ACCOUNT, dailyPnL=math.nan, unrealizedPnL=UNSET_DOUBLE, realizedPnL=0.0), ACCOUNT)
    assert (pnl.daily, pnl.unrealized, pnl.realized) == (None, None, Decimal(0))


def test_position_pnl_names_its_symbol() -> None:
    single = PnLSingle(account=IB_ACCOUNT, conId=265598, dailyPnL=12.0, unrealizedPnL=7.5, realizedPnL=math.nan,
                       position=10, value=1900.0)
    assert figures(parse_pnl_single(single, ACCOUNT, "AAPL")) == (ACCOUNT, "AAPL", Decimal(12), Decimal("7.5"), None)


# --- against the simulator -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    with no_decoder_errors():
        yield


@pytest.fixture
async def sim() -> AsyncIterator[TwsSimulator]:
    simulator = TwsSimulator(tick_interval_s=3600)  # a still market: marks, hence P&L, move only with fills
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def connected(sim: TwsSimulator) -> AsyncIterator[tuple[IbBroker, EventRecorder]]:
    events = EventRecorder()
    adapter = IbBroker(ACCOUNT, IbConfig.from_mapping(sim_settings(sim.port)), events)
    await adapter.connect()
    await adapter.subscribe(adapter.instruments())
    yield adapter, events
    await adapter.disconnect()


async def trade(adapter: IbBroker, events: EventRecorder, side: Side, quantity: str = "10") -> None:
    quote = await events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
    assert quote.bid is not None and quote.ask is not None
    price = quote.ask + 1 if side is Side.BUY else quote.bid - 1
    await adapter.submit(make_order(side=side, quantity=quantity, limit_price=str(price), account_id=ACCOUNT))


def last_pnl(events: EventRecorder, symbol: str | None) -> BrokerPnl:
    return [e for e in events.of_type(BrokerPnl) if e.symbol == symbol][-1]


async def test_account_pnl_arrives_on_connect(connected: tuple[IbBroker, EventRecorder]) -> None:
    _, events = connected
    flat = await events.wait_for(BrokerPnl, lambda e: e.symbol is None)
    assert figures(flat) == (ACCOUNT, None, Decimal(0), Decimal(0), Decimal(0)), "nothing traded yet"


async def test_a_position_shows_the_unrealized_pnl_ib_computes(
    connected: tuple[IbBroker, EventRecorder], sim: TwsSimulator
) -> None:
    adapter, events = connected
    await trade(adapter, events, Side.BUY)
    holding = sim.book.holdings[(IB_ACCOUNT, "AAPL")]
    expected = (sim.market.mark("AAPL") - holding.avg_price) * 10
    await events.wait_for(BrokerPnl, lambda e: e.symbol == "AAPL" and e.unrealized == expected)
    await events.wait_for(BrokerPnl, lambda e: e.symbol is None and e.unrealized == expected)
    assert expected != 0, "a fill at the ask marked at the mid is a visible loss"


async def test_a_round_trip_shows_the_realized_pnl_per_symbol_and_account(
    connected: tuple[IbBroker, EventRecorder], sim: TwsSimulator
) -> None:
    adapter, events = connected
    await trade(adapter, events, Side.BUY)
    await trade(adapter, events, Side.SELL)
    realized = sim.book.holdings[(IB_ACCOUNT, "AAPL")].realized
    assert realized < 0, "bought at the ask, sold at the bid"
    await events.wait_for(BrokerPnl, lambda e: e.symbol == "AAPL" and e.realized == realized and e.unrealized == 0)
    await events.wait_for(BrokerPnl, lambda e: e.symbol is None and e.realized == realized)
    assert last_pnl(events, None).daily == realized
    assert all(e.account_id == ACCOUNT for e in events.of_type(BrokerPnl))


async def test_pnl_resumes_after_a_reconnect_including_positions_held_before(
    connected: tuple[IbBroker, EventRecorder], sim: TwsSimulator
) -> None:
    adapter, events = connected
    await trade(adapter, events, Side.BUY)
    await events.wait_for(BrokerPnl, lambda e: e.symbol == "AAPL")
    before = set(map(id, events.of_type(BrokerPnl)))
    sim.drop_client(1)
    reconnected = await events.wait_for(ConnectionChanged, lambda e: "Reconnected" in e.message)
    assert reconnected.state is ConnectionState.CONNECTED
    await events.wait_for(BrokerPnl, lambda e: e.symbol == "AAPL" and id(e) not in before)
    await events.wait_for(BrokerPnl, lambda e: e.symbol is None and id(e) not in before)
    await trade(adapter, events, Side.SELL)
    realized = sim.book.holdings[(IB_ACCOUNT, "AAPL")].realized
    await events.wait_for(BrokerPnl, lambda e: e.symbol == "AAPL" and e.realized == realized and e.unrealized == 0)
