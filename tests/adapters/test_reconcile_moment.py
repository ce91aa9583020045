"""A fill that lands between a snapshot's read of the trades and its read of the positions is no position
difference: Kite and easytrader answer each over its own HTTP call, so the adapters re-read until no trade came
between. Found by the chaos runs (kite_chaos_world.py seed 7, easytrader_chaos_world.py seed 29): reconciling
in a busy market halted the account now and then with "Positions differ from the broker's" by one fill.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.adapters.easytrader.adapter import EasytraderBroker
from core.adapters.easytrader.config import EasytraderConfig
from core.adapters.kite.adapter import KiteBroker
from core.adapters.kite.config import KiteConfig
from core.domain import AccountId, OrderRequest, OrderStatus, OrderType, Side, TradingState
from core.services.bus import EventBus
from core.services.session import TradingSession
from core.storage.journal import SqliteJournal
from tests.sims.easytrader import EasytraderSimulator
from tests.sims.easytrader.grids import GridRenderer
from tests.sims.easytrader.testing import sim_credentials, sim_settings
from tests.sims.kite import KiteSimulator
from tests.sims.kite.testing import sim_credentials as kite_credentials
from tests.sims.kite.testing import sim_settings as kite_settings

ACCOUNT = AccountId("ACC-1")


def once(action: Callable[[], None]) -> Callable[[], None]:
    armed = [True]

    def fire() -> None:
        if armed:
            armed.clear()
            action()

    return fire


@pytest.fixture
def easytrader_sim() -> Iterator[EasytraderSimulator]:
    with EasytraderSimulator() as sim:
        yield sim


@pytest.fixture
async def kite_sim() -> AsyncIterator[KiteSimulator]:
    simulator = KiteSimulator(tick_interval_s=0.05)
    await simulator.start()
    yield simulator
    await simulator.stop()


async def test_easytrader_reconciles_equal_when_an_order_fills_between_positions_and_trades(
    easytrader_sim: EasytraderSimulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = easytrader_sim
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    settings = sim_settings(sim, order_map_path=str(tmp_path / "orders.json"), request_timeout_s=1.0)
    session.add_account(EasytraderBroker(ACCOUNT, EasytraderConfig.from_mapping(settings), bus.publish,
                                         sim_credentials(sim)))
    await session.connect(ACCOUNT)
    bus.publish(sim.exchange.quote("600000"))  # easytrader sends no prices: another feed's quote
    try:
        bid = sim.exchange.quote("600000").bid
        assert bid is not None
        order = await session.submit(OrderRequest(ACCOUNT, "600000", Side.BUY, "100", OrderType.LIMIT,
                                                  str(bid - Decimal("0.20"))))
        assert order.status is OrderStatus.ACCEPTED
        [entrust] = sim.exchange.orders
        fill = once(lambda: sim.exchange._fill(entrust, entrust.price))
        rendered = GridRenderer.position

        def position_then_a_fill(grids: GridRenderer) -> Any:
            rows = rendered(grids)
            fill()  # the market fills the order right after the position grid was read
            return rows

        monkeypatch.setattr(GridRenderer, "position", position_then_a_fill)
        report = await session.connect(ACCOUNT)  # connected already: reconcile now
        assert report.differences == [], report.differences
        assert session.account(ACCOUNT).trading is TradingState.ACTIVE
        assert order.filled_qty == 100
    finally:
        await session.close()


async def test_kite_reconciles_equal_when_an_order_fills_between_trades_and_positions(
    kite_sim: KiteSimulator, tmp_path: Path
) -> None:
    sim = kite_sim
    bus = EventBus()
    session = TradingSession(bus, SqliteJournal(tmp_path / "journal.sqlite"))
    session.add_account(KiteBroker(ACCOUNT, KiteConfig.from_mapping(kite_settings(sim, ticker=False)), bus.publish,
                                   kite_credentials(sim)))
    await session.connect(ACCOUNT)
    bus.publish(sim.exchange.market.quote("INFY"))
    try:
        bid = sim.exchange.market.quote("INFY").bid
        assert bid is not None
        order = await session.submit(OrderRequest(ACCOUNT, "INFY", Side.BUY, "2", OrderType.LIMIT, str(bid - 20)))
        assert order.status is OrderStatus.ACCEPTED and order.broker_order_id is not None
        fill = once(lambda: sim.exchange.fill_now(str(order.broker_order_id)))
        listed = sim.exchange.position_lists

        def a_fill_then_positions() -> dict[str, list[dict[str, Any]]]:
            fill()  # the market fills the order just before the positions are read
            return listed()

        sim.exchange.position_lists = a_fill_then_positions  # type: ignore[method-assign]
        report = await session.connect(ACCOUNT)  # connected already: reconcile now
        assert report.differences == [], report.differences
        assert session.account(ACCOUNT).trading is TradingState.ACTIVE
        assert order.filled_qty == 2
    finally:
        await session.close()
