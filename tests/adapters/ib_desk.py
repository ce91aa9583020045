"""The IB test desk: a real TradingSession wired to IbBroker against the TWS simulator, and its shared fixtures.

Test modules take the fixtures by assignment, so each says in one line how its simulator behaves:
    decoder_guard = ib_desk.decoder_guard
    sim = ib_desk.sim_fixture(rest_orders=True)
    desk = ib_desk.desk_fixture(order_timeout_s=0.3)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.ib.adapter import IbBroker
from core.adapters.ib.config import IbConfig
from core.domain import AccountId, Event, OrderRequest, OrderType, Quote, Side, TradingState
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.sims.tws import TwsSimulator
from tests.sims.tws.orders import SimOrder
from tests.sims.tws.testing import no_decoder_errors, sim_settings

ACCOUNT = AccountId("IB-1")


@pytest.fixture(autouse=True)
def decoder_guard() -> Iterator[None]:
    """Fail the test on any message ib_async could not decode (assign it in a module to make it autouse there)."""
    with no_decoder_errors():
        yield


def sim_fixture(*, rest_orders: bool = False, tick_interval_s: float = 0.02) -> Any:
    """Return a `sim` fixture: a running TwsSimulator; rest_orders: orders rest until a test fills them."""

    @pytest.fixture(name="sim")
    async def sim() -> AsyncIterator[TwsSimulator]:
        simulator = TwsSimulator(tick_interval_s=tick_interval_s)
        simulator.faults.rest_orders = rest_orders
        await simulator.start()
        yield simulator
        await simulator.stop()

    return sim


def desk_fixture(**overrides: object) -> Any:
    """Return a `desk` fixture: a Desk on the module's `sim`, connected; overrides go to the IB settings."""

    @pytest.fixture(name="desk")
    async def desk(sim: TwsSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
        made = Desk(sim, tmp_path, **overrides)
        await made.session.connect(ACCOUNT)
        yield made
        await made.close()

    return desk


def broker(sim: TwsSimulator, sink: Callable[[Event], None], client_id: int = 1, **overrides: object) -> IbBroker:
    return IbBroker(ACCOUNT, IbConfig.from_mapping(sim_settings(sim.port, client_id, **overrides)), sink)


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def at_ib(sim: TwsSimulator, coid: object) -> SimOrder:
    """Return the simulator's order for our client order id (its orderRef)."""
    order = sim.book.find_by_ref(str(coid))
    assert order is not None
    return order


class Desk:
    """A real TradingSession with a SqliteJournal, wired to an IbBroker, as the app composes them."""

    def __init__(self, sim: TwsSimulator, tmp_path: Path, **overrides: object) -> None:
        self.bus = EventBus()
        self.journal = SqliteJournal(tmp_path / "journal.sqlite")
        self.session = TradingSession(self.bus, self.journal)
        self.events = EventRecorder()
        self.bus.subscribe(Event, self.events)
        self.adapter = broker(sim, self.bus.publish, **overrides)
        self.session.add_account(self.adapter)

    async def order(self, offset_ticks: int, side: Side = Side.BUY, quantity: str = "10") -> OrderRequest:
        quote = await self.events.wait_for(Quote, lambda q: q.symbol == "AAPL" and q.bid is not None)
        assert quote.bid is not None and quote.ask is not None
        touch = quote.ask if side is Side.BUY else quote.bid
        price = touch + Decimal(offset_ticks) * Decimal("0.01") * side.sign
        return OrderRequest(ACCOUNT, "AAPL", side, quantity, OrderType.LIMIT, str(price))

    def trading(self) -> TradingState:
        return self.session.account(ACCOUNT).trading

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.disconnect()
        self.journal.close()
