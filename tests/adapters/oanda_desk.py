"""A real TradingSession with a SqliteJournal wired to an OandaBroker against the v20 simulator, for the tests of
OANDA's native brackets (test_oanda_brackets.py, test_oanda_bracket_waiting_move.py); a test module takes the
fixtures by assignment: sim = sim_fixture(); desk = desk_fixture()."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.oanda.adapter import create
from core.domain import AccountId, Event, Order, OrderRequest, OrderType, Quote, Side
from core.domain.protection import Bracket, ProtectionLeg, child_order_id
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.adapters.contract import EventRecorder
from tests.sims.oanda.server import OandaSimulator
from tests.sims.oanda.testing import sim_settings

ACCOUNT = AccountId("OANDA-B")
PIP = Decimal("0.0001")


class Desk:
    """A real TradingSession with a SqliteJournal, wired to an OandaBroker, as the app composes them."""

    def __init__(self, sim: OandaSimulator, tmp_path: Path) -> None:
        self.sim = sim
        self.journal = SqliteJournal(tmp_path / "journal.sqlite")
        self.session = TradingSession(EventBus(), self.journal)
        self.events = EventRecorder()
        self.session.bus.subscribe(Event, self.events)
        self.adapter = create(ACCOUNT, sim_settings(sim), self.session.bus.publish)
        self.session.add_account(self.adapter)

    async def connect(self) -> None:
        await self.session.connect(ACCOUNT)
        await self.adapter.subscribe(self.adapter.instruments())
        await self.events.wait_for(Quote, lambda q: q.symbol == "EUR_USD" and q.ask is not None)

    async def bracket_buy(self, take: Decimal = 50 * PIP, stop: Decimal = 30 * PIP,
                          order_type: OrderType = OrderType.LIMIT) -> tuple[Order, Order, Order]:
        """A 1000-unit buy 20 pips under the market (or at market) with a take-profit and stop-loss around it."""
        quote = self.sim.exchange.market.quote("EUR_USD")
        assert quote.ask is not None
        price = quote.ask - 20 * PIP if order_type is OrderType.LIMIT else quote.ask
        request = OrderRequest(ACCOUNT, "EUR_USD", Side.BUY, "1000", order_type,
                               str(price) if order_type is OrderType.LIMIT else None)
        entry = await self.session.submit_bracket(request, Bracket(stop_loss=price - stop, take_profit=price + take))
        stop_order = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.STOP_LOSS))
        target = self.session.oms.get(child_order_id(entry.client_order_id, ProtectionLeg.TAKE_PROFIT))
        assert stop_order is not None and target is not None, "the children are orders in our books"
        return entry, stop_order, target

    def at_oanda(self, order: Order) -> dict[str, Any]:
        found = [o for o in self.sim.exchange.orders.values() if o.client_id == str(order.client_order_id)]
        assert found, f"OANDA has no order {order.client_order_id}"
        return found[-1].wire

    async def close(self) -> None:
        await self.session.close()
        await self.adapter.disconnect()
        self.journal.close()


def desk_fixture() -> Any:
    """Return a `desk` fixture: a connected Desk on the module's `sim`."""

    @pytest.fixture(name="desk")
    async def desk(sim: OandaSimulator, tmp_path: Path) -> AsyncIterator[Desk]:
        made = Desk(sim, tmp_path)
        await made.connect()
        yield made
        await made.close()

    return desk


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def posts(sim: OandaSimulator) -> int:
    return sum(1 for t in sim.exchange.transactions if t["type"] == "LIMIT_ORDER" or t["type"] == "MARKET_ORDER")
